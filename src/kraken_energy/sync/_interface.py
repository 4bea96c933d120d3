"""The `Store` interface the sync writes through, and the records it trades in.

The sync logic talks only to `Store`, so a server database can be added later as another class
with the same methods; `SqliteStore` (`_store`) is the embedded one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final, NamedTuple, Protocol

from kraken_energy_gql.enums import (
    ReadingDirectionType,
    ReadingFrequencyType,
    ReadingQualityType,
)

from .._errors import KrakenError
from .._series import Series

KRAKEN_FILTER_DEFAULTS: Final[dict[str, Series]] = {
    "electricity": Series(
        "electricity",
        direction=ReadingDirectionType.CONSUMPTION,
        frequency=ReadingFrequencyType.RAW_INTERVAL,
        quality=ReadingQualityType.COMBINED,
    ),
    "gas": Series("gas", frequency=ReadingFrequencyType.RAW_INTERVAL),
}
"""What Kraken's `ElectricityFiltersInput` / `GasFiltersInput` read when a field is left out
(the schema's defaults; FACTS.md): the store completes a series' identity with them."""


def identity(key: Series) -> Series:
    """Return `key` complete: each field Kraken defaults, when None, set to Kraken's default.

    The series a filter without a quality fetches is the one Kraken's readings name COMBINED:
    one series, one identity. A utility this client does not know is returned as it is.
    """
    default = KRAKEN_FILTER_DEFAULTS.get(key.utility)
    if default is None:
        return key
    return key._replace(
        direction=default.direction if key.direction is None else key.direction,
        frequency=default.frequency if key.frequency is None else key.frequency,
        quality=default.quality if key.quality is None else key.quality,
    )


class StoreError(KrakenError):
    """The store could not be opened, read or written; the message names the file and why."""


class SeriesRecord(NamedTuple):
    """A stored series: its id in the store, its account and property, and its identity."""

    id: int
    account_number: str
    property_id: str
    key: Series
    fetched_until: datetime | None


class Reading(Protocol):
    """What the store needs of a reading; `Measurement` has all of it."""

    @property
    def start_at(self) -> datetime | None: ...
    @property
    def end_at(self) -> datetime | None: ...
    @property
    def read_at(self) -> datetime: ...
    @property
    def value(self) -> Decimal: ...
    @property
    def unit(self) -> str: ...
    @property
    def source(self) -> str: ...


class StoredReading(NamedTuple):
    """A reading as the store holds it, with its series: one row of an export."""

    account_number: str
    property_id: str
    series: Series
    start_at: str | None
    end_at: str | None
    read_at: str
    value: str
    unit: str
    source: str
    fetched_at: str


class Store(Protocol):
    """The interface the sync writes through; `SqliteStore` implements it."""

    def series(
        self, account_number: str, property_id: str, key: Series, seen_at: datetime
    ) -> SeriesRecord:
        """Return the stored series, adding it first if new, and record that it was seen.

        A series is keyed by `identity(key)`, so the same series named with or without
        Kraken's defaults is one series.
        """
        ...

    def write(
        self,
        series_id: int,
        readings: Sequence[Reading],
        fetched_until: datetime,
        fetched_at: datetime,
    ) -> int:
        """Upsert `readings` and move the series' `fetched_until`, in one transaction.

        Returns how many rows were added or changed.
        """
        ...

    def all_series(self, account_number: str | None = None) -> Iterator[SeriesRecord]:
        """Every stored series (of one account), ordered by account, property and identity."""
        ...

    def readings(
        self,
        account_number: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Iterator[StoredReading]:
        """Stream stored readings in series then time order, within `[start, end)` if given."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...
