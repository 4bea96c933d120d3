"""Test set-up shared by the whole suite: scripts/ importable, retries without waiting."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    """Retries keep their rules and attempts in tests, but never sleep."""
    import kraken_energy

    kraken_energy.set_retry_testing(True)
    yield
    kraken_energy.set_retry_testing(False)
