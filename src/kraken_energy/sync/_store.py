"""Where a sync keeps readings by default: `SqliteStore`, one SQLite file behind `Store`.

The sync logic talks only to `Store` (`_interface`), so a server database can be added later as
another class with the same methods. `SqliteStore` is one file in WAL mode; its schema is
versioned with SQLite's `user_version` and each version has a migration in `MIGRATIONS`.

Schema, version 1:

    series    one row per series: account_number, property_id and the series identity
              (utility, supply_point, device_id, register_id, direction, frequency, quality;
              '' where Kraken gives none, since SQL's NULLs never compare equal in a UNIQUE key),
              complete as Kraken names it in `utilityFilters`: a field a filter may leave out
              for Kraken's default is stored as that default (`KRAKEN_FILTER_DEFAULTS`), so a
              series discovered without a quality and the same series read back with quality
              COMBINED are one row, not two,
              first_seen_at / last_seen_at (when a sync last found it on the account), and
              fetched_until_us: readings are complete up to this instant (microseconds since the
              epoch, UTC), written in the same transaction as the readings it covers.
    readings  keyed by (series_id, at_us), where at_us is the reading's start (its read time for
              readings without an interval) in microseconds since the epoch, UTC: the same
              instant written with another offset is the same row. Holds start_at, end_at and
              read_at as ISO 8601 with the offset Kraken sent, the value as the decimal string
              exactly as Kraken sent it, unit, source and fetched_at.

Writes are upserts: writing the same reading twice leaves one row, and a revised value replaces
the old one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Final, Self, cast

from kraken_energy_gql.enums import (
    ReadingDirectionType,
    ReadingFrequencyType,
    ReadingQualityType,
)

from .._series import Series, Utility
from ._interface import (
    Reading,
    SeriesRecord,
    StoredReading,
    StoreError,
    identity,
)

SCHEMA_VERSION: Final = 1
"""The store schema this version of the package writes; older stores are migrated on open."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)

Row = tuple[int, int, str | None, str | None, str, str, str, str, str]
"""One reading as `_UPSERT` writes it: series_id, at_us, start_at, ... fetched_at."""


def _create_version_1(connection: sqlite3.Connection) -> None:
    # One statement per execute(): executescript() would commit the migration's transaction.
    connection.execute(
        """
        CREATE TABLE series (
            id INTEGER PRIMARY KEY,
            account_number TEXT NOT NULL,
            property_id TEXT NOT NULL,
            utility TEXT NOT NULL,
            supply_point TEXT NOT NULL DEFAULT '',
            device_id TEXT NOT NULL DEFAULT '',
            register_id TEXT NOT NULL DEFAULT '',
            direction TEXT NOT NULL DEFAULT '',
            frequency TEXT NOT NULL DEFAULT '',
            quality TEXT NOT NULL DEFAULT '',
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            fetched_until_us INTEGER,
            UNIQUE (account_number, property_id, utility, supply_point, device_id, register_id,
                    direction, frequency, quality)
        )
        """
    )
    connection.execute(
        """
        CREATE TABLE readings (
            series_id INTEGER NOT NULL REFERENCES series (id),
            at_us INTEGER NOT NULL,
            start_at TEXT,
            end_at TEXT,
            read_at TEXT NOT NULL,
            value TEXT NOT NULL,
            unit TEXT NOT NULL,
            source TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (series_id, at_us)
        ) WITHOUT ROWID
        """
    )


MIGRATIONS: Final[dict[int, Callable[[sqlite3.Connection], None]]] = {
    1: _create_version_1,  # from an empty file
}
"""`MIGRATIONS[n]` brings a store at version n - 1 to version n, inside one transaction."""

_SERIES_COLUMNS: Final = (
    "id, account_number, property_id, utility, supply_point, device_id, register_id, "
    "direction, frequency, quality, fetched_until_us"
)
_SERIES_ORDER: Final = (
    "account_number, property_id, utility, supply_point, device_id, register_id, direction, "
    "frequency, quality"
)
_UPSERT: Final = """
    INSERT INTO readings (series_id, at_us, start_at, end_at, read_at, value, unit, source,
                          fetched_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (series_id, at_us) DO UPDATE SET
        start_at = excluded.start_at, end_at = excluded.end_at, read_at = excluded.read_at,
        value = excluded.value, unit = excluded.unit, source = excluded.source,
        fetched_at = excluded.fetched_at
    WHERE readings.value IS NOT excluded.value OR readings.unit IS NOT excluded.unit
       OR readings.source IS NOT excluded.source
"""
# A reading counts as revised when what it says changes, not when the same instants come back
# written with another offset (another `timezone` argument).


def microseconds(instant: datetime) -> int:
    """`instant` (timezone-aware) as whole microseconds since the epoch, in UTC."""
    return (instant - _EPOCH) // _MICROSECOND


def _rows(series_id: int, readings: Iterable[Reading], fetched_at: str) -> Iterator[Row]:
    """Yield the readings as `_UPSERT`'s parameters, one at a time, for `executemany`.

    The hot path of a sync (a few microseconds a reading): one pass, no list of rows held.
    """
    for r in readings:
        start, end, read_at = r.start_at, r.end_at, r.read_at
        yield (
            series_id,
            ((read_at if start is None else start) - _EPOCH) // _MICROSECOND,
            None if start is None else start.isoformat(),
            None if end is None else end.isoformat(),
            read_at.isoformat(),
            str(r.value),  # a Decimal keeps the digits Kraken sent: str gives them back
            r.unit,
            r.source,
            fetched_at,
        )


def from_microseconds(value: int) -> datetime:
    """Return the UTC datetime `value` microseconds after the epoch (`microseconds` inverted)."""
    seconds, micros = divmod(value, 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)


