"""The one pager, `follow`: pluggable decoding, and the guards every paging fetch shares."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import kraken_energy as kc
from kraken_energy._pager import Page, follow
from kraken_energy._pagination import Connection, PageSizes


@dataclass
class Server:
    """Answers page requests from a function of the cursor; records the cursors asked for."""

    answer: Callable[[str | None], dict[str, Any] | None]
    asked: list[str | None]

    async def __call__(self, **arguments: Any) -> dict[str, Any] | None:
        self.asked.append(arguments["cursor"])
        return self.answer(arguments["cursor"])


CONNECTION: Connection[Any] = Connection(field="Test.items", extract=lambda result: None)


def numbered(offset: int, count: int, total: int, *, fresh: str = "") -> dict[str, Any]:
    """A page of `count` numbered items from `offset`; cursors are the numbers (plus `fresh`)."""
    items = list(range(offset, min(offset + count, total)))
    return {"items": items, "cursors": [f"{fresh}{i}" for i in items],
            "next": offset + count < total, "end": f"{fresh}{items[-1]}"}


def read(result: dict[str, Any] | None) -> Page[list[str]] | None:
    """Decode a page into strings, as a measurement fetch builds records from a page."""
    if result is None:
        return None
    items = [f"item {i}" for i in result["items"]]
    return Page(items=items, cursors=result["cursors"], first=items[0], last=items[-1],
                has_next=result["next"], end_cursor=result["end"])


async def walk(server: Server, **options: Any) -> list[str]:
    pages = follow(server, CONNECTION, PageSizes(), {}, read, page_size=2, **options)
    return [item async for _, page in pages if page is not None for item in page.items]


async def test_follow_yields_every_decoded_page_in_order() -> None:
    """`follow` hands the reader's decoding on, page after page, following the end cursor."""
    server = Server(lambda cursor: numbered(0 if cursor is None else int(cursor) + 1, 2, 5), [])
    assert await walk(server) == [f"item {i}" for i in range(5)]
    assert server.asked == [None, "1", "3"]


async def test_a_server_ignoring_after_is_caught_on_the_second_page() -> None:
    """The same first page again under fresh cursors is a RepeatedPageError naming the page."""
    calls = iter(range(100))
    server = Server(lambda cursor: numbered(0, 2, 9, fresh=f"c{next(calls)}-"), [])
    with pytest.raises(kc.RepeatedPageError, match="page 2"):
        await walk(server)
    assert len(server.asked) == 2


async def test_a_later_null_page_names_where_it_was_missing() -> None:
    """A null page after the first raises MissingPageError with the context it was given."""
    server = Server(lambda cursor: numbered(0, 2, 9) if cursor is None else None, [])
    with pytest.raises(kc.MissingPageError, match=r"of property '7'.*page 2"):
        await walk(server, where={"property_id": "7"})


async def test_a_null_first_page_ends_the_walk_when_allowed() -> None:
    """With first_may_be_null, a null first page is yielded as such and nothing more is asked."""
    server = Server(lambda cursor: None, [])
    pages = [page async for page in follow(server, CONNECTION, PageSizes(), {}, read,
                                           page_size=2, first_may_be_null=True)]
    assert pages == [(None, None)] and server.asked == [None]


async def test_max_pages_and_a_stuck_cursor_stop_the_walk() -> None:
    """More than max_pages pages, or an end cursor that does not move, is a PaginationLoopError."""
    endless = Server(lambda cursor: numbered(0 if cursor is None else int(cursor) + 1, 2, 99), [])
    with pytest.raises(kc.PaginationLoopError, match="more than 3 pages"):
        await walk(endless, max_pages=3)
    stuck = Server(lambda cursor: {**numbered(0 if cursor is None else 2, 2, 9), "end": "1"}, [])
    with pytest.raises(kc.PaginationLoopError, match="did not advance"):
        await walk(stuck)
