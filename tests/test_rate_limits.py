"""Rate limits against the fake Kraken: one cooldown per client, the allowance read, Retry-After.

Time is faked: the client's `RetryPolicy` sleeps by moving a `ManualClock` that the fake Kraken
shares, so waits of minutes take no time and the fake sees them pass.
"""

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

import kraken_energy as kc
from kraken_energy import FetchStats, KrakenClient, RetryPolicy
from kraken_energy._ratelimit import SUCCESSES_BEFORE_GROWTH, AdaptiveConcurrency
from kraken_energy.testing import (
    DEMO_ACCOUNT,
    DEMO_API_KEY,
    FakeKraken,
    FakeKrakenConfig,
    HttpError,
    Latency,
    ManualClock,
    TooManyRequests,
)

LONDON = ZoneInfo("Europe/London")
DAYS = {"start": datetime(2024, 9, 1, tzinfo=LONDON), "end": datetime(2024, 9, 11, tzinfo=LONDON),
        "page_size": 25}
"""Ten days of three half-hourly series in pages of 25: about 60 data requests."""
DATA_OPERATIONS = {"getMeasurements", "getPropertyMeasurements"}


TURNS_BEFORE_TIME_MOVES = 20
READY_TIMEOUT = 10.0
"""Real seconds a fake sleep waits at most for its `ready` condition."""
"""Event-loop turns a fake sleep gives first: answers already on the sockets are handled at the
instant they arrived, not after the clock has jumped (no real time passes either way)."""


class FakeTime:
    """A clock and a sleep for `RetryPolicy`: sleeping moves the shared clock, never waits.

    `ready`, when given, says whether what must happen before time moves has happened (answers
    still on their way over a socket): a sleep first waits for it in real time, never longer
    than `READY_TIMEOUT`.
    """

    def __init__(self, clock: ManualClock, ready: Callable[[], bool] | None = None) -> None:
        self.clock = clock
        self.ready = ready
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        wake = self.clock() + seconds
        for _ in range(TURNS_BEFORE_TIME_MOVES):
            await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + READY_TIMEOUT
        while self.ready is not None and not self.ready() and loop.time() < give_up:
            await asyncio.sleep(0.001)
        if wake > self.clock():  # concurrent sleepers: the clock only moves forward
            self.clock.set(wake)

    def policy(self, **options: float) -> RetryPolicy:
        return RetryPolicy(sleep=self.sleep, clock=self.clock, wall_clock=self.clock, **options)


class Recorder(httpx.AsyncBaseTransport):
    """A transport that notes, by the fake clock, when each request left and how it ended."""

    def __init__(self, clock: ManualClock, inner: httpx.AsyncBaseTransport) -> None:
        self.clock = clock
        self.inner = inner
        self.events: list[tuple[str, float, str | None, bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = request.content
        operation = json.loads(body).get("operationName") if body else None
        self.events.append(("send", self.clock(), operation, body))
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        limited = response.status_code == 429 or b"KT-CT-1199" in content
        self.events.append(("limited" if limited else "answer", self.clock(), operation, body))
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> FakeKraken:
    """In process: rate limits are answers (KT-CT-1199), and the client's handling is tested."""
    return FakeKraken(config=FakeKrakenConfig(max_page_size=100), clock=clock)


@pytest.fixture
def served(clock: ManualClock):
    """Over loopback HTTP: 429 and 503 pages with their Retry-After headers, and answers that
    arrive on sockets while the fake clock stands still (in process their order differs)."""
    with FakeKraken(config=FakeKrakenConfig(max_page_size=100), clock=clock) as f:
        yield f


@pytest.fixture
def waits_on() -> None:
    """These tests check the waits themselves: turn them back on (they are still faked)."""
    kc.set_retry_testing(False)


async def fetch(fake: FakeKraken, policy: RetryPolicy | None = None, **options) -> list:
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY), retry=policy) as kraken:
        return [m async for m in kraken.measurements(DEMO_ACCOUNT, **DAYS, **options)]


