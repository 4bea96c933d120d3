"""A sync killed with SIGKILL at any point loses nothing committed; the next run completes it."""

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from test_sync import NUMBERS, SINCE, UNTIL, scenario, stored, truth

from kraken_energy import APIKey
from kraken_energy.sync import SqliteStore, sync
from kraken_energy.testing import DEMO_API_KEY, FakeKraken, FakeKrakenConfig, Latency

# Runs the sync in a child process and kills it with SIGKILL at a chosen point. `where` is:
#   mid-commit       inside the n-th write transaction, after its rows, before COMMIT
#   after-commit     right after the n-th write transaction committed
#   between-accounts when the n-th account is done, before the next one starts
#   mid-page         never from inside: the parent kills it while a request is in flight
DRIVER = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    import kraken_energy as kc
    from kraken_energy.sync import SqliteStore, sync
    from kraken_energy.sync import _store

    url, key, path, where, n = sys.argv[1:6]
    n = int(n)
    calls = 0

    def kill_now():
        os.kill(os.getpid(), signal.SIGKILL)

    original_exit = _store._Transaction.__exit__

    def exit_transaction(self, exc_type, exc, tb):
        global calls
        calls += 1
        if where == "mid-commit" and calls == n:
            kill_now()
        original_exit(self, exc_type, exc, tb)
        if where == "after-commit" and calls == n:
            kill_now()

    _store._Transaction.__exit__ = exit_transaction

    def progress(stats):
        if where == "between-accounts" and stats.accounts_done == n:
            kill_now()

    async def main():
        async with kc.KrakenClient(url, auth=kc.APIKey(key)) as kraken:
            with SqliteStore(path) as store:
                await sync(kraken, store, sys.argv[6].split(","), since=date(2024, 10, 1),
                           until=datetime(2024, 10, 8, tzinfo=ZoneInfo("Europe/London")),
                           concurrency=2, on_progress=progress)

    asyncio.run(main())
    """
)


def run_driver(fake: FakeKraken, path: Path, where: str, n: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, fake.url, DEMO_API_KEY, str(path), where, str(n),
         ",".join(NUMBERS)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


async def complete_and_compare(fake: FakeKraken, path: Path) -> None:
    """The next run, then the oracle, in this process (the served fake's app, without its
    socket): what a killed run left, the next run completes, and the store equals the truth."""
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        async with fake.client(auth=APIKey(DEMO_API_KEY), http_client=http) as kraken:
            with SqliteStore(path) as store:
                await sync(kraken, store, NUMBERS, since=SINCE, until=UNTIL, concurrency=2)
        with SqliteStore(path) as store:
            rows = stored(store)
        assert len(rows) == len(set(rows))
        start = datetime(2024, 10, 1, tzinfo=UNTIL.tzinfo)
        assert set(rows) == await truth(fake, start, UNTIL, http_client=http)


@pytest.fixture(scope="module")
def fake():
    """Served on loopback for the killed child; its result cache answers later tests' pages."""
    with FakeKraken(config=FakeKrakenConfig(max_page_size=100), scenario=scenario(4)) as f:
        yield f


@pytest.fixture(autouse=True)
def _no_faults(fake: FakeKraken) -> Iterator[None]:
    fake.faults.clear()
    fake.clear_requests()
    yield
    fake.faults.clear()


@pytest.mark.parametrize(("where", "n"), [
    ("mid-commit", 1), ("mid-commit", 5), ("after-commit", 3), ("between-accounts", 2),
])
async def test_a_killed_sync_completes_exactly_on_the_next_run(fake: FakeKraken, tmp_path: Path,
                                                              where: str, n: int) -> None:
    """SIGKILL at the chosen point, then a normal run: the store equals the truth, each once."""
    path = tmp_path / "s.db"
    killed = run_driver(fake, path, where, n)
    _, err = killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL, err.decode()
    await complete_and_compare(fake, path)


async def test_a_sync_killed_mid_page_completes_exactly(fake: FakeKraken, tmp_path: Path) -> None:
    """SIGKILL while answers are on their way (latency on every request), then a normal run."""
    path = tmp_path / "s.db"
    fake.faults.add(Latency(seconds=0.2, operation="getPropertyMeasurements"))
    killed = run_driver(fake, path, "nowhere", 0)
    while not any(r.operation_name == "getPropertyMeasurements" for r in fake.requests):
        if killed.poll() is not None:
            pytest.fail("the sync finished before a measurement request was sent")
        await asyncio.sleep(0.01)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=30)
    fake.faults.clear()
    await complete_and_compare(fake, path)
