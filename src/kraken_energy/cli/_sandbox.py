"""`kraken sandbox`: the fake Kraken on loopback, with what to export to point `kraken` at it."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Final

import click

TESTING_EXTRA_HINT: Final = "pip install 'kraken-energy[testing]'"

POLL_SECONDS: Final = 0.2
"""How often the serving loop looks for Ctrl-C or SIGTERM."""


def serve(port: int) -> None:
    """Serve until SIGINT or SIGTERM, after printing the URL and the demo credential.

    The demo API key belongs to the fake alone (it is published in `kraken_energy.testing`),
    so printing it reveals nothing.

    Raises:
        click.ClickException: the `testing` extra is not installed.
    """
    try:
        from ..testing import (
            DEMO_ACCOUNT,
            DEMO_API_KEY,
            DEMO_DEVICE,
            DEMO_MPAN,
            DEMO_PROPERTY,
            FakeKraken,
            FakeKrakenConfig,
        )
    except ImportError as exc:
        raise click.ClickException(f"the sandbox needs {exc.name}: {TESTING_EXTRA_HINT}") from None
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with FakeKraken(FakeKrakenConfig(port=port)) as fake:
            click.echo(f"Fake Kraken serving GraphQL at {fake.url} (Ctrl-C to stop)")
            click.echo("Point the kraken command at it:")
            click.echo(f"  export KRAKEN_URL={fake.url}")
            click.echo(f"  export KRAKEN_API_KEY={DEMO_API_KEY}")
            click.echo(
                f"Demo data: account {DEMO_ACCOUNT}, property {DEMO_PROPERTY}, "
                f"MPAN {DEMO_MPAN}, device {DEMO_DEVICE}"
            )
            while not stop.wait(POLL_SECONDS):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Fake Kraken stopped.")
