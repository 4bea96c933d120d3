"""Paging through any Relay connection of any generated operation.

An operation's paging is declared once, as a `Connection`: which argument takes the cursor, which
the page size, where the connection sits in the result, and which schema field it is (the key
under which a client remembers the largest page size Kraken accepted). `Paginator` then gives the
first page (`await`), every page (`.pages()`) or every node (`async for`), guarded against cursors
that do not advance, pages that repeat and runaway page counts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, Protocol, TypeVar

from ._errors import KrakenError, PaginationError

DEFAULT_MAX_PAGES: Final = 10_000
"""A paginator refuses to fetch more pages than this (a runaway loop, not a real range)."""

DOCUMENTED_MAX_PAGE_SIZE: Final = 100
"""Kraken's guide: `first` above 100 is an error (KT-CT-1202/1203) on most fields."""

PAGE_SIZE_REFUSED: Final = frozenset({"KT-CT-1202", "KT-CT-1203"})
"""Codes meaning "ask for fewer records per page"."""


class PaginationLoopError(KrakenError):
    """The server's cursors stopped advancing or pages repeated: stopping instead of looping."""


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
            f"{field}: page {number} did not advance the cursor ({following!r}); stopping "
            "instead of fetching it again"
        )
    seen.add(following)
    return following


def too_many_pages(field: str, max_pages: int) -> PaginationLoopError:
    """Build the error for a fetch that would go past `max_pages`."""
    return PaginationLoopError(
        f"{field}: more than {max_pages} pages; raise max_pages if the range really is that large"
    )


class Paginator(Generic[R]):
    """Every page of one connection: `await` it for the first, `async for` for every node.

    Raises (while iterating):
        PaginationLoopError: a cursor did not advance, a page repeated, or max_pages was hit.
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
        self._page_size = page_size or connection.initial_page_size
        self._max_pages = max_pages
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
        for number in range(1, self._max_pages + 1):
            arguments = {**self._arguments, self._connection.cursor_argument: cursor}
            result, size = await fetch_page(
                self._method, self._connection, self._sizes, size, arguments
            )
            yield result
            page = self._connection.extract(result)
            if page is None or not page.page_info.has_next_page:
                return
            cursor = advance(
                self._connection.field, number, cursor, page.page_info.end_cursor, seen
            )
        raise too_many_pages(self._connection.field, self._max_pages)

    async def __aiter__(self) -> AsyncIterator[Any]:
        async for result in self.pages():
            page = self._connection.extract(result)
            for edge in page.edges if page is not None else ():
                if edge is not None and edge.node is not None:
                    yield edge.node
