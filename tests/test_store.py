"""The sync's SQLite store: schema and migrations, upserts, resume points, streaming export."""

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kraken_energy_gql.enums import (
    ReadingDirectionType,
    ReadingFrequencyType,
    ReadingQualityType,
)

from kraken_energy import Series
from kraken_energy.sync._interface import StoreError, identity
from kraken_energy.sync._store import (
    SCHEMA_VERSION,
    SqliteStore,
    from_microseconds,
    microseconds,
)

T0 = datetime(2024, 10, 1, tzinfo=timezone(timedelta(hours=1)))
NOW = datetime(2026, 12, 1, tzinfo=UTC)
IMPORT = Series("electricity", "2700008749510", "30-EB", None,
                ReadingDirectionType.CONSUMPTION, ReadingFrequencyType.THIRTY_MIN_INTERVAL)
GAS = Series("gas", "7150", "40-AA", frequency=ReadingFrequencyType.THIRTY_MIN_INTERVAL)
COMBINED_IMPORT = IMPORT._replace(quality=ReadingQualityType.COMBINED)


class R(NamedTuple):
    start_at: datetime | None
    end_at: datetime | None
    read_at: datetime
    value: Decimal
    unit: str = "kwh"
    source: str = "SMART"


def reading(slot: int, value: str = "0.125000", offset: timedelta = timedelta(hours=1)) -> R:
    start = (T0 + timedelta(minutes=30 * slot)).astimezone(timezone(offset))
    return R(start, start + timedelta(minutes=30), start + timedelta(minutes=30), Decimal(value))


def test_new_file_gets_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    """Opening a missing file creates the store at SCHEMA_VERSION, in WAL mode."""
    with SqliteStore(tmp_path / "s.db") as store:
        assert store.schema_version == SCHEMA_VERSION
    db = sqlite3.connect(tmp_path / "s.db")
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_newer_store_is_refused_by_name(tmp_path: Path) -> None:
    """A store written by a newer schema version is refused, naming the file and the fix."""
    db = sqlite3.connect(tmp_path / "new.db")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match=r"new\.db has store schema version 2.*upgrade"):
        SqliteStore(tmp_path / "new.db")


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    """A file that is not SQLite raises StoreError naming the file, not sqlite3's error."""
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        SqliteStore(tmp_path / "junk.db")


def test_series_are_added_once_and_absent_fields_round_trip_as_none(tmp_path: Path) -> None:
    """The same series twice is one row; None fields come back as None."""
    with SqliteStore(tmp_path / "s.db") as store:
        first = store.series("A-1", "p1", GAS, NOW)
        again = store.series("A-1", "p1", GAS, NOW + timedelta(days=1))
        other = store.series("A-1", "p1", IMPORT, NOW)
        assert first.id == again.id != other.id
        assert again.key == GAS and again.key.direction is None
        assert [s.key for s in store.all_series("A-1")] == [COMBINED_IMPORT, GAS]  # elec < gas


def test_a_series_named_with_or_without_kraken_defaults_is_one_series(tmp_path: Path) -> None:
    """Discovery's key (no quality) and the readings' (quality COMBINED) are one stored row."""
    with SqliteStore(tmp_path / "s.db") as store:
        discovered = store.series("A-1", "p1", IMPORT, NOW)
        read_back = store.series("A-1", "p1", COMBINED_IMPORT, NOW)
        exported = store.series("A-1", "p1", IMPORT._replace(direction=None), NOW)
        assert discovered.id == read_back.id == exported.id
        assert discovered.key == COMBINED_IMPORT
        assert store.count() == (1, 0)
        assert identity(GAS) == GAS  # gas has no direction nor quality to fill in


def test_writing_the_same_readings_twice_leaves_one_row_each(tmp_path: Path) -> None:
    """Upserts: a page written twice (even with another offset) is stored once."""
    with SqliteStore(tmp_path / "s.db") as store:
        series = store.series("A-1", "p1", IMPORT, NOW)
        page = [reading(slot) for slot in range(48)]
        assert store.write(series.id, page, page[-1].end_at, NOW) == 48
        in_utc = [reading(slot, offset=timedelta(0)) for slot in range(48)]
        assert store.write(series.id, in_utc, page[-1].end_at, NOW) == 0
        assert store.count() == (1, 48)


