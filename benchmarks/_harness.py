"""What every benchmark shares: settings, timing, statistics, results, the table and the page.

A benchmark module exposes `NAME`, `METHOD` (the "how it is measured" paragraph for BENCHMARKS.md)
and `run(context) -> list[Result]`. Each figure is the median of `runs` measurements taken after
`warmup` discarded ones; the spread (min to max) is kept beside it. Absolute times vary between
machines, so targets are stated as ratios wherever a fair reference can run in the same process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Final, Literal

ROOT: Final = Path(__file__).resolve().parent.parent
SCRIPTS: Final = ROOT / "scripts"
# Facts-only copies of the reference schemas (`kraken_tools.py reference-schemas` writes them).
SCHEMAS: Final = ROOT / "reference" / "schemas"
FULL_SCHEMA: Final = SCHEMAS / "octopus-gb-2024-11-28.graphql"
"""The full reference GB schema: ariadne-codegen's default client is generated from it."""

ARIADNE_PACKAGE: Final = "ariadne_default_kraken"
"""Import name of ariadne-codegen's default client, generated at benchmark time."""

Status = Literal["PASS", "FAIL", "ERROR", "info", "n.a."]

if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))


@dataclass(frozen=True)
class Settings:
    """How hard to measure: `runs` kept measurements after `warmup` discarded ones."""

    runs: int
    warmup: int
    quick: bool


@dataclass(frozen=True)
class Sample:
    """The measurements of one figure, in its display unit."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        """The figure reported."""
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        """The smallest measurement."""
        return min(self.values)

    @property
    def high(self) -> float:
        """The largest measurement."""
        return max(self.values)


@dataclass(frozen=True)
class Result:
    """One row of the table.

    `value` is None when the figure could not be measured (`note` says why). `ratio` is the
    figure divided by its reference, when the target is a ratio; `status` compares the figure
    (or the ratio) with `target`.
    """

    benchmark: str
    figure: str
    value: Sample | None
    unit: str
    target: str = ""
    ratio: float | None = None
    status: Status = "info"
    note: str = ""

    def shown_value(self) -> str:
        """Return the median with its unit, or a dash."""
        if self.value is None:
            return "—"
        return f"{_number(self.value.median)} {self.unit}"

    def shown_spread(self) -> str:
        """Return `min-max (n=runs)`, or "1 run"."""
        if self.value is None:
            return "—"
        if len(self.value.values) == 1:
            return "1 run"
        return f"{_number(self.value.low)}-{_number(self.value.high)} (n={len(self.value.values)})"

    def shown_ratio(self) -> str:
        """Return the ratio to two decimals, or a dash."""
        return "—" if self.ratio is None else f"{self.ratio:.2f}x"


def _number(value: float) -> str:
    """Three significant figures, without exponent notation for everyday magnitudes."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def at_most(benchmark: str, figure: str, sample: Sample, unit: str, limit: float) -> Result:
    """Build the row of a figure whose target is a ceiling in its own unit."""
    ok = sample.median <= limit
    return Result(benchmark, figure, sample, unit, f"≤ {limit:g} {unit}", None, _verdict(ok))


def ratio_at_most(
    benchmark: str, figure: str, sample: Sample, unit: str, reference: float, limit: float, of: str
) -> Result:
    """Build the row of a figure whose ratio to `reference` (described by `of`) has a ceiling."""
    ratio = sample.median / reference
    return Result(
        benchmark, figure, sample, unit, f"≤ {limit:g}x {of}", ratio, _verdict(ratio <= limit)
    )


def ratio_only(benchmark: str, figure: str, ratio: float, limit: float, of: str) -> Result:
    """Build a row that is only a ratio of two figures shown elsewhere, against a ceiling."""
    return Result(
        benchmark, figure, None, "", f"≤ {limit:g}x {of}", ratio, _verdict(ratio <= limit)
    )


def unavailable(benchmark: str, figure: str, target: str, why: str) -> Result:
    """Build the row of a figure that could not be measured in this run; never a failure."""
    return Result(benchmark, figure, None, "", target, None, "n.a.", why)


def _verdict(ok: bool) -> Status:
    return "PASS" if ok else "FAIL"


def time_calls(call: Callable[[], object], settings: Settings, inner: int = 1) -> Sample:
    """Seconds per call of `call`: `inner` calls per run, warm-up runs discarded, GC paused."""
    timings: list[float] = []
    for index in range(settings.warmup + settings.runs):
        gc.collect()
        gc.disable()  # as timeit does: a collection landing in one run only is noise
        start = time.perf_counter()
        for _ in range(inner):
            call()
        elapsed = (time.perf_counter() - start) / inner
        gc.enable()
        if index >= settings.warmup:
            timings.append(elapsed)
    return Sample(tuple(timings))


