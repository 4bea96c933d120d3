"""Memory: peak Python memory growth while streaming 100,000 readings through `measurements()`.

The fake Kraken serves from its own process; each measurement streams in a fresh child process
(`python benchmarks/bench_memory.py --child ...`) so that `tracemalloc` sees only the client.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import gc
import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Final

from _fake_server import LONG_HISTORY_START, serve
from _harness import Context, Result, Sample, at_most, unavailable
from _workloads import HIGH_LEVEL, NOT_AVAILABLE, cursor_loop, high_level, high_level_available

from kraken_energy import APIKey, KrakenClient
from kraken_energy.testing import DEMO_API_KEY

NAME: Final = "memory"
ROWS: Final = 100_000
QUICK_ROWS: Final = 10_000
TARGET_MB: Final = 50.0
LOOP_PAGE_SIZE: Final = 1000
"""The fake's default page limit (Kraken's documented measurements example asks for 1000)."""
MAX_RUNS: Final = 3
"""Each run streams 100,000 readings (15-25 s); three give a median and a spread."""
END: Final = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
WARM_UP_DAY: Final = (
    dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
    dt.datetime(2024, 2, 2, tzinfo=dt.UTC),
)
MB: Final = 1024 * 1024

METHOD: Final = f"""
The fake Kraken (its own process; default page limit, {LOOP_PAGE_SIZE}; no latency) serves the
default scenario with the demo property's half-hourly electricity import extended back to
{LONG_HISTORY_START.date().isoformat()}, and the range is the {ROWS:,} half-hours ending
{END.date().isoformat()} (`--quick`: {QUICK_ROWS:,}). Each run is a fresh child process that
authenticates, streams one day to warm up (token, connections, lazy imports), runs `gc.collect()`,
starts `tracemalloc`, streams the whole range discarding each reading, and reports
`tracemalloc`'s peak: the most memory Python held at once for the stream (the child's
resident-set size is not used: it would count the interpreter and tracemalloc's own tables).

- **{HIGH_LEVEL}(...)**: `async for record in kraken.measurements(...)` at its defaults.
  Target: peak growth under {TARGET_MB:g} MB.
- **sequential cursor loop** (baseline): `get_property_measurements(first={LOOP_PAGE_SIZE},
  cursor=...)` page by page, each page dropped before the next: the least a typed client can
  hold.

Figures are the median of {MAX_RUNS} runs (1 with `--quick`).
"""


def _child(url: str, mode: str, rows: int) -> dict[str, float]:
    """Stream `rows` readings one way and return the peak growth and what was received."""
    start = END - dt.timedelta(minutes=30 * rows)

    async def stream() -> dict[str, float]:
        async with KrakenClient(url, auth=APIKey(DEMO_API_KEY)) as kraken:
            if mode == "loop":
                await cursor_loop(kraken, *WARM_UP_DAY, LOOP_PAGE_SIZE)
            else:
                await high_level(kraken, *WARM_UP_DAY, concurrency=None)
            gc.collect()
            tracemalloc.start()
            started = time.perf_counter()
            if mode == "loop":
                received = await cursor_loop(kraken, start, END, LOOP_PAGE_SIZE)
            else:
                received = await high_level(kraken, start, END, concurrency=None)
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        return {"peak": peak, "rows": received, "seconds": elapsed}

    return asyncio.run(stream())


def _spawn(url: str, mode: str, rows: int) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", url, mode, str(rows)],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"memory child ({mode}) failed:\n{completed.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(completed.stdout)
    return figures


def run(context: Context) -> list[Result]:
    """Stream the range in child processes and report tracemalloc's peak growth."""
    rows = QUICK_ROWS if context.settings.quick else ROWS
    runs = 1 if context.settings.quick else min(context.settings.runs, MAX_RUNS)
    modes = ["loop"] + (["measurements"] if high_level_available() else [])
    outcomes: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    with serve(latency=0.0, max_page_size=LOOP_PAGE_SIZE, long_history=True) as url:
        for _ in range(runs):
            for mode in modes:
                outcomes[mode].append(_spawn(url, mode, rows))
    results: list[Result] = []
    if "measurements" in outcomes:
        runs_of = outcomes["measurements"]
        sample = Sample(tuple(o["peak"] / MB for o in runs_of))
        row = at_most(NAME, f"{HIGH_LEVEL}, {rows:,} readings", sample, "MB", TARGET_MB)
        received = {int(o["rows"]) for o in runs_of}
        note = _note(runs_of)
        if received != {rows}:
            row = dataclasses.replace(row, status="FAIL")
            note += f"; received {sorted(received)} readings, expected {rows:,}"
        results.append(dataclasses.replace(row, note=note))
    else:
        results.append(
            unavailable(
                NAME, f"{HIGH_LEVEL}, {rows:,} readings", f"< {TARGET_MB:g} MB", NOT_AVAILABLE
            )
        )
    baseline = outcomes["loop"]
    results.append(
        Result(
            NAME,
            f"sequential cursor loop, {rows:,} readings (baseline)",
            Sample(tuple(o["peak"] / MB for o in baseline)),
            "MB",
            note=_note(baseline),
        )
    )
    return results


def _note(outcomes: list[dict[str, float]]) -> str:
    seconds = sorted(o["seconds"] for o in outcomes)
    return f"tracemalloc peak; streamed in {seconds[len(seconds) // 2]:.1f} s under tracemalloc"


def main() -> int:
    """Child mode only: `--child URL MODE ROWS` prints the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=3, metavar=("URL", "MODE", "ROWS"), required=True)
    args = parser.parse_args()
    url, mode, rows = args.child
    print(json.dumps(_child(url, mode, int(rows))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
