"""What paging through any Relay connection of any generated operation is declared with.

An operation's paging is declared once, as a `Connection`: which argument takes the cursor, which
the page size, where the connection sits in the result, and which schema field it is (the key
under which a client remembers the largest page size Kraken accepted, in `PageSizes`). The one
pager, `_pager.follow`, walks a connection with it; `Paginator` (`KrakenClient.paginate`) and the
measurement fetch both use it.

The guards of every fetch that pages live here; each failure is a `PaginationError` saying what
was seen:
- `PaginationLoopError`: a cursor that does not advance, or more pages than `max_pages`;
- `MissingPageError`: a null where a later page was expected (the fetch would end early);
- `RepeatedPageError`: a page holding nodes already received (`RepeatGuard`): an edge cursor
  seen before, or the same first and last node as an earlier page. A server that ignores
  `after` while handing out fresh cursors is caught on the second page;
- `IncompleteFetchError`: fewer nodes than the connection's `totalCount` promised.
"""

from __future__ import annotations

from collections.abc import (
    Callable,
    Hashable,
    Sequence,
)
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Generic, Protocol, TypeVar

from ._errors import InvalidArgumentError, PaginationError

DEFAULT_MAX_PAGES: Final = 10_000
"""A paginator refuses to fetch more pages than this (a runaway loop, not a real range)."""

DOCUMENTED_MAX_PAGE_SIZE: Final = 100
"""Kraken's guide: `first` above 100 is an error (KT-CT-1202/1203) on most fields."""

PAGE_SIZE_REFUSED: Final = frozenset({"KT-CT-1202", "KT-CT-1203"})
"""Codes meaning "ask for fewer records per page"."""


Window = tuple[datetime, datetime]


class InconsistentPagesError(PaginationError):
    """Pages that would lose or repeat nodes: found by the client, not sent by Kraken.

    Keeps what was seen: the paginated `field`, the `property_id` and `window` ([start, end))
    where known, the page `number`, and the `expected` and `received` node counts.
    """

    def __init__(
        self,
        problem: str,
        *,
        field: str,
        operation_name: str | None = None,
        property_id: str | None = None,
        window: Window | None = None,
        page: int | None = None,
        expected: int | None = None,
        received: int | None = None,
    ) -> None:
        self.problem = problem
        self.field = field
        self.property_id = property_id
        self.window = window
        self.page = page
        self.expected = expected
        self.received = received
        entry = {"message": problem, "extensions": {"errorType": "VALIDATION"}}
        super().__init__([entry], None, operation_name)

    def _line(self) -> str:
        where = self.field
        if self.property_id is not None:
            where += f" of property {self.property_id!r}"
        if self.window is not None:
            start, end = self.window
            where += f" in [{start.isoformat()}, {end.isoformat()})"
        if self.page is not None:
            where += f", page {self.page}"
        counts = ""
        if self.expected is not None or self.received is not None:
            counts = f" (expected {self.expected}, received {self.received})"
        return f"{where}: {self.problem}{counts}"


class PaginationLoopError(InconsistentPagesError):
    """The server's cursors stopped advancing, or the pages outran `max_pages`: stopping."""

    def __init__(self, problem: str, **seen: Any) -> None:
        seen.setdefault("field", "pagination")
        super().__init__(problem, **seen)


class MissingPageError(InconsistentPagesError):
    """A later page came back null (`property` or the connection) without any error."""


class RepeatedPageError(InconsistentPagesError):
    """A page held nodes already received (a server ignoring `after`, or windows)."""


class IncompleteFetchError(InconsistentPagesError):
    """The pages ended with fewer nodes than the connection's `totalCount` promised."""


class RepeatGuard:
    """Spots a page repeating nodes already received.

    `walk()` starts following one cursor: its edge cursors must all be new. The first and last
    node of every page (any hashable key for them) must not be an earlier page's pair, across
    every walk of the guard (e.g. the windows of one property).
    """

    def __init__(self) -> None:
        self._cursors: set[str] = set()
        self._bounds: set[Hashable] = set()

    def walk(self) -> RepeatGuard:
        """Return a guard for a new cursor walk, sharing this one's first-and-last-node pairs."""
        walk = RepeatGuard()
        walk._bounds = self._bounds
        return walk

    def repeated(self, cursors: Sequence[str | None], first: Hashable, last: Hashable) -> bool:
        """Record a page; return whether it repeats an earlier one (its nodes seen before)."""
        fresh = {cursor for cursor in cursors if cursor is not None}
        if not fresh.isdisjoint(self._cursors):
            return True
        bounds = (first, last)
        if cursors and bounds in self._bounds:
            return True
        self._cursors |= fresh
        if cursors:
            self._bounds.add(bounds)
        return False


def checked_count(value: object, argument: str) -> int:
    """Return a whole number >= 1, or refuse it (before anything is sent).

    Raises:
        InvalidArgumentError: not an int (a bool, a str such as "100") or below 1.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(argument, f"must be a whole number >= 1, got {value!r}")
    return value


class PageInfoLike(Protocol):
    """What every Relay `pageInfo` has."""

    @property
    def has_next_page(self) -> bool: ...

    @property
    def end_cursor(self) -> str | None: ...


class EdgeLike(Protocol):
    """What every Relay edge has."""

    @property
    def cursor(self) -> str: ...

    @property
    def node(self) -> Any: ...


class ConnectionLike(Protocol):
    """What every Relay connection has."""

    @property
    def page_info(self) -> PageInfoLike: ...

    @property
    def edges(self) -> Sequence[EdgeLike | None]: ...


R = TypeVar("R")


@dataclass(frozen=True)
class Connection(Generic[R]):
    """How one operation pages, declared once.

    Example:
        >>> PROPERTY_MEASUREMENTS = Connection(
        ...     field="PropertyType.measurements",
        ...     extract=lambda result: result.property_ and result.property_.measurements,
        ...     initial_page_size=1000)
    """

    field: str
    """The schema coordinate of the paginated field: the key of the remembered page size."""
    extract: Callable[[R], ConnectionLike | None]
    """Where the connection is in the operation's result (None when the parent is null)."""
    cursor_argument: str = "cursor"
    size_argument: str = "first"
    initial_page_size: int = DOCUMENTED_MAX_PAGE_SIZE
    """The first size tried when the caller names none and Kraken has refused none yet."""


class PageSizes:
    """The largest page size Kraken accepted, per paginated field, for one client."""

    def __init__(self) -> None:
        self._limits: dict[str, int] = {}

    def choose(self, field: str, wanted: int) -> int:
        """`wanted`, capped by the limit known for `field`."""
        return min(wanted, self._limits.get(field, wanted))

    def refused(self, field: str, size: int) -> int | None:
        """Remember that `size` was refused for `field`; return the next size, None if none."""
        smaller = DOCUMENTED_MAX_PAGE_SIZE if size > DOCUMENTED_MAX_PAGE_SIZE else size // 2
        if smaller < 1:
            return None
        self._limits[field] = min(smaller, self._limits.get(field, smaller))
        return self._limits[field]
