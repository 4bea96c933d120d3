"""Fixtures for the fake Kraken's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_kraken_helpers import login

from kraken_energy.testing import FakeKraken


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A plain HTTP client."""
    with httpx.Client(timeout=10) as http:
        yield http


@pytest.fixture
def fake() -> Iterator[FakeKraken]:
    """A running fake with default settings."""
    with FakeKraken() as server:
        yield server


@pytest.fixture
def token(fake: FakeKraken, client: httpx.Client) -> str:
    """A valid token for the demo user, obtained over HTTP."""
    return login(client, fake.url)
