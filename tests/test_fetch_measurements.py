"""KrakenClient.measurements against the fake Kraken: complete, exact, ordered, economical."""

import asyncio
import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kraken_energy_gql.enums import ReadingDirectionType, ReadingFrequencyType

import kraken_energy as kc
from kraken_energy import ElectricityFilter, KrakenClient
from kraken_energy._measurements import _in_order
from kraken_energy._ratelimit import AdaptiveConcurrency
from kraken_energy.testing import (
    DEMO_ACCOUNT,
    DEMO_API_KEY,
    DEMO_DEVICE,
    DEMO_MPAN,
    DEMO_PROPERTY,
    FakeKraken,
    FakeKrakenConfig,
    default_scenario,
)

LONDON = ZoneInfo("Europe/London")
F = ReadingFrequencyType
MIXED = "A-M1XED001"


def mixed_scenario():
    """The default data plus an account holding a big, a small and an empty property."""
    scenario = default_scenario()
    big = scenario.accounts[0].properties[0]
    small, empty = scenario.accounts[1].properties
    mixed = dataclasses.replace(scenario.accounts[0], number=MIXED,
                                properties=(dataclasses.replace(small, id="700001"),
                                            dataclasses.replace(big, id="700002"),
                                            dataclasses.replace(empty, id="700003")))
    return dataclasses.replace(scenario, accounts=(*scenario.accounts, mixed))


@pytest.fixture(scope="module")
def fake():
    return FakeKraken(config=FakeKrakenConfig(max_page_size=100), scenario=mixed_scenario())


async def collect(fake: FakeKraken, account: str = DEMO_ACCOUNT, **options) -> list:
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        return [m async for m in kraken.measurements(account, **options)]


async def sequential(
        fake: FakeKraken, property_id: str, statistics: bool = True, **options) -> list:
    """The plain way: one property, one filter, one cursor, page after page."""
    start, end, zone = options["start"], options["end"], options.get("timezone", "Europe/London")
    filters = [options["electricity"].to_input()] if options.get("electricity") else None
    filters = options.get("filters", filters)
    rows, cursor = [], None
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        while True:
            result = await kraken.get_property_measurements(
                property_id=property_id, first=100, start_at=start, end_at=end, timezone=zone,
                utility_filters=filters, cursor=cursor, with_statistics=statistics)
            page = result.property_.measurements
            rows += [(property_id, e.node.start_at, e.node.end_at, e.node.value)
                     for e in page.edges]
            if not page.page_info.has_next_page:
                return rows
            cursor = page.page_info.end_cursor


IMPORT = ElectricityFilter(direction=ReadingDirectionType.CONSUMPTION)
"""Narrows the demo property to one series: its import MPAN."""


def key(m: kc.Measurement) -> tuple:
    return (m.property_id, m.start_at, m.end_at, m.value)


async def test_documented_example(fake: FakeKraken) -> None:
    """The documented week: the six daily generation values and statistics Kraken shows."""
    rows = await collect(
        fake, start=datetime(2024, 10, 1, tzinfo=LONDON), end=datetime(2024, 10, 7, tzinfo=LONDON),
        electricity=ElectricityFilter(frequency=F.DAY_INTERVAL,
                                      direction=ReadingDirectionType.GENERATION,
                                      supply_point=DEMO_MPAN, device_id=DEMO_DEVICE))
    assert [str(r.value) for r in rows] == [
        "6.525000", "8.401000", "11.537000", "11.818000", "10.949000", "5.371000"]
    assert [r.start_at.isoformat() for r in rows] == [
        f"2024-10-0{d}T00:00:00+01:00" for d in range(1, 7)]
    assert all(r.property_id == DEMO_PROPERTY and r.unit == "kwh" for r in rows)
    assert [[(s.type_, str(s.cost_excl_tax.estimated_amount)) for s in r.statistics]
            for r in rows] == [
        [("STANDING_CHARGE_COST", "0.00"), ("GENERATION_VALUE", amount)]
        for amount in ("182.30", "229.32", "297.89", "293.22", "280.10", "145.75")]
    assert {r.series for r in rows} == {kc.Series(
        "electricity", DEMO_MPAN, DEMO_DEVICE, None, ReadingDirectionType.GENERATION,
        F.DAY_INTERVAL, kc.ReadingQualityType.COMBINED)}


