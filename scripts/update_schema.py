"""Write schema.graphql: the Kraken schema pruned to what the operations in queries/ reach.

Usage:
    python scripts/update_schema.py --source ../shared/kraken/schemas/octopus-gb-2024-11-28.graphql
    python scripts/update_schema.py --source https://api.octopus.energy/v1/graphql/ [--token T]

The source is a local file (SDL or introspection JSON) or a GraphQL endpoint, introspected with
the standard query. Without --source, the `schema-source` in pyproject.toml is used. The output is
sorted and deterministic, and holds facts only (no descriptions, no deprecation reasons).
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from pathlib import Path

import httpx
from graphql import GraphQLSchema, get_introspection_query
from schema_tools import (
    SchemaToolError,
    load_operations,
    load_schema_file,
    prune_schema,
    schema_from_text,
)

ROOT = Path(__file__).resolve().parent.parent
INTROSPECTION_TIMEOUT_SECONDS = 30.0


def configured_source() -> str:
    """The schema source named in pyproject.toml, resolved against the project root."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    source: str = config["tool"]["kraken-codegen"]["schema-source"]
    return source


def introspect(url: str, token: str | None) -> GraphQLSchema:
    """Fetch a schema from a GraphQL endpoint with the standard introspection query."""
    headers = {"Authorization": token} if token else {}
    # Ask for deprecated arguments too (they are what drift checks need); older servers refuse
    # that form, so fall back to the plain query.
    for deprecated_args in (True, False):
        query = get_introspection_query(descriptions=False, input_value_deprecation=deprecated_args)
        try:
            response = httpx.post(
                url, json={"query": query}, headers=headers, timeout=INTROSPECTION_TIMEOUT_SECONDS
            )
        except httpx.HTTPError as exc:
            raise SchemaToolError(f"{url}: unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise SchemaToolError(f"{url}: HTTP {response.status_code}, not a GraphQL endpoint?")
        try:
            body = response.json()
        except ValueError as exc:
            raise SchemaToolError(
                f"{url}: the answer is not JSON; not a GraphQL endpoint?"
            ) from exc
        if isinstance(body, dict) and body.get("data") and not body.get("errors"):
            return schema_from_text(response.text, url)
    raise SchemaToolError(f"{url}: introspection refused: {body.get('errors')!r:.300}")


def load_source(source: str, token: str | None) -> GraphQLSchema:
    """Load the full schema from a URL or a file path (relative paths from the project root)."""
    if source.startswith(("http://", "https://")):
        return introspect(source, token)
    path = Path(source)
    return load_schema_file(path if path.is_absolute() else ROOT / path)


def build_pruned(source: str, queries: Path, token: str | None = None) -> str:
    """The text schema.graphql should hold for this source and these operations."""
    return prune_schema(load_source(source, token), load_operations(queries))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", help="schema file (SDL or introspection JSON) or endpoint URL")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries")
    parser.add_argument("--output", type=Path, default=ROOT / "schema.graphql")
    parser.add_argument("--token", help="Authorization for the endpoint (default: $KRAKEN_TOKEN)")
    args = parser.parse_args(argv)
    source = args.source or configured_source()
    try:
        text = build_pruned(source, args.queries, args.token or os.environ.get("KRAKEN_TOKEN"))
    except SchemaToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if previous == text:
        print(f"{args.output.name} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    lines = text.count("\n")
    print(f"wrote {args.output.name} ({lines} lines); now run: python scripts/generate.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
