"""Fetch: a year of half-hourly readings from the fake Kraken with 50 ms latency and 100-row pages.

Wall time against the ideal bound (pages / concurrency x latency): the plain sequential cursor
loop, then `KrakenClient.measurements(...)` at concurrency 1 and at its default.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import httpx
from _fake_server import serve
from _harness import Context, Result, Sample, ratio_at_most, unavailable
from _workloads import (
    NOT_AVAILABLE,
    CountingTransport,
    cursor_loop,
    default_concurrency,
    high_level,
    high_level_available,
    slots_between,
)

from kraken_energy import APIKey, KrakenClient
from kraken_energy.testing import DEMO_API_KEY

NAME: Final = "fetch"
LATENCY_SECONDS: Final = 0.05
PAGE_LIMIT: Final = 100
TARGET_IDEAL_RATIO: Final = 1.3
"""Wall time at most this multiple of the ideal bound."""
TARGET_SPEEDUP: Final = 5.0
"""The default concurrency at least this many times faster than the sequential cursor loop."""
MAX_RUNS: Final = 3
"""A sequential run over the year takes ~10 s against the fake; three give a median and a spread
while keeping the suite to minutes."""

UTC: Final = dt.UTC
YEAR: Final = (dt.datetime(2024, 3, 1, tzinfo=UTC), dt.datetime(2025, 3, 1, tzinfo=UTC))
"""365 days of the demo property's electricity import: 17,520 readings, 176 pages of 100."""
QUICK_MONTH: Final = (dt.datetime(2024, 10, 1, tzinfo=UTC), dt.datetime(2024, 10, 31, tzinfo=UTC))
WARM_UP_DAY: Final = (dt.datetime(2024, 2, 1, tzinfo=UTC), dt.datetime(2024, 2, 2, tzinfo=UTC))

METHOD: Final = f"""
The fake Kraken (`kraken_energy.testing.FakeKraken`, real HTTP on loopback, in its own process so
that its GraphQL execution does not share the client's GIL) runs with
`FakeKrakenConfig(max_page_size={PAGE_LIMIT})` and a `Latency(seconds={LATENCY_SECONDS})` fault on
every request. The range is 2024-03-01 to 2025-03-01 (365 days, 17,520 half-hourly readings of the
demo property's electricity import, so {math.ceil(17520 / PAGE_LIMIT)} pages of {PAGE_LIMIT};
`--quick` uses 30 days). The client authenticates with the demo API key through an
`httpx.AsyncClient` whose transport counts requests and the most in flight at once.

- **sequential cursor loop**: `get_property_measurements(first={PAGE_LIMIT}, cursor=...)` until
  `hasNextPage` is false: what a user writes without the high-level API.
- **measurements(), concurrency 1** and **measurements(), default concurrency**:
  `async for record in kraken.measurements(account, start=..., end=..., electricity=
  ElectricityFilter(...), property_id=..., concurrency=...)`. The default concurrency is
  `kraken_energy.DEFAULT_CONCURRENCY` (or, failing that, the most requests seen in flight).

Before timing, each contender fetches the whole range once, untimed: the token is obtained,
connections are open, the client has learnt that pages over {PAGE_LIMIT} are refused, and the fake
has memoised the pages that contender asks for. The latency is each answer's time from the
request's arrival, the fake's own work included, as a server's response time is (a real Kraken's
compute is part of the latency being modelled); with warm memos that work is well under a
millisecond. Then up to {MAX_RUNS} timed runs each.
The **ideal bound** is pages / concurrency x latency: the time the requests alone need if the
client and the server cost nothing. Targets: every `measurements()` figure within
{TARGET_IDEAL_RATIO:g}x its ideal bound, and the default concurrency at least {TARGET_SPEEDUP:g}x
faster than the sequential cursor loop. The readings received are counted and checked.

**cost per page without latency**: the sequential loop over 30 days against a second fake with no
latency, in milliseconds per page: what the fake (graphql-core, one thread) and the client spend
per page. The ideal bound takes it as zero; at concurrency c the fake alone needs at least
pages x this cost, which bounds what any client can reach against it.
"""


@dataclass(frozen=True)
class Outcome:
    """The timed runs of one contender."""

    seconds: Sample
    rows: int
    requests: int
    peak_in_flight: int


async def _timed(
    call: Callable[[], Awaitable[int]], counter: CountingTransport, runs: int
) -> Outcome:
    timings: list[float] = []
    rows = requests = peak = 0
    for _ in range(runs):
        counter.reset()
        started = time.perf_counter()
        rows = await call()
        timings.append(time.perf_counter() - started)
        requests, peak = counter.measurement_requests, counter.peak
    return Outcome(Sample(tuple(timings)), rows, requests, peak)