async def test_readings_without_statistics_are_the_same_readings(fake: FakeKraken) -> None:
    """statistics=False asks Kraken for none: the same readings and series, no statistics."""
    week = {"start": datetime(2024, 10, 1, tzinfo=LONDON),
            "end": datetime(2024, 10, 7, tzinfo=LONDON),
            "electricity": ElectricityFilter(frequency=F.DAY_INTERVAL)}
    full = await collect(fake, **week)
    lean = await collect(fake, **week, statistics=False)
    assert [(m.series, key(m)) for m in lean] == [(m.series, key(m)) for m in full]
    assert any(m.statistics for m in full)
    assert all(m.statistics == () for m in lean)


async def test_statistics_must_be_a_bool(fake: FakeKraken) -> None:
    """A statistics flag that is not a bool is refused, naming the argument."""
    with pytest.raises(kc.InvalidArgumentError, match="statistics"):
        await collect(fake, start=datetime(2024, 10, 1, tzinfo=LONDON),
                      end=datetime(2024, 10, 2, tzinfo=LONDON), statistics="no")


async def test_mixed_account_every_reading_once_in_order(fake: FakeKraken) -> None:
    """Big, small and empty properties: each reading once, property by property, series by
    series, each series as the plain loop over its own filter reads it."""
    # The rows compared hold no statistics, so neither side asks for them (half the fake's work).
    span = {"start": datetime(2024, 9, 28, tzinfo=LONDON),
            "end": datetime(2024, 10, 12, tzinfo=LONDON), "statistics": False}
    rows = [key(m) for m in await collect(fake, MIXED, **span)]
    home = [ElectricityFilter(supply_point="1987086500001").to_input(),
            ElectricityFilter(supply_point=DEMO_MPAN,
                              direction=ReadingDirectionType.GENERATION).to_input(),
            kc.GasFilter(supply_point="3487086503").to_input()]
    expected = await sequential(fake, "700001", **span)
    for item in home:
        expected += await sequential(fake, "700002", filters=[item], **span)
    expected += await sequential(fake, "700003", **span)
    assert rows == expected
    assert len(rows) == 3 * 48 + 3 * 14 * 48
    assert len(set(rows)) == len(rows)


async def test_two_page_range_costs_about_two_requests(fake: FakeKraken) -> None:
    """A range fitting in two accepted pages is fetched with two data requests, not a window
    per bucket."""
    fake.clear_requests()
    rows = await collect(fake, start=datetime(2024, 10, 1, tzinfo=LONDON),
                         end=datetime(2024, 10, 5, 4, tzinfo=LONDON),  # 200 half-hours
                         electricity=IMPORT)
    data = [r for r in fake.requests
            if r.operation_name not in ("obtainKrakenToken", "getAccount")]
    assert len(rows) == 200
    refused = sum(1 for r in data if "KT-CT-1203" in r.error_codes)
    assert len(data) - refused == 2


async def test_the_repeated_hour_of_a_25_hour_day_is_fetched_once(fake: FakeKraken) -> None:
    """Windows with edges inside 01:00-02:00 (twice) on 2024-10-27 lose and repeat nothing."""
    options = {"start": datetime(2024, 10, 27, tzinfo=LONDON),
               "end": datetime(2024, 10, 28, tzinfo=LONDON), "electricity": IMPORT}
    windowed = [key(m) for m in await collect(fake, page_size=3, concurrency=4, **options)]
    plain = await sequential(fake, DEMO_PROPERTY, **options)
    assert len(windowed) == 50 and windowed == plain


async def test_dates_are_inclusive(fake: FakeKraken) -> None:
    """start_on..end_on covers whole local days, both ends included."""
    rows = await collect(fake, start_on=date(2024, 10, 1), end_on=date(2024, 10, 2),
                         electricity=dataclasses.replace(IMPORT, frequency=F.DAY_INTERVAL))
    assert [r.start_at.date() for r in rows] == [date(2024, 10, 1), date(2024, 10, 2)]


async def test_single_property(fake: FakeKraken) -> None:
    """property_id limits the fetch to that property."""
    rows = await collect(fake, MIXED, property_id="700001",
                         start=datetime(2024, 9, 1, tzinfo=LONDON),
                         end=datetime(2024, 11, 1, tzinfo=LONDON))
    assert {r.property_id for r in rows} == {"700001"} and len(rows) == 3 * 48


