"""The generic paginator: first page, every node, loop guards, and page sizes that adapt."""

import base64
import json

import pytest
from pytest_httpx import HTTPXMock

import kraken_energy as kc
from kraken_energy import PROPERTY_MEASUREMENTS, KrakenClient

URL = "https://kraken.test/v1/graphql/"


def cursor(offset: int) -> str:
    return base64.b64encode(f"arrayconnection:{offset}".encode()).decode()


def page(start: int, count: int, total: int, *, end_cursor: str | None = None) -> dict:
    """A getPropertyMeasurements page holding readings start..start+count of total."""
    edges = [{"cursor": cursor(i), "node": {
        "__typename": "IntervalMeasurementType", "value": f"{i}.000000", "unit": "kwh",
        "readAt": "2024-10-01T00:30:00+01:00", "source": "s", "metaData": None,
        "startAt": "2024-10-01T00:00:00+01:00", "endAt": "2024-10-01T00:30:00+01:00",
        "durationInSeconds": 1800}} for i in range(start, start + count)]
    last = start + count - 1
    return {"data": {"property": {"id": "1", "measurements": {
        "totalCount": total, "edgeCount": count, "edges": edges, "pageInfo": {
            "hasNextPage": start + count < total, "hasPreviousPage": start > 0,
            "startCursor": cursor(start), "endCursor": end_cursor or cursor(last)}}}}}


def refusal(code: str) -> dict:
    return {"data": {"property": None}, "errors": [{"message": "Invalid pagination parameters.",
            "extensions": {"errorType": "VALIDATION", "errorCode": code}}]}


def sent(httpx_mock: HTTPXMock) -> list[dict]:
    return [json.loads(r.content)["variables"] for r in httpx_mock.get_requests()]


async def test_await_gives_the_first_page_only(httpx_mock: HTTPXMock) -> None:
    """Awaiting a paginator fetches and returns just the first page."""
    httpx_mock.add_response(json=page(0, 2, 5))
    async with KrakenClient(URL) as kraken:
        first = await kraken.paginate(kraken.get_property_measurements, PROPERTY_MEASUREMENTS,
                                      property_id="1", page_size=2)
    assert first.property_.measurements.edge_count == 2
    assert len(httpx_mock.get_requests()) == 1


async def test_iterating_follows_cursors_to_the_end(httpx_mock: HTTPXMock) -> None:
    """`async for` yields every node of every page, following endCursor."""
    for start in (0, 2, 4):
        httpx_mock.add_response(json=page(start, min(2, 5 - start), 5))
    async with KrakenClient(URL) as kraken:
        nodes = [n async for n in kraken.paginate(
            kraken.get_property_measurements, PROPERTY_MEASUREMENTS, property_id="1", page_size=2)]
    assert [str(n.value) for n in nodes] == [f"{i}.000000" for i in range(5)]
    assert [v.get("cursor") for v in sent(httpx_mock)] == [None, cursor(1), cursor(3)]


async def test_cursor_that_does_not_advance_raises(httpx_mock: HTTPXMock) -> None:
    """A server returning the same endCursor again stops the loop with PaginationLoopError."""
    httpx_mock.add_response(json=page(0, 2, 9, end_cursor=cursor(1)))
    httpx_mock.add_response(json=page(2, 2, 9, end_cursor=cursor(1)))
    async with KrakenClient(URL) as kraken:
        with pytest.raises(kc.PaginationLoopError, match="did not advance"):
            _ = [n async for n in kraken.paginate(kraken.get_property_measurements,
                                                  PROPERTY_MEASUREMENTS, property_id="1",
                                                  page_size=2)]
    assert len(httpx_mock.get_requests()) == 2


async def test_repeating_page_raises(httpx_mock: HTTPXMock) -> None:
    """A cursor seen on an earlier page (a cycle) raises instead of looping forever."""
    httpx_mock.add_response(json=page(0, 2, 9, end_cursor=cursor(1)))
    httpx_mock.add_response(json=page(2, 2, 9, end_cursor=cursor(3)))
    httpx_mock.add_response(json=page(4, 2, 9, end_cursor=cursor(1)))
    async with KrakenClient(URL) as kraken:
        with pytest.raises(kc.PaginationLoopError):
            _ = [p async for p in kraken.paginate(kraken.get_property_measurements,
                                                  PROPERTY_MEASUREMENTS, property_id="1",
                                                  page_size=2).pages()]


async def test_max_pages_bounds_the_fetch(httpx_mock: HTTPXMock) -> None:
    """More pages than max_pages is an error naming the limit."""
    for start in (0, 2):
        httpx_mock.add_response(json=page(start, 2, 100))
    async with KrakenClient(URL) as kraken:
        with pytest.raises(kc.PaginationLoopError, match="more than 2 pages"):
            _ = [n async for n in kraken.paginate(
                kraken.get_property_measurements, PROPERTY_MEASUREMENTS, property_id="1",
                page_size=2, max_pages=2)]


@pytest.mark.parametrize("code", ["KT-CT-1202", "KT-CT-1203"])
async def test_refused_page_size_falls_back_and_is_remembered(
        httpx_mock: HTTPXMock, code: str) -> None:
    """A refused `first` drops to 100, and the client remembers it for that field."""
    httpx_mock.add_response(json=refusal(code))
    httpx_mock.add_response(json=page(0, 3, 3))
    httpx_mock.add_response(json=page(0, 3, 3))
    async with KrakenClient(URL) as kraken:
        await kraken.paginate(kraken.get_property_measurements, PROPERTY_MEASUREMENTS,
                              property_id="1")
        await kraken.paginate(kraken.get_property_measurements, PROPERTY_MEASUREMENTS,
                              property_id="1", page_size=500)
    assert [v["first"] for v in sent(httpx_mock)] == [1000, 100, 100]


async def test_other_pagination_errors_are_raised(httpx_mock: HTTPXMock) -> None:
    """A bad cursor (KT-CT-1208) is not a page-size problem: it is raised as it is."""
    httpx_mock.add_response(json=refusal("KT-CT-1208"))
    async with KrakenClient(URL) as kraken:
        with pytest.raises(kc.PaginationError, match="KT-CT-1208"):
            await kraken.paginate(kraken.get_property_measurements, PROPERTY_MEASUREMENTS,
                                  property_id="1")
    assert len(httpx_mock.get_requests()) == 1


async def test_refusing_even_one_record_per_page_raises_krakens_error(
        httpx_mock: HTTPXMock) -> None:
    """When no smaller page size is left, Kraken's own PaginationError is raised, not a bare one."""
    httpx_mock.add_response(json=refusal("KT-CT-1203"))
    async with KrakenClient(URL) as kraken:
        with pytest.raises(kc.PaginationError, match="KT-CT-1203"):
            await kraken.paginate(kraken.get_property_measurements, PROPERTY_MEASUREMENTS,
                                  property_id="1", page_size=1)
    assert [v["first"] for v in sent(httpx_mock)] == [1]
