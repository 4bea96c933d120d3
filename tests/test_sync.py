"""sync(): every series of many accounts into the store, exactly once, incrementally."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import kraken_energy as kc
from kraken_energy import KrakenClient
from kraken_energy.sync._store import SqliteStore
from kraken_energy.sync._sync import (
    DEFAULT_REFETCH_MARGIN,
    AllowanceExhaustedError,
    SyncStats,
    _Pacer,
    sync,
)
from kraken_energy.testing import (
    DEMO_API_KEY,
    FakeKraken,
    FakeKrakenConfig,
    TooManyRequests,
    many_accounts_scenario,
)

LONDON = ZoneInfo("Europe/London")
UNTIL = datetime(2024, 10, 8, tzinfo=LONDON)
SINCE = date(2024, 10, 1)


def scenario(accounts: int):
    start = datetime(2024, 9, 1, tzinfo=UTC)
    return many_accounts_scenario(accounts, start, datetime(2024, 11, 1, tzinfo=UTC))


NUMBERS = [f"A-{n:08X}" for n in range(1, 5)]


@pytest.fixture
def fake():
    with FakeKraken(config=FakeKrakenConfig(max_page_size=100), scenario=scenario(4)) as f:
        yield f


async def truth(fake: FakeKraken, start: datetime, end: datetime) -> set[tuple]:
    """Every reading of every account, fetched directly: the oracle the store must equal."""
    rows = set()
    async with KrakenClient(fake.url, auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        for number in NUMBERS:
            async for m in kraken.measurements(number, start=start, end=end,
                                               electricity=kc.ElectricityFilter(
                                                   frequency=kc.ReadingFrequencyType.THIRTY_MIN_INTERVAL)):
                rows.add((number, m.start_at.isoformat(), str(m.value)))
    return rows


def stored(store: SqliteStore) -> list[tuple]:
    return [(r.account_number, r.start_at, r.value) for r in store.readings()]


async def run_sync(fake: FakeKraken, path: Path, **options) -> SyncStats:
    async with KrakenClient(fake.url, auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        with SqliteStore(path) as store:
            return await sync(kraken, store, NUMBERS, **options)


async def test_a_first_sync_stores_every_reading_once(fake: FakeKraken, tmp_path: Path) -> None:
    """A sync of four accounts holds exactly what Kraken has in [since, until), each once."""
    stats = await run_sync(fake, tmp_path / "s.db", since=SINCE, until=UNTIL)
    with SqliteStore(tmp_path / "s.db") as store:
        rows = stored(store)
    expected = await truth(fake, datetime(2024, 10, 1, tzinfo=LONDON), UNTIL)
    assert len(rows) == len(set(rows)) == len(expected) == 4 * 7 * 48
    assert set(rows) == expected
    assert (stats.accounts_done, stats.series, stats.readings_written) == (4, 4, 4 * 7 * 48)


async def test_a_second_run_fetches_only_the_margin(fake: FakeKraken, tmp_path: Path) -> None:
    """Right after a complete run, each series is fetched again from its margin only."""
    await run_sync(fake, tmp_path / "s.db", since=SINCE, until=UNTIL)
    fake.clear_requests()
    stats = await run_sync(fake, tmp_path / "s.db", since=SINCE, until=UNTIL)
    fetches = [r for r in fake.requests
               if r.operation_name == "getPropertyMeasurements" and not r.error_codes]
    assert len(fetches) == 4  # two days of half-hours: 96 readings, one page of 100 each
    earliest = min(datetime.fromisoformat(r.variables["startAt"]) for r in fetches)
    assert earliest == UNTIL - DEFAULT_REFETCH_MARGIN
    assert stats.readings_written == 0  # nothing changed


async def test_a_later_run_adds_only_the_new_days(fake: FakeKraken, tmp_path: Path) -> None:
    """A run a day later stores the new day; the store still equals the truth, each once."""
    await run_sync(fake, tmp_path / "s.db", since=SINCE, until=UNTIL)
    later = UNTIL + timedelta(days=1)
    stats = await run_sync(fake, tmp_path / "s.db", since=SINCE, until=later)
    assert stats.readings_written == 4 * 48
    with SqliteStore(tmp_path / "s.db") as store:
        rows = stored(store)
    assert set(rows) == await truth(fake, datetime(2024, 10, 1, tzinfo=LONDON), later)
    assert len(rows) == len(set(rows))


async def test_an_unknown_account_fails_alone(fake: FakeKraken, tmp_path: Path) -> None:
    """An account Kraken does not know is reported; every other account is synced."""
    async with KrakenClient(fake.url, auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        with SqliteStore(tmp_path / "s.db") as store:
            stats = await sync(kraken, store, ["A-NOSUCH00", *NUMBERS], since=SINCE, until=UNTIL)
    assert (stats.accounts_done, stats.accounts_failed) == (4, 1)
    assert stats.failures[0][0] == "A-NOSUCH00" and "NotFoundError" in stats.failures[0][1]


async def test_rate_limits_during_a_sync_leave_the_store_exact(fake: FakeKraken,
                                                                tmp_path: Path) -> None:
    """Every 5th request rate-limited and tokens expiring: the store still equals the truth."""
    fake.faults.add(TooManyRequests(every=5))
    fake.expire_tokens_after(uses=7)
    await run_sync(fake, tmp_path / "s.db", since=SINCE, until=UNTIL, concurrency=3)
    fake.faults.clear()
    with SqliteStore(tmp_path / "s.db") as store:
        rows = stored(store)
    assert len(rows) == len(set(rows))
    assert set(rows) == await truth(fake, datetime(2024, 10, 1, tzinfo=LONDON), UNTIL)


async def test_a_spent_allowance_stops_the_run_and_the_next_completes(fake: FakeKraken,
                                                                       tmp_path: Path) -> None:
    """Past the retry policy, a rate limit stops the run cleanly; the next run completes it."""
    fake.faults.add(TooManyRequests(on_requests=range(4, 10_000)))
    async with KrakenClient(fake.url, auth=kc.APIKey(DEMO_API_KEY),
                            retry=kc.RetryPolicy(max_attempts=2)) as kraken:
        with SqliteStore(tmp_path / "s.db") as store:
            with pytest.raises(AllowanceExhaustedError) as stopped:
                await sync(kraken, store, NUMBERS, since=SINCE, until=UNTIL, concurrency=1)
    assert stopped.value.stats.accounts_done < 4
    fake.faults.clear()
    await run_sync(fake, tmp_path / "s.db", since=SINCE, until=UNTIL)
    with SqliteStore(tmp_path / "s.db") as store:
        rows = stored(store)
    assert Counter(rows).most_common(1)[0][1] == 1
    assert set(rows) == await truth(fake, datetime(2024, 10, 1, tzinfo=LONDON), UNTIL)


async def test_the_pacer_spaces_requests_evenly() -> None:
    """With a rate, the n-th request waits n intervals from the first (fake clock)."""
    now = [100.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    pacer = _Pacer(SyncStats(), requests_per_hour=3600, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        await pacer.before_request(None)
    assert waits == [1.0, 2.0, 3.0]
