"""The README's recipes for users' tests run as written, in a pytest session of their own."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
RECIPE = re.compile(r"<!-- recipe: (?P<name>[\w-]+) -->\n```python\n(?P<code>.*?)```", re.S)
RECIPES = {match["name"]: match["code"] for match in RECIPE.finditer(README.read_text())}


def import_every_module(package: str) -> None:
    """Import the package's modules now: pytester forgets modules first imported in its run, and
    a generated model class imported twice is not an instance of itself."""
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        if ".cli" not in module.name:
            importlib.import_module(module.name)


def test_readme_recipes_pass_and_the_harness_can_fail(pytester: pytest.Pytester) -> None:
    """The from_env, pytest-httpx and fault-scenario recipes pass as pasted into a fresh
    project's tests, with only the installed plugins; a recipe broken on purpose fails."""
    assert sorted(RECIPES) == ["fault-scenario", "from-env", "pytest-httpx"]
    import_every_module("kraken_energy_gql")
    import_every_module("kraken_energy")
    files = {f"test_{name.replace('-', '_')}": code for name, code in RECIPES.items()}
    files["test_broken"] = RECIPES["fault-scenario"].replace("== DEMO_ACCOUNT", '== "A-0"')
    pytester.makepyfile(**files)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_broken.py::*"])
