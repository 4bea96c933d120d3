"""Schema: regeneration, the whole `check` command, and the drift check on the real GB pair.

The drift figure replaces the former benchmarks/bench_drift.py: each run does in-process what
`kraken_tools.py drift --old JULY --new NOVEMBER` does.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from typing import Final

from _harness import ROOT, SCHEMAS, Context, Result, at_most, time_calls, unavailable
from check_schema_drift import check_drift, render_text
from generate import build_package
from schema_tools import load_operations, load_schema

NAME: Final = "schema"
OLD: Final = SCHEMAS / "octopus-gb-2024-07-14.graphql"
NEW: Final = SCHEMAS / "octopus-gb-2024-11-28.graphql"
DRIFT_BUDGET_SECONDS: Final = 3.0
REGENERATE_BUDGET_SECONDS: Final = 1.0
CHECK_BUDGET_SECONDS: Final = 3.0

METHOD: Final = f"""
- **regenerate**: `generate.build_package(folder)` into a fresh temporary folder per run: what
  `kraken_tools.py generate` and `check` do before comparing or copying (ariadne-codegen with the
  plugins of `scripts/codegen_plugins/` on the pruned `schema.graphql` and `queries/`).
  Target: at most {REGENERATE_BUDGET_SECONDS:g} s.
- **check**: `python scripts/kraken_tools.py check` as a maintainer runs it, a fresh process
  each run (start-up included): regenerate into a temporary folder and compare it with
  `generated/` byte for byte, and `schema.graphql` with its pruned source. Target: at most
  {CHECK_BUDGET_SECONDS:g} s.
- **drift check**: in-process, what `kraken_tools.py drift --old {OLD.name} --new {NEW.name}`
  does: read and build both full schemas (~1,400 types each), diff them, scope the changes to
  the operations in `queries/`, render the text report. Target: at most
  {DRIFT_BUDGET_SECONDS:g} s. Skipped, with the reason, when `reference/schemas` lacks them.
"""


def drift_once() -> None:
    """One whole drift check, from reading the files to the rendered report."""
    old, new = load_schema(str(OLD)), load_schema(str(NEW))
    report = check_drift(old, new, load_operations(ROOT / "queries"), OLD.name, NEW.name)
    render_text(report)


def check_once() -> None:
    """One `kraken_tools.py check`, as a maintainer runs it.

    Raises:
        RuntimeError: the check failed (the generated package or schema is stale).
    """
    command = [sys.executable, str(ROOT / "scripts" / "kraken_tools.py"), "check"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"kraken_tools.py check failed: {done.stdout}{done.stderr}")


def _date(schema: Path) -> str:
    return schema.stem.removeprefix("octopus-gb-")


def run(context: Context) -> list[Result]:
    """Time regeneration, the check command and the drift check."""
    counter = itertools.count()

    def regenerate() -> None:
        folder: Path = context.scratch / f"regenerate-{next(counter)}"
        folder.mkdir()
        build_package(folder)

    results = [
        at_most(
            NAME,
            "regenerate generated/kraken_energy_gql",
            time_calls(regenerate, context.settings),
            "s",
            REGENERATE_BUDGET_SECONDS,
        ),
        at_most(
            NAME,
            "`kraken_tools.py check`, whole command",
            time_calls(check_once, context.settings),
            "s",
            CHECK_BUDGET_SECONDS,
        ),
    ]
    if OLD.exists() and NEW.exists():
        sample = time_calls(drift_once, context.settings)
        results.append(
            at_most(
                NAME,
                f"drift check, GB {_date(OLD)} → {_date(NEW)}",
                sample,
                "s",
                DRIFT_BUDGET_SECONDS,
            )
        )
    else:
        results.append(
            unavailable(
                NAME,
                "drift check on the real GB pair",
                f"≤ {DRIFT_BUDGET_SECONDS:g} s",
                f"skipped: reference schemas not found in {SCHEMAS}",
            )
        )
    return results
