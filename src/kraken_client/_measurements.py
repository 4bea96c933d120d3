"""Every reading of an account's properties, exactly once, in order, fetched concurrently.

How a fetch runs:
1. one account-level request (`getMeasurements`) brings the first page of every property, with
   each property's `totalCount` for the whole range (or one `getPropertyMeasurements` when a
   single property is asked for);
2. a property with more pages continues through `property(id:)`. When the rest of its range,
   split into windows of one page's worth of buckets each (aligned to the frequency's bucket
   boundaries in the requested timezone), needs no more requests than its `totalCount` says
   the pages need, the windows are fetched concurrently; otherwise (sparse data, unknown bucket
   widths) the cursor is followed page by page;
3. readings are emitted property by property, in time order, as soon as their turn comes; at most
   `concurrency` windows are held at once, so memory is bounded by page size times concurrency.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kraken_gql import (
    GetMeasurements,
    GetPropertyMeasurements,
    IntervalMeasurement,
    MeasurementPage,
    Statistic,
)
from kraken_gql.enums import ReadingDirectionType, ReadingFrequencyType, ReadingQualityType
from kraken_gql.input_types import ElectricityFiltersInput, GasFiltersInput, UtilityFiltersInput

from ._errors import InvalidArgumentError, NotFoundError
from ._pagination import Connection, Paginator, fetch_page
from ._windows import has_buckets, windows

if TYPE_CHECKING:
    from ._client import KrakenClient

DEFAULT_MEASUREMENTS_PAGE_SIZE: Final = 1000
"""First page size tried: Kraken's documented measurements example asks for 1000; a refusal
(KT-CT-1202/1203) falls back to 100 and is remembered by the client."""

DEFAULT_CONCURRENCY: Final = 8
"""Windows fetched at once. Each request costs the same rate-limit points whatever its size."""

ACCOUNT_MEASUREMENTS: Final = Connection[GetMeasurements](
    field="PropertyType.measurements",
    extract=lambda result: None,  # one connection per property: walked by fetch_measurements
    initial_page_size=DEFAULT_MEASUREMENTS_PAGE_SIZE,
)
PROPERTY_MEASUREMENTS: Final = Connection[GetPropertyMeasurements](
    field="PropertyType.measurements",
    extract=lambda result: result.property_.measurements if result.property_ else None,
    initial_page_size=DEFAULT_MEASUREMENTS_PAGE_SIZE,
)
"""The paging of `getPropertyMeasurements`, for `KrakenClient.paginate`."""


@dataclass(frozen=True, slots=True)
class ElectricityFilter:
    """Which electricity readings to fetch; None leaves Kraken's default for that field."""

    frequency: ReadingFrequencyType = ReadingFrequencyType.RAW_INTERVAL
    direction: ReadingDirectionType | None = None
    supply_point: str | None = None
    """The MPAN (`marketSupplyPointId`)."""
    device_id: str | None = None
    register_id: str | None = None
    quality: ReadingQualityType | None = None

    def to_input(self) -> UtilityFiltersInput:
        """Build the `UtilityFiltersInput` item for this filter, holding only the fields given."""
        fields = {
            "readingFrequencyType": self.frequency,
            "readingDirection": self.direction,
            "marketSupplyPointId": self.supply_point,
            "deviceId": self.device_id,
            "registerId": self.register_id,
            "readingQuality": self.quality,
        }
        chosen = {name: value for name, value in fields.items() if value is not None}
        return UtilityFiltersInput(
            electricityFilters=ElectricityFiltersInput.model_validate(chosen)
        )


@dataclass(frozen=True, slots=True)
class GasFilter:
    """Which gas readings to fetch (gas has no direction)."""

    frequency: ReadingFrequencyType = ReadingFrequencyType.RAW_INTERVAL
    supply_point: str | None = None
    """The MPRN (`marketSupplyPointId`)."""
    device_id: str | None = None
    register_id: str | None = None

    def to_input(self) -> UtilityFiltersInput:
        """Build the `UtilityFiltersInput` item for this filter, holding only the fields given."""
        fields = {
            "readingFrequencyType": self.frequency,
            "marketSupplyPointId": self.supply_point,
            "deviceId": self.device_id,
            "registerId": self.register_id,
        }
        chosen = {name: value for name, value in fields.items() if value is not None}
        return UtilityFiltersInput(gasFilters=GasFiltersInput.model_validate(chosen))


