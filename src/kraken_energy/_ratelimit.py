"""How one client slows down as a whole when Kraken says it is sending too much.

Kraken's allowance is a budget of points per hour per viewer, so when one request is rate
limited every request of the client is. Two objects carry that:

- `Cooldown`, one per client: after a rate limit no request of the client is sent until it
  ends. Requests that were already on their way when it began join it instead of each starting
  their own. The first lasts at least the policy's `cooldown_min_seconds`; each one that follows
  soon after another lasts twice as long (jitter only ever lengthens it), up to
  `cooldown_max_seconds`, and after `cooldown_reset_seconds` without a rate limit the next one
  starts from the minimum again. `Retry-After`, and the allowance's `ttl` when it says the
  viewer is blocked, make it longer, never shorter.
- `AdaptiveConcurrency`, one per measurement fetch: at most `limit` requests on the wire. A rate
  limit halves the limit (once per cooldown, not below 1); each run of
  `SUCCESSES_BEFORE_GROWTH` answers without one adds one back, up to the fetch's concurrency.
  `FetchStats` reports what it met.

Both are plain objects with no lock or future bound to an event loop at construction.
"""

from __future__ import annotations

import logging
import math
import random
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ._errors import RateLimitedError
from ._retry import RetryPolicy, waits_enabled

if TYPE_CHECKING:
    import asyncio
    from types import TracebackType

logger = logging.getLogger("kraken_energy")

HANDOVER_WAIT_SECONDS: Final = 0.005
"""Longest a request waits, after giving its slot to another, for that one to be written
before decoding its own answer: decoding holds the event loop for a millisecond or more, and
the next request should be on the wire meanwhile (measured: 11% off a year's fetch at
concurrency 8). A request that takes longer to go out (a cooldown, a new token) is not waited
for beyond this."""

SUCCESSES_BEFORE_GROWTH: Final = 8
"""Answers in a row without a rate limit before a fetch's concurrency grows back by one."""


class Cooldown:
    """One client's pause after a rate limit; read by every request before it is sent.

    Times are in the policy's clock (monotonic by default); `resets_at` is Unix time.
    """

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy
        self.until = -math.inf
        """When the current cooldown ends (policy clock); in the past when there is none."""
        self.epoch = 0
        """Counts cooldowns: a request remembers it when sent, to tell joining from starting."""
        self.resets_at: float | None = None
        """Unix time the allowance resets, when Kraken said so (`ttl` or `Retry-After`)."""
        self.allowance_readable = True
        """False once the endpoint has refused `rateLimitInfo` (a schema without it)."""
        self.rate_limits = 0
        """Rate-limited answers to the client's operations (token requests: `KrakenAuth`)."""
        self._strikes = 0
        self._last: RateLimitedError | None = None

    def remaining(self) -> float:
        """Seconds until the cooldown ends (0 when there is none, or waits are off for tests)."""
        if not waits_enabled():
            return 0.0
        return max(0.0, self.until - self._policy.clock())

    def trip(self, sent_epoch: int, error: RateLimitedError) -> bool:
        """Record a rate limit met by a request sent during `sent_epoch`.

        Returns True when it starts a new cooldown, False when it joins the one that began
        after the request was sent (which then lasts at least the minimum from now).
        """
        now = self._policy.clock()
        least = max(self._policy.cooldown_min_seconds, error.retry_after or 0.0)
        self.rate_limits += not error.from_token_renewal  # the auth flow counted that one
        self._last = error
        if error.retry_after is not None:
            self._note_reset(self._policy.wall_clock() + error.retry_after)
        if sent_epoch != self.epoch:
            self.until = max(self.until, now + least)
            return False
        if now - self.until > self._policy.cooldown_reset_seconds:
            self._strikes = 0
        self._strikes += 1
        self.until = max(self.until, now + max(self._length(), least))
        self.epoch += 1
        logger.debug("rate limited: cooldown %d for %.1f s", self.epoch, self.until - now)
        return True

    def _length(self) -> float:
        """Return the next cooldown's length: doubling per strike, jitter on top, capped."""
        policy = self._policy
        doubled = policy.cooldown_min_seconds * 2.0 ** (self._strikes - 1)
        base = min(policy.cooldown_max_seconds, doubled)
        return min(policy.cooldown_max_seconds, base * random.uniform(1.0, 1.5))

    def blocked_until(self, unix_time: float) -> None:
        """Kraken says the viewer is blocked until `unix_time`: wait that long, not a guess."""
        self._note_reset(unix_time)
        delay = unix_time - self._policy.wall_clock()
        self.until = max(self.until, self._policy.clock() + delay)
        logger.debug("rate limited: allowance blocked for %.0f s", delay)

    def known_reset(self) -> float | None:
        """Return when the allowance resets (Unix time), if Kraken said so and it is ahead."""
        if self.resets_at is None or self.resets_at <= self._policy.wall_clock():
            return None
        return self.resets_at

    def _note_reset(self, unix_time: float) -> None:
        known = self.known_reset()
        if known is None or unix_time > known:  # a later reset wins; one in the past is gone
            self.resets_at = unix_time

    async def wait(self, policy: RetryPolicy, deadline: float, operation: str | None) -> None:
        """Wait out the cooldown before sending, or fail when it outlasts the call's budget.

        Raises:
            RateLimitedError: the cooldown ends after `deadline` (policy clock); it says when
                the allowance resets, where known.
        """
        while (remaining := self.remaining()) > 0:
            if policy.clock() + remaining > deadline:
                raise self.exceeded(operation)
            await policy.sleep(remaining)

    def exceeded(self, operation: str | None) -> RateLimitedError:
        """Build the error for a call whose budget ends before the cooldown does."""
        entries: list[dict[str, Any]] = (
            self._last.errors
            if self._last is not None
            else [{"message": "Too many requests.", "extensions": {"errorCode": "KT-CT-1199"}}]
        )
        error = RateLimitedError(entries, None, operation)
        error.set_resets_at(self.known_reset())
        return error


