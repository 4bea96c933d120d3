"""The project's maintenance tool: one entry point for code generation and schema checks.

    python scripts/kraken_tools.py generate [--strict]   regenerate generated/kraken_energy_gql
    python scripts/kraken_tools.py check [--strict]      exit 1 if generated/ or schema.graphql
                                                         are stale (changes nothing)
    python scripts/kraken_tools.py update-schema [--source S] [--token T]
                                                         prune a full schema into schema.graphql
    python scripts/kraken_tools.py drift --new NEW [--old OLD] [--format text|json|markdown]
                                                         which operations a new schema breaks
    python scripts/kraken_tools.py compat --schemas DIR  every operation against every schema
    python scripts/kraken_tools.py reference-schemas [--from DIR] [--check]
                                                         facts-only copies in reference/schemas

`COMMAND --help` describes each. Schema sources are files (SDL or introspection JSON) or
endpoint URLs; a relative file path is resolved against the project root, whatever the working
directory. Exit status: 0 when all is well, 1 when the check fails, 2 when it cannot run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the modules below live beside this


def _commands() -> dict[str, Callable[[list[str]], int]]:
    import check_compat
    import check_schema_drift
    import generate
    import reference_schemas
    import update_schema

    return {
        "generate": generate.main,
        "check": lambda argv: generate.main(["--check", *argv]),
        "update-schema": update_schema.main,
        "drift": check_schema_drift.main,
        "compat": check_compat.main,
        "reference-schemas": reference_schemas.main,
    }


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if not arguments or arguments[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if arguments else 2
    commands = _commands()
    command = commands.get(arguments[0])
    if command is None:
        print(f"unknown command {arguments[0]!r}; one of: {', '.join(commands)}", file=sys.stderr)
        return 2
    return command(arguments[1:])


if __name__ == "__main__":
    sys.exit(main())
