"""Measurements: the documented example, every interval, DST days, ranges and filter errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from fake_kraken_helpers import gql

from kraken_energy.testing import DEMO_DEVICE, DEMO_MPAN, FakeKraken

MEASUREMENTS = """
query getPropertyMeasurements($id: ID!, $first: Int, $cursor: String,
  $filters: [UtilityFiltersInput!], $startAt: DateTime, $endAt: DateTime,
  $startOn: Date, $endOn: Date, $timezone: String) {
  property(id: $id) {
    measurements(first: $first, after: $cursor, utilityFilters: $filters, startAt: $startAt,
      endAt: $endAt, startOn: $startOn, endOn: $endOn, timezone: $timezone) {
      totalCount edgeCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { __typename value unit readAt source
        ... on IntervalMeasurementType { startAt endAt durationInSeconds }
        metaData { statistics { type label description value
          costExclTax { estimatedAmount costCurrency }
          costInclTax { estimatedAmount costCurrency } }
          utilityFilters { __typename
            ... on ElectricityFiltersOutput { marketSupplyPointId deviceId registerId
              readingDirection readingFrequencyType readingQuality }
            ... on GasFiltersOutput { marketSupplyPointId deviceId registerId
              readingFrequencyType } } }
      } }
    }
  }
}
"""


DOCUMENTED_VALUES = ("6.525000", "8.401000", "11.537000", "11.818000", "10.949000", "5.371000")
DOCUMENTED_AMOUNTS = ("182.30", "229.32", "297.89", "293.22", "280.10", "145.75")
"""Kraken's documented example week: daily GENERATION (kWh) and its value (pence)."""


def measure(
    client: httpx.Client,
    fake: FakeKraken,
    token: str,
    property_id: str = "308641",
    **variables: Any,
) -> dict[str, Any]:
    """Run the measurements query; returns the whole body."""
    variables.setdefault("first", 1000)
    return gql(client, fake.url, MEASUREMENTS, {"id": property_id, **variables}, token=token)


