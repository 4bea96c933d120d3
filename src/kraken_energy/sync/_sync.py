"""`sync`: every series of many accounts into a `Store`, incrementally, resumably, paced.

One run, from the top:

1. Accounts come from the caller (a list, a file read line by line, or any async iterable) or,
   with `accounts=None`, from the viewer (`get_viewer_accounts`, which also brings each
   account's meter points, so no second discovery request is needed for them).
2. `concurrency` workers take accounts one at a time (the account list is never held whole).
   A worker discovers the account's series (`get_account`, then `account_series`: one per meter
   point and smart meter device, export points GENERATION), and records each in the store.
3. Per series it fetches `[start, until)`, where `start` is the series' resume point minus the
   re-fetch margin (recent readings are revised) or, for a series with nothing stored, `since`.
   Readings arrive in time order and are written a page at a time; each write moves the
   series' resume point in the same transaction, so a run killed at any moment (SIGKILL too)
   loses nothing committed and the next run starts where it stopped.
4. Requests are paced (`_pacing`): evenly at `requests_per_hour` when given, else by the
   allowance `rateLimitInfo` reports, keeping a reserve; an httpx request hook on the client
   counts and spaces them, token requests included. Rate limits pause the whole client (its
   cooldown); an allowance spent beyond `max_wait`, or a rate limit that outlasts the retry
   policy, stops the run with `AllowanceExhaustedError`, whose stats say what was done. Other
   failures of one account are counted and the run goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from kraken_energy_gql.enums import ReadingFrequencyType

from .._client import KrakenClient
from .._errors import (
    AuthenticationFailedError,
    InvalidArgumentError,
    KrakenError,
    NotFoundError,
    RateLimitedError,
)
from .._request import ElectricityFilter, GasFilter
from .._series import PropertySeries, account_series
from ._interface import Store
from ._pacing import (
    ALLOWANCE_CHECK_EVERY,
    DEFAULT_ALLOWANCE_RESERVE,
    AllowanceExhaustedError,
    AllowancePlanner,
    Pacer,
)

logger = logging.getLogger("kraken_energy.sync")

DEFAULT_SYNC_CONCURRENCY: Final = 8
"""Accounts synced at once (each with one request in flight)."""
DEFAULT_SINCE: Final = timedelta(days=30)
"""Where a series with nothing stored begins, before `until`."""
DEFAULT_REFETCH_MARGIN: Final = timedelta(days=2)
"""How far before a series' resume point a run fetches again: Kraken revises recent readings."""
DEFAULT_SYNC_FREQUENCY: Final = ReadingFrequencyType.THIRTY_MIN_INTERVAL
"""The readings a sync keeps: half-hourly, the finest that every smart meter reports."""
WRITE_BATCH: Final = 1000
"""Readings per store transaction: one page at the default page size."""


@dataclass
class SyncStats:
    """What a sync did so far; the sync updates it in place and returns it at the end."""

    accounts_total: int | None = None
    """How many accounts the run was given, when known in advance."""
    accounts_done: int = 0
    accounts_failed: int = 0
    series: int = 0
    readings_written: int = 0
    """Readings added or changed in the store (an identical reading again counts for nothing)."""
    requests: int = 0
    """HTTP requests sent, token requests included."""
    rate_limits: int = 0
    """Answers that were rate limits (HTTP 429 or KT-CT-1199): to the sync's queries and to
    token requests, each attempt counted; the client's own read of the allowance after a rate
    limit is not."""
    allowance_left: int | None = None
    """Points of the hourly allowance left at the last read of `rateLimitInfo`, where known."""
    failures: list[tuple[str, str]] = field(default_factory=list)
    """(account number, error) for each account that failed; the run went on without it."""
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.started


