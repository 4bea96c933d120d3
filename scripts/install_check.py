"""Build the release files, install the wheel as a user would, and use it there.

Run by `python3 scripts/dev.py test` as a step of its own beside pytest. It:

1. builds an sdist and a wheel with `python -m build` into a temporary folder, and runs
   `twine check` on both;
2. checks that the wheel holds both import packages, `py.typed` for each, and the schema the fake
   Kraken serves at run time;
3. installs the wheel into a fresh virtual environment (no editable install, no source tree on
   `sys.path`) and checks that `kraken_energy.testing` and the `kraken` command, without their
   extras, fail naming the extra to install;
4. installs the `cli` and `testing` extras and, there, imports every public name, checks
   `__version__` against the installed metadata, and runs the demo fetch (`kraken-energy
   measurements` for the documented week) against the fake.

Exit status 0 when the installed wheel works, 1 otherwise (the failing step is printed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a wheel must hold for the installed package to work; a missing one fails the check.
REQUIRED_IN_WHEEL = (
    "kraken_energy/__init__.py",
    "kraken_energy/py.typed",
    "kraken_energy/cli/__init__.py",
    "kraken_energy/testing/__init__.py",
    "kraken_energy_gql/__init__.py",
    "kraken_energy_gql/py.typed",
    "kraken_energy_gql/schema.graphql",  # the fake Kraken serves it
)

# Runs inside the fresh environment before the extras are installed: the optional parts must
# fail naming the extra that brings them.
WITHOUT_EXTRAS = r"""
import subprocess, sys, pathlib
try:
    import kraken_energy.testing
except ImportError as exc:
    assert "pip install 'kraken-energy[testing]'" in str(exc), exc
else:
    raise AssertionError("kraken_energy.testing imported without the testing extra")
command = str(pathlib.Path(sys.executable).with_name("kraken"))
out = subprocess.run([command, "--help"], capture_output=True, text=True)
assert out.returncode == 1 and "pip install 'kraken-energy[cli]'" in out.stderr, out
print("without extras: kraken_energy.testing and the kraken command name their extras")
"""

# Runs inside the fresh environment, with the interpreter's isolated mode (-I): neither the
# working folder nor PYTHONPATH is on sys.path, so only the installed wheel can be imported.
USE_INSTALLED = r"""
import asyncio, importlib.metadata, json, pathlib, subprocess, sys, sysconfig

import kraken_energy, kraken_energy_gql
site = pathlib.Path(sysconfig.get_paths()["purelib"]).resolve()
for module in (kraken_energy, kraken_energy_gql):
    where = pathlib.Path(module.__file__).resolve()
    assert site in where.parents, f"{module.__name__} imported from {where}, not the wheel"
for name in kraken_energy.__all__:
    getattr(kraken_energy, name)
version = importlib.metadata.version("kraken-energy")
assert kraken_energy.__version__ == version, (kraken_energy.__version__, version)

from kraken_energy.testing import DEMO_ACCOUNT, DEMO_API_KEY, DEMO_DEVICE, DEMO_MPAN, FakeKraken

with FakeKraken() as fake:
    environment = {"KRAKEN_URL": fake.url, "KRAKEN_API_KEY": DEMO_API_KEY, "PATH": ""}
    command = [
        str(pathlib.Path(sys.executable).with_name("kraken-energy")), "measurements",
        "--account", DEMO_ACCOUNT, "--start", "2024-10-01T00:00:00",
        "--end", "2024-10-07T00:00:00", "--timezone", "Europe/London",
        "--utility", "electricity", "--frequency", "DAY_INTERVAL", "--direction", "GENERATION",
        "--supply-point", DEMO_MPAN, "--device-id", DEMO_DEVICE, "--format", "jsonl",
    ]
    out = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
rows = [json.loads(line) for line in out.stdout.splitlines()]
assert len(rows) == 6, out.stdout
assert rows[0]["value"] == "6.525000", rows[0]
print(f"installed kraken-energy {version}: {len(kraken_energy.__all__)} public names import; "
      f"the demo fetch returned {len(rows)} daily readings")
"""


def run(*command: str | Path, cwd: Path = ROOT) -> None:
    names = {USE_INSTALLED: "<USE_INSTALLED>", WITHOUT_EXTRAS: "<WITHOUT_EXTRAS>"}
    shown = (names.get(str(part), str(part)) for part in command)
    print("+ " + " ".join(shown), flush=True)
    subprocess.run(list(map(str, command)), cwd=cwd, check=True)


def check_wheel(wheel: Path) -> None:
    """Fail naming each file the wheel should hold but does not."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [name for name in REQUIRED_IN_WHEEL if name not in names]
    if missing:
        raise SystemExit(f"{wheel.name} lacks {', '.join(missing)}")
    print(f"{wheel.name}: holds {len(names)} files, every required one among them")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="kraken-energy-install-") as folder:
        work = Path(folder)
        dist = work / "dist"
        try:
            # --no-isolation: build with the hatchling of the development environment, which
            # pyproject.toml's dev extra installs, instead of downloading it on every run.
            run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, ROOT)
            files = sorted(dist.iterdir())
            run(sys.executable, "-m", "twine", "check", "--strict", *files)
            (wheel,) = dist.glob("*.whl")
            check_wheel(wheel)
            environment = work / "venv"
            venv.create(environment, with_pip=True)
            python = environment / ("Scripts" if os.name == "nt" else "bin") / "python"
            run(python, "-m", "pip", "install", "--quiet", wheel, cwd=work)
            run(python, "-I", "-c", WITHOUT_EXTRAS, cwd=work)
            run(python, "-m", "pip", "install", "--quiet", f"{wheel}[cli,testing]", cwd=work)
            run(python, "-I", "-c", USE_INSTALLED, cwd=work)
        except subprocess.CalledProcessError as exc:
            print(f"install check failed: {exc.cmd[0]} exited {exc.returncode}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