def scaled(sample: Sample, factor: float) -> Sample:
    """Convert measurements to another unit (e.g. seconds to microseconds per node)."""
    return Sample(tuple(value * factor for value in sample.values))


@dataclass
class Context:
    """What the benchmarks of one run share: settings, a scratch folder, generated contenders."""

    settings: Settings
    scratch: Path
    _ariadne: Path | None = field(default=None, init=False)
    ariadne_error: str | None = field(default=None, init=False)

    def ariadne_default(self) -> Path | None:
        """Return the folder holding ariadne-codegen's default client, generated on first use.

        Defaults throughout: no custom scalars (they stay `Any`), no plugins, the default base
        client, and every input type and enum of the full reference schema. The operations are
        the project's own `queries/`. None (with `ariadne_error` set) when that cannot be done.
        """
        if self._ariadne is not None or self.ariadne_error is not None:
            return self._ariadne
        if not FULL_SCHEMA.exists():
            self.ariadne_error = f"reference schema not found: {FULL_SCHEMA}"
            return None
        from ariadne_codegen.main import client as ariadne_client

        into = self.scratch / "ariadne-default"
        into.mkdir()
        codegen = {
            "schema_path": str(FULL_SCHEMA),
            "queries_path": str(ROOT / "queries"),
            "target_package_name": ARIADNE_PACKAGE,
            "target_package_path": str(into),
        }
        with contextlib.redirect_stdout(io.StringIO()):  # it narrates every file it writes
            ariadne_client({"tool": {"ariadne-codegen": codegen}})  # type: ignore[no-untyped-call]
        self._ariadne = into
        return into


@contextlib.contextmanager
def context(settings: Settings) -> Iterator[Context]:
    """Yield a `Context` whose scratch folder is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="kraken-bench-") as scratch:
        yield Context(settings, Path(scratch))


# --- Machine ----------------------------------------------------------------------------------


def machine() -> list[tuple[str, str]]:
    """Describe the machine: CPU, cores, OS, Python and package versions."""
    rows = [
        ("CPU", _cpu_model()),
        ("Cores", str(os.cpu_count() or "?")),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
    ]
    for package in ("pydantic", "pydantic-core", "httpx", "ariadne-codegen", "graphql-core"):
        try:
            rows.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            rows.append((package, "not installed"))
    return rows


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


# --- Output -----------------------------------------------------------------------------------

COLUMNS: Final = ("benchmark", "figure", "median", "spread (min-max)", "target", "ratio", "status")


def _cells(result: Result) -> tuple[str, ...]:
    return (
        result.benchmark,
        result.figure,
        result.shown_value(),
        result.shown_spread(),
        result.target or "—",
        result.shown_ratio(),
        result.status,
    )


def render_table(results: list[Result]) -> str:
    """Render the results as an aligned plain-text table, notes listed under it."""
    rows = [COLUMNS, *(_cells(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {r.benchmark} / {r.figure}: {r.note}" for r in results if r.note]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(line.rstrip() for line in lines)


def render_markdown(
    results: list[Result], methods: list[tuple[str, str]], command: str, when: dt.date
) -> str:
    """Render BENCHMARKS.md: the table, notes, machine, and how each figure is measured."""
    out = [
        "# Benchmarks",
        "",
        "<!-- Generated by benchmarks/run.py; do not edit by hand. -->",
        "",
        f"Measured on {when.isoformat()} with `{command}`. Absolute times depend on the machine; "
        "the ratios compare contenders measured side by side in the same run. Each figure is the "
        "median of the runs after warm-up; the spread is the smallest and largest run.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in results]
    notes = [r for r in results if r.note]
    if notes:
        out += ["", "Notes:", ""]
        out += [f"- **{r.benchmark} / {r.figure}**: {r.note}" for r in notes]
    out += ["", "## Machine", "", "| | |", "|---|---|"]
    out += [f"| {name} | {value} |" for name, value in machine()]
    out += ["", "## How each figure is measured", ""]
    for name, text in methods:
        out += [f"### {name}", "", text.strip(), ""]
    out += [
        "## Rerun",
        "",
        "```sh",
        "python3 scripts/dev.py bench                      # the whole suite, writes this page",
        "python benchmarks/run.py --quick --only parse,schema   # a fast smoke run",
        "```",
        "",
    ]
    return "\n".join(out)