@dataclass(frozen=True, slots=True)
class Measurement:
    """One reading of one property, with exact value and timezone-aware times."""

    property_id: str
    start_at: datetime | None
    """Start of the interval, with the requested timezone's offset; None for point readings."""
    end_at: datetime | None
    read_at: datetime
    value: Decimal
    """Exact: `str(value)` is the decimal string Kraken sent, e.g. "6.525000"."""
    unit: str
    source: str
    statistics: tuple[Statistic, ...]
    """Costs and other statistics Kraken attached (`cost_excl_tax`, `cost_incl_tax`, ...)."""
    typename: str
    """The node's GraphQL type, e.g. "IntervalMeasurementType" (kept even when unknown)."""


@dataclass(frozen=True)
class _Request:
    """What every request of one fetch shares."""

    start: datetime
    end: datetime
    zone: ZoneInfo
    filters: list[UtilityFiltersInput]
    frequency: ReadingFrequencyType | None
    page_size: int
    concurrency: int

    def variables(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, Any]:
        return {
            "start_at": start or self.start,
            "end_at": end or self.end,
            "timezone": self.zone.key,
            "utility_filters": self.filters or None,
        }


def plan(
    start: datetime | None,
    end: datetime | None,
    start_on: date | None,
    end_on: date | None,
    timezone: str,
    electricity: ElectricityFilter | None,
    gas: GasFilter | None,
    page_size: int | None,
    concurrency: int | None,
) -> _Request:
    """Check the arguments of `KrakenClient.measurements` and settle what every request shares.

    Raises:
        InvalidArgumentError: names the argument that is missing, naive, unknown or out of range.
    """
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgumentError("timezone", f"unknown timezone {timezone!r}") from None
    if (start is None) != (end is None) or (start_on is None) != (end_on is None):
        raise InvalidArgumentError("start/end", "give both ends of the range")
    if (start is None) == (start_on is None):
        raise InvalidArgumentError("start", "give start and end, or start_on and end_on")
    if start is not None and end is not None:
        for name, moment in (("start", start), ("end", end)):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise InvalidArgumentError(
                    name, f"naive datetime {moment.isoformat()}; give it a timezone (KT-CT-1609)"
                )
    else:
        assert start_on is not None and end_on is not None
        # Inclusive dates: from the first day's local midnight to the midnight after the last.
        start = datetime.combine(start_on, time(0), tzinfo=zone)
        end = datetime.combine(end_on + timedelta(days=1), time(0), tzinfo=zone)
    assert start is not None and end is not None
    if end <= start:
        raise InvalidArgumentError("end", "must be after start")
    if page_size is not None and page_size < 1:
        raise InvalidArgumentError("page_size", f"must be at least 1, got {page_size}")
    if concurrency is not None and concurrency < 1:
        raise InvalidArgumentError("concurrency", f"must be at least 1, got {concurrency}")
    chosen = [f for f in (electricity, gas) if f is not None]
    frequencies = {f.frequency for f in chosen} or {ReadingFrequencyType.RAW_INTERVAL}
    return _Request(
        start=start.astimezone(zone),
        end=end.astimezone(zone),
        zone=zone,
        filters=[f.to_input() for f in chosen],
        frequency=frequencies.pop() if len(frequencies) == 1 else None,
        page_size=page_size or DEFAULT_MEASUREMENTS_PAGE_SIZE,
        concurrency=concurrency or DEFAULT_CONCURRENCY,
    )


async def fetch_measurements(
    client: KrakenClient, account_number: str, property_id: str | None, request: _Request
) -> AsyncIterator[Measurement]:
    """Yield every reading the request covers, property by property, each exactly once."""
    sizes = client.page_sizes
    if property_id is None:
        result, size = await fetch_page(
            client.get_measurements,
            ACCOUNT_MEASUREMENTS,
            sizes,
            request.page_size,
            {"account_number": account_number, **request.variables()},
        )
        if result.account is None:
            raise NotFoundError(
                [{"message": f"No account {account_number}."}], None, "getMeasurements"
            )
        firsts = [(p.id or "", p.measurements) for p in result.account.properties or () if p]
    else:
        single, size = await fetch_page(
            client.get_property_measurements,
            PROPERTY_MEASUREMENTS,
            sizes,
            request.page_size,
            {"property_id": property_id, **request.variables()},
        )
        if single.property_ is None:
            raise NotFoundError(
                [{"message": f"No property {property_id}."}], None, "getPropertyMeasurements"
            )
        firsts = [(single.property_.id or property_id, single.property_.measurements)]
    request = _with_page_size(request, size)
    for identifier, page in firsts:
        if page is None:
            continue
        for measurement in _records(identifier, page):
            yield measurement
        if page.page_info.has_next_page:
            async for measurement in _rest_of_property(client, identifier, page, request):
                yield measurement


