"""Check which operations in queries/ a new Kraken schema breaks, and nothing else.

Usage:
    python scripts/kraken_tools.py drift --new https://api.octopus.energy/v1/graphql/
    python scripts/kraken_tools.py drift --old OLD --new NEW [--queries DIR]
        [--format text|json|markdown] [--all] [--strict] [--token T]

OLD (default schema.graphql) and NEW are files (SDL or introspection JSON) or endpoint URLs.
graphql-core's breaking and dangerous changes are scoped to the schema coordinates each operation
(with the fragments it spreads) uses in OLD; every operation is also validated against NEW. Changes
no operation uses are counted by kind (listed with --all). Exit status: 1 when an operation breaks
(with --strict, also on dangerous changes and new deprecations it uses), 2 when the check cannot
run, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from drift import (
    ADOPT_COMMAND,
    ROOT,
    DriftReport,
    check_drift,
    display,
)
from schema_diff import Change
from schema_tools import SchemaToolError, load_operations, load_schema

__all__ = ["check_drift", "main", "render_json", "render_markdown", "render_text", "text_summary"]


def _by_kind(changes: list[Change], breaking: bool) -> Counter[str]:
    return Counter(change.kind for change in changes if change.breaking == breaking)


def _summary(report: DriftReport) -> str:
    parts = [
        f"{report.count(status)} {status}"
        for status in ("broken", "dangerous", "deprecated", "handled", "unaffected")
    ]
    return f"{len(report.operations)} operations: " + ", ".join(parts)


def _verdict(report: DriftReport, strict: bool) -> list[str]:
    """The result line and the command that fixes or adopts what was found."""
    adopt = ADOPT_COMMAND.format(new=report.new)
    if report.count("broken"):
        return [
            f"Result: {report.count('broken')} operation(s) broken.",
            "Fix: edit the broken operations in queries/ until they validate against NEW "
            f"(re-run this check), then adopt NEW with: {adopt}",
        ]
    if any(change.breaking for change in report.unscoped):
        return [
            "Result: breaking changes that could not be scoped; read them above.",
            f"Fix: check the operations by hand, then adopt NEW with: {adopt}",
        ]
    if report.exit_code(strict):
        return [
            "Result: no operation breaks, but --strict fails on the dangerous changes or "
            "new deprecations above.",
            f"Fix: move the operations off them, or drop --strict; then adopt NEW with: {adopt}",
        ]
    return ["Result: no operation breaks.", f"Adopt NEW with: {adopt}"]


def text_summary(report: DriftReport, show_all: bool = False) -> list[str]:
    """The report's lines for a terminal, without the verdict (update_schema.py prints these)."""
    lines = [f"Schema drift {report.old} -> {report.new}", _summary(report)]
    for op in report.operations:
        if op.status == "unaffected" and not op.notes:
            continue
        lines.append(f"{op.status.upper()} {op.name} ({op.file})")
        lines += [f"  {f.severity:<10} {f.coordinate}: {f.reason}" for f in op.findings]
        lines += [f"  note       {note}" for note in op.notes]
    unaffected = [op.name for op in report.operations if op.status == "unaffected"]
    if unaffected:
        lines.append("Unaffected: " + ", ".join(unaffected))
    for breaking, label in ((True, "breaking"), (False, "dangerous")):
        counts = _by_kind(report.elsewhere, breaking)
        detail = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
        total = report.total_breaking if breaking else report.total_dangerous
        lines.append(
            f"Elsewhere (no operation uses them): {counts.total()} of {total} {label}"
            + (f" ({detail})" if detail else "")
        )
    if show_all:
        lines += [f"  {c.kind}: {c.description}" for c in report.elsewhere]
    elif report.elsewhere:
        lines.append("  (list them with --all)")
    lines += [f"UNSCOPED {c.kind}: {c.description}" for c in report.unscoped]
    return lines


def render_text(report: DriftReport, strict: bool = False, show_all: bool = False) -> str:
    """A plain-text report for a terminal."""
    return "\n".join([*text_summary(report, show_all), "", *_verdict(report, strict)]) + "\n"