async def sync(
    client: KrakenClient,
    store: Store,
    accounts: Iterable[str] | AsyncIterable[str] | None = None,
    *,
    until: datetime | None = None,
    since: date | datetime | None = None,
    frequency: ReadingFrequencyType = DEFAULT_SYNC_FREQUENCY,
    timezone: str = "Europe/London",
    concurrency: int = DEFAULT_SYNC_CONCURRENCY,
    requests_per_hour: float | None = None,
    refetch_margin: timedelta = DEFAULT_REFETCH_MARGIN,
    max_wait: float | None = None,
    reserve: float = DEFAULT_ALLOWANCE_RESERVE,
    on_progress: Callable[[SyncStats], None] | None = None,
) -> SyncStats:
    """Bring the store up to date with every series of `accounts`, up to `until`.

    Args:
        client: an open `KrakenClient`; its retry policy decides how long a rate limit is
            waited out.
        store: where readings go (`SqliteStore`).
        accounts: account numbers (any iterable, or async iterable: read lazily); None takes
            the viewer's accounts.
        until: the instant after the last reading (exclusive, aware); default now.
        since: where a series with nothing stored begins (a date is midnight in `timezone`);
            default `DEFAULT_SINCE` before `until`.
        frequency: the readings kept, half-hourly by default.
        timezone: an IANA name: bucket boundaries and the offsets of stored times.
        concurrency: accounts synced at once, each with one request in flight.
        requests_per_hour: space requests evenly to stay within this many per hour. Without
            it, the sync reads `rateLimitInfo` (where the endpoint has it) and paces so that
            the allowance left, less `reserve`, lasts until it renews.
        refetch_margin: how far before each series' resume point to fetch again.
        max_wait: the longest wait for a new allowance before stopping (seconds; default the
            client's retry policy's `max_total_seconds`).
        reserve: the share of the hourly allowance left unspent when pacing by it.
        on_progress: called with the stats after each write and each account.

    Returns:
        The run's `SyncStats`.

    Raises:
        InvalidArgumentError: a bad argument, before any request.
        AllowanceExhaustedError: the allowance is spent beyond `max_wait`, or rate limits
            outlasted the client's retry policy; the run stopped cleanly (everything fetched is
            stored) and the next one continues. It carries the stats.
        AuthenticationFailedError: the credential was refused.
        StoreError: the store could not be written.

    Example:
        >>> async with KrakenClient.from_env() as kraken:  # doctest: +SKIP
        ...     with SqliteStore("readings.db") as store:
        ...         stats = await sync(kraken, store, ["A-F523797D"])
    """
    zone = _zone(timezone)
    end = _until(until)
    start_default = _since(since, end, zone)
    if concurrency < 1:
        raise InvalidArgumentError("concurrency", f"must be at least 1, not {concurrency}")
    if requests_per_hour is not None and not requests_per_hour > 0:
        raise InvalidArgumentError(
            "requests_per_hour", f"must be positive, not {requests_per_hour}"
        )
    if not 0 <= reserve < 1:
        raise InvalidArgumentError("reserve", f"must be a share from 0 to 1, not {reserve}")
    stats = SyncStats()
    if isinstance(accounts, list | tuple):
        stats.accounts_total = len(accounts)
    policy = client.retry_policy  # its clock and sleep: tests give fake ones
    pacer = Pacer(requests_per_hour, clock=policy.clock, sleep=policy.sleep)
    planner = None
    if requests_per_hour is None:
        wait = policy.max_total_seconds if max_wait is None else max_wait
        planner = AllowancePlanner(client, pacer, wait, reserve)
    run = _Run(
        client,
        store,
        stats,
        frequency,
        zone,
        end,
        start_default,
        refetch_margin,
        on_progress or (lambda _stats: None),
        pacer,
        planner,
        client.rate_limits_met,
    )
    hooks = client.http_client.event_hooks
    hooks["request"].append(pacer.before_request)
    try:
        await run.plan()
        source = _account_source(client, accounts, run)
        workers = [asyncio.create_task(run.worker(source)) for _ in range(concurrency)]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            raise
    except RateLimitedError as exc:
        run.count()
        raise AllowanceExhaustedError(
            f"rate limited beyond the retry policy: {exc}", stats, exc.resets_at
        ) from exc
    except AllowanceExhaustedError:
        run.count()
        raise
    finally:
        hooks["request"].remove(pacer.before_request)
    run.count()
    return stats


class _AccountSource:
    """Hands out accounts one at a time to the workers, from whatever iterable was given."""

    def __init__(self, iterator: AsyncIterator[tuple[str, Any]]) -> None:
        self._iterator = iterator
        self._lock = asyncio.Lock()

    async def next(self) -> tuple[str, Any] | None:
        async with self._lock:
            return await anext(self._iterator, None)


def _account_source(
    client: KrakenClient, accounts: Iterable[str] | AsyncIterable[str] | None, run: _Run
) -> _AccountSource:
    async def given() -> AsyncIterator[tuple[str, Any]]:
        if isinstance(accounts, AsyncIterable):
            async for number in accounts:
                yield number.strip(), None
        else:
            for number in accounts or ():
                yield number.strip(), None

    async def viewers() -> AsyncIterator[tuple[str, Any]]:
        viewer = (await client.get_viewer_accounts()).viewer
        found = [a for a in (viewer.accounts if viewer else None) or () if a is not None]
        run.stats.accounts_total = len(found)
        for account in found:
            if account.number:
                yield account.number, account

    return _AccountSource(viewers() if accounts is None else given())


