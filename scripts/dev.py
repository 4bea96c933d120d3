"""The project's two commands, needing only Python 3.11 and pip: `test` and `demo`.

Usage:
    python3 scripts/dev.py test   # lint, type-check, check generated code, run every test
    python3 scripts/dev.py demo   # the main job (see `demo` below)

Both first create .venv (once, and again whenever pyproject.toml changes) and install the
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


def run(*command: str) -> None:
    print("+ " + " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True)


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
    run(str(BIN / "ruff"), "check", "src", "scripts", "tests")
    run(str(PYTHON), "-m", "mypy")
    run(str(PYTHON), "scripts/generate.py", "--check")
    run(str(PYTHON), "-m", "pytest")


def demo() -> None:
    """Regenerate the client and show what was generated (until the CLI demo exists)."""
    run(str(PYTHON), "scripts/generate.py")
    run(
        str(PYTHON),
        "-c",
        (
            "import inspect, kraken_gql as g\n"
            "for name, fn in inspect.getmembers(g.Client, inspect.iscoroutinefunction):\n"
            "    if not name.startswith('_') and name not in ('execute',):\n"
            "        print(f'{name}{inspect.signature(fn)}'.replace('kraken_gql.', ''))\n"
        ),
    )


def main() -> int:
    commands = {"test": test, "demo": demo}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
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
