"""A fetch never returns fewer readings than Kraken offered, or any twice, without raising."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpx import HTTPXMock

import kraken_energy as kc
from kraken_energy import PROPERTY_MEASUREMENTS, KrakenClient

URL = "https://kraken.test/v1/graphql/"
START = datetime(2024, 10, 1, tzinfo=UTC)
END = START + timedelta(days=1)


def cursor(offset: int, salt: str = "") -> str:
    return base64.b64encode(f"arrayconnection:{offset}{salt}".encode()).decode()


def connection(start: int, count: int, total: int, *, salt: str = "", more: bool | None = None):
    """Readings start..start+count of total, half-hourly from START; `salt` fakes fresh cursors."""
    edges = [{"cursor": cursor(i, salt), "node": {
        "__typename": "IntervalMeasurementType", "value": f"{i}.000000", "unit": "kwh",
        "readAt": (START + timedelta(minutes=30 * (i + 1))).isoformat(), "source": "s",
        "metaData": None, "startAt": (START + timedelta(minutes=30 * i)).isoformat(),
        "endAt": (START + timedelta(minutes=30 * (i + 1))).isoformat(), "durationInSeconds": 1800,
    }} for i in range(start, start + count)]
    has_next = start + count < total if more is None else more
    return {"totalCount": total, "edgeCount": count, "edges": edges, "pageInfo": {
        "hasNextPage": has_next, "hasPreviousPage": start > 0,
        "startCursor": edges[0]["cursor"] if edges else None,
        "endCursor": edges[-1]["cursor"] if edges else None}}


ACCOUNT = {"data": {"account": {
    "number": "A-1", "status": "ACTIVE", "brand": "OCTOPUS_ENERGY", "properties": [{
        "id": "308641", "address": "1 Fake Street", "postcode": "SW1A 1AA", "gasMeterPoints": [],
        "electricityMeterPoints": [{"id": "9001", "mpan": "1900000000011", "agreements": [],
            "meters": [{"id": "7001", "serialNumber": "S1", "importMeter": None, "smartDevices": [
                {"deviceId": "D-1", "serialNumber": "S1", "type": "ESME",
                 "status": "COMMISSIONED"}]}]}]}]}}}
"""The account's one series: what `measurements()` discovers before its first page."""


def first_page(httpx_mock: HTTPXMock, conn: dict) -> None:
    """Answer the discovery and then the series' first page with `conn`."""
    httpx_mock.add_response(json=ACCOUNT)
    httpx_mock.add_response(json=property_page(conn))


def property_page(conn: dict | None) -> dict:
    if conn is None:
        return {"data": {"property": {"id": "308641", "measurements": None}}}
    return {"data": {"property": {"id": "308641", "measurements": conn}}}


async def fetch(**options) -> list[kc.Measurement]:
    async with KrakenClient(URL) as kraken:
        return [m async for m in kraken.measurements("A-1", start=START, end=END, **options)]


async def test_a_null_later_page_raises_missing_page(httpx_mock: HTTPXMock) -> None:
    """A later page whose `measurements` is null without errors raises, naming the property."""
    first_page(httpx_mock, connection(0, 2, 6))
    httpx_mock.add_response(json=property_page(None))
    with pytest.raises(kc.MissingPageError) as caught:
        await fetch(page_size=2)
    assert caught.value.property_id == "308641"
    assert caught.value.window == (START, END)
    assert "308641" in str(caught.value) and "page 1" in str(caught.value)
    assert isinstance(caught.value, kc.PaginationError)


async def test_a_null_later_property_raises_missing_page(httpx_mock: HTTPXMock) -> None:
    """A later page whose `property` is null without errors raises too."""
    first_page(httpx_mock, connection(0, 2, 6))
    httpx_mock.add_response(json={"data": {"property": None}})
    with pytest.raises(kc.MissingPageError):
        await fetch(page_size=2)


@pytest.mark.parametrize("fresh_edge_cursors", [False, True])
async def test_a_server_ignoring_after_is_caught_on_the_second_page(
    httpx_mock: HTTPXMock, fresh_edge_cursors: bool
) -> None:
    """A server that ignores `after` but hands out fresh cursors is stopped at its second page.

    With fresh edge cursors too, the repeated first and last readings give it away."""
    first_page(httpx_mock, connection(0, 2, 2000))
    answers = iter(range(1, 100))

    def same_page_again(request):
        salt = f"-{next(answers)}"
        conn = connection(0, 2, 2000, salt=salt if fresh_edge_cursors else "", more=True)
        conn["pageInfo"]["endCursor"] = cursor(10_000, salt)  # always a new end cursor
        import httpx

        return httpx.Response(200, json=property_page(conn))

    httpx_mock.add_callback(same_page_again, is_reusable=True)
    with pytest.raises(kc.RepeatedPageError) as caught:
        await fetch(page_size=2, concurrency=1)  # one cursor, page after page
    assert len(httpx_mock.get_requests()) == 3  # discovery, the first page and one repeat
    assert caught.value.property_id == "308641" and caught.value.page == 1


