"""Fixtures for the fake Kraken's own tests: in process by default, served for transport faults."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_kraken_helpers import in_process, login

from kraken_energy.testing import FakeKraken


@pytest.fixture
def fake() -> FakeKraken:
    """A fake with default settings, answering in process."""
    return FakeKraken()


@pytest.fixture
def client(fake: FakeKraken) -> Iterator[httpx.Client]:
    """A synchronous HTTP client wired to `fake` in process."""
    with in_process(fake) as http:
        yield http


@pytest.fixture
def token(fake: FakeKraken, client: httpx.Client) -> str:
    """A valid token for the demo user, obtained over HTTP."""
    return login(client, fake.url)


@pytest.fixture
def served() -> Iterator[FakeKraken]:
    """A fake served on loopback: for dropped connections, latency and other transport faults."""
    with FakeKraken() as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain HTTP client, for `served`."""
    with httpx.Client(timeout=10) as plain:
        yield plain