async def test_every_fifth_request_rate_limited_at_concurrency_8(
        fake: FakeKraken, clock: ManualClock, waits_on: None) -> None:
    """Every reading once; no request inside a cooldown; retries wait at least the minimum;
    no more requests than the pages plus the rate-limited ones; the fetch reports it."""
    expected = await fetch(fake, concurrency=8)
    pages = sum(1 for r in fake.requests if r.operation_name in DATA_OPERATIONS)
    fake.clear_requests()
    fake.faults.add(TooManyRequests(every=5))
    time = FakeTime(clock)
    recorder = Recorder(clock, fake.transport())
    stats = FetchStats()
    policy = time.policy(max_total_seconds=3600)

    async with httpx.AsyncClient(transport=recorder) as http, KrakenClient(
            fake.url, auth=kc.APIKey(DEMO_API_KEY), retry=policy, http_client=http) as kraken:
        rows = [m async for m in kraken.measurements(
            DEMO_ACCOUNT, **DAYS, concurrency=8, stats=stats)]

    keys = [(m.property_id, m.typename, m.start_at, m.end_at, m.read_at, m.value) for m in rows]
    assert rows == expected and len(set(keys)) == len(rows) == 3 * 10 * 48
    minimum = policy.cooldown_min_seconds
    limits = [(i, at) for i, (kind, at, _, _) in enumerate(recorder.events) if kind == "limited"]
    assert limits, "the fault must have struck"
    sends = [at for kind, at, operation, _ in recorder.events
             if kind == "send" and operation != "rateLimit"]  # the allowance is read inside
    for _, limited_at in limits:  # time only passes by waiting: sends at the same instant
        # were on their way already; none may leave during the cooldown that follows
        assert not [at for at in sends if limited_at < at < limited_at + minimum]
    gaps = []
    for index, (kind, limited_at, _, body) in enumerate(recorder.events):
        if kind == "limited":
            retry = next(at for k, at, _, b in recorder.events[index:] if k == "send" and b == body)
            gaps.append(retry - limited_at)
    assert min(gaps) >= minimum
    data = [r for r in fake.requests if r.operation_name in DATA_OPERATIONS]
    limited = sum(1 for r in data if "KT-CT-1199" in r.error_codes)
    assert len(data) <= pages + limited
    assert stats.rate_limits == limited > 0
    assert 1 <= stats.concurrency < stats.max_concurrency == 8


async def test_allowance_blocked_waits_until_ttl(
        fake: FakeKraken, clock: ManualClock, waits_on: None) -> None:
    """When rateLimitInfo says the viewer is blocked, the client waits until its ttl, once."""
    fake.faults.add(TooManyRequests(during=(0, 40)))
    time = FakeTime(clock)
    async with fake.client(auth=kc.Token(fake.issue_token()),
                           retry=time.policy(max_total_seconds=120)) as kraken:
        account = await kraken.get_account(account_number=DEMO_ACCOUNT)
    assert account.account is not None
    operations = [r.operation_name for r in fake.requests]
    assert operations == ["getAccount", "rateLimit", "getAccount"]
    assert len(time.sleeps) == 1 and 38 <= time.sleeps[0] <= 41


async def test_block_past_the_budget_fails_saying_when_it_resets(
        fake: FakeKraken, clock: ManualClock, waits_on: None) -> None:
    """A block longer than the policy allows fails at once with the allowance's reset time, and
    a call made during it fails without sending anything."""
    fake.faults.add(TooManyRequests(during=(0, 3600)))
    time = FakeTime(clock)
    async with fake.client(auth=kc.Token(fake.issue_token()),
                           retry=time.policy(max_total_seconds=60)) as kraken:
        with pytest.raises(kc.RateLimitedError, match="the allowance resets at") as caught:
            await kraken.get_account(account_number=DEMO_ACCOUNT)
        sent = len(fake.requests)
        with pytest.raises(kc.RateLimitedError, match="the allowance resets at") as again:
            await kraken.get_account(account_number=DEMO_ACCOUNT)  # inside the same cooldown
    expected = datetime.fromtimestamp(fake.app.started_at + 3600, UTC)
    for error in (caught.value, again.value):
        assert error.resets_at is not None
        assert abs(error.resets_at - expected) <= timedelta(seconds=2)
    assert len(fake.requests) == sent  # the second call sent nothing
    assert time.sleeps == []


def in_30_seconds() -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)