async def test_windows_repeating_the_first_page_are_caught(httpx_mock: HTTPXMock) -> None:
    """Windows whose answers repeat readings already received raise, without a runaway fetch."""
    first_page(httpx_mock, connection(0, 2, 48))
    httpx_mock.add_response(json=property_page(connection(0, 2, 2, more=False)), is_reusable=True)
    with pytest.raises(kc.RepeatedPageError):
        await fetch(page_size=2, concurrency=2)
    assert len(httpx_mock.get_requests()) <= 2 + 2 * 2  # discovery, first page, windows in flight


async def test_fewer_readings_than_total_count_raise_incomplete(httpx_mock: HTTPXMock) -> None:
    """Pages that end before totalCount's readings raise with expected and received counts."""
    first_page(httpx_mock, connection(0, 2, 10))
    httpx_mock.add_response(json=property_page(connection(2, 2, 10, more=False)))
    with pytest.raises(kc.IncompleteFetchError) as caught:
        await fetch(page_size=2)
    error = caught.value
    assert (error.expected, error.received, error.property_id) == (10, 4, "308641")
    assert error.window == (START, END)
    assert "expected 10, received 4" in str(error) and "308641" in str(error)


async def test_every_reading_still_arrives_when_the_pages_are_sound(httpx_mock: HTTPXMock) -> None:
    """The guards leave a sound fetch alone: every reading once, in order."""
    first_page(httpx_mock, connection(0, 2, 5))
    httpx_mock.add_response(json=property_page(connection(2, 2, 5)))
    httpx_mock.add_response(json=property_page(connection(4, 1, 5)))
    readings = await fetch(page_size=2)
    assert [str(m.value) for m in readings] == [f"{i}.000000" for i in range(5)]


async def test_paginator_raises_for_a_null_later_page(httpx_mock: HTTPXMock) -> None:
    """The generic paginator raises MissingPageError for a null page after the first."""
    httpx_mock.add_response(json=property_page(connection(0, 2, 6)))
    httpx_mock.add_response(json={"data": {"property": None}})
    async with KrakenClient(URL) as kraken:
        pages = kraken.paginate(kraken.get_property_measurements, PROPERTY_MEASUREMENTS,
                                property_id="308641", page_size=2)
        with pytest.raises(kc.MissingPageError, match="page 2"):
            [node async for node in pages]


async def test_paginator_raises_for_a_repeated_page(httpx_mock: HTTPXMock) -> None:
    """The generic paginator stops at the second page when it repeats the first's nodes."""
    for salt in ("-a", "-b"):
        conn = connection(0, 2, 2000, more=True)
        conn["pageInfo"]["endCursor"] = cursor(10_000, salt)
        httpx_mock.add_response(json=property_page(conn))
    async with KrakenClient(URL) as kraken:
        pages = kraken.paginate(kraken.get_property_measurements, PROPERTY_MEASUREMENTS,
                                property_id="308641", page_size=2)
        with pytest.raises(kc.RepeatedPageError):
            [node async for node in pages]
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize("options", [{"page_size": -1}, {"page_size": 0}, {"page_size": "100"},
                                     {"page_size": True}, {"max_pages": 0}])
async def test_paginate_refuses_bad_sizes_before_sending(options: dict) -> None:
    """A page size or max_pages that is not a whole number >= 1 is refused at once."""
    async with KrakenClient(URL) as kraken:
        with pytest.raises(kc.InvalidArgumentError):
            kraken.paginate(kraken.get_property_measurements, PROPERTY_MEASUREMENTS,
                            property_id="1", **options)


def test_the_guards_are_pagination_errors() -> None:
    """Each new pagination failure is a PaginationError, so one except clause catches them all."""
    for cls in (kc.MissingPageError, kc.RepeatedPageError, kc.IncompleteFetchError,
                kc.PaginationLoopError):
        assert issubclass(cls, kc.InconsistentPagesError)
        assert issubclass(cls, kc.PaginationError)
