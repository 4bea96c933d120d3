"""The sync benchmark's timed process: `sync()` into a store, its figures printed as JSON.

It is a client process and imports only what a service running the sync would: the fake
Kraken's code (`kraken_energy.testing`, 17 MB and some 19,000 objects for the garbage collector
to scan) stays in the parent, which passes the fake's key and the range on the command line.

    python benchmarks/_sync_child.py URL KEY STORE ACCOUNTS SINCE UNTIL
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import resource
import sys
import time

from kraken_energy import APIKey, KrakenClient
from kraken_energy.sync import SqliteStore, sync


def measure(
    url: str, key: str, store: str, accounts: int, since: dt.datetime, until: dt.datetime
) -> dict[str, float]:
    """Sync accounts A-00000001 ... into `store`: wall and CPU time, requests, peak memory."""
    numbers = (f"A-{n:08X}" for n in range(1, accounts + 1))  # a generator: never held whole

    async def run() -> dict[str, float]:
        async with KrakenClient(url, auth=APIKey(key)) as kraken:
            with SqliteStore(store) as opened:
                started, cpu = time.perf_counter(), time.process_time()
                stats = await sync(kraken, opened, numbers, until=until, since=since)
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                _, readings = opened.count()
        return {
            "wall": wall,
            "cpu": cpu,
            "requests": stats.requests,
            "written": stats.readings_written,
            "readings": readings,
            "done": stats.accounts_done,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }

    return asyncio.run(run())


def main(argv: list[str]) -> int:
    """Run one sync from the command line's arguments and print its figures as JSON."""
    url, key, store, accounts, since, until = argv
    figures = measure(
        url, key, store, int(accounts), dt.datetime.fromisoformat(since),
        dt.datetime.fromisoformat(until),
    )  # fmt: skip
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