class SqliteStore:
    """A `Store` in one SQLite file (WAL mode), created and migrated on open.

    A transaction committed before the process is killed (SIGKILL included) stays committed:
    WAL with `synchronous=NORMAL` loses nothing on a crash of the process, only possibly the
    last transactions on a power loss.

    Args:
        path: the database file; created with its folder's permissions if missing.

    Raises:
        StoreError: the file is not a store, was written by a newer version of this package,
            or cannot be opened (the message names the file).

    Example:
        >>> with SqliteStore("readings.db") as store:  # doctest: +SKIP
        ...     for reading in store.readings(account_number="A-F523797D"):
        ...         print(reading.start_at, reading.value)
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}") from exc
        try:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{self.path} is not a readable store: {exc}") from exc
        except StoreError:
            self._db.close()
            raise

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has store schema version {version}; this kraken-energy reads up "
                f"to {SCHEMA_VERSION}: upgrade kraken-energy"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[target](self._db)
                self._db.execute(f"PRAGMA user_version = {target}")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        return int(version)

    def series(
        self, account_number: str, property_id: str, key: Series, seen_at: datetime
    ) -> SeriesRecord:
        """Return the stored series, adding it first if new, and record that it was seen.

        `key` is stored complete (`identity`): the record's key has Kraken's defaults filled in.
        """
        complete = identity(key)
        row_key = (
            account_number,
            property_id,
            key.utility,
            *(_text(v) or "" for v in complete[1:]),
        )
        seen = seen_at.isoformat()
        try:
            with self._transaction():
                self._db.execute(
                    "INSERT INTO series (account_number, property_id, utility, supply_point, "
                    "device_id, register_id, direction, frequency, quality, first_seen_at, "
                    "last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT DO UPDATE SET last_seen_at = excluded.last_seen_at",
                    (*row_key, seen, seen),
                )
                row = self._db.execute(
                    f"SELECT {_SERIES_COLUMNS} FROM series WHERE account_number = ? AND "
                    "property_id = ? AND utility = ? AND supply_point = ? AND device_id = ? AND "
                    "register_id = ? AND direction = ? AND frequency = ? AND quality = ?",
                    row_key,
                ).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot record a series in {self.path}: {exc}") from exc
        return _series_record(row)

    def write(
        self,
        series_id: int,
        readings: Sequence[Reading],
        fetched_until: datetime,
        fetched_at: datetime,
    ) -> int:
        """Upsert `readings` and move the series' `fetched_until`, in one transaction.

        Returns how many rows were added or changed (an identical reading written again counts
        for nothing).

        Raises:
            StoreError: the write failed; nothing of it was kept.
        """
        try:
            with self._transaction():
                before = self._db.total_changes
                self._db.executemany(_UPSERT, _rows(series_id, readings, fetched_at.isoformat()))
                written = self._db.total_changes - before
                self._db.execute(
                    "UPDATE series SET fetched_until_us = max(coalesce(fetched_until_us, 0), ?) "
                    "WHERE id = ?",
                    (microseconds(fetched_until), series_id),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write readings to {self.path}: {exc}") from exc
        return written

    def all_series(self, account_number: str | None = None) -> Iterator[SeriesRecord]:
        """Every stored series (of one account), ordered by account, property and identity."""
        where, parameters = "", tuple[str, ...]()
        if account_number is not None:
            where, parameters = ("WHERE account_number = ?", (account_number,))
        query = f"SELECT {_SERIES_COLUMNS} FROM series {where} ORDER BY {_SERIES_ORDER}"
        try:
            rows = self._db.execute(query, parameters).fetchall()  # one row per series: small
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read series from {self.path}: {exc}") from exc
        return map(_series_record, rows)

    def readings(
        self,
        account_number: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Iterator[StoredReading]:
        """Stream stored readings in series then time order, within `[start, end)` if given.

        Raises:
            StoreError: the store could not be read.
        """
        low = -(2**63) if start is None else microseconds(start)
        high = 2**63 - 1 if end is None else microseconds(end)
        for series in self.all_series(account_number):
            try:
                cursor = self._db.execute(
                    "SELECT start_at, end_at, read_at, value, unit, source, fetched_at "
                    "FROM readings WHERE series_id = ? AND at_us >= ? AND at_us < ? "
                    "ORDER BY at_us",
                    (series.id, low, high),
                )
                while batch := cursor.fetchmany(1000):
                    for row in batch:
                        yield StoredReading(
                            series.account_number, series.property_id, series.key, *row
                        )
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read readings from {self.path}: {exc}") from exc

    def count(self) -> tuple[int, int]:
        """How many series and readings the store holds."""
        (series,) = self._db.execute("SELECT count(*) FROM series").fetchone()
        (readings,) = self._db.execute("SELECT count(*) FROM readings").fetchone()
        return int(series), int(readings)

    def close(self) -> None:
        """Close the file; later calls raise `StoreError`."""
        self._db.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def _series_record(row: Iterable[object]) -> SeriesRecord:
    (series_id, account, property_id, utility, *rest, fetched_until_us) = row
    supply_point, device_id, register_id, direction, frequency, quality = (
        str(v) if v else None for v in rest
    )
    key = Series(
        cast(Utility, str(utility)),
        supply_point,
        device_id,
        register_id,
        None if direction is None else ReadingDirectionType(direction),
        None if frequency is None else ReadingFrequencyType(frequency),
        None if quality is None else ReadingQualityType(quality),
    )
    until = None if fetched_until_us is None else from_microseconds(int(str(fetched_until_us)))
    return SeriesRecord(int(str(series_id)), str(account), str(property_id), key, until)


def _text(value: object) -> str | None:
    """Return a series field as stored: an enum's value, a string as it is."""
    if value is None:
        return None
    return str(getattr(value, "value", value))
