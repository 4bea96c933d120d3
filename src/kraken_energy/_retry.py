"""When a failed request is sent again, how many times, and how long the client waits.

The rules, in the order `is_retryable` applies them:
0. a failure to obtain a token is not retried again: the renewal that met it already applied
   this policy once, for every request that was waiting on it;
1. a mutation is resent only when the request provably never reached the server;
2. transport failures (connect errors, timeouts, dropped connections) are retried;
3. the edge's HTTP 502, 503 and 504 are retried;
4. empty or invalid bodies (not JSON, not a GraphQL response) are retried, but not a
   well-formed answer whose values do not fit the operation's types (it would fail again);
5. rate limits (KT-CT-1199, or HTTP 429) are retried once the client's cooldown is over
   (see `_ratelimit.Cooldown`), up to `max_rate_limited_attempts` times;
6. a Kraken service reporting itself unavailable (SERVICE_AVAILABILITY) is retried;
7. nothing else is: validation, not found, bad credentials and complexity errors fail the same
   way every time, and resending bad credentials only earns KT-CT-1199 on top.

Waits grow exponentially with full jitter (each wait drawn uniformly between zero and the
current cap); after a rate limit the wait is the client's cooldown instead, which never lasts
less than `cooldown_min_seconds`. A `Retry-After` header (seconds or an HTTP date) is honoured
on any status. Both the number of attempts and the total time are bounded: a call whose next
wait would end past `max_total_seconds` stops there and raises its last error (a
`RateLimitedError` then says when the allowance resets, where that is known).
`set_testing(True)` removes the waiting (for test suites).
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, TypeVar

from ._errors import (
    ConnectError,
    HTTPStatusError,
    InvalidArgumentError,
    InvalidResponseError,
    KrakenError,
    RateLimitedError,
    RequestTimeoutError,
    ServiceUnavailableError,
    TransportError,
)

if TYPE_CHECKING:
    from tenacity import AsyncRetrying, RetryCallState

DEFAULT_MAX_ATTEMPTS: Final = 4
"""One try and up to three retries."""

DEFAULT_MAX_RETRY_SECONDS: Final = 60.0
"""No retry starts if it would take the call past this many seconds in total."""

DEFAULT_BACKOFF_INITIAL_SECONDS: Final = 0.5
"""Cap of the first wait; the cap doubles with every retry ..."""

DEFAULT_BACKOFF_MAX_SECONDS: Final = 20.0
"""... up to this."""

DEFAULT_MAX_RATE_LIMITED_ATTEMPTS: Final = 8
"""Rate-limited attempts of one call: the server asked for patience, not for giving up, so
these are counted apart from `max_attempts` (still within `max_total_seconds`)."""

DEFAULT_COOLDOWN_MIN_SECONDS: Final = 1.0
"""The shortest cooldown after a rate limit: the first lasts at least this, jitter included."""

DEFAULT_COOLDOWN_MAX_SECONDS: Final = 30.0
"""Cooldowns double with each rate limit that follows soon after another, up to this."""

DEFAULT_COOLDOWN_RESET_SECONDS: Final = 60.0
"""After this long without a rate limit, the next cooldown starts from the minimum again."""

RATE_LIMITED_STATUS: Final = 429
"""HTTP "Too Many Requests": an edge's rate limit, treated as KT-CT-1199 is."""

RETRYABLE_STATUSES: Final = frozenset({502, 503, 504})
"""The edge's transient failures (bad gateway, unavailable, gateway timeout)."""

SAFE_TO_REPEAT_MUTATIONS: Final = frozenset({"obtainKrakenToken"})
"""Mutations that change nothing on the server, so resending them is always safe."""

_testing = False

T = TypeVar("T")


def set_testing(enabled: bool) -> None:
    """Remove (or restore) every wait between retries, for test suites.

    Attempts and rules are unchanged; only the sleeping goes.

    Example:
        >>> import kraken_energy
        >>> kraken_energy.set_retry_testing(True)
    """
    global _testing
    _testing = enabled


