"""The one pager: follows a Relay connection's cursor, for `paginate()` and the measurement fetch.

`follow` fetches page after page of one `Connection` (`fetch_page`: a page size Kraken refuses
is halved and remembered), decodes each with the reader it is given (`relay_page` keeps the
generated model whole; the measurement fetch builds records), and guards the walk: a cursor that
does not advance (`advance`), a page that repeats nodes already received, as a server ignoring
`after` would send (`RepeatGuard`), a null page, and more than `max_pages` pages.
`Paginator` is `KrakenClient.paginate`'s view of it: the first page, every page or every node.
"""

from __future__ import annotations

from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Hashable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ._errors import PaginationError
from ._pagination import (
    DEFAULT_MAX_PAGES,
    PAGE_SIZE_REFUSED,
    Connection,
    MissingPageError,
    PageSizes,
    PaginationLoopError,
    RepeatedPageError,
    RepeatGuard,
    checked_count,
)

R = TypeVar("R")


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


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page as `follow` reads it: what to hand on, and what the guards look at."""

    items: T
    """What the page decodes to: the whole result, or records built from its nodes."""
    cursors: Sequence[str]
    """The cursors of its edges, in order."""
    first: Hashable
    """A key of its first node (None when it has none), for `RepeatGuard`."""
    last: Hashable
    """A key of its last node."""
    has_next: bool
    end_cursor: str | None


async def follow(
    method: Callable[..., Awaitable[R]],
    connection: Connection[Any],
    sizes: PageSizes,
    arguments: Mapping[str, Any],
    read: Callable[[R], Page[T] | None],
    *,
    page_size: int,
    max_pages: int = DEFAULT_MAX_PAGES,
    cursor: str | None = None,
    guard: RepeatGuard | None = None,
    first_may_be_null: bool = False,
    where: Mapping[str, Any] | None = None,
) -> AsyncIterator[tuple[R, Page[T] | None]]:
    """Follow one connection's cursor: the one pager of the package, for every fetch that pages.

    Each page is fetched by `fetch_page` (a refused page size is halved and remembered in
    `sizes`), decoded by `read` (None when the connection is null), guarded, then yielded with
    its result, while `hasNextPage`. `cursor` resumes after a page already received; `guard`
    is shared with pages received elsewhere (e.g. other windows of one series); `where` (the
    `property_id`, the `window`) goes into the errors. With `first_may_be_null`, a null first
    page (a parent not found) is yielded as `(result, None)` and ends the walk.

    Raises:
        MissingPageError: a page came back null (a later one, or any without
            `first_may_be_null`): ending there would lose the rest silently.
        RepeatedPageError: a page repeats nodes already received (an edge cursor seen before,
            or the same first and last node as an earlier page: a server ignoring `after`).
        PaginationLoopError: a cursor that does not advance, or more than `max_pages` pages.
    """
    field, seen, size = connection.field, set[str](), page_size
    guard = guard if guard is not None else RepeatGuard()
    context = dict(where or {})
    for number in range(1, max_pages + 1):
        result, size = await fetch_page(
            method, connection, sizes, size, {**arguments, connection.cursor_argument: cursor}
        )
        page = read(result)
        if page is None:
            if number == 1 and first_may_be_null:
                yield result, None
                return
            raise MissingPageError(
                "a page came back null without any error", field=field, page=number, **context
            )
        if guard.repeated(page.cursors, page.first, page.last):
            raise RepeatedPageError(
                "the page repeats nodes already received", field=field, page=number, **context
            )
        yield result, page
        if not page.has_next:
            return
        cursor = advance(field, number, cursor, page.end_cursor, seen)
    raise too_many_pages(field, max_pages)


def relay_page(connection: Connection[R]) -> Callable[[R], Page[R] | None]:
    """Return the reader of a generated model's page: the whole result, nodes keyed by repr."""

    def read(result: R) -> Page[R] | None:
        page = connection.extract(result)
        if page is None:
            return None
        edges = [edge for edge in page.edges if edge is not None]
        return Page(
            items=result,
            cursors=[edge.cursor for edge in edges],
            first=repr(edges[0].node) if edges else None,
            last=repr(edges[-1].node) if edges else None,
            has_next=page.page_info.has_next_page,
            end_cursor=page.page_info.end_cursor,
        )

    return read


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
        async for result, _ in follow(
            self._method,
            self._connection,
            self._sizes,
            self._arguments,
            relay_page(self._connection),
            page_size=self._page_size,
            max_pages=self._max_pages,
            cursor=self._cursor,
            first_may_be_null=True,  # a parent not found: the caller reads the null
        ):
            yield result

    async def __aiter__(self) -> AsyncIterator[Any]:
        async for result in self.pages():
            page = self._connection.extract(result)
            for edge in page.edges if page is not None else ():
                if edge is not None and edge.node is not None:
                    yield edge.node
