"""What the generated records (`kraken_energy_gql.records`) build on: decimal text, lazy tuples.

The records path validates a page in Rust (its deferred parts skipped), then builds records in
Python. Three things here keep the per-reading work small without weakening what a page's
validation promises:

* `DecimalText`: a wire decimal kept as the string sent, checked in Rust to be a finite decimal
  (and refused when JSON sends a number, which has lost digits already). The record builders
  make the `Decimal` (`Decimal(text)` is exact: `str()` of it gives the text back), so a bad
  number still fails when the page is fetched, and building it can wait.
* `Built`: a tuple of records built from their validated data on first access, once.
* `Deferred`: a `Built` whose data is not even validated until first access: a page's first
  validation skips it (the generated `SkimData` TypedDicts leave it out), and its `DeferredPage`
  validates the page's bytes again, whole, when one of its readings' parts is first read. A
  reading's statistics are mostly never read (a plot or a sum of `value` never touches them), so
  the records path skips them in Rust and pays for them only when they are asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any, Generic, TypeVar, overload

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

T = TypeVar("T")

DECIMAL_PATTERN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,9})?$"
"""A finite decimal that `decimal.Decimal` reads (no NaN, no Infinity, no spaces; an exponent
of at most nine digits, so that building the `Decimal` later cannot fail on its size)."""


class _DecimalInJson:
    """Validate a decimal's text in Rust: a JSON string holding a finite decimal, kept as sent."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.custom_error_schema(
            core_schema.str_schema(pattern=DECIMAL_PATTERN, strict=True),
            custom_error_type="decimal_not_a_string",
            custom_error_message="a decimal must arrive as a JSON string holding a finite decimal",
        )


DecimalText = Annotated[str, _DecimalInJson]
"""Kraken's `Decimal` scalar on the wire: the text sent, checked to be a finite decimal."""


class Built(Sequence[T], Generic[T]):
    """An immutable tuple of records, built from their validated data on first access, once.

    It equals (and hashes as) the tuple of its records, so a record holding it stays frozen,
    hashable and equal to its twin; comparing or hashing builds it. Two threads reading it for
    the first time at once may both build it: each gets equal records, one tuple is kept.

    Example:
        >>> statistics = Built(int, ["1", None, "2"])
        >>> statistics == (1, 2), len(statistics), statistics[0]
        (True, 2, 1)
    """

    __slots__ = ("_build", "_data", "_items")

    def __init__(self, build: Callable[[Any], T], data: Sequence[Any] | None) -> None:
        self._build: Callable[[Any], T] | None = build
        self._data = data
        self._items: tuple[T, ...] | None = None if data else ()

    def _tuple(self) -> tuple[T, ...]:
        items = self._items
        if items is None:
            build, data = self._build, self._data
            if build is None or data is None:  # another thread built it meanwhile
                return self._tuple()
            items = self._items = tuple([build(x) for x in data if x is not None])
            self._build = self._data = None  # the raw data is no longer needed (set after)
        return items

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self._tuple()[index]

    def __len__(self) -> int:
        return len(self._tuple())

    def __iter__(self) -> Iterator[T]:
        return iter(self._tuple())

    def __contains__(self, value: object) -> bool:
        return value in self._tuple()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Built):
            return self._tuple() == other._tuple()
        if isinstance(other, tuple):
            return self._tuple() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._tuple())

    def __repr__(self) -> str:
        return repr(self._tuple())

    def __reduce__(self) -> tuple[Any, ...]:
        return (_built_of, (self._tuple(),))


class DeferredPage:
    """One page's bytes, and the parts its first validation skipped, read on first need, once.

    `read(raw)` validates the whole page and returns each edge's part (None where there is
    none), in the page's order; it raises a `KrakenError` when they do not fit the operation's
    types. The bytes are kept until then, and dropped after.
    """

    __slots__ = ("_parts", "_raw", "_read")

    def __init__(self, read: Callable[[bytes], Sequence[Any]], raw: bytes) -> None:
        self._read: Callable[[bytes], Sequence[Any]] | None = read
        self._raw: bytes | None = raw
        self._parts: Sequence[Any] | None = None

    def part(self, index: int) -> Any:
        """Return edge `index`'s part, validating the page on the first call.

        Raises:
            KrakenError: the page's skipped parts do not fit the operation's types (every
                later call raises it again).
        """
        parts = self._parts
        if parts is None:
            read, raw = self._read, self._raw
            if read is None or raw is None:  # another thread read it meanwhile
                return self.part(index)
            parts = self._parts = read(raw)
            self._read = self._raw = None
        return parts[index]


class Deferred(Built[T]):
    """A `Built` whose data is one edge's part of a `DeferredPage`, read on first access.

    Example:
        >>> page = DeferredPage(lambda raw: [["1", "2"], None], b"...")
        >>> Deferred(int, page, 0) == (1, 2), len(Deferred(int, page, 1))
        (True, 0)
    """

    __slots__ = ("_index", "_page")

    def __init__(self, build: Callable[[Any], T], page: DeferredPage, index: int) -> None:
        self._build = build
        self._data = None
        self._items = None
        self._page: DeferredPage | None = page
        self._index = index

    def _tuple(self) -> tuple[T, ...]:
        items = self._items
        if items is None:
            build, page = self._build, self._page
            if build is None or page is None:  # another thread built it meanwhile
                return self._tuple()
            data = page.part(self._index)
            items = self._items = tuple([build(x) for x in data or () if x is not None])
            self._build = self._page = None
        return items


def _built_of(items: tuple[T, ...]) -> Built[T]:
    """Rebuild an unpickled `Built` from its records."""
    built: Built[T] = Built(_identity, items)
    built._tuple()
    return built


def _identity(value: T) -> T:
    return value
