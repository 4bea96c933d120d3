"""`kraken sandbox`: the fake Kraken on loopback, with what to export to point `kraken` at it.

It listens on `DEFAULT_PORT` unless told otherwise, so the exported variables stay the same from
one run to the next; when that port is taken it says so and takes a free one.
"""

from __future__ import annotations

import errno
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING, Final

import click

if TYPE_CHECKING:
    from ..testing import FakeKraken

TESTING_EXTRA_HINT: Final = "pip install 'kraken-energy[testing]'"

DEFAULT_PORT: Final = 8765
"""Where the sandbox listens unless `--port` says otherwise (documented in the README)."""

ANY_FREE_PORT: Final = 0

POLL_SECONDS: Final = 0.2
"""How often the serving loop looks for Ctrl-C or SIGTERM."""


def serve(port: int | None, *, latency: float = 0.0, rate_limit_every: int | None = None) -> None:
    """Serve until SIGINT or SIGTERM, after printing the exports and the demo data.

    The demo API key belongs to the fake alone (it is published in `kraken_energy.testing`),
    so printing it reveals nothing.

    Raises:
        click.ClickException: the `testing` extra is not installed, or the port asked for is
            taken.
    """
    fake = open_fake(port, latency=latency, rate_limit_every=rate_limit_every)
    from ..testing import DEMO_ACCOUNT, DEMO_API_KEY, DEMO_DEVICE, DEMO_MPAN, DEMO_PROPERTY

    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        click.echo(f"Fake Kraken serving GraphQL at {fake.url} (Ctrl-C to stop)")
        click.echo("Leave it running here; in another terminal, point the kraken command at it:")
        click.echo(f"  export KRAKEN_URL={fake.url}")
        click.echo(f"  export KRAKEN_API_KEY={DEMO_API_KEY}")
        click.echo(
            f"Demo data: account {DEMO_ACCOUNT}, property {DEMO_PROPERTY}, "
            f"export MPAN {DEMO_MPAN}, device {DEMO_DEVICE}"
        )
        click.echo(
            f"  kraken measurements --account {DEMO_ACCOUNT} --start-on 2024-10-01 "
            "--end-on 2024-10-06 --format table"
        )
        while not stop.wait(POLL_SECONDS):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        fake.stop()
    click.echo("Fake Kraken stopped.")


def open_fake(
    port: int | None, *, latency: float = 0.0, rate_limit_every: int | None = None
) -> FakeKraken:
    """Start the fake on `port`; None means `DEFAULT_PORT`, or a free one (with a note) if taken.

    Raises:
        click.ClickException: the `testing` extra is not installed, or `port` is taken.
    """
    try:
        from ..testing import FakeKraken, FakeKrakenConfig, Latency, TooManyRequests
    except ImportError as exc:
        raise click.ClickException(f"the sandbox needs {exc.name}: {TESTING_EXTRA_HINT}") from None
    try:
        fake = FakeKraken(FakeKrakenConfig(port=DEFAULT_PORT if port is None else port)).start()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        if port is not None:
            raise click.ClickException(
                f"port {port} is taken: choose another with --port, or --port 0 for any free one"
            ) from None
        click.echo(f"note: port {DEFAULT_PORT} is taken, so a free port is used instead", err=True)
        fake = FakeKraken(FakeKrakenConfig(port=ANY_FREE_PORT)).start()
    if latency:
        fake.faults.add(Latency(seconds=latency))
    if rate_limit_every:
        fake.faults.add(TooManyRequests(every=rate_limit_every))
    return fake
