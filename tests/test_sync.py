"""sync(): every series of many accounts into the store, exactly once, incrementally."""

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

import kraken_energy as kc
from kraken_energy.sync._pacing import AllowanceExhaustedError, Pacer
from kraken_energy.sync._store import SqliteStore
from kraken_energy.sync._sync import DEFAULT_REFETCH_MARGIN, SyncStats, sync
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
HALF_HOURLY = kc.ReadingFrequencyType.THIRTY_MIN_INTERVAL


def scenario(accounts: int):
    start = datetime(2024, 9, 1, tzinfo=UTC)
    return many_accounts_scenario(accounts, start, datetime(2024, 11, 1, tzinfo=UTC))


NUMBERS = [f"A-{n:08X}" for n in range(1, 5)]


def unmetered() -> FakeKraken:
    # In process: the sync's logic is under test here, not the wire (test_sync_kill serves it).
    return FakeKraken(config=FakeKrakenConfig(max_page_size=100), scenario=scenario(4))


@pytest.fixture(scope="module")
def shared() -> FakeKraken:
    """One fake for the module, so pages fetched by one test are answered from its result
    cache in the next (the data never changes; faults and token expiry are reset per test)."""
    return unmetered()


@pytest.fixture
def fake(shared: FakeKraken) -> Iterator[FakeKraken]:
    """The module's fake with no faults, normal token lifetimes and an empty request log."""
    shared.faults.clear()
    shared.expire_tokens_after()
    shared.clear_requests()
    yield shared
    shared.faults.clear()
    shared.expire_tokens_after()


async def truth(fake: FakeKraken, start: datetime, end: datetime, **options) -> set[tuple]:
    """Every reading of every account, fetched directly: the oracle the store must equal.
    `options` go to the client (test_sync_kill passes an in-process `http_client`)."""
    rows = set()
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY), **options) as kraken:
        for number in NUMBERS:
            async for m in kraken.measurements(number, start=start, end=end,
                                               electricity=kc.ElectricityFilter(
                                                   frequency=kc.ReadingFrequencyType.THIRTY_MIN_INTERVAL)):
                rows.add((number, m.start_at.isoformat(), str(m.value)))
    return rows


def stored(store: SqliteStore) -> list[tuple]:
    return [(r.account_number, r.start_at, r.value) for r in store.readings()]


async def run_sync(fake: FakeKraken, path: Path, **options) -> SyncStats:
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        with SqliteStore(path) as store:
            return await sync(kraken, store, NUMBERS, **options)


async def test_a_first_sync_stores_every_reading_once(fake: FakeKraken, tmp_path: Path) -> None:
    """A sync of four accounts holds exactly what Kraken has in [since, until), each once."""
    stats = await run_sync(fake, tmp_path / "s.db", since=SINCE, until=UNTIL)
    sent = len(fake.requests)
    with SqliteStore(tmp_path / "s.db") as store:
        rows = stored(store)
    expected = await truth(fake, datetime(2024, 10, 1, tzinfo=LONDON), UNTIL)
    assert len(rows) == len(set(rows)) == len(expected) == 4 * 7 * 48
    assert set(rows) == expected
    assert (stats.accounts_done, stats.series, stats.readings_written) == (4, 4, 4 * 7 * 48)
    assert stats.requests == sent  # every request counted, token and allowance reads too


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
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        with SqliteStore(tmp_path / "s.db") as store:
            stats = await sync(kraken, store, ["A-NOSUCH00", *NUMBERS], since=SINCE, until=UNTIL)
    assert (stats.accounts_done, stats.accounts_failed) == (4, 1)
    assert stats.failures[0][0] == "A-NOSUCH00" and "NotFoundError" in stats.failures[0][1]


async def test_rate_limits_during_a_sync_leave_the_store_exact(tmp_path: Path) -> None:
    """Every 5th request rate-limited and tokens expiring: the store is exact, each counted."""
    fake = unmetered()  # its own: the fault counts requests from the fake's first
    fake.faults.add(TooManyRequests(every=5))
    fake.expire_tokens_after(uses=7)
    stats = await run_sync(fake, tmp_path / "s.db", since=SINCE, until=UNTIL, concurrency=3)
    limited = [r for r in fake.requests if "KT-CT-1199" in r.error_codes]
    tokens = [r for r in limited if r.operation_name == "obtainKrakenToken"]
    reads = [r for r in limited if r.operation_name == "rateLimit"]
    assert tokens and not reads  # a token request is among them; no read of the allowance
    assert stats.rate_limits == len(limited)  # each counted: token requests too
    fake.faults.clear()
    with SqliteStore(tmp_path / "s.db") as store:
        rows = stored(store)
    assert len(rows) == len(set(rows))
    assert set(rows) == await truth(fake, datetime(2024, 10, 1, tzinfo=LONDON), UNTIL)