async def _asyncio_sleep(seconds: float) -> None:
    """`asyncio.sleep`, with asyncio imported when a wait first happens, not with the package."""
    import asyncio

    await asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How a client (or one call) retries; every field has a named default.

    Example:
        >>> patient = RetryPolicy(max_attempts=8, max_total_seconds=300)
        >>> never = RetryPolicy(max_attempts=1)
    """

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_total_seconds: float = DEFAULT_MAX_RETRY_SECONDS
    backoff_initial_seconds: float = DEFAULT_BACKOFF_INITIAL_SECONDS
    backoff_max_seconds: float = DEFAULT_BACKOFF_MAX_SECONDS
    max_rate_limited_attempts: int = DEFAULT_MAX_RATE_LIMITED_ATTEMPTS
    cooldown_min_seconds: float = DEFAULT_COOLDOWN_MIN_SECONDS
    cooldown_max_seconds: float = DEFAULT_COOLDOWN_MAX_SECONDS
    cooldown_reset_seconds: float = DEFAULT_COOLDOWN_RESET_SECONDS
    sleep: Callable[[float], Awaitable[None]] = field(default=_asyncio_sleep, repr=False)
    """How to wait; tests pass a fake that records the waits and advances `clock`."""
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    wall_clock: Callable[[], float] = field(default=time.time, repr=False)
    """Unix time, to turn the allowance's `ttl` into a wait; tests pass the fake's clock."""

    def __post_init__(self) -> None:
        """Refuse counts below 1 and durations that are negative, not finite or not numbers.

        Raises:
            InvalidArgumentError: names the field (a ValueError too).
        """
        for name in ("max_attempts", "max_rate_limited_attempts"):
            count = getattr(self, name)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise InvalidArgumentError(name, f"must be a whole number >= 1, got {count!r}")
        for name in (
            "max_total_seconds",
            "backoff_initial_seconds",
            "backoff_max_seconds",
            "cooldown_min_seconds",
            "cooldown_max_seconds",
            "cooldown_reset_seconds",
        ):
            seconds = getattr(self, name)
            if (
                isinstance(seconds, bool)
                or not isinstance(seconds, int | float)
                or not math.isfinite(seconds)
                or seconds < 0
            ):
                raise InvalidArgumentError(
                    name, f"must be a finite number of seconds >= 0, got {seconds!r}"
                )
        if self.backoff_max_seconds < self.backoff_initial_seconds:
            raise InvalidArgumentError(
                "backoff_max_seconds", "must not be below backoff_initial_seconds"
            )
        if not 0 < self.cooldown_min_seconds <= self.cooldown_max_seconds:
            raise InvalidArgumentError(
                "cooldown_min_seconds", "must be above 0 and at most cooldown_max_seconds"
            )


def waits_enabled() -> bool:
    """Whether waits really wait (False under `set_testing(True)`)."""
    return not _testing


def is_rate_limit(error: BaseException) -> bool:
    """Whether `error` says the client is sending too much (KT-CT-1199 or HTTP 429)."""
    return isinstance(error, RateLimitedError)


def is_retryable(error: BaseException, *, mutation: bool) -> bool:
    """Whether `error` is worth another attempt, by the rules in this module's docstring."""
    if isinstance(error, KrakenError) and error.from_token_renewal:  # 0
        return False
    if mutation:  # 1
        return isinstance(error, ConnectError) or (
            isinstance(error, RequestTimeoutError) and error.never_sent
        )
    if isinstance(error, TransportError):  # 2
        return True
    if isinstance(error, HTTPStatusError):  # 3
        return error.status in RETRYABLE_STATUSES
    if isinstance(error, InvalidResponseError):  # 4: a cut or garbled body, not wrong types
        return error.transient
    return isinstance(error, RateLimitedError | ServiceUnavailableError)  # 5, 6; 7: all else


def retrying(
    policy: RetryPolicy,
    *,
    mutation: bool,
    started: float | None = None,
    cooldown: Callable[[], float] | None = None,
) -> AsyncRetrying:
    """Build the tenacity `AsyncRetrying` that applies `policy`, for a call started at `started`.

    `cooldown` returns how long the client must stay silent after a rate limit; without it a
    rate-limited attempt waits its own backoff, never less than `cooldown_min_seconds`.
    """
    from tenacity import AsyncRetrying, wait_random_exponential  # loaded with the first retry

    began = policy.clock() if started is None else started
    backoff = wait_random_exponential(
        multiplier=policy.backoff_initial_seconds, max=policy.backoff_max_seconds
    )
    rate_limited = 0

    def retry(state: RetryCallState) -> bool:
        nonlocal rate_limited
        error = state.outcome.exception() if state.outcome else None
        if error is None or not is_retryable(error, mutation=mutation):
            return False
        rate_limited += is_rate_limit(error)
        return True

    def wait(state: RetryCallState) -> float:
        if _testing:
            return 0.0
        error = state.outcome.exception() if state.outcome else None
        retry_after: float | None = getattr(error, "retry_after", None)
        jittered: float = backoff(state)
        if error is not None and is_rate_limit(error):
            jittered = (
                cooldown() if cooldown is not None else max(jittered, policy.cooldown_min_seconds)
            )
        return max(jittered, retry_after) if retry_after is not None else jittered

    def stop(state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if error is not None and is_rate_limit(error):
            if rate_limited >= policy.max_rate_limited_attempts:
                return True
        elif state.attempt_number - rate_limited >= policy.max_attempts:
            return True
        elapsed = policy.clock() - began
        return elapsed + (state.upcoming_sleep or 0.0) > policy.max_total_seconds

    return AsyncRetrying(sleep=policy.sleep, wait=wait, stop=stop, retry=retry, reraise=True)


async def call_with_retries(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    mutation: bool,
    cooldown: Callable[[], float] | None = None,
) -> T:
    """Await `attempt()` until it succeeds, fails for good, or the policy's bounds are reached.

    Raises:
        KrakenError: the last attempt's error, unchanged.
    """
    started = policy.clock()
    try:
        return await attempt()  # the common case: no retry machinery built at all
    except BaseException as error:
        if policy.max_attempts == 1 or not is_retryable(error, mutation=mutation):
            raise
        first: BaseException | None = error

    async def replaying() -> T:
        """Hand tenacity the first attempt's failure, then make real attempts."""
        nonlocal first
        if first is not None:
            error, first = first, None
            raise error
        return await attempt()

    policy_retrying = retrying(policy, mutation=mutation, started=started, cooldown=cooldown)
    return await policy_retrying(replaying)