def render_markdown(report: DriftReport, strict: bool = False, show_all: bool = False) -> str:
    """A report fit for a pull-request comment or body."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"## Schema drift: `{report.old}` → `{report.new}`", "", f"**{_summary(report)}**", ""]
    rows = [(op, f) for op in report.operations for f in op.findings]
    if rows:
        lines += ["| operation | status | coordinate | change |", "|---|---|---|---|"]
        lines += [
            f"| `{op.name}` | {f.severity} | `{cell(f.coordinate)}` | {cell(f.reason)} |"
            for op, f in rows
        ]
        lines.append("")
    lines += [f"- note: `{op.name}` {cell(note)}" for op in report.operations for note in op.notes]
    unaffected = [f"`{op.name}`" for op in report.operations if op.status == "unaffected"]
    if unaffected:
        lines += ["Unaffected: " + ", ".join(unaffected), ""]
    lines += [
        f"### Elsewhere: changes no operation uses ({len(report.elsewhere)})",
        "",
        "| kind | breaking | dangerous |",
        "|---|---|---|",
    ]
    breaking, dangerous = _by_kind(report.elsewhere, True), _by_kind(report.elsewhere, False)
    for kind in sorted(breaking.keys() | dangerous.keys()):
        lines.append(f"| {kind} | {breaking[kind] or ''} | {dangerous[kind] or ''} |")
    lines.append(
        f"| **total** (of {report.total_breaking} breaking, {report.total_dangerous} "
        f"dangerous) | {breaking.total()} | {dangerous.total()} |"
    )
    if show_all and report.elsewhere:
        lines += ["", "<details><summary>Every change elsewhere</summary>", ""]
        lines += [f"- {c.kind}: {cell(c.description)}" for c in report.elsewhere]
        lines += ["", "</details>"]
    if report.unscoped:
        lines += ["", "### Could not be scoped (check by hand)", ""]
        lines += [f"- {c.kind}: {cell(c.description)}" for c in report.unscoped]
    verdict = _verdict(report, strict)
    return "\n".join([*lines, "", verdict[0], "", f"{verdict[1]}"]) + "\n"


def render_json(report: DriftReport, strict: bool = False, show_all: bool = False) -> str:
    """The whole report as JSON, for tools."""

    def change(c: Change) -> dict[str, object]:
        return {
            "kind": c.kind,
            "breaking": c.breaking,
            "coordinate": c.coordinate,
            "description": c.description,
        }

    data: dict[str, object] = {
        "old": report.old,
        "new": report.new,
        "exit_code": report.exit_code(strict),
        "operations": [
            {
                "name": op.name,
                "file": op.file,
                "status": op.status,
                "notes": op.notes,
                "findings": [vars(f) for f in op.findings],
            }
            for op in report.operations
        ],
        "elsewhere": {
            "breaking": dict(sorted(_by_kind(report.elsewhere, True).items())),
            "dangerous": dict(sorted(_by_kind(report.elsewhere, False).items())),
        },
        "total": {"breaking": report.total_breaking, "dangerous": report.total_dangerous},
        "unscoped": [change(c) for c in report.unscoped],
    }
    if show_all:
        data["elsewhere_changes"] = [change(c) for c in report.elsewhere]
    return json.dumps(data, indent=2) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kraken_tools.py drift", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--old",
        default=display(str(ROOT / "schema.graphql")),
        help="the schema the operations were written for (default: %(default)s)",
    )
    parser.add_argument("--new", required=True, help="the new schema: file or endpoint URL")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    parser.add_argument("--all", action="store_true", help="list every change, not counts")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also fail on dangerous changes and new deprecations used",
    )
    parser.add_argument("--token", help="Authorization for an endpoint (default: $KRAKEN_TOKEN)")
    args = parser.parse_args(argv)
    token = args.token or os.environ.get("KRAKEN_TOKEN")
    try:
        old, new = load_schema(args.old, token), load_schema(args.new, token)
        report = check_drift(old, new, load_operations(args.queries), args.old, args.new)
    except SchemaToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(RENDERERS[args.format](report, args.strict, args.all))
    return report.exit_code(args.strict)