@dataclass
class _Run:
    client: KrakenClient
    store: Store
    stats: SyncStats
    frequency: ReadingFrequencyType
    zone: ZoneInfo
    until: datetime
    since: datetime
    margin: timedelta
    on_progress: Callable[[SyncStats], None]
    pacer: Pacer
    planner: AllowancePlanner | None
    rate_limits_before: int
    planned_at: int = -ALLOWANCE_CHECK_EVERY

    def count(self) -> None:
        """Bring the request, rate-limit and allowance figures of the stats up to date."""
        self.stats.requests = self.pacer.requests
        self.stats.rate_limits = self.client.rate_limits_met - self.rate_limits_before
        if self.planner is not None:
            self.stats.allowance_left = self.planner.remaining

    def report(self, stats: SyncStats) -> None:
        self.count()
        self.on_progress(stats)

    async def plan(self) -> None:
        """Re-read the allowance and set the pace, when the planner asks to.

        That is every `ALLOWANCE_CHECK_EVERY` requests, and more often as it runs low.
        """
        if self.planner is None:
            return
        if self.pacer.requests - self.planned_at < self.planner.check_after:
            return
        # Claimed before the read: the other workers go on meanwhile, instead of each queueing
        # for a read of its own (a spent allowance holds them at the pacer instead).
        self.planned_at = self.pacer.requests
        await self.planner.plan(self.stats)
        self.planned_at = self.pacer.requests  # the read itself not counted

    async def worker(self, source: _AccountSource) -> None:
        while (item := await source.next()) is not None:
            number, details = item
            if not number:
                continue
            try:
                await self.account(number, details)
            except (RateLimitedError, AuthenticationFailedError, AllowanceExhaustedError):
                raise  # the whole run stops: no other account would fare better
            except KrakenError as exc:
                self.stats.accounts_failed += 1
                self.stats.failures.append((number, f"{type(exc).__name__}: {exc}"))
                logger.debug("account %s failed: %s: %s", number, type(exc).__name__, exc)
            else:
                self.stats.accounts_done += 1
            self.report(self.stats)

    async def account(self, number: str, details: Any) -> None:
        if details is None or not hasattr(details, "properties"):
            details = (await self.client.get_account(account_number=number)).account
            if details is None:
                raise NotFoundError([{"message": f"No account {number}."}], None, "getAccount")
        seen = datetime.now(UTC)
        every = (
            ElectricityFilter(frequency=self.frequency),  # every electricity series ...
            GasFilter(frequency=self.frequency),  # ... and every gas series, at the frequency
        )
        for entry in account_series(details, electricity=every[0], gas=every[1]):
            record = self.store.series(number, entry.property_id, entry.series, seen)
            self.stats.series += 1
            start = self.since
            if record.fetched_until is not None:
                start = _local_midnight(record.fetched_until - self.margin, self.zone)
            if start >= self.until:
                continue
            await self.plan()
            await self.series(number, entry, record.id, start)

    async def series(
        self, number: str, entry: PropertySeries, series_id: int, start: datetime
    ) -> None:
        readings = self.client.measurements(
            number,
            start=start,
            end=self.until,
            timezone=self.zone.key,
            concurrency=1,
            series=[entry],
            statistics=False,  # the store keeps none: half the bytes, half the validation
        )
        batch = []
        async for reading in readings:
            batch.append(reading)
            if len(batch) >= WRITE_BATCH:
                last = batch[-1]
                covered = last.end_at or last.read_at
                self.stats.readings_written += self.store.write(
                    series_id, batch, covered, datetime.now(UTC)
                )
                batch = []
                self.report(self.stats)
        self.stats.readings_written += self.store.write(
            series_id, batch, self.until, datetime.now(UTC)
        )
        self.report(self.stats)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise InvalidArgumentError("timezone", f"unknown timezone {name!r}") from exc


def _until(until: datetime | None) -> datetime:
    if until is None:
        return datetime.now(UTC)
    if not isinstance(until, datetime) or until.tzinfo is None:
        raise InvalidArgumentError("until", "must be a timezone-aware datetime")
    return until


def _since(since: date | datetime | None, until: datetime, zone: ZoneInfo) -> datetime:
    if since is None:
        return _local_midnight(until - DEFAULT_SINCE, zone)
    if isinstance(since, datetime):
        if since.tzinfo is None:
            raise InvalidArgumentError("since", "must be a date or a timezone-aware datetime")
        return since
    if isinstance(since, date):
        return datetime(since.year, since.month, since.day, tzinfo=zone)
    raise InvalidArgumentError("since", f"must be a date or datetime, not {type(since).__name__}")


def _local_midnight(instant: datetime, zone: ZoneInfo) -> datetime:
    """Return the start of `instant`'s day in `zone`: every bucket up to a day starts there."""
    local = instant.astimezone(zone)
    return datetime(local.year, local.month, local.day, tzinfo=zone)
