"""``python -m kraken_energy.testing``: serve the fake Kraken until interrupted (Ctrl-C)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from ._data import DEMO_ACCOUNT, DEMO_EMAIL
from ._jwt import DEMO_API_KEY, DEMO_PASSWORD
from ._server import DEFAULT_MAX_PAGE_SIZE, FakeKraken, FakeKrakenConfig


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM; print the URL and the demo credentials first."""
    parser = argparse.ArgumentParser(prog="python -m kraken_energy.testing", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    parser.add_argument(
        "--max-page-size", type=int, default=DEFAULT_MAX_PAGE_SIZE, help="largest page allowed"
    )
    args = parser.parse_args(argv)
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    config = FakeKrakenConfig(port=args.port, max_page_size=args.max_page_size)
    with FakeKraken(config) as fake:
        print(f"Fake Kraken serving GraphQL at {fake.url}", flush=True)
        print(f"OAuth token endpoint: {fake.token_url}", flush=True)
        print(f"Demo API key: {DEMO_API_KEY}", flush=True)
        print(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD} (account {DEMO_ACCOUNT})", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not stop.wait(0.2):
            pass
    print("Fake Kraken stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
