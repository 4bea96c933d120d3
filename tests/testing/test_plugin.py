"""The pytest plugin: registered by entry point, harmless without the extra, fixtures that work."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import subprocess
import sys

import pytest

import kraken_energy
import kraken_energy.testing as testing
from kraken_energy import KrakenClient
from kraken_energy.testing import DEMO_API_KEY, FakeKraken

USES_THE_FAKE = """
def test_plain():
    pass

def test_uses_the_fake(fake_kraken):
    pass
"""
# The testing extra's libraries made unimportable, as in an environment without the extra. The
# other installed plugins are left out: they have nothing to do with ours and cost a second.
WITHOUT_EXTRA = """
import sys
for name in ("graphql", "starlette", "uvicorn", "python_multipart"):
    sys.modules[name] = None
import pytest
sys.exit(pytest.main(["-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:asyncio",
                      "-p", "no:pytest_httpx", "-rE", sys.argv[1]]))
"""


def test_pytest_starts_without_the_testing_extra(tmp_path) -> None:
    """Without the extra, pytest still starts and runs; only a test using the fixture errors,
    naming the extra to install."""
    (tmp_path / "test_user.py").write_text(USES_THE_FAKE)
    result = subprocess.run([sys.executable, "-c", WITHOUT_EXTRA, str(tmp_path)],
                            capture_output=True, text=True, cwd=tmp_path, check=False)
    assert "1 passed, 1 error" in result.stdout, result.stdout + result.stderr
    assert "pip install 'kraken-energy[testing]'" in result.stdout


def test_the_plugin_is_registered_by_its_entry_point(pytestconfig: pytest.Config) -> None:
    """The fixtures come from the entry point under the module path users once listed."""
    plugin = pytestconfig.pluginmanager.get_plugin("kraken_energy.testing.pytest_plugin")
    assert plugin is not None and plugin.__name__ == "kraken_energy._pytest_plugin"


@pytest.fixture
def developer_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own Kraken credentials in the environment."""
    monkeypatch.setenv("KRAKEN_EMAIL", "me@example.com")
    monkeypatch.setenv("KRAKEN_PASSWORD", "my-real-password")


async def test_env_fixture_points_from_env_at_the_fake(
    developer_credentials: None, fake_kraken_env: FakeKraken
) -> None:
    """fake_kraken_env sets KRAKEN_URL and the demo key and hides other KRAKEN_* variables."""
    assert os.environ["KRAKEN_URL"] == fake_kraken_env.url
    assert os.environ["KRAKEN_API_KEY"] == DEMO_API_KEY
    assert "KRAKEN_EMAIL" not in os.environ
    async with KrakenClient.from_env() as kraken:
        assert (await kraken.get_viewer_accounts()).viewer is not None
    assert fake_kraken_env.requests[0].operation_name == "obtainKrakenToken"


def names(package, skip: str = "-") -> tuple[set[str], set[str]]:
    """The module names and the class names defined in a package's modules (but `skip`'s)."""
    modules, classes = set(), set()
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.endswith("__main__") or info.name.startswith(skip):
            continue
        module = importlib.import_module(info.name)
        modules.add(info.name.rsplit(".", 1)[-1])
        classes |= {name for name, obj in vars(module).items()
                    if inspect.isclass(obj) and obj.__module__ == module.__name__}
    return modules, classes


def test_no_module_or_class_of_the_fake_shares_a_name_with_the_clients() -> None:
    """The fake's errors are not a second KrakenError; no module or class name is reused."""
    import kraken_energy_gql

    fake_modules, fake_classes = names(testing)
    client_modules, client_classes = names(kraken_energy, skip="kraken_energy.testing")
    generated_modules, generated_classes = names(kraken_energy_gql)
    assert "CodedError" in fake_classes and "KrakenError" in client_classes
    assert fake_modules & (client_modules | generated_modules) == set()
    assert fake_classes & (client_classes | generated_classes) == set()
