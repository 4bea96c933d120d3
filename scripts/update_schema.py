"""Write schema.graphql: the Kraken schema pruned to what the operations in queries/ reach.

Usage:
    python scripts/kraken_tools.py update-schema [--source reference/schemas/NAME.graphql]
    python scripts/kraken_tools.py update-schema --source https://api.octopus.energy/v1/graphql/

The source is a local file (SDL or introspection JSON) or a GraphQL endpoint, introspected with
the standard query (token from --token or $KRAKEN_TOKEN; a token the endpoint refuses is dropped and
the introspection retried anonymously). Without --source, the `schema-source` in pyproject.toml is
used. The output is sorted and deterministic, and holds facts only (no descriptions, no
deprecation reasons). When schema.graphql changes, or the operations no longer validate against
the source, what changed for the operations is printed (the drift command's report).
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from pathlib import Path

from check_schema_drift import check_drift, text_summary
from graphql import DocumentNode, GraphQLSchema
from schema_tools import (
    SchemaToolError,
    load_operations,
    load_schema,
    prune_schema,
    recorded_source,
    schema_from_text,
)

ROOT = Path(__file__).resolve().parent.parent
GENERATE_COMMAND = "python scripts/kraken_tools.py generate"


def recorded_or_configured_source(output: Path) -> str:
    """The source schema.graphql records, else the initial one named in pyproject.toml."""
    if output.exists():
        recorded = recorded_source(output.read_text(encoding="utf-8"))
        if recorded:
            return recorded
    return configured_source()


def source_label(source: str) -> str:
    """How the header names a source: URLs as given, files relative to the project root."""
    if source.startswith(("http://", "https://")):
        return source
    path = Path(source) if Path(source).is_absolute() else ROOT / source
    # abspath, not resolve: a symlinked ../shared must keep the name it was given.
    return Path(os.path.relpath(os.path.abspath(path), ROOT)).as_posix()


def configured_source() -> str:
    """The schema source named in pyproject.toml, resolved against the project root."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    source: str = config["tool"]["kraken-codegen"]["schema-source"]
    return source


def build_pruned(source: str, queries: Path, token: str | None = None) -> str:
    """The text schema.graphql should hold for this source and these operations."""
    return prune_schema(load_schema(source, token), load_operations(queries), source_label(source))


def drift_summary(previous: str, new: GraphQLSchema, operations: DocumentNode, source: str) -> str:
    """What changed for the operations between the previous schema.graphql and the new source."""
    try:
        old = schema_from_text(previous, "schema.graphql")
    except SchemaToolError as exc:
        return f"(no drift summary: the previous schema.graphql does not load: {exc})"
    report = check_drift(old, new, operations, "schema.graphql (before)", source)
    return "\n".join(text_summary(report))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kraken_tools.py update-schema", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--source", help="schema file (SDL or introspection JSON) or endpoint URL")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries")
    parser.add_argument("--output", type=Path, default=ROOT / "schema.graphql")
    parser.add_argument("--token", help="Authorization for the endpoint (default: $KRAKEN_TOKEN)")
    args = parser.parse_args(argv)
    source = args.source or recorded_or_configured_source(args.output)
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    try:
        full = load_schema(source, args.token or os.environ.get("KRAKEN_TOKEN"))
        operations = load_operations(args.queries)
    except SchemaToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        text = prune_schema(full, operations, source_label(source))
    except SchemaToolError as exc:  # the operations no longer validate: say which and why
        if previous is not None:
            print(drift_summary(previous, full, operations, source))
        print(f"error: {exc}", file=sys.stderr)
        print(
            "fix: edit the operations named above until they validate against the source, "
            "then run this command again",
            file=sys.stderr,
        )
        return 1
    if previous == text:
        print(f"{args.output.name} is up to date")
        return 0
    if previous is not None:
        print(drift_summary(previous, full, operations, source))
    args.output.write_text(text, encoding="utf-8")
    lines = text.count("\n")
    print(f"wrote {args.output.name} ({lines} lines); now run: {GENERATE_COMMAND}")
    return 0
