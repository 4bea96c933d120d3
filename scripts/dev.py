"""The project's two commands, needing only Python 3.11 and pip: `test` and `demo` (and `bench`).

Usage:
    python3 scripts/dev.py test   # lint, type-check, run every test (generated code included),
                                  # then build the wheel and use it in a fresh environment
    python3 scripts/dev.py demo   # start `kraken sandbox` (a fake Kraken on 127.0.0.1), then run
                                  # `kraken accounts` and `kraken measurements` against it:
                                  # no credential needed, no real account touched
    python3 scripts/dev.py bench [ARGS]  # the benchmark suite; writes BENCHMARKS.md
                                         # (`python3 scripts/dev.py bench --help` lists ARGS)

Each first creates .venv (once, and again whenever pyproject.toml changes) and installs the
project with its development extras into it.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".installed-from"


def run(*command: str, env: dict[str, str] | None = None) -> None:
    print("+ " + " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True, env=env)


def bootstrap() -> None:
    """Create the virtual environment and install the project, unless already current."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    run(str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(str(PYTHON), "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted)


def test() -> None:
    run(str(BIN / "ruff"), "check", "src", "scripts", "tests", "benchmarks")
    run(str(PYTHON), "-m", "mypy")
    # Generation runs once, inside pytest: tests/test_generate.py builds the package once and runs
    # `kraken_tools.py check` on that build, so the check is not a step of its own.
    # pytest keeps its assertion-rewritten modules (the tests and its plugins' packages:
    # hypothesis, anyio, kraken_energy) as bytecode, and the commands the tests start keep the
    # package's: both are caches in the ignored __pycache__ folders. PYTHONDONTWRITEBYTECODE
    # would have them all compiled again in every run and every process (collection alone
    # takes 2.4 s instead of 0.7 s).
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    run(str(PYTHON), "-m", "pytest", env=cached)
    # The wheel, installed into a fresh environment as a user installs it, and used there.
    run(str(PYTHON), "scripts/install_check.py")


def demo() -> None:
    """Fetch Kraken's documented example week from the fake Kraken with the `kraken` command.

    Needs no credentials: the fake runs on loopback (`kraken sandbox`) and KRAKEN_* variables
    from the environment are not passed on, so a real account is never touched.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRAKEN_")}
    kraken = [str(PYTHON), "-m", "kraken_energy"]  # the `kraken` console script, from the venv
    sandbox = subprocess.Popen(
        [*kraken, "sandbox"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert sandbox.stdout is not None
        for line in iter(sandbox.stdout.readline, ""):
            print(line, end="", flush=True)
            name, _, value = line.strip().removeprefix("export ").partition("=")
            if name in ("KRAKEN_URL", "KRAKEN_API_KEY"):
                env[name] = value
            if line.startswith("Demo data"):
                break
        if "KRAKEN_API_KEY" not in env:
            raise subprocess.CalledProcessError(sandbox.poll() or 1, "kraken sandbox")
        week = [
            "measurements", "--account", "A-F523797D",
            "--start", "2024-10-01T00:00:00", "--end", "2024-10-07T00:00:00",
            "--timezone", "Europe/London", "--utility", "electricity",
            "--frequency", "DAY_INTERVAL", "--direction", "GENERATION",
            "--supply-point", "2700008749510", "--device-id", "30-EB-5A-FF-FF-E0-91-E8",
            "--format", "table",
        ]  # fmt: skip
        every = [  # every series of the account (import, export, gas) with its columns
            "measurements", "--account", "A-F523797D", "--start-on", "2024-10-01",
            "--end-on", "2024-10-02", "--frequency", "DAY_INTERVAL", "--format", "csv",
        ]  # fmt: skip
        for arguments in (["accounts"], week, every):
            print("\n+ kraken " + " ".join(arguments), flush=True)
            subprocess.run([*kraken, *arguments], cwd=ROOT, env=env, check=True)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
    print(
        "\nThat was the fake Kraken. For your own data, run the same commands with a real "
        "credential:\n"
        "  export KRAKEN_API_KEY=sk_live_...   # your key (or KRAKEN_EMAIL + KRAKEN_PASSWORD)\n"
        "  unset KRAKEN_URL                    # Octopus GB; KRAKEN_BRAND=edf-gb etc. for others\n"
        "  .venv/bin/kraken accounts           # your account number, MPAN and device ids\n"
        "  .venv/bin/kraken measurements --account A-... --start-on 2024-10-01 \\\n"
        "      --end-on 2024-10-06 --frequency DAY_INTERVAL --format table"
    )


def bench() -> None:
    """Run benchmarks/run.py; arguments after `bench` are passed on (--quick, --only, --runs)."""
    run(str(PYTHON), "benchmarks/run.py", *sys.argv[2:])


def main() -> int:
    commands = {"test": test, "demo": demo, "bench": bench}
    extra_arguments = sys.argv[2:] and sys.argv[1:2] != ["bench"]  # only bench takes arguments
    if len(sys.argv) < 2 or sys.argv[1] not in commands or extra_arguments:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        bootstrap()
        commands[sys.argv[1]]()
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
