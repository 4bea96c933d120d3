"""Sync: 1,000 accounts' week of half-hourly readings into a fresh store, then a day later.

The fake Kraken serves from its own process; each sync runs in a fresh child process
(`benchmarks/_sync_child.py`, a client process that never imports the fake's code), whose peak
resident set size is the memory figure: everything the process held, interpreter included.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Final

from _fake_server import SYNC_UNTIL, serve
from _harness import Context, Result, Sample, at_most, ratio_at_most

from kraken_energy.sync import DEFAULT_SYNC_CONCURRENCY
from kraken_energy.testing import DEMO_API_KEY

NAME: Final = "sync"
ACCOUNTS: Final = 1000
QUICK_ACCOUNTS: Final = 100
LATENCY: Final = 0.05
DAYS: Final = 7
WALL_RATIO_TARGET: Final = 1.5
MEMORY_TARGET_MB: Final = 100.0
MAX_RUNS: Final = 3
CHILD: Final = Path(__file__).with_name("_sync_child.py")
CACHE_PERIOD: Final = 1800
"""The fake keeps an answer for the half-hour of its clock (`testing/_asgi.py`)."""

METHOD: Final = f"""
The fake Kraken (its own process, {LATENCY * 1000:g} ms latency on every request) serves
{ACCOUNTS:,} accounts (`--quick`: {QUICK_ACCOUNTS}), each with one property and one smart
electricity meter. A child process runs `sync()` into a new SQLite store at the default
concurrency ({DEFAULT_SYNC_CONCURRENCY}) for the {DAYS} days of half-hourly readings before
{SYNC_UNTIL.isoformat()}, then a second child runs it again with `until` one day later (the daily
incremental run). Targets: the first run's wall time within {WALL_RATIO_TARGET:g}x of
(requests / concurrency x latency), the ideal for its own request count; its peak resident set
size under {MEMORY_TARGET_MB:g} MB. The store's size and the incremental run's requests are
reported. Each timed first sync follows an untimed one into another store, which fills the
fake's cache of answers: graphql-core spends about 40 ms of CPU on each 336-reading page, which
on 2 cores would otherwise time the fake rather than the client, so the timed run sees a server
that answers after its latency. The incremental run asks new questions and is not helped.
Figures are medians of {MAX_RUNS} runs (1 with `--quick`).
"""


def _spawn(url: str, store: Path, accounts: int, until: dt.datetime) -> dict[str, float]:
    since = SYNC_UNTIL - dt.timedelta(DAYS)
    completed = subprocess.run(
        [sys.executable, str(CHILD), url, DEMO_API_KEY, str(store), str(accounts),
         since.isoformat(), until.isoformat()],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"sync child failed:\n{completed.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(completed.stdout)
    return figures


def run(context: Context) -> list[Result]:
    """Sync into a fresh store, then a day later; report wall against the ideal, memory, size."""
    accounts = QUICK_ACCOUNTS if context.settings.quick else ACCOUNTS
    runs = 1 if context.settings.quick else min(context.settings.runs, MAX_RUNS)
    firsts, laters, sizes = [], [], []
    with serve(latency=LATENCY, max_page_size=1000, sync_accounts=accounts) as url:
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as folder:
                # The fake's own work is taken out of the timing: a first pass fills its cache
                # of answers (keyed by query and variables), so the timed pass, into a new
                # store, gets every answer after the latency alone, as from a server whose
                # compute is elsewhere. The client's work is all measured.
                # Its answers hold for the half-hour of its clock (data runs up to its present):
                # a pair that straddles a half-hour times a cold cache, and is done again.
                for attempt in range(2):
                    half_hour = int(time.time()) // CACHE_PERIOD
                    _spawn(url, Path(folder) / f"warm-up-{attempt}.db", accounts, SYNC_UNTIL)
                    store = Path(folder) / f"readings-{attempt}.db"
                    timed = _spawn(url, store, accounts, SYNC_UNTIL)
                    if int(time.time()) // CACHE_PERIOD == half_hour:
                        break
                firsts.append(timed)
                files = Path(folder).glob(f"{store.name}*")  # with its -wal and -shm, if left
                sizes.append(sum(p.stat().st_size for p in files) / 1e6)
                laters.append(_spawn(url, store, accounts, SYNC_UNTIL + dt.timedelta(days=1)))
    first = firsts[len(firsts) // 2]
    ideal = first["requests"] / DEFAULT_SYNC_CONCURRENCY * LATENCY
    walls = Sample(tuple(f["wall"] for f in firsts))
    expected = accounts * DAYS * 48
    complete = all(f["readings"] == expected and f["done"] == accounts for f in firsts)
    wall_row = ratio_at_most(
        NAME, f"first sync, {accounts:,} accounts x {DAYS} days", walls, "s", ideal,
        WALL_RATIO_TARGET, "ideal",
    )  # fmt: skip
    note = (
        f"{int(first['requests']):,} requests; ideal {ideal:.1f} s; "
        f"{int(first['readings']):,} readings stored; client CPU {first['cpu']:.1f} s "
        f"({first['cpu'] / accounts * 1000:.1f} ms an account)"
    )
    if not complete:
        note += f"; INCOMPLETE: expected {expected:,} readings"
    results = [
        _with(wall_row, note, complete),
        at_most(
            NAME, "first sync, peak resident memory", Sample(tuple(f["rss_mb"] for f in firsts)),
            "MB", MEMORY_TARGET_MB,
        ),
        Result(NAME, "store size after the first sync", Sample(tuple(sizes)), "MB"),
        Result(
            NAME, "incremental run a day later: requests", Sample(tuple(
                float(f["requests"]) for f in laters)), "requests",
            note=f"{int(laters[0]['written']):,} readings written; "
            f"wall {laters[0]['wall']:.1f} s",
        ),
    ]  # fmt: skip
    return results


def _with(row: Result, note: str, ok: bool) -> Result:
    import dataclasses

    return dataclasses.replace(row, note=note, status=row.status if ok else "FAIL")
