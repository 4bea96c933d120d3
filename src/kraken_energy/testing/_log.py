"""The request log: what each request asked and got, for assertions."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequestRecord:
    """One request the fake answered (or refused to answer).

    Attributes:
        number: GraphQL request number (1-based; 0 for the OAuth ``/token/`` endpoint).
        path: The URL path, e.g. ``/v1/graphql/``.
        operation_name: The operation name sent or, failing that, found in the document.
        variables: The variables sent.
        token: The token from the ``Authorization`` header (it is a fake), or None.
        token_fingerprint: A short digest of ``token``, or None.
        status: The HTTP status answered (0 when the connection was dropped).
        error_codes: The ``KT-CT-`` codes in the response's errors, in order.
        faults: The names of the faults that fired.

    """

    number: int
    path: str
    operation_name: str | None
    variables: dict[str, Any]
    token: str | None
    token_fingerprint: str | None
    status: int
    error_codes: tuple[str, ...] = ()
    faults: tuple[str, ...] = field(default=())

    @property
    def authenticated(self) -> bool:
        """Whether an ``Authorization`` header was sent."""
        return self.token is not None


class RequestLog:
    """A thread-safe, append-only list of :class:`RequestRecord`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        """Record a request."""
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        """Return a copy of the records so far."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()