@dataclass
class FetchStats:
    """What a measurement fetch met, filled in as it runs.

    Example:
        >>> stats = FetchStats()
        >>> async for reading in kraken.measurements(account, start=s, end=e, stats=stats):
        ...     ...
        >>> stats.rate_limits, stats.concurrency
    """

    requests: int = 0
    """Answers received (each attempt counts)."""
    rate_limits: int = 0
    """Answers that were rate limits (KT-CT-1199 or HTTP 429)."""
    concurrency: int = 0
    """Requests allowed on the wire at once when the fetch ended (or now, while it runs)."""
    max_concurrency: int = 0
    """The concurrency the fetch started with and never exceeds."""


class AdaptiveConcurrency:
    """At most `limit` requests at once; halved on a rate limit, grown back after successes.

    Used as `async with slots:` around one HTTP exchange. Futures are made in whichever event
    loop is running when a request has to wait.
    """

    def __init__(self, maximum: int, stats: FetchStats | None = None) -> None:
        self.stats = stats if stats is not None else FetchStats()
        self.stats.concurrency = self.stats.max_concurrency = maximum
        self._in_use = 0
        self._run = 0
        self._halved_for = -1
        self._waiters: deque[asyncio.Future[asyncio.Event]] = deque()

    @property
    def limit(self) -> int:
        """Requests allowed on the wire at once now."""
        return self.stats.concurrency

    @property
    def maximum(self) -> int:
        """The most requests ever allowed at once."""
        return self.stats.max_concurrency

    async def acquire(self) -> asyncio.Event | None:
        """Take a slot, waiting for one; return the event to set once the request is written.

        A slot handed over by `release` comes with an event its releaser waits on (briefly)
        before decoding its own answer, so that this request reaches the wire first; a free
        slot comes with None.
        """
        if self._in_use < self.limit and not self._waiters:
            self._in_use += 1
            return None
        import asyncio

        waiter: asyncio.Future[asyncio.Event] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter  # `_wake` hands the slot over: counted in `_in_use` already
        except BaseException:
            if waiter.done() and not waiter.cancelled():  # handed a slot, then cancelled
                waiter.result().set()  # nobody should wait for a request never sent
                self._in_use -= 1
                self._wake()
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def release(self) -> asyncio.Event | None:
        """Give a slot back; return the event of the request it was handed to, if any."""
        self._in_use -= 1
        return self._wake()

    async def __aenter__(self) -> None:
        written = await self.acquire()
        if written is not None:
            written.set()  # used as a plain limiter: nobody waits for this request

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def _wake(self) -> asyncio.Event | None:
        import asyncio

        handed: asyncio.Event | None = None
        while self._in_use < self.limit and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                handed = asyncio.Event()
                waiter.set_result(handed)
                self._in_use += 1
        return handed

    def succeeded(self) -> None:
        """Count an answer without a rate limit; a long enough run of them adds a slot back."""
        self.stats.requests += 1
        self._run += 1
        if self._run >= SUCCESSES_BEFORE_GROWTH and self.limit < self.maximum:
            self._run = 0
            self.stats.concurrency += 1
            self._wake()

    def failed(self) -> None:
        """Count an answer that was some other failure (it neither halves nor grows)."""
        self.stats.requests += 1

    def rate_limited(self, cooldown_epoch: int) -> None:
        """Count a rate limit met during cooldown `cooldown_epoch`; halve once per cooldown."""
        self.stats.requests += 1
        self.stats.rate_limits += 1
        self._run = 0
        if cooldown_epoch != self._halved_for:
            self._halved_for = cooldown_epoch
            self.stats.concurrency = max(1, self.limit // 2)
