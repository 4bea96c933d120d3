"""The pytest plugin behind the ``kraken_energy.testing`` fixtures, registered by entry point.

pyproject.toml registers this module under the ``pytest11`` entry point named
``kraken_energy.testing.pytest_plugin``, so installing ``kraken-energy[testing]`` is enough to use
the fixtures, and a ``conftest.py`` that still lists that name is not registered twice.

pytest loads this module in every environment that has the package, with or without the testing
extra: it imports nothing of the fake until a fixture is used, so pytest starts either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from kraken_energy.testing import FakeKraken

_KRAKEN_PREFIX = "KRAKEN_"


@pytest.fixture
def fake_kraken() -> Iterator[FakeKraken]:
    """Return a fake Kraken served on loopback with the default scenario, stopped after the test.

    Example:
        >>> def test_login(fake_kraken):  # doctest: +SKIP
        ...     assert fake_kraken.url.startswith("http://127.0.0.1:")

    """
    from kraken_energy.testing import FakeKraken

    with FakeKraken() as fake:
        yield fake


@pytest.fixture
def fake_kraken_env(
    fake_kraken: FakeKraken, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeKraken]:
    """Point ``KrakenClient.from_env()`` at the served fake, with the demo API key.

    Every other ``KRAKEN_*`` variable is removed for the test, so a developer's real credentials
    never mix in; ``KRAKEN_URL`` is the fake's and ``KRAKEN_API_KEY`` is ``DEMO_API_KEY``.

    Example:
        >>> def test_service(fake_kraken_env):  # doctest: +SKIP
        ...     assert os.environ["KRAKEN_URL"] == fake_kraken_env.url

    """
    import os

    from kraken_energy.testing import DEMO_API_KEY

    for name in [name for name in os.environ if name.startswith(_KRAKEN_PREFIX)]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("KRAKEN_URL", fake_kraken.url)
    monkeypatch.setenv("KRAKEN_API_KEY", DEMO_API_KEY)
    yield fake_kraken


@pytest.fixture
def kraken_no_retry_waits() -> Iterator[None]:
    """Retry without waiting during the test: attempts and rules stay, the backoff sleeps go.

    Example:
        >>> @pytest.mark.usefixtures("kraken_no_retry_waits")  # doctest: +SKIP
        ... async def test_rate_limit_is_retried(): ...

    """
    import kraken_energy

    kraken_energy.set_retry_testing(True)
    yield
    kraken_energy.set_retry_testing(False)
