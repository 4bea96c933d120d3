"""Paging through any Relay connection of any generated operation.

An operation's paging is declared once, as a `Connection`: which argument takes the cursor, which
the page size, where the connection sits in the result, and which schema field it is (the key
under which a client remembers the largest page size Kraken accepted). `Paginator` then gives the
first page (`await`), every page (`.pages()`) or every node (`async for`), guarded against cursors
that do not advance, pages that repeat and runaway page counts.

The guards are for any fetch that pages (the measurement fetch uses them too); each failure is a
`PaginationError` saying what was seen:
- `PaginationLoopError`: a cursor that does not advance, or more pages than `max_pages`;
- `MissingPageError`: a null where a later page was expected (the fetch would end early);
- `RepeatedPageError`: a page holding nodes already received (`RepeatGuard`): an edge cursor
  seen before, or the same first and last node as an earlier page. A server that ignores
  `after` while handing out fresh cursors is caught on the second page;
- `IncompleteFetchError`: fewer nodes than the connection's `totalCount` promised.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Hashable, Sequence
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


async def fetch_page(
    method: Callable[..., Awaitable[R]],
    connection: Connection[Any],
    sizes: PageSizes,
    size: int,
    arguments: dict[str, Any],
) -> tuple[R, int]:
    """Fetch one page, shrinking the page size while Kraken refuses it; return result and size.

    Raises:
        PaginationError: refused for another reason (a missing `first`, a bad cursor).
    """
    size = sizes.choose(connection.field, size)
    while True:
        try:
            return await method(**arguments, **{connection.size_argument: size}), size
        except PaginationError as error:
            smaller = (
                sizes.refused(connection.field, size) if error.code in PAGE_SIZE_REFUSED else None
            )
            if smaller is None:
                raise  # another refusal, or even one record per page refused: Kraken's own error
            size = smaller


def advance(
    field: str, number: int, cursor: str | None, following: str | None, seen: set[str]
) -> str:
    """Return the cursor of the page after page `number`, refusing one that does not advance.

    Raises:
        PaginationLoopError: `following` is missing, equals `cursor`, or was seen before.
    """
    if following is None or following == cursor or following in seen:
        raise PaginationLoopError(
            f"the cursor did not advance ({following!r}); stopping instead of fetching the "
            "page again",
            field=field,
            page=number,
        )
    seen.add(following)
    return following


def too_many_pages(field: str, max_pages: int) -> PaginationLoopError:
    """Build the error for a fetch that would go past `max_pages`."""
    return PaginationLoopError(
        f"more than {max_pages} pages; raise max_pages if the range really is that large",
        field=field,
    )


class Paginator(Generic[R]):
    """Every page of one connection: `await` it for the first, `async for` for every node.

    Raises:
        InvalidArgumentError: (when built) a page size or max_pages not a whole number >= 1.
        PaginationLoopError: (while iterating) a cursor did not advance, or max_pages was hit.
        MissingPageError: (while iterating) a page after the first came back null.
        RepeatedPageError: (while iterating) a page held nodes of an earlier one.
        KrakenError: whatever the operation raises.

    Example:
        >>> pages = kraken.paginate(kraken.get_property_measurements, PROPERTY_MEASUREMENTS,
        ...                         property_id="308641", start_at=start, end_at=end)
        >>> first = await pages                       # the first page's result
        >>> async for node in pages: ...              # every node of every page
        >>> async for result in pages.pages(): ...    # every page's result
    """

    def __init__(
        self,
        method: Callable[..., Awaitable[R]],
        connection: Connection[R],
        sizes: PageSizes,
        arguments: dict[str, Any],
        *,
        page_size: int | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        cursor: str | None = None,
    ) -> None:
        self._method = method
        self._connection = connection
        self._sizes = sizes
        self._arguments = arguments
        self._page_size = (
            connection.initial_page_size
            if page_size is None
            else checked_count(page_size, "page_size")
        )
        self._max_pages = checked_count(max_pages, "max_pages")
        self._cursor = cursor

    def __await__(self) -> Generator[Any, None, R]:
        return self._first().__await__()

    async def _first(self) -> R:
        async for result in self.pages():
            return result
        raise AssertionError("pages() always yields at least one page")  # pragma: no cover

    async def pages(self) -> AsyncIterator[R]:
        """Yield each page's whole result, following `endCursor` while `hasNextPage`."""
        cursor, seen, size = self._cursor, set[str](), self._page_size
        field, guard = self._connection.field, RepeatGuard()
        for number in range(1, self._max_pages + 1):
            arguments = {**self._arguments, self._connection.cursor_argument: cursor}
            result, size = await fetch_page(
                self._method, self._connection, self._sizes, size, arguments
            )
            page = self._connection.extract(result)
            if page is None and number > 1:  # the first may be null: a parent not found
                raise MissingPageError("a later page came back null", field=field, page=number)
            if page is not None:
                edges = [edge for edge in page.edges if edge is not None]
                first = repr(edges[0].node) if edges else None
                last = repr(edges[-1].node) if edges else None
                if guard.repeated([edge.cursor for edge in edges], first, last):
                    raise RepeatedPageError(
                        "the page repeats nodes already received", field=field, page=number
                    )
            yield result
            if page is None or not page.page_info.has_next_page:
                return
            cursor = advance(field, number, cursor, page.page_info.end_cursor, seen)
        raise too_many_pages(self._connection.field, self._max_pages)

    async def __aiter__(self) -> AsyncIterator[Any]:
        async for result in self.pages():
            page = self._connection.extract(result)
            for edge in page.edges if page is not None else ():
                if edge is not None and edge.node is not None:
                    yield edge.node
