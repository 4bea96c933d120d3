"""`generate` and `check`: generated/kraken_energy_gql from schema.graphql and queries/.

    python scripts/kraken_tools.py generate            # regenerate generated/kraken_energy_gql
    python scripts/kraken_tools.py check               # exit 1 if generated/ or schema.graphql
                                                       # are stale (generate --check)
    python scripts/kraken_tools.py generate --strict   # fail on a deprecated field, too

ariadne-codegen writes the package into a temporary folder, with the plugins of
scripts/codegen_plugins/ (listed in pyproject.toml) shaping it through its hooks; the result
is then compared with, or copied over, generated/kraken_energy_gql.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from ariadne_codegen.main import client as ariadne_client
from codegen_plugins import CodegenError
from graphql import GraphQLSchema
from schema_tools import (
    SchemaToolError,
    deprecated_usages,
    load_operations,
    load_schema_file,
    missing_typenames,
    recorded_source,
)
from update_schema import build_pruned

ROOT = Path(__file__).resolve().parent.parent
FIX_COMMAND = (
    "python scripts/kraken_tools.py update-schema && python scripts/kraken_tools.py generate"
)
REFERENCE_FIX_COMMAND = "python scripts/kraken_tools.py reference-schemas"
NOT_GENERATED = frozenset({"__pycache__"})
"""Names in the generated package that Python itself writes (bytecode caches): never compared,
copied or removed."""


def read_config() -> dict[str, Any]:
    """The [tool] table of pyproject.toml."""
    tool: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"
    ]
    return tool


def build_package(into: Path, root: Path = ROOT, plugins: list[str] | None = None) -> Path:
    """Generate the whole package under `into` from the project at `root`; return its folder.

    `plugins` replaces the configured list (the snapshot tests leave one out at a time).

    Raises:
        CodegenError: a plugin found a rule broken (its message names the fix).
    """
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    codegen = dict(config["tool"]["ariadne-codegen"])
    codegen.update(
        schema_path=str(root / codegen["schema_path"]),
        queries_path=str(root / codegen["queries_path"]),
        base_client_file_path=str(root / codegen["base_client_file_path"]),
        target_package_path=str(into),
    )
    if plugins is not None:
        codegen["plugins"] = plugins
    into.mkdir(parents=True, exist_ok=True)
    config["tool"]["ariadne-codegen"] = codegen
    with contextlib.redirect_stdout(io.StringIO()):  # ariadne-codegen narrates every file
        ariadne_client(config)  # type: ignore[no-untyped-call]
    package: Path = into / codegen["target_package_name"]
    return package


def generated_dir() -> Path:
    config = read_config()["ariadne-codegen"]
    target: Path = ROOT / config["target_package_path"] / config["target_package_name"]
    return target


def stale_files(built: Path, committed: Path) -> list[str]:
    """Names of files that differ between a fresh build and the committed package."""
    names = {p.name for p in built.iterdir()} | (
        {p.name for p in committed.iterdir()} if committed.exists() else set()
    )
    names -= NOT_GENERATED
    return sorted(
        name
        for name in names
        if not (built / name).is_file()
        or not (committed / name).is_file()
        or (built / name).read_bytes() != (committed / name).read_bytes()
    )


def check_schema() -> list[str]:
    """Problems with schema.graphql: stale against its configured source, or unreadable."""
    source = recorded_source((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    if source is None:
        print("stale: schema.graphql records no source")
        return ["schema.graphql"]
    if source.startswith(("http://", "https://")):
        # Checks never touch the network; the drift workflow compares with the live endpoint.
        print(f"note: schema.graphql comes from the endpoint {source}; not re-fetched here")
        return []
    if not (ROOT / source).exists():
        # Never "up to date" for what was not compared: a missing source fails the check.
        raise SchemaToolError(
            f"schema.graphql's source {source} is missing, so schema.graphql cannot be checked; "
            f"restore it (reference copies: {REFERENCE_FIX_COMMAND}) or pass another source to "
            "`python scripts/kraken_tools.py update-schema --source`"
        )
    expected = build_pruned(source, ROOT / "queries")
    if (ROOT / "schema.graphql").read_text(encoding="utf-8") != expected:
        return ["schema.graphql"]
    return []


def report_deprecations(schema: GraphQLSchema) -> int:
    usages = deprecated_usages(schema, load_operations(ROOT / "queries"))
    for line in usages:
        print(f"deprecated: {line}")
    return len(usages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kraken_tools.py generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if generated/ or schema.graphql are stale",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail when an operation uses a deprecated field, argument or value",
    )
    args = parser.parse_args(argv)
    try:
        schema = load_schema_file(ROOT / "schema.graphql")
        untyped = missing_typenames(schema, load_operations(ROOT / "queries"))
        if untyped:
            raise SchemaToolError("add __typename to these selections:\n  " + "\n  ".join(untyped))
        deprecated = report_deprecations(schema)
        with tempfile.TemporaryDirectory() as scratch:
            built = build_package(Path(scratch))
            target = generated_dir()
            if args.check:
                stale = check_schema() + [
                    f"generated/{target.name}/{name}" for name in stale_files(built, target)
                ]
                if stale:
                    print("stale: " + ", ".join(stale))
                    print(f"fix with: {FIX_COMMAND}")
                    return 1
                print(f"generated/{target.name} and schema.graphql are up to date")
            else:
                changed = copy_tree(built, target)
                print(
                    f"generated/{target.name}: "
                    + (
                        f"{len(changed)} file(s) written: {', '.join(changed)}"
                        if changed
                        else "already up to date"
                    )
                )
    except (SchemaToolError, CodegenError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.strict and deprecated:
        print(f"error: {deprecated} deprecated usage(s) and --strict was given", file=sys.stderr)
        return 1
    return 0


def copy_tree(source: Path, target: Path) -> list[str]:
    """Make `target` hold exactly the files of `source`; return the names that changed."""
    target.mkdir(parents=True, exist_ok=True)
    changed = []
    wanted = {path.name for path in source.iterdir() if path.is_file()}
    extra = (p for p in target.iterdir() if p.name not in wanted | NOT_GENERATED)
    for stale in sorted(extra):
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink()
        changed.append(stale.name)
    for name in sorted(wanted):
        data = (source / name).read_bytes()
        destination = target / name
        if not destination.exists() or destination.read_bytes() != data:
            destination.write_bytes(data)
            changed.append(name)
    return changed