async def _measure(
    url: str, span: tuple[dt.datetime, dt.datetime], runs: int
) -> dict[str, Outcome]:
    counter = CountingTransport()
    http = httpx.AsyncClient(transport=counter, timeout=httpx.Timeout(60.0))
    outcomes: dict[str, Outcome] = {}
    start, end = span
    async with KrakenClient(url, auth=APIKey(DEMO_API_KEY), http_client=http) as kraken:
        await cursor_loop(kraken, start, end, PAGE_LIMIT)  # warm-up: the fake memoises pages
        outcomes["sequential"] = await _timed(
            lambda: cursor_loop(kraken, start, end, PAGE_LIMIT), counter, runs
        )
        if high_level_available():
            await high_level(kraken, start, end, concurrency=1)
            outcomes["c1"] = await _timed(
                lambda: high_level(kraken, start, end, concurrency=1), counter, runs
            )
            await high_level(kraken, start, end, concurrency=None)
            outcomes["default"] = await _timed(
                lambda: high_level(kraken, start, end, concurrency=None), counter, runs
            )
    await http.aclose()
    return outcomes


async def _service_time(url: str, runs: int) -> Sample:
    """Milliseconds per page of the sequential loop when the fake adds no latency."""
    counter = CountingTransport()
    http = httpx.AsyncClient(transport=counter, timeout=httpx.Timeout(60.0))
    async with KrakenClient(url, auth=APIKey(DEMO_API_KEY), http_client=http) as kraken:
        await cursor_loop(kraken, *WARM_UP_DAY, PAGE_LIMIT)
        outcome = await _timed(lambda: cursor_loop(kraken, *QUICK_MONTH, PAGE_LIMIT), counter, runs)
    await http.aclose()
    pages = counter.measurement_requests
    return Sample(tuple(seconds * 1000 / pages for seconds in outcome.seconds.values))


def run(context: Context) -> list[Result]:
    """Time the three ways of fetching the range and compare each with its ideal bound."""
    span = QUICK_MONTH if context.settings.quick else YEAR
    runs = 1 if context.settings.quick else min(context.settings.runs, MAX_RUNS)
    expected = slots_between(*span)
    pages = math.ceil(expected / PAGE_LIMIT)
    ideal_sequential = pages * LATENCY_SECONDS
    with serve(LATENCY_SECONDS, PAGE_LIMIT) as url, serve(0.0, PAGE_LIMIT) as bare_url:
        outcomes = asyncio.run(_measure(url, span, runs))
        service = asyncio.run(_service_time(bare_url, context.settings.runs))
    label = f"{expected:,} readings, {pages} pages"
    sequential = outcomes["sequential"]
    results = [
        Result(
            NAME,
            f"sequential cursor loop ({label})",
            sequential.seconds,
            "s",
            "baseline",
            sequential.seconds.median / ideal_sequential,
            note=_note(sequential, expected, pages, 1, ideal_sequential),
        )
    ]
    results.append(
        Result(
            NAME,
            "cost per page without latency (fake + client)",
            service,
            "ms",
            note="the sequential loop over 30 days against a second fake that adds no latency: "
            "what each page costs beyond the 50 ms; the ideal bound counts it as zero",
        )
    )
    if "c1" not in outcomes:
        for figure in ("measurements(), concurrency 1", "measurements(), default concurrency"):
            results.append(
                unavailable(NAME, figure, f"≤ {TARGET_IDEAL_RATIO:g}x ideal", NOT_AVAILABLE)
            )
        results.append(
            unavailable(NAME, "speed-up over sequential", f"≥ {TARGET_SPEEDUP:g}x", NOT_AVAILABLE)
        )
        return results
    one, default = outcomes["c1"], outcomes["default"]
    concurrency = default_concurrency() or default.peak_in_flight
    ideal_default = pages / concurrency * LATENCY_SECONDS
    for figure, outcome, ideal, used in (
        ("measurements(), concurrency 1", one, ideal_sequential, 1),
        (f"measurements(), default concurrency {concurrency}", default, ideal_default, concurrency),
    ):
        row = ratio_at_most(
            NAME, figure, outcome.seconds, "s", ideal, TARGET_IDEAL_RATIO, f"ideal {ideal:.2f} s"
        )
        bad_rows = outcome.rows != expected
        results.append(
            Result(
                row.benchmark,
                row.figure,
                row.value,
                row.unit,
                row.target,
                row.ratio,
                "FAIL" if bad_rows else row.status,
                _note(outcome, expected, pages, used, ideal),
            )
        )
    speedup = sequential.seconds.median / default.seconds.median
    results.append(
        Result(
            NAME,
            "speed-up of the default over the sequential loop",
            None,
            "",
            f"≥ {TARGET_SPEEDUP:g}x",
            speedup,
            "PASS" if speedup >= TARGET_SPEEDUP else "FAIL",
        )
    )
    return results


def _note(outcome: Outcome, expected: int, pages: int, concurrency: int, ideal: float) -> str:
    parts = [
        f"ideal {ideal:.2f} s ({pages} pages / {concurrency} x {LATENCY_SECONDS * 1000:.0f} ms)",
        f"{outcome.requests} measurement requests",
        f"at most {outcome.peak_in_flight} in flight",
    ]
    if outcome.rows != expected:
        parts.append(f"received {outcome.rows:,} readings, expected {expected:,}")
    return "; ".join(parts)