async def test_a_spent_allowance_stops_the_run_and_the_next_completes(tmp_path: Path) -> None:
    """Past the retry policy, a rate limit stops the run cleanly; the next run completes it."""
    fake = unmetered()  # a fake of its own: the fault below counts requests from its first
    fake.faults.add(TooManyRequests(on_requests=range(4, 10_000)))
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY),
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

    pacer = Pacer(requests_per_hour=3600, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        await pacer.before_request(None)
    assert (pacer.requests, waits) == (4, [1.0, 2.0, 3.0])


async def test_a_held_pacer_starts_no_request_until_the_hold_ends() -> None:
    """Unpaced but held for 30 s: the first request waits the hold out, the next none."""
    now = [100.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    pacer = Pacer(clock=lambda: now[0], sleep=sleep)
    pacer.hold(30.0)
    for _ in range(3):
        await pacer.before_request(None)
    assert (pacer.requests, waits) == (3, [30.0])


async def test_concurrent_workers_read_the_allowance_once_per_check(tmp_path: Path) -> None:
    """Eight workers over 60 accounts: one rateLimitInfo read per 100 requests, not per worker."""
    fake = FakeKraken(config=FakeKrakenConfig(max_page_size=100, points_per_request=17,
                                              points_per_hour=17 * 100_000),
                      scenario=scenario(60))
    numbers = [f"A-{n:08X}" for n in range(1, 61)]
    inner = fake.transport()

    class Interleaving(httpx.AsyncBaseTransport):
        """Yields to the other workers during each request, as a network round trip does."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            for _ in range(20):
                await asyncio.sleep(0)
            return await inner.handle_async_request(request)

    http = httpx.AsyncClient(transport=Interleaving())
    async with http, fake.client(auth=kc.APIKey(DEMO_API_KEY), http_client=http) as kraken:
        with SqliteStore(tmp_path / "s.db") as store:
            stats = await sync(kraken, store, numbers, since=date(2024, 10, 7), until=UNTIL)
    reads = [r for r in fake.requests if r.operation_name == "rateLimit"]
    assert stats.accounts_done == 60 and stats.requests > 100
    assert len(reads) == 1 + (stats.requests - 1) // 100  # the first read, then one per 100


HOUR_ENDS = 1_800_000_000 - 1_800_000_000 % 3600 + 3600
"""The end of a fake hour; the allowance tests start 3,000 s before it."""


class FakeTime:
    """A manual clock 3,000 s before HOUR_ENDS whose sleeps advance it, and are recorded."""

    def __init__(self) -> None:
        from kraken_energy.testing._clock import ManualClock

        self.clock = ManualClock(HOUR_ENDS - 3000)
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds)

    def policy(self) -> kc.RetryPolicy:
        return kc.RetryPolicy(wall_clock=self.clock, clock=self.clock, sleep=self.sleep)


def metered(clock, points_per_hour: int) -> FakeKraken:
    """An in-process fake charging 17 points a request out of `points_per_hour`."""
    config = FakeKrakenConfig(max_page_size=1000, points_per_request=17,
                              points_per_hour=points_per_hour)
    return FakeKraken(config=config, scenario=scenario(4), clock=clock)


async def spend(fake: FakeKraken, requests: int) -> None:
    """Use the viewer's allowance from another client (another service with the same key)."""
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as other:
        for _ in range(requests):
            await other.get_account(account_number=NUMBERS[0])


async def test_a_spent_allowance_stops_the_run_until_it_renews(tmp_path: Path) -> None:
    """Allowance spent elsewhere: the run stops, naming the renewal; after it, it completes."""
    time = FakeTime()
    clock, hour_ends, policy = time.clock, HOUR_ENDS, time.policy()
    fake = metered(clock, points_per_hour=17 * 20)
    await spend(fake, 19)  # one request left: less than the reserve
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY), retry=policy) as kraken:
        with SqliteStore(tmp_path / "s.db") as store:
            with pytest.raises(AllowanceExhaustedError) as stopped:
                await sync(kraken, store, NUMBERS, since=SINCE, until=UNTIL, max_wait=600)
    assert stopped.value.resume_at == datetime.fromtimestamp(hour_ends, UTC)
    assert stopped.value.stats.accounts_done == 0
    assert "run it again after" in str(stopped.value)
    clock.advance(3000)  # a new hour: a new allowance
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY), retry=policy) as kraken:
        with SqliteStore(tmp_path / "s.db") as store:
            stats = await sync(kraken, store, NUMBERS, since=SINCE, until=UNTIL)
            rows = stored(store)
    assert stats.accounts_done == 4 and len(rows) == len(set(rows)) == 4 * 7 * 48
    assert not any("KT-CT-1199" in r.error_codes for r in fake.requests)  # never over it
    assert clock() < hour_ends + 3600  # paced within the new hour