@pytest.mark.parametrize(("options", "message"), [
    ({"start": datetime(2024, 10, 1), "end": datetime(2024, 10, 2, tzinfo=LONDON)},
     "^start: naive datetime"),
    ({"start": datetime(2024, 10, 1, tzinfo=LONDON)}, "^start/end: give both ends"),
    ({"start": datetime(2024, 10, 2, tzinfo=LONDON), "end": datetime(2024, 10, 1, tzinfo=LONDON)},
     "^end: must be after start"),
    ({"start_on": date(2024, 10, 1), "end_on": date(2024, 10, 1), "timezone": "Mars/Olympus"},
     "^timezone: unknown timezone 'Mars/Olympus'"),
    ({"start_on": date(2024, 10, 1), "end_on": date(2024, 10, 1), "page_size": 0},
     "^page_size: must be at least 1"),
])
async def test_bad_arguments_are_refused_before_any_request(
        fake: FakeKraken, options: dict, message: str) -> None:
    """Each bad argument is named, and nothing is sent."""
    fake.clear_requests()
    with pytest.raises(kc.InvalidArgumentError, match=message):
        await collect(fake, **options)
    assert fake.requests == []


async def test_unknown_account_is_not_found(fake: FakeKraken) -> None:
    """An unknown account raises NotFoundError KT-CT-4178."""
    with pytest.raises(kc.NotFoundError, match="KT-CT-4178"):
        await collect(fake, "A-00000000", start_on=date(2024, 10, 1), end_on=date(2024, 10, 1))


async def test_windows_keep_order_and_hold_at_most_twice_the_concurrency() -> None:
    """_in_order yields in item order and runs at most twice `concurrency` pieces at once,
    while a limiter the pieces share keeps `concurrency` of them in their exchange."""
    running, peak, exchanging, peak_exchanging = 0, 0, 0, 0
    limiter = AdaptiveConcurrency(4)

    async def work(item: int) -> int:
        nonlocal running, peak, exchanging, peak_exchanging
        running += 1
        peak = max(peak, running)
        async with limiter:
            exchanging += 1
            peak_exchanging = max(peak_exchanging, exchanging)
            await asyncio.sleep(0.001 * (item % 3))
            exchanging -= 1
        running -= 1
        return item

    results = [r async for r in _in_order(work, list(range(20)), 4)]
    assert results == list(range(20))
    assert 4 < peak <= 8 and peak_exchanging == 4


class InFlight(httpx.AsyncBaseTransport):
    """Counts the requests on the wire at once (from sending to the body read).

    Each request stays on the wire a few milliseconds, so requests the client lets overlap do.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.now = self.peak = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            await asyncio.sleep(0.005)
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.now -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_concurrency_bounds_the_requests_in_flight(fake: FakeKraken) -> None:
    """Windows parse outside their slot, yet never more than `concurrency` requests are out."""
    transport = InFlight(fake.transport())
    options = {"start": datetime(2024, 10, 1, tzinfo=LONDON),
               "end": datetime(2024, 10, 8, tzinfo=LONDON), "electricity": IMPORT}
    async with httpx.AsyncClient(transport=transport) as http, KrakenClient(
            fake.url, auth=kc.APIKey(DEMO_API_KEY), http_client=http) as kraken:
        rows = [key(m) async for m in kraken.measurements(
            DEMO_ACCOUNT, page_size=20, concurrency=3, **options)]
    assert transport.peak == 3
    assert rows == await sequential(fake, DEMO_PROPERTY, **options)


FREQUENCIES = [F.THIRTY_MIN_INTERVAL, F.HOUR_INTERVAL, F.DAY_INTERVAL, F.WEEK_INTERVAL,
               F.MONTH_INTERVAL, F.QUARTER_INTERVAL, F.RAW_INTERVAL]
ZONES = ["Europe/London", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Adelaide"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start_minutes=st.integers(min_value=0, max_value=330 * 24 * 60),
    length_minutes=st.integers(min_value=30, max_value=40 * 24 * 60),
    frequency=st.sampled_from(FREQUENCIES),
    zone=st.sampled_from(ZONES),
    concurrency=st.integers(min_value=1, max_value=6),
)
def test_windowed_fetch_equals_sequential_fetch(
        fake: FakeKraken, start_minutes: int, length_minutes: int, frequency, zone: str,
        concurrency: int) -> None:
    """For any range, frequency, timezone and concurrency, the result equals the plain loop."""
    start = datetime(2024, 1, 1, tzinfo=ZoneInfo(zone)) + timedelta(minutes=start_minutes)
    options = {"start": start, "end": start + timedelta(minutes=length_minutes),
               "timezone": zone, "electricity": dataclasses.replace(IMPORT, frequency=frequency)}

    async def both() -> tuple[list, list]:
        # The rows compared hold no statistics, so neither side asks for them: the fake's
        # work per reading (most of each example) halves, and the ranges tried do not shrink.
        windowed = await collect(
            fake, concurrency=concurrency, page_size=100, statistics=False, **options)
        plain = await sequential(fake, DEMO_PROPERTY, statistics=False, **options)
        return [key(m) for m in windowed], plain

    windowed, plain = asyncio.run(both())
    assert windowed == plain
