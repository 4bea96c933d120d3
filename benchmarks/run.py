"""Run the benchmark suite: print the table and write BENCHMARKS.md.

Usage:
    python benchmarks/run.py                       # every benchmark; writes BENCHMARKS.md
    python benchmarks/run.py --quick               # smoke run: fewer runs, smaller inputs
    python benchmarks/run.py --only parse,import   # a selection (prints; writes nothing)
    python benchmarks/run.py --runs 9 --output /tmp/BENCHMARKS.md

Benchmarks: parse, import, schema, fetch, memory, cli, cli-fetch, sync (see each bench_*.py). A
full run (no --quick, no --only) rewrites BENCHMARKS.md at the repository root; partial runs write
only to an explicit --output. Exit status: 0 when the suite ran (whatever its PASS/FAIL verdicts;
--strict makes a FAIL exit 1), 2 on bad arguments. Not part of the test suite: speed is measured
here, not asserted in unit tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from types import ModuleType

import bench_cli
import bench_cli_fetch
import bench_fetch
import bench_import
import bench_memory
import bench_parse
import bench_schema
import bench_sync
from _harness import ROOT, Result, Settings, context, render_markdown, render_table

BENCHMARKS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        bench_parse,
        bench_import,
        bench_schema,
        bench_fetch,
        bench_memory,
        bench_cli,
        bench_cli_fetch,
        bench_sync,
    )
}
DEFAULT_RUNS = 5
QUICK_RUNS = 2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line; `chosen` lists the benchmarks to run, in suite order."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, help=f"measured runs per figure (default {DEFAULT_RUNS})"
    )
    parser.add_argument("--warmup", type=int, default=1, help="discarded runs first (default 1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer runs, less data")
    parser.add_argument("--only", help=f"comma-separated selection of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--output", type=Path, help="where to write the page")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    args.chosen = chosen
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks in order, print the table, write the page when asked to."""
    args = parse_args(argv)
    runs = args.runs or (QUICK_RUNS if args.quick else DEFAULT_RUNS)
    settings = Settings(runs=runs, warmup=max(args.warmup, 0), quick=args.quick)
    results: list[Result] = []
    with context(settings) as shared:
        for name in args.chosen:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            started = time.perf_counter()
            try:
                results += BENCHMARKS[name].run(shared)
            except Exception as exc:  # one broken benchmark must not lose the others' figures
                first_line = (str(exc).strip().splitlines() or [""])[-1]
                why = f"{type(exc).__name__}: {first_line}"
                results.append(
                    Result(name, "(benchmark crashed)", None, "", status="ERROR", note=why)
                )
            print(f"  {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print(render_table(results))
    full = not args.quick and not args.only
    output: Path | None = args.output or (ROOT / "BENCHMARKS.md" if full else None)
    if output is not None:
        command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        methods = [(name.capitalize(), BENCHMARKS[name].METHOD) for name in args.chosen]
        page = render_markdown(results, methods, command.strip(), dt.date.today())
        output.write_text(page, encoding="utf-8")
        print(f"\nwrote {output}")
    failed = [r for r in results if r.status in ("FAIL", "ERROR")]
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