async def test_a_sync_allowed_to_wait_waits_for_the_next_allowance(tmp_path: Path) -> None:
    """With max_wait past the renewal, the run sleeps until it and completes in one go."""
    time = FakeTime()
    clock, slept = time.clock, time.slept
    fake = metered(clock, points_per_hour=17 * 20)
    await spend(fake, 19)
    policy = time.policy()
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY), retry=policy) as kraken:
        with SqliteStore(tmp_path / "s.db") as store:
            stats = await sync(kraken, store, NUMBERS, since=SINCE, until=UNTIL, max_wait=3600)
            rows = stored(store)
    assert stats.accounts_done == 4 and len(rows) == 4 * 7 * 48
    assert slept and slept[0] == 3000  # waited for the next hour's allowance
    assert not any("KT-CT-1199" in r.error_codes for r in fake.requests)


async def test_a_tight_allowance_is_spread_until_it_renews(tmp_path: Path) -> None:
    """With few requests left, they are spread evenly over what is left of the hour."""
    time = FakeTime()
    clock, slept = time.clock, time.slept
    fake = metered(clock, points_per_hour=17 * 100)  # 100 requests an hour, a sync needs 9
    policy = time.policy()
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY), retry=policy) as kraken:
        with SqliteStore(tmp_path / "s.db") as store:
            stats = await sync(kraken, store, NUMBERS, since=SINCE, until=UNTIL, concurrency=1)
    assert stats.accounts_done == 4 and stats.allowance_left is not None
    # 90 requests affordable (a 10% reserve) over 3,000 s: one every 33 s or so.
    assert slept and all(25 < wait < 40 for wait in slept)


async def test_every_series_of_a_real_shaped_account_is_stored_with_its_identity(
    tmp_path: Path,
) -> None:
    """Import, export and gas of two homes: the store equals a direct fetch, series by series."""
    from kraken_energy.testing import HOMES_ACCOUNT

    fake = FakeKraken()
    every = {"electricity": kc.ElectricityFilter(frequency=HALF_HOURLY),
             "gas": kc.GasFilter(frequency=HALF_HOURLY)}
    start = datetime(2024, 11, 18, tzinfo=LONDON)  # the second home's gas starts on the 20th
    end = start + timedelta(days=4)
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        # The store keys a series as Kraken's readings name it (quality COMBINED included).
        expected = {(m.property_id, m.series, m.start_at.isoformat(),
                     str(m.value))
                    async for m in kraken.measurements(HOMES_ACCOUNT, start=start, end=end,
                                                       **every)}
        with SqliteStore(tmp_path / "s.db") as store:
            stats = await sync(kraken, store, [HOMES_ACCOUNT], since=start.date(), until=end)
            rows = [(r.property_id, r.series, r.start_at, r.value) for r in store.readings()]
    assert len(rows) == len(set(rows)) and set(rows) == expected
    kinds = {(s.utility, s.direction) for _, s, _, _ in rows}
    assert kinds == {("electricity", kc.ReadingDirectionType.CONSUMPTION),
                     ("electricity", kc.ReadingDirectionType.GENERATION), ("gas", None)}
    assert stats.series == len({(p, s) for p, s, _, _ in rows})
