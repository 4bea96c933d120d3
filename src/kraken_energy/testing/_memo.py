"""Answers the fake computed once, shared by every fake in the process that would compute them.

Executing a measurements page is most of the fake's work, and a test suite builds many fakes
serving the same data: each would execute the same queries again. One process-wide memo
serves them all. Its keys hold everything a fault-free query's data depends on, so two fakes
share an answer only when each would have computed it byte for byte:

- the executable schema (the object: fakes built from different SDL never share);
- the scenario, by its ``repr``, which is exact where ``==`` is not (``Decimal("1.0")`` equals
  ``Decimal("1.00")`` but is printed differently, and ``True`` equals ``1``);
- ``max_page_size``, which decides whether a page is refused;
- the query text, its variables, the operation and the viewer (a principal sees only its own
  accounts);
- the half-hour of the fake's present moment: data runs to the last whole half-hour before it.

What the key leaves out never reaches a memoised answer: faults that reshape an answer, spent
allowances, authentication errors, mutations, ``rateLimitInfo`` and results with errors are
executed every time (see ``FakeKrakenApp._execute``). The token service, credentials and
lifetimes decide who the viewer is, never what the viewer's data is.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from typing import Any, Final

from graphql import DocumentNode, GraphQLSchema, validate

from ._data import Scenario

Answer = tuple[dict[str, Any], bytes]
"""A result and its encoded JSON body."""

_IDENTITIES_KEPT: Final = 64
"""Distinct (schema, scenario, page size) identities remembered; older ones get fresh ones."""
_VALIDATIONS_KEPT: Final = 1024
"""Distinct (schema, query text) validations kept."""


class SharedAnswers:
    """A thread-safe, least-recently-used memo of answers, bounded in entries.

    Its size is the largest ``result_cache_size`` any fake in the process asked for, so a
    benchmark's large memo is not trimmed by a default one; a fake asking for 0 neither reads
    nor writes it.
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()
        self._identities: OrderedDict[tuple[Any, ...], int] = OrderedDict()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self.size = 0

    def identity(self, schema: GraphQLSchema, scenario: Scenario, max_page_size: int) -> int:
        """Return the number naming what answers depend on besides the request and the time.

        Fakes alike get the same number; a number is never given to anything else, even once
        forgotten (a forgotten identity only stops sharing).
        """
        key = (schema, repr(scenario), max_page_size)
        with self._lock:
            number = self._identities.get(key)
            if number is None:
                number = self._identities[key] = next(self._numbers)
                if len(self._identities) > _IDENTITIES_KEPT:
                    self._identities.popitem(last=False)
            else:
                self._identities.move_to_end(key)
            return number

    def reserve(self, size: int) -> None:
        """Let the memo hold at least ``size`` answers."""
        with self._lock:
            self.size = max(self.size, size)

    def get(self, key: tuple[Any, ...]) -> Answer | None:
        """Return the answer stored under ``key``, if any, marking it recently used."""
        with self._lock:
            answer = self._entries.get(key)
            if answer is not None:
                self._entries.move_to_end(key)
            return answer

    def put(self, key: tuple[Any, ...], answer: Answer) -> None:
        """Store an answer, forgetting the least recently used beyond the size."""
        with self._lock:
            self._entries[key] = answer
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def held(self) -> list[tuple[Any, ...]]:
        """Return the keys held, least recently used first (for tests)."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget every answer."""
        with self._lock:
            self._entries.clear()


SHARED_ANSWERS: Final = SharedAnswers()
"""The process's memo, used by every ``FakeKrakenApp``."""


_validations: OrderedDict[tuple[GraphQLSchema, str], tuple[dict[str, Any], ...]] = OrderedDict()
_validations_lock = threading.Lock()


def validation_errors(
    schema: GraphQLSchema, query: str, document: DocumentNode
) -> tuple[dict[str, Any], ...]:
    """Return the formatted validation errors of a query text against a schema, once per pair.

    ``document`` is the parse of ``query``; validation depends on nothing else, so fakes
    sharing a schema validate each text once between them.
    """
    key = (schema, query)
    with _validations_lock:
        errors = _validations.get(key)
    if errors is None:
        errors = tuple(dict(error.formatted) for error in validate(schema, document))
        with _validations_lock:
            _validations[key] = errors
            if len(_validations) > _VALIDATIONS_KEPT:
                _validations.popitem(last=False)
    return errors