@pytest.mark.parametrize(("fault", "least", "most"), [
    (lambda: HttpError(status=503, times=1, headers=(("Retry-After", in_30_seconds()),)),
     28.5, 30.5),
    (lambda: HttpError(status=429, times=1, body="slow down", headers=(("Retry-After", "7"),)),
     7, 7),
    (lambda: TooManyRequests(times=1, retry_after="12"), 12, 12),
], ids=["503-http-date", "429-seconds", "200-KT-CT-1199-seconds"])
async def test_retry_after_is_honoured(served: FakeKraken, clock: ManualClock, waits_on: None,
                                       fault, least: float, most: float) -> None:
    """Retry-After as an HTTP date on a 503, as seconds on a 429 and on a 200 rate limit."""
    time = FakeTime(clock)
    async with KrakenClient(served.url, auth=kc.Token(served.issue_token()),
                            retry=time.policy()) as kraken:
        served.faults.add(fault())
        await kraken.get_account(account_number=DEMO_ACCOUNT)
    assert len(time.sleeps) == 1 and least <= time.sleeps[0] <= most


async def test_requests_waiting_join_the_cooldown_instead_of_drawing_their_own(
        served: FakeKraken, clock: ManualClock, waits_on: None) -> None:
    """Eight calls rate limited together make one cooldown: all resume when it ends."""
    served.faults.add(TooManyRequests(on_requests=range(1, 9)))
    served.faults.add(Latency(seconds=0.5, on_requests=range(1, 9)))  # all eight arrive first
    clients: list[KrakenClient] = []
    # Time moves only once the client has met all eight rate limits: on a loaded machine the
    # answers can reach it a few milliseconds apart, and a late one, met after a sleep moved
    # the clock, lengthens the cooldown again and costs its waiters a second wait.
    time = FakeTime(clock, ready=lambda: clients[0]._cooldown.rate_limits >= 8)
    policy = time.policy()
    async with KrakenClient(served.url, auth=kc.Token(served.issue_token()),
                            retry=policy) as kraken:
        clients.append(kraken)
        await asyncio.gather(*(kraken.get_account(account_number=DEMO_ACCOUNT)
                               for _ in range(8)))
        cooldowns = kraken._cooldown.epoch
    assert cooldowns == 1  # each drawing its own would have made eight, doubling in length
    # At most one wait each, for that one cooldown. The fake clock moves when a request sleeps,
    # so one that looks after another's sleep may find the cooldown over.
    waits = [seconds for seconds in time.sleeps if seconds > 0]
    assert 1 <= len(waits) <= 8
    operations = [r.operation_name for r in served.requests]
    assert operations.count("rateLimit") == 1 and operations.count("getAccount") == 16


async def test_rate_limit_reads_the_typed_allowance(fake: FakeKraken) -> None:
    """`rate_limit()` returns rateLimitInfo typed: limit, remaining, used, ttl, isBlocked."""
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        result = await kraken.rate_limit()
    allowance = result.rate_limit_info.points_allowance_rate_limit
    assert (allowance.limit, allowance.remaining_points, allowance.is_blocked) == (
        50_000, 50_000, False)
    assert allowance.ttl > fake.clock()


def test_fetch_concurrency_halves_once_per_cooldown_and_grows_back() -> None:
    """Halved once per cooldown, never below 1; one slot back per run of successes."""
    slots = AdaptiveConcurrency(8)
    for epoch in (1, 1, 1, 2, 3, 4):
        slots.rate_limited(epoch)
    assert slots.limit == 1 and slots.stats.rate_limits == 6
    for _ in range(SUCCESSES_BEFORE_GROWTH - 1):
        slots.succeeded()
    assert slots.limit == 1
    slots.succeeded()
    assert slots.limit == 2


async def test_fetch_slots_never_exceed_the_limit() -> None:
    """Four hold the slots; once the limit falls to two, no more than two hold them again."""
    slots = AdaptiveConcurrency(4)
    release = asyncio.Event()
    holding, peaks = 0, []

    async def hold() -> None:
        nonlocal holding
        async with slots:
            holding += 1
            peaks.append(holding)
            await release.wait()
            await asyncio.sleep(0.001)
            holding -= 1

    tasks = [asyncio.ensure_future(hold()) for _ in range(12)]
    while holding < 4:
        await asyncio.sleep(0)
    slots.rate_limited(1)
    release.set()
    await asyncio.gather(*tasks)
    assert peaks[:4] == [1, 2, 3, 4]
    assert max(peaks[4:]) == 2 and slots.limit == 2
