"""What one measurements fetch asks for: the filters a caller gives, checked into a `Request`.

`plan` checks `KrakenClient.measurements`' arguments before any request is sent and settles
what every request of the fetch shares (range, timezone, page size, concurrency, whether
statistics are asked for); `Request.for_series` narrows it to one series' filter, and
`Request.variables` gives the GraphQL variables each page sends.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kraken_energy_gql.enums import ReadingDirectionType, ReadingFrequencyType, ReadingQualityType
from kraken_energy_gql.input_types import (
    ElectricityFiltersInput,
    GasFiltersInput,
    UtilityFiltersInput,
)

from ._constants import DEFAULT_CONCURRENCY, DEFAULT_MEASUREMENTS_PAGE_SIZE
from ._errors import InvalidArgumentError
from ._series import PropertySeries
from ._validation import check_range_arguments


@dataclass(frozen=True, slots=True)
class ElectricityFilter:
    """Which electricity series to fetch, and how: every one its given fields match.

    `supply_point`, `device_id` and `direction` select among the account's series (None: any);
    `frequency`, `register_id` and `quality` say how each is read (None: Kraken's default).
    """

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
    """Which gas series to fetch (gas has no direction): as `ElectricityFilter` does."""

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


@dataclass(frozen=True)
class Request:
    """What every request of one fetch shares."""

    start: datetime
    end: datetime
    zone: ZoneInfo
    electricity: ElectricityFilter | None
    gas: GasFilter | None
    filters: list[UtilityFiltersInput]
    """What this request sends: the one filter of its series."""
    frequency: ReadingFrequencyType | None
    page_size: int
    concurrency: int
    statistics: bool = True
    """Whether Kraken is asked for each reading's statistics (`$withStatistics`)."""

    def for_series(self, entry: PropertySeries) -> Request:
        """Return the request of one series: its filter alone, its frequency's buckets."""
        return dataclasses.replace(self, filters=[entry.filter], frequency=entry.series.frequency)

    def variables(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, Any]:
        """Return the GraphQL variables every page of this fetch sends (the window's, if given)."""
        variables = {
            "startAt": start or self.start,
            "endAt": end or self.end,
            "timezone": self.zone.key,
            "utilityFilters": self.filters or None,
        }
        if not self.statistics:  # left out otherwise: the operation's default asks for them
            variables["withStatistics"] = False
        return variables


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
    statistics: bool = True,
) -> Request:
    """Check the arguments of `KrakenClient.measurements` and settle what every request shares.

    Raises:
        InvalidArgumentError: names the argument that is missing, naive, unknown or out of range.
    """
    check_range_arguments(start, end, start_on, end_on, timezone, page_size, concurrency)
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
    if end.astimezone(UTC) <= start.astimezone(UTC):  # same-zone datetimes compare by wall clock
        raise InvalidArgumentError("end", "must be after start")
    if page_size is not None and page_size < 1:
        raise InvalidArgumentError("page_size", f"must be at least 1, got {page_size}")
    if concurrency is not None and concurrency < 1:
        raise InvalidArgumentError("concurrency", f"must be at least 1, got {concurrency}")
    if not isinstance(statistics, bool):
        raise InvalidArgumentError("statistics", f"must be True or False, got {statistics!r}")
    return Request(
        start=start.astimezone(zone),
        end=end.astimezone(zone),
        zone=zone,
        electricity=electricity,
        gas=gas,
        filters=[],
        frequency=None,
        page_size=page_size or DEFAULT_MEASUREMENTS_PAGE_SIZE,
        concurrency=concurrency or DEFAULT_CONCURRENCY,
        statistics=statistics,
    )