def test_a_revised_value_replaces_the_old_one_exactly(tmp_path: Path) -> None:
    """A reading fetched again with a new value keeps the new decimal string as sent."""
    with SqliteStore(tmp_path / "s.db") as store:
        series = store.series("A-1", "p1", IMPORT, NOW)
        store.write(series.id, [reading(0, "0E-18")], T0, NOW)
        assert [r.value for r in store.readings()] == ["0E-18"]
        assert store.write(series.id, [reading(0, "6.525000")], T0, NOW) == 1
        assert [r.value for r in store.readings()] == ["6.525000"]


def test_fetched_until_moves_with_the_write_and_never_back(tmp_path: Path) -> None:
    """The resume point is written with the readings and only moves forward."""
    with SqliteStore(tmp_path / "s.db") as store:
        series = store.series("A-1", "p1", IMPORT, NOW)
        assert series.fetched_until is None
        store.write(series.id, [], T0 + timedelta(days=2), NOW)
        store.write(series.id, [], T0 + timedelta(days=1), NOW)
        (stored,) = store.all_series()
        assert stored.fetched_until == T0 + timedelta(days=2)


def test_a_failed_write_keeps_nothing_of_it(tmp_path: Path) -> None:
    """A write that fails part way leaves neither readings nor a moved resume point."""
    with SqliteStore(tmp_path / "s.db") as store:
        series = store.series("A-1", "p1", IMPORT, NOW)
        bad = [reading(0), reading(1)._replace(unit=None)]  # unit is NOT NULL: the 2nd row fails
        with pytest.raises(StoreError):
            store.write(series.id, bad, T0 + timedelta(days=1), NOW)
        assert store.count() == (1, 0)
        assert next(store.all_series()).fetched_until is None


def test_export_streams_in_series_then_time_order_within_bounds(tmp_path: Path) -> None:
    """readings() orders by account, property, series and time, and honours [start, end)."""
    with SqliteStore(tmp_path / "s.db") as store:
        gas = store.series("A-2", "p9", GAS, NOW)
        power = store.series("A-1", "p1", IMPORT, NOW)
        store.write(gas.id, [reading(s) for s in (3, 1, 2)], T0, NOW)
        store.write(power.id, [reading(s) for s in (5, 4)], T0, NOW)
        rows = list(store.readings())
        assert [(r.account_number, r.start_at) for r in rows] == [
            ("A-1", reading(4).start_at.isoformat()),
            ("A-1", reading(5).start_at.isoformat()),
            *[("A-2", reading(s).start_at.isoformat()) for s in (1, 2, 3)],
        ]
        window = store.readings("A-2", start=reading(2).start_at, end=reading(3).start_at)
        assert [r.start_at for r in window] == [reading(2).start_at.isoformat()]


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30))])))
def test_microseconds_round_trip(instant: datetime) -> None:
    """microseconds() and from_microseconds() are inverse, against datetime's own arithmetic."""
    value = microseconds(instant)
    assert value == (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    assert from_microseconds(value) == instant


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.sampled_from(["1.000", "2.5", "0E-18"])),
                max_size=60))
def test_store_equals_a_dict_of_last_writes(writes: list[tuple[int, str]]) -> None:
    """After any sequence of page writes, the store holds exactly the last value per slot."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder, SqliteStore(Path(folder) / "s.db") as store:
        series = store.series("A-1", "p1", IMPORT, NOW)
        oracle: dict[int, str] = {}
        for start in range(0, len(writes), 7):  # pages of up to seven readings
            page = writes[start:start + 7]
            store.write(series.id, [reading(slot, value) for slot, value in page], T0, NOW)
            oracle.update(page)
        stored = {(datetime.fromisoformat(r.start_at) - T0) // timedelta(minutes=30): r.value
                  for r in store.readings()}
        assert stored == oracle
