"""Validate every operation against every brand's Kraken schema, and print the matrix.

Usage:
    python scripts/kraken_tools.py compat --schemas ../shared/kraken/schemas
    python scripts/kraken_tools.py compat --schemas DIR [--queries DIR] [--format text|markdown]
        [--allow-failures]

Each operation is validated on its own, with the fragments it spreads, against each schema in DIR
(every *.graphql and *.json file: SDL or introspection JSON). The matrix shows operation by
schema, then the reason for every failure. Exit status: 1 when an operation fails on a schema
(0 with --allow-failures, which only reports), 2 when the check cannot run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphql import DocumentNode, GraphQLSchema
from schema_tools import (
    SchemaToolError,
    load_operations,
    load_schema,
    operation_documents,
    validation_errors,
)

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_SUFFIXES = (".graphql", ".json")

# operation name -> schema name -> validation errors (empty: compatible)
Matrix = dict[str, dict[str, list[str]]]


def load_schemas(directory: Path) -> dict[str, GraphQLSchema]:
    """Every schema file in `directory`, by file stem, sorted by name."""
    paths = sorted(p for p in directory.glob("*") if p.suffix in SCHEMA_SUFFIXES and p.is_file())
    if not paths:
        raise SchemaToolError(f"no *.graphql or *.json schema in {directory}")
    return {path.stem: load_schema(str(path)) for path in paths}


def compat_matrix(schemas: dict[str, GraphQLSchema], document: DocumentNode) -> Matrix:
    """Validate each operation of `document` (with its fragments) against each schema."""
    return {
        name: {label: validation_errors(schema, op) for label, schema in schemas.items()}
        for name, op in operation_documents(document).items()
    }


def failures(matrix: Matrix) -> list[tuple[str, str, str]]:
    """(operation, schema, reason) for every failure, in matrix order."""
    return [
        (op, schema, error)
        for op, row in matrix.items()
        for schema, errors in row.items()
        for error in errors
    ]


def _verdict(matrix: Matrix, schemas_dir: str) -> list[str]:
    failed = sum(bool(errors) for row in matrix.values() for errors in row.values())
    checks = sum(len(row) for row in matrix.values())
    if not failed:
        return [f"Result: all {checks} checks pass."]
    return [
        f"Result: {failed} of {checks} checks fail.",
        "Fix: change the failing operations until they validate on every schema (or keep a "
        "brand-specific operation apart), then re-run: "
        f"python scripts/kraken_tools.py compat --schemas {schemas_dir}. "
        "Add --allow-failures to report without failing.",
    ]


def render_text(matrix: Matrix, schemas_dir: str) -> str:
    """The matrix as aligned columns, then one line per failure."""
    schema_names = list(next(iter(matrix.values()), {}))
    first = max([len("operation"), *map(len, matrix)])
    widths = [max(len(name), 4) for name in schema_names]
    lines = [
        "  ".join(
            [
                "operation".ljust(first),
                *(n.ljust(w) for n, w in zip(schema_names, widths, strict=True)),
            ]
        )
    ]
    for op, row in matrix.items():
        cells = ("FAIL" if row[name] else "ok" for name in schema_names)
        lines.append(
            "  ".join(
                [op.ljust(first), *(c.ljust(w) for c, w in zip(cells, widths, strict=True))]
            ).rstrip()
        )
    found = failures(matrix)
    if found:
        lines += ["", "Failures:"] + [f"  {op} on {schema}: {why}" for op, schema, why in found]
    return "\n".join([*lines, "", *_verdict(matrix, schemas_dir)]) + "\n"


def render_markdown(matrix: Matrix, schemas_dir: str) -> str:
    """The matrix as a table, then a list of failures, for a pull-request comment."""
    schema_names = list(next(iter(matrix.values()), {}))
    lines = [
        "## Operation compatibility across Kraken schemas",
        "",
        "| operation | " + " | ".join(f"`{n}`" for n in schema_names) + " |",
        "|---|" + "---|" * len(schema_names),
    ]
    for op, row in matrix.items():
        cells = ("**fails**" if row[name] else "ok" for name in schema_names)
        lines.append(f"| `{op}` | " + " | ".join(cells) + " |")
    found = failures(matrix)
    if found:
        lines += ["", "### Failures", ""]
        lines += [f"- `{op}` on `{schema}`: {_escape(why)}" for op, schema, why in found]
    return "\n".join([*lines, "", *_verdict(matrix, schemas_dir)]) + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kraken_tools.py compat", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--schemas", type=Path, required=True, help="folder of brand schemas")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries")
    parser.add_argument("--format", choices=("text", "markdown"), default="text")
    parser.add_argument("--allow-failures", action="store_true", help="report only; exit 0")
    args = parser.parse_args(argv)
    try:
        matrix = compat_matrix(load_schemas(args.schemas), load_operations(args.queries))
    except SchemaToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    render = render_markdown if args.format == "markdown" else render_text
    sys.stdout.write(render(matrix, str(args.schemas)))
    return int(bool(failures(matrix)) and not args.allow_failures)
