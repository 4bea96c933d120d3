"""Time the drift check on the full real GB schema pair (July to November 2024).

Usage:
    python benchmarks/bench_drift.py [--runs N]

Each run does what `check_schema_drift.py --old JULY --new NOVEMBER` does in-process: load both
full schemas (~1,400 types each), diff them, scope the changes to queries/ and render the report.
One warm-up run, then the median of N runs is printed against the 3-second budget; exit 1 when
over budget. Needs ../shared/kraken/schemas beside the checkout. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from check_schema_drift import check_drift, render_text  # noqa: E402
from schema_tools import load_operations, load_schema  # noqa: E402

SCHEMAS = ROOT.parent / "shared" / "kraken" / "schemas"
OLD = SCHEMAS / "octopus-gb-2024-07-14.graphql"
NEW = SCHEMAS / "octopus-gb-2024-11-28.graphql"
BUDGET_SECONDS = 3.0


def one_run() -> float:
    """Seconds for one whole check, from reading the files to the rendered report."""
    start = time.perf_counter()
    old, new = load_schema(str(OLD)), load_schema(str(NEW))
    report = check_drift(old, new, load_operations(ROOT / "queries"), OLD.name, NEW.name)
    render_text(report)
    return time.perf_counter() - start


def main() -> int:
    """Warm up, time the runs, print the median; exit 1 when it is over budget."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (OLD.exists() and NEW.exists()):
        print(f"reference schemas not found in {SCHEMAS}", file=sys.stderr)
        return 2
    one_run()  # warm-up: imports, caches, first-touch allocations
    timings = [one_run() for _ in range(args.runs)]
    median = statistics.median(timings)
    print(
        f"drift check {OLD.name} -> {NEW.name}: median {median:.2f} s over {args.runs} runs "
        f"(min {min(timings):.2f}, max {max(timings):.2f}; budget {BUDGET_SECONDS:.0f} s)"
    )
    return int(median > BUDGET_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
