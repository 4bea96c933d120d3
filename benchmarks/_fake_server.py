"""The fake Kraken for the fetch and memory benchmarks, in its own process when timing matters.

The fake executes GraphQL in Python; in the benchmark's own process it would share the GIL with
the client being measured. `serve(...)` starts it as a child process (`python
benchmarks/_fake_server.py ...`), reads its URL and stops it afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from kraken_energy.testing import (
    DEMO_ACCOUNT,
    FakeKraken,
    FakeKrakenConfig,
    Latency,
    Scenario,
    default_scenario,
    many_accounts_scenario,
)

SYNC_UNTIL: Final = dt.datetime(2024, 10, 8, tzinfo=dt.UTC)
"""`--sync-accounts` accounts have readings for the 30 days before this and 2 days after."""

LONG_HISTORY_START: Final = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
"""`--long-history` extends the demo electricity import back to here (100,000 half-hours fit)."""


def long_scenario() -> Scenario:
    """Return the default scenario, the demo electricity import starting at `LONG_HISTORY_START`."""
    base = default_scenario()
    account = base.account(DEMO_ACCOUNT)
    if account is None:
        raise RuntimeError(f"the default scenario lost {DEMO_ACCOUNT}")
    prop = account.properties[0]
    point = prop.meter_points[0]
    channel = dataclasses.replace(point.channels[0], start=LONG_HISTORY_START)
    point = dataclasses.replace(point, channels=(channel, *point.channels[1:]))
    prop = dataclasses.replace(prop, meter_points=(point, *prop.meter_points[1:]))
    account = dataclasses.replace(account, properties=(prop, *account.properties[1:]))
    others = tuple(a for a in base.accounts if a.number != DEMO_ACCOUNT)
    return dataclasses.replace(base, accounts=(account, *others))


@contextlib.contextmanager
def serve(
    latency: float, max_page_size: int, long_history: bool = False, sync_accounts: int = 0
) -> Iterator[str]:
    """Run the fake in a child process for the duration; yield its GraphQL URL."""
    command = [
        sys.executable,
        str(Path(__file__)),
        "--latency",
        str(latency),
        "--max-page-size",
        str(max_page_size),
    ]
    if long_history:
        command.append("--long-history")
    if sync_accounts:
        command += ["--sync-accounts", str(sync_accounts)]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None  # Popen was given stdout=PIPE
        url = child.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError("the fake Kraken process did not start")
        yield url
    finally:
        if child.stdin is not None:
            child.stdin.close()  # the child stops when its stdin closes
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _wait_for_eof(done: threading.Event) -> None:
    sys.stdin.read()
    done.set()


def main() -> int:
    """Serve until stdin closes; print the GraphQL URL first."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--max-page-size", type=int, default=1000)
    parser.add_argument("--long-history", action="store_true")
    parser.add_argument("--sync-accounts", type=int, default=0)
    args = parser.parse_args()
    scenario = long_scenario() if args.long_history else None
    if args.sync_accounts:
        start, end = SYNC_UNTIL - dt.timedelta(days=30), SYNC_UNTIL + dt.timedelta(days=2)
        scenario = many_accounts_scenario(args.sync_accounts, start, end)
    # Room for every answer of a 1,000-account sync: the sync benchmark times the client against
    # answers the fake already knows, not graphql-core executing them.
    config = FakeKrakenConfig(max_page_size=args.max_page_size, result_cache_size=8192)
    with FakeKraken(config=config, scenario=scenario) as fake:
        if args.latency > 0:
            fake.faults.add(Latency(seconds=args.latency))
        print(fake.url, flush=True)
        done = threading.Event()
        threading.Thread(target=_wait_for_eof, args=(done,), daemon=True).start()
        done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
