"""A pytest plugin providing the ``fake_kraken`` fixture.

Enable it in a ``conftest.py``::

    pytest_plugins = ["kraken_energy.testing.pytest_plugin"]
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._server import FakeKraken


@pytest.fixture
def fake_kraken() -> Iterator[FakeKraken]:
    """Return a running :class:`FakeKraken` with the default scenario, stopped after the test.

    Example:
        >>> def test_login(fake_kraken):  # doctest: +SKIP
        ...     assert fake_kraken.url.endswith("/v1/graphql/")

    """
    with FakeKraken() as fake:
        yield fake