def _with_page_size(request: _Request, size: int) -> _Request:
    return (
        request
        if size == request.page_size
        else _Request(
            request.start,
            request.end,
            request.zone,
            request.filters,
            request.frequency,
            size,
            request.concurrency,
        )
    )


async def _rest_of_property(
    client: KrakenClient, property_id: str, first: MeasurementPage, request: _Request
) -> AsyncIterator[Measurement]:
    """Fetch the pages after a property's first: in windows when that costs no extra requests."""
    last = first.edges[-1].node if first.edges and first.edges[-1] else None
    remaining = first.total_count - len(first.edges)
    pages_needed = math.ceil(remaining / request.page_size)
    spans: list[tuple[datetime, datetime]] = []
    if (
        request.frequency is not None
        and has_buckets(request.frequency)
        and isinstance(last, IntervalMeasurement)
        and request.concurrency > 1
    ):
        resume = last.end_at.astimezone(request.zone)
        spans = windows(resume, request.end, request.frequency, request.zone, request.page_size)
    if not spans or len(spans) > pages_needed + 1:
        # Sparse data or unknown bucket widths: windows would cost more requests than pages.
        pages = _property_pages(client, property_id, request, cursor=first.page_info.end_cursor)
        async for result in pages.pages():
            for measurement in _result_records(property_id, result):
                yield measurement
        return

    async def window(span: tuple[datetime, datetime]) -> list[Measurement]:
        pages = _property_pages(client, property_id, request, *span)
        return [m async for result in pages.pages() for m in _result_records(property_id, result)]

    async for batch in _in_order(window, spans, request.concurrency):
        for measurement in batch:
            yield measurement


def _property_pages(
    client: KrakenClient,
    property_id: str,
    request: _Request,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    cursor: str | None = None,
) -> Paginator[GetPropertyMeasurements]:
    return Paginator(
        client.get_property_measurements,
        PROPERTY_MEASUREMENTS,
        client.page_sizes,
        {"property_id": property_id, **request.variables(start, end)},
        page_size=request.page_size,
        cursor=cursor,
    )


T = TypeVar("T")
W = TypeVar("W")


async def _in_order(
    work: Callable[[W], Awaitable[T]], items: Sequence[W], concurrency: int
) -> AsyncIterator[T]:
    """Run `work` on `items` with at most `concurrency` at once; yield results in item order."""
    queue: deque[asyncio.Task[T]] = deque()
    upcoming = iter(items)
    try:
        for item in _take(upcoming, concurrency):
            queue.append(asyncio.ensure_future(work(item)))
        while queue:
            result = await queue.popleft()
            for item in _take(upcoming, 1):
                queue.append(asyncio.ensure_future(work(item)))
            yield result
    finally:
        for task in queue:
            task.cancel()
        await asyncio.gather(*queue, return_exceptions=True)


def _take(items: Iterable[W], count: int) -> list[W]:
    taken = []
    for item in items:
        taken.append(item)
        if len(taken) == count:
            break
    return taken


def _result_records(property_id: str, result: GetPropertyMeasurements) -> Iterable[Measurement]:
    page = result.property_.measurements if result.property_ else None
    return _records(property_id, page) if page is not None else ()


def _records(property_id: str, page: MeasurementPage) -> Iterable[Measurement]:
    for edge in page.edges:
        node = edge.node if edge is not None else None
        if node is None:
            continue
        start, end = (
            (node.start_at, node.end_at) if isinstance(node, IntervalMeasurement) else (None, None)
        )
        statistics = node.meta_data.statistics if node.meta_data else None
        yield Measurement(
            property_id=property_id,
            start_at=start,
            end_at=end,
            read_at=node.read_at,
            value=node.value,
            unit=node.unit,
            source=node.source,
            statistics=tuple(s for s in statistics or () if s is not None),
            typename=node.typename__,
        )
