"""How a sync spends Kraken's hourly points allowance: evenly, keeping a reserve.

`Pacer` is an httpx request hook on the client: it counts every request (token requests too) and
spaces them one interval apart. The interval comes from `requests_per_hour` when the caller gives
one. Otherwise `AllowancePlanner` reads `rateLimitInfo` (where the endpoint's schema has it)
every `ALLOWANCE_CHECK_EVERY` requests: while the allowance left, less a reserve, pays for many
more requests, nothing waits; once it is tight, the requests it still pays for are spread evenly
until it renews (`ttl`). What a request costs is measured between two reads (Kraken charges
about `DEFAULT_POINTS_PER_REQUEST` for a measurements page). When only the reserve is left, the
planner waits for the next allowance, or stops the run with `AllowanceExhaustedError` when that
wait would pass `max_wait`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

import httpx

from .._errors import GraphQLError, KrakenError

if TYPE_CHECKING:
    from .._client import KrakenClient
    from ._sync import SyncStats

logger = logging.getLogger("kraken_energy.sync")

DEFAULT_POINTS_PER_REQUEST: Final = 17
"""Points Kraken charges a measurements request, whatever its page size, until measured."""
DEFAULT_ALLOWANCE_RESERVE: Final = 0.1
"""Share of the hourly allowance a sync leaves unspent, for the credential's other users."""
ALLOWANCE_CHECK_EVERY: Final = 100
"""Requests between two reads of `rateLimitInfo` while pacing by the allowance."""


class AllowanceExhaustedError(KrakenError):
    """Kraken's allowance is spent for longer than the sync may wait; the run stopped cleanly.

    Everything fetched until then is committed: run the sync again after `resume_at` (None when
    Kraken did not say) and it continues where it stopped. `stats` says what was done.
    """

    def __init__(self, message: str, stats: SyncStats, resume_at: datetime | None) -> None:
        when = "" if resume_at is None else resume_at.isoformat(timespec="seconds")
        super().__init__(message + (f"; run it again after {when}" if when else ""))
        self.stats = stats
        self.resume_at = resume_at


class Pacer:
    """Counts requests and starts them at least `interval` seconds apart (none: 0)."""

    def __init__(
        self,
        requests_per_hour: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.requests = 0
        self.interval = 3600.0 / requests_per_hour if requests_per_hour else 0.0
        self._next: float | None = None
        self._clock = clock
        self._sleep = sleep

    def set_rate(self, requests_per_hour: float | None) -> None:
        """Pace to `requests_per_hour` from now on (None or 0: no pacing)."""
        self.interval = 3600.0 / requests_per_hour if requests_per_hour else 0.0

    def hold(self, seconds: float) -> None:
        """Start no request for `seconds` from now (a spent allowance); then pace as before."""
        until = self._clock() + seconds
        self._next = until if self._next is None else max(self._next, until)

    async def before_request(self, _request: httpx.Request | None) -> None:
        """Count the request and wait for its slot (an httpx `request` event hook)."""
        self.requests += 1
        if self._next is None and not self.interval:
            return  # neither paced nor held: the common case costs a count
        # Book the next free slot before waiting (no await in between, so no lock is needed):
        # concurrent requests take consecutive slots, one interval apart.
        now = self._clock()
        slot = now if self._next is None else max(now, self._next)
        self._next = slot + self.interval if self.interval or slot > now else None
        if slot > now:
            await self._sleep(slot - now)


class AllowancePlanner:
    """Paces a `Pacer` by the allowance `rateLimitInfo` reports, keeping `reserve` of it."""

    def __init__(
        self,
        client: KrakenClient,
        pacer: Pacer,
        max_wait: float,
        reserve: float = DEFAULT_ALLOWANCE_RESERVE,
    ) -> None:
        self._client = client
        self._pacer = pacer
        self._max_wait = max_wait
        self._reserve = reserve
        # The client's policy says what time it is and how to wait (tests give it fake clocks).
        self._wall_clock = client.retry_policy.wall_clock
        self._sleep = client.retry_policy.sleep
        self.readable = True
        self.remaining: int | None = None
        """Points left at the last read, when the endpoint says."""
        self.points_per_request = float(DEFAULT_POINTS_PER_REQUEST)
        self.check_after = ALLOWANCE_CHECK_EVERY
        """Requests to send before reading the allowance again: fewer as it runs low."""
        self._last: tuple[int, int, int] | None = None  # (requests, used, ttl) at the last read
        self._lock = asyncio.Lock()

    async def plan(self, stats: SyncStats) -> None:
        """Read the allowance and set the pace; wait for a new allowance when it is spent.

        Raises:
            AllowanceExhaustedError: the allowance is spent and renews after `max_wait`.
        """
        if not self.readable:
            return
        async with self._lock:
            counted = self._pacer.requests
            try:
                result = await self._client.rate_limit()
            except GraphQLError as exc:
                if exc.code is None and exc.error_type is None:  # the schema has no such field
                    self.readable = False
                    logger.debug("no rateLimitInfo on this endpoint: pacing by rate limits only")
                return
            except KrakenError as exc:
                logger.debug("could not read the allowance: %s", exc)
                return
            info = result.rate_limit_info
            allowance = info.points_allowance_rate_limit if info else None
            if allowance is None or allowance.limit is None or allowance.ttl is None:
                return
            used = allowance.used_points or 0
            if self._last is not None and self._last[2] == allowance.ttl:  # same hour
                spent, sent = used - self._last[1], counted - self._last[0]
                if spent > 0 and sent > 0:  # sent counts free requests too (tokens, these
                    # reads), so the measure can only err low: never below Kraken's known cost
                    self.points_per_request = max(spent / sent, DEFAULT_POINTS_PER_REQUEST)
            self._last = (self._pacer.requests, used, allowance.ttl)  # after this read
            self.remaining = allowance.remaining_points
            left = (allowance.remaining_points or 0) - self._reserve * allowance.limit
            seconds = max(allowance.ttl - self._wall_clock(), 1.0)
            if left < self.points_per_request or allowance.is_blocked:
                await self._wait_for(allowance.ttl, stats)
                return
            affordable = left / self.points_per_request  # requests until only the reserve is left
            if affordable >= 2 * ALLOWANCE_CHECK_EVERY:
                self.check_after = ALLOWANCE_CHECK_EVERY
                self._pacer.set_rate(None)  # plenty: no waiting until the next read
                return
            # Tight: spread what is left until it renews, and look again at half of it.
            self.check_after = max(1, int(affordable // 2))
            rate = affordable / seconds * 3600.0
            self._pacer.set_rate(rate)
            logger.debug(
                "allowance: %d of %d points left, %.1f per request: %.0f requests per hour",
                allowance.remaining_points or 0,
                allowance.limit,
                self.points_per_request,
                rate,
            )

    async def _wait_for(self, renews_at: int, stats: SyncStats) -> None:
        wait = renews_at - self._wall_clock()
        resume = datetime.fromtimestamp(renews_at, UTC)
        if wait > self._max_wait:
            raise AllowanceExhaustedError(
                "the rate-limit allowance is spent (less than the reserve is left)", stats, resume
            )
        logger.debug("allowance spent: waiting %.0f s for the next one", wait)
        self._pacer.hold(max(wait, 0.0))  # the other workers' requests wait for it too
        await self._sleep(max(wait, 0.0))
        self._last = None
