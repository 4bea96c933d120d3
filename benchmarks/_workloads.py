"""The fetch workloads shared by bench_fetch and bench_memory, against the fake Kraken.

Two ways to read a range of half-hourly readings of the demo property's electricity import:
`cursor_loop`, the plain sequential loop any user can write over `get_property_measurements`, and
`high_level`, the project's `KrakenClient.measurements(...)`. The latter is looked up at run time,
so the suite still runs (reporting "not available") on a tree that does not have it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, Final

import httpx
from kraken_energy_gql.enums import ReadingDirectionType, ReadingFrequencyType
from kraken_energy_gql.input_types import ElectricityFiltersInput, UtilityFiltersInput

import kraken_energy
from kraken_energy import KrakenClient
from kraken_energy.testing import DEMO_ACCOUNT, DEMO_DEVICE, DEMO_PROPERTY

TIMEZONE: Final = "Europe/London"
MEASUREMENT_OPERATIONS: Final = frozenset({"getMeasurements", "getPropertyMeasurements"})
HIGH_LEVEL: Final = "KrakenClient.measurements"
NOT_AVAILABLE: Final = f"not available yet: {HIGH_LEVEL} is not in this tree"


def slots_between(start: dt.datetime, end: dt.datetime) -> int:
    """Count the half-hourly readings in [start, end)."""
    return int((end - start).total_seconds()) // 1800


def utility_filters() -> list[UtilityFiltersInput]:
    """Select the demo half-hourly electricity import, as `get_property_measurements` takes it."""
    return [
        UtilityFiltersInput(
            electricityFilters=ElectricityFiltersInput(
                readingFrequencyType=ReadingFrequencyType.RAW_INTERVAL,
                readingDirection=ReadingDirectionType.CONSUMPTION,
                deviceId=DEMO_DEVICE,
            )
        )
    ]


def high_level_available() -> bool:
    """Tell whether this tree's `KrakenClient` has `measurements` (and its filter type)."""
    return hasattr(KrakenClient, "measurements") and hasattr(kraken_energy, "ElectricityFilter")


def default_concurrency() -> int | None:
    """Return the documented default concurrency of `measurements`, if the package exports it."""
    value = getattr(kraken_energy, "DEFAULT_CONCURRENCY", None)
    return value if isinstance(value, int) else None


async def cursor_loop(
    kraken: KrakenClient,
    start: dt.datetime,
    end: dt.datetime,
    page_size: int,
    on_node: Callable[[object], None] | None = None,
) -> int:
    """Follow the cursor page by page over [start, end); return the number of readings."""
    rows = 0
    cursor: str | None = None
    filters = utility_filters()
    while True:
        page = await kraken.get_property_measurements(
            property_id=DEMO_PROPERTY,
            first=page_size,
            start_at=start,
            end_at=end,
            timezone=TIMEZONE,
            utility_filters=filters,
            cursor=cursor,
        )
        connection = page.property_.measurements if page.property_ else None
        if connection is None:
            raise RuntimeError("the fake returned no measurements connection")
        for edge in connection.edges:
            if edge is not None and edge.node is not None:
                rows += 1
                if on_node is not None:
                    on_node(edge.node)
        if not connection.page_info.has_next_page:
            return rows
        cursor = connection.page_info.end_cursor


async def high_level(
    kraken: KrakenClient,
    start: dt.datetime,
    end: dt.datetime,
    concurrency: int | None,
    on_record: Callable[[object], None] | None = None,
) -> int:
    """Stream [start, end) through `kraken.measurements(...)`; return the number of readings."""
    electricity = kraken_energy.ElectricityFilter(  # type: ignore[attr-defined,unused-ignore]
        frequency=ReadingFrequencyType.RAW_INTERVAL,
        direction=ReadingDirectionType.CONSUMPTION,
        device_id=DEMO_DEVICE,
    )
    measurements: Any = kraken.measurements  # type: ignore[attr-defined,unused-ignore]
    rows = 0
    async for record in measurements(
        DEMO_ACCOUNT,
        start=start,
        end=end,
        timezone=TIMEZONE,
        electricity=electricity,
        property_id=DEMO_PROPERTY,
        concurrency=concurrency,
    ):
        rows += 1
        if on_record is not None:
            on_record(record)
    return rows


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests through, counting them and the most that were in flight at once."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.in_flight = 0
        self.peak = 0
        self.requests = 0
        self.measurement_requests = 0

    def reset(self) -> None:
        """Start counting afresh (between runs)."""
        self.peak = self.requests = self.measurement_requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Count the request, then send it."""
        self.requests += 1
        if _operation(request) in MEASUREMENT_OPERATIONS:
            self.measurement_requests += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            return await self._inner.handle_async_request(request)
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._inner.aclose()


def _operation(request: httpx.Request) -> str | None:
    try:
        body = json.loads(request.content)
    except ValueError:
        return None
    name = body.get("operationName") if isinstance(body, dict) else None
    return name if isinstance(name, str) else None