def nodes(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The nodes of a measurements answer."""
    return [edge["node"] for edge in body["data"]["property"]["measurements"]["edges"]]


def electricity(frequency: str, direction: str = "CONSUMPTION") -> list[dict[str, Any]]:
    """A one-item utility filter list for the demo electricity meter."""
    return [
        {"electricityFilters": {"readingFrequencyType": frequency, "readingDirection": direction}}
    ]


def test_documented_example(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """The documented GENERATION example gives six daily values from 6.525000 to 5.371000."""
    filters = [
        {
            "electricityFilters": {
                "readingFrequencyType": "DAY_INTERVAL",
                "marketSupplyPointId": DEMO_MPAN,
                "readingDirection": "GENERATION",
                "deviceId": DEMO_DEVICE,
            }
        }
    ]
    body = measure(
        client,
        fake,
        token,
        filters=filters,
        timezone="Europe/London",
        startAt="2024-10-01T00:00:00+01:00",
        endAt="2024-10-07T00:00:00+01:00",
    )
    days = nodes(body)
    assert [(d["startAt"], d["value"]) for d in days] == [
        (f"2024-10-0{day}T00:00:00+01:00", value)
        for day, value in enumerate(DOCUMENTED_VALUES, start=1)
    ]
    assert days[-1]["endAt"] == "2024-10-07T00:00:00+01:00"
    assert {(d["unit"], d["__typename"]) for d in days} == {("kwh", "IntervalMeasurementType")}
    for day, amount in zip(days, DOCUMENTED_AMOUNTS, strict=True):
        standing, generation = day["metaData"]["statistics"]
        assert (standing["type"], standing["label"], standing["value"]) == (
            "STANDING_CHARGE_COST", None, None)
        assert standing["costExclTax"] == {"estimatedAmount": "0.00", "costCurrency": "GBP"}
        assert (generation["type"], generation["label"], generation["value"]) == (
            "GENERATION_VALUE", "GENERATION", None)
        assert generation["costExclTax"] == {"estimatedAmount": amount, "costCurrency": "GBP"}
        assert day["metaData"]["utilityFilters"] == {
            "__typename": "ElectricityFiltersOutput", "marketSupplyPointId": DEMO_MPAN,
            "deviceId": DEMO_DEVICE, "registerId": None, "readingDirection": "GENERATION",
            "readingFrequencyType": "DAY_INTERVAL", "readingQuality": "COMBINED"}


def test_documented_days_sum_their_half_hours(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """Each documented day equals the exact sum of its half-hourly generation."""
    window = {"startAt": "2024-10-01T00:00:00+01:00", "endAt": "2024-10-07T00:00:00+01:00"}
    days = nodes(
        measure(client, fake, token, filters=electricity("DAY_INTERVAL", "GENERATION"), **window)
    )
    halves = nodes(
        measure(client, fake, token, filters=electricity("RAW_INTERVAL", "GENERATION"), **window)
    )
    assert len(halves) == 6 * 48
    for index, day in enumerate(days):
        assert Decimal(day["value"]) == sum(
            Decimal(h["value"]) for h in halves[index * 48 : (index + 1) * 48]
        )


def test_default_series_is_raw_half_hourly_consumption(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """Without filters the series is electricity consumption in half-hours with 6 decimals."""
    body = measure(
        client, fake, token, startAt="2024-06-01T00:00:00Z", endAt="2024-06-02T00:00:00Z"
    )
    found = nodes(body)
    assert len(found) == 48
    assert {n["durationInSeconds"] for n in found} == {1800}
    assert all(len(n["value"].split(".")[1]) == 6 for n in found)
    assert found[0]["metaData"]["statistics"][0]["type"] == "CONSUMPTION_COST"
    assert found[0]["readAt"] == found[0]["endAt"]


@pytest.mark.parametrize(
    ("day", "frequency", "count", "duration"),
    [
        ("2024-03-31", "RAW_INTERVAL", 46, 1800),
        ("2024-03-31", "THIRTY_MIN_INTERVAL", 46, 1800),
        ("2024-03-31", "HOUR_INTERVAL", 23, 3600),
        ("2024-03-31", "DAY_INTERVAL", 1, 23 * 3600),
        ("2024-10-27", "RAW_INTERVAL", 50, 1800),
        ("2024-10-27", "HOUR_INTERVAL", 25, 3600),
        ("2024-10-27", "DAY_INTERVAL", 1, 25 * 3600),
    ],
)
def test_dst_change_days(
    fake: FakeKraken,
    client: httpx.Client,
    token: str,
    day: str,
    frequency: str,
    count: int,
    duration: int,
) -> None:
    """London's DST days have 23 and 25 hours at every interval, and the totals agree."""
    body = measure(client, fake, token, filters=electricity(frequency), startOn=day, endOn=day)
    found = nodes(body)
    raw = nodes(
        measure(client, fake, token, filters=electricity("RAW_INTERVAL"), startOn=day, endOn=day)
    )
    assert len(found) == count
    assert found[0]["durationInSeconds"] == duration
    assert sum(Decimal(n["value"]) for n in found) == sum(Decimal(n["value"]) for n in raw)


@pytest.mark.parametrize(
    ("frequency", "start", "end", "first_start", "first_end"),
    [
        (
            "WEEK_INTERVAL",
            "2024-10-01",
            "2024-10-31",
            "2024-10-07T00:00:00+01:00",
            "2024-10-14T00:00:00+01:00",
        ),
        (
            "MONTH_INTERVAL",
            "2024-10-01",
            "2024-11-30",
            "2024-10-01T00:00:00+01:00",
            "2024-11-01T00:00:00+00:00",
        ),
        (
            "QUARTER_INTERVAL",
            "2024-01-01",
            "2024-12-31",
            "2024-01-01T00:00:00+00:00",
            "2024-04-01T00:00:00+01:00",
        ),
    ],
)
def test_calendar_intervals(
    fake: FakeKraken,
    client: httpx.Client,
    token: str,
    frequency: str,
    start: str,
    end: str,
    first_start: str,
    first_end: str,
) -> None:
    """Weeks start on Monday, months and quarters on the 1st, all at local midnight."""
    found = nodes(
        measure(client, fake, token, filters=electricity(frequency), startOn=start, endOn=end)
    )
    days = nodes(
        measure(client, fake, token, filters=electricity("DAY_INTERVAL"), startOn=start, endOn=end)
    )
    assert (found[0]["startAt"], found[0]["endAt"]) == (first_start, first_end)
    first_days = (
        [d for d in days if first_start <= d["startAt"] and d["endAt"] <= first_end]
        if frequency == "WEEK_INTERVAL"
        else []
    )
    if first_days:
        assert Decimal(found[0]["value"]) == sum(Decimal(d["value"]) for d in first_days)


def test_quarters_sum_their_days(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """A year's quarters add up exactly to its days."""
    span = {"startOn": "2024-01-01", "endOn": "2024-12-31"}
    quarters = nodes(measure(client, fake, token, filters=electricity("QUARTER_INTERVAL"), **span))
    days = nodes(measure(client, fake, token, filters=electricity("DAY_INTERVAL"), **span))
    assert len(quarters) == 4
    assert len(days) == 366
    assert sum(Decimal(q["value"]) for q in quarters) == sum(Decimal(d["value"]) for d in days)


def test_only_whole_buckets_inside_the_range(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """Buckets lie within [startAt, endAt): partial days at either end are left out."""
    body = measure(
        client,
        fake,
        token,
        filters=electricity("DAY_INTERVAL"),
        startAt="2024-10-01T12:00:00+01:00",
        endAt="2024-10-04T00:00:00+01:00",
    )
    assert [n["startAt"] for n in nodes(body)] == [
        "2024-10-02T00:00:00+01:00",
        "2024-10-03T00:00:00+01:00",
    ]


def test_start_on_end_on_are_inclusive(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """startOn/endOn cover both dates: 2024-10-01 to 2024-10-03 is three days."""
    body = measure(
        client,
        fake,
        token,
        filters=electricity("DAY_INTERVAL"),
        startOn="2024-10-01",
        endOn="2024-10-03",
    )
    found = nodes(body)
    assert len(found) == 3
    assert found[-1]["endAt"] == "2024-10-04T00:00:00+01:00"


def test_other_timezone_offsets(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """Buckets follow the requested timezone and carry its offset."""
    body = measure(
        client,
        fake,
        token,
        filters=electricity("DAY_INTERVAL"),
        timezone="Asia/Tokyo",
        startOn="2024-06-01",
        endOn="2024-06-01",
    )
    assert nodes(body)[0]["startAt"] == "2024-06-01T00:00:00+09:00"


def test_gas_filter_by_mprn(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """A gas filter with the MPRN selects the gas series."""
    filters = [
        {
            "gasFilters": {
                "readingFrequencyType": "DAY_INTERVAL",
                "marketSupplyPointId": "3487086503",
            }
        }
    ]
    body = measure(client, fake, token, filters=filters, startOn="2024-10-01", endOn="2024-10-02")
    assert len(nodes(body)) == 2
    standing, cost = nodes(body)[0]["metaData"]["statistics"]
    assert (standing["type"], cost["type"]) == ("STANDING_CHARGE_COST", "CONSUMPTION_COST")
    assert nodes(body)[0]["metaData"]["utilityFilters"] == {
        "__typename": "GasFiltersOutput", "marketSupplyPointId": "3487086503",
        "deviceId": "87-08-65-FF-FE-00-00-02", "registerId": None,
        "readingFrequencyType": "DAY_INTERVAL"}


def test_unknown_supply_point_selects_nothing(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """A filter naming another supply point returns no measurements."""
    filters = [{"electricityFilters": {"marketSupplyPointId": "0000000000000"}}]
    body = measure(client, fake, token, filters=filters, startOn="2024-10-01", endOn="2024-10-01")
    assert body["data"]["property"]["measurements"]["totalCount"] == 0


@pytest.mark.parametrize(("property_id", "total"), [("400001", 3 * 48), ("400002", 0)])
def test_small_and_empty_properties(
    fake: FakeKraken, client: httpx.Client, token: str, property_id: str, total: int
) -> None:
    """The few-days property has 144 half-hours; the empty one has none."""
    body = measure(client, fake, token, property_id=property_id)
    assert body["data"]["property"]["measurements"]["totalCount"] == total


def test_naive_datetime_is_kt_ct_1609(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """A startAt without an offset fails with KT-CT-1609."""
    body = measure(
        client, fake, token, startAt="2024-10-01T00:00:00.000", endAt="2024-10-07T00:00:00+01:00"
    )
    assert body["errors"][0]["extensions"]["errorCode"] == "KT-CT-1609"


@pytest.mark.parametrize(
    "item",
    [{}, {"electricityFilters": {}, "gasFilters": {}}],
    ids=["neither", "both"],
)
def test_filter_item_needs_exactly_one_utility(
    fake: FakeKraken, client: httpx.Client, token: str, item: dict[str, Any]
) -> None:
    """A utility filter item with both or neither filter fails with KT-CT-4713."""
    body = measure(client, fake, token, filters=[item])
    assert body["data"] == {"property": {"measurements": None}}
    assert body["errors"][0]["extensions"]["errorCode"] == "KT-CT-4713"
    assert body["errors"][0]["path"] == ["property", "measurements"]


def test_unknown_timezone_is_rejected(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """An unknown timezone name is a VALIDATION error."""
    body = measure(client, fake, token, timezone="Mars/Olympus_Mons")
    assert body["errors"][0]["extensions"]["errorType"] == "VALIDATION"
