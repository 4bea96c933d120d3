"""Loose checks made strict: policies, sizes, ranges, open enums and decimals."""

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pytest_httpx import HTTPXMock
from test_pagination_guards import ACCOUNT

import kraken_energy as kc
from kraken_energy import KrakenClient, RetryPolicy
from kraken_energy._codegen_runtime import MAX_REMEMBERED_UNKNOWN_VALUES, OpenEnum

URL = "https://kraken.test/v1/graphql/"
START = datetime(2024, 10, 1, tzinfo=UTC)
END = datetime(2024, 10, 2, tzinfo=UTC)


@pytest.mark.parametrize(("field", "value"), [
    ("max_total_seconds", -1.0), ("max_total_seconds", math.inf), ("max_total_seconds", math.nan),
    ("backoff_initial_seconds", -0.5), ("backoff_max_seconds", math.nan),
    ("cooldown_max_seconds", math.inf), ("cooldown_reset_seconds", -1.0),
    ("max_attempts", 2.5), ("max_rate_limited_attempts", 0), ("max_total_seconds", "60"),
])
def test_retry_policy_refuses_negative_and_non_finite_values(field: str, value: object) -> None:
    """Every duration must be a finite number >= 0 and every count a whole number >= 1."""
    with pytest.raises(kc.InvalidArgumentError, match=field):
        RetryPolicy(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("arguments", [
    {"start_on": date(2024, 1, 1), "end_on": date.max},
    {"start_on": date.min, "end_on": date(2024, 1, 1)},
    {"start": START, "end": datetime.max.replace(tzinfo=UTC)},
    {"start": START, "end": END, "page_size": "100"},
    {"start": START, "end": END, "concurrency": "8"},
    {"start": date(2024, 10, 1), "end": date(2024, 10, 2)},
    {"start_on": START, "end_on": END},
    {"start": START, "end": END, "timezone": ZoneInfo("Europe/London")},
])
async def test_measurement_arguments_of_the_wrong_kind_are_refused(arguments: dict) -> None:
    """Dates at the calendar's edge and arguments of the wrong type fail before any request."""
    async with KrakenClient(URL) as kraken:
        with pytest.raises(kc.InvalidArgumentError):
            kraken.measurements("A-1", **arguments)


def test_open_enums_remember_a_bounded_number_of_unknown_values() -> None:
    """Unknown values past the bound are still kept, but no longer remembered."""

    class Colour(OpenEnum):
        RED = "RED"

    values = [Colour(f"NEW_{n}") for n in range(MAX_REMEMBERED_UNKNOWN_VALUES + 50)]
    assert len(Colour._value2member_map_) == 1 + MAX_REMEMBERED_UNKNOWN_VALUES
    assert values[-1] == f"NEW_{MAX_REMEMBERED_UNKNOWN_VALUES + 49}" and not values[-1].is_known
    assert Colour("NEW_0") is values[0]  # those remembered are still the same object


async def test_a_decimal_sent_as_a_json_number_is_refused(httpx_mock: HTTPXMock) -> None:
    """A reading's value as a JSON number (digits lost to a float) is refused, not rounded."""
    page = ('{"data": {"property": {"id": "1", "measurements": {"totalCount": 1, "edgeCount": 1,'
            ' "pageInfo": {"hasNextPage": false, "hasPreviousPage": false, "startCursor": "a",'
            ' "endCursor": "a"}, "edges": [{"cursor": "a", "node": {"__typename":'
            ' "IntervalMeasurementType", "value": 1.2345678901234567890123, "unit": "kwh",'
            ' "readAt": "2024-10-01T00:30:00+00:00", "source": "s", "metaData": null,'
            ' "startAt": "2024-10-01T00:00:00+00:00", "endAt": "2024-10-01T00:30:00+00:00",'
            ' "durationInSeconds": 1800}}]}}}}')
    httpx_mock.add_response(json=ACCOUNT)  # what measurements() discovers first
    httpx_mock.add_response(content=page.encode(), is_reusable=True)
    async with KrakenClient(URL, retry=RetryPolicy(max_attempts=1)) as kraken:
        with pytest.raises(kc.InvalidResponseError, match="JSON string"):
            [m async for m in kraken.measurements("A-1", start=START, end=END)]
        with pytest.raises(kc.InvalidResponseError, match="JSON string"):
            await kraken.get_property_measurements(property_id="1", first=1)
