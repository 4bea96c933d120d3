"""Plugins for whole files: headers, the base client re-export, open enums, the package init."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from ariadne_codegen.plugins.base import Plugin
from graphql import (
    GraphQLEnumType,
)

from ._common import (
    ENUMS_RUNTIME,
    HEADER,
    RUNTIME,
    _add_import,
    _tool_config,
)


class HeaderPlugin(Plugin):
    """Headers on every file; the base client from the runtime; py.typed and the schema."""

    def get_file_comment(self, comment: str, code: str, source: str | None = None) -> str:
        return HEADER

    def copy_code(self, copied_code: str) -> str:
        if "class KrakenBaseClient" not in copied_code:
            return copied_code  # ariadne-codegen's base_model.py, kept as it is
        return (
            f"{HEADER}\n\n"
            '"""The base client is hand-written runtime code; this module re-exports it."""\n\n'
            f"from {RUNTIME} import KrakenBaseClient\n\n"
            '__all__ = ["KrakenBaseClient"]\n'
        )

    def generate_files(self, generated_files: list[str]) -> list[str]:
        settings = _tool_config(self.config_dict)["ariadne-codegen"]
        package = Path(settings["target_package_path"]) / settings["target_package_name"]
        (package / "py.typed").write_text("", encoding="utf-8")
        shutil.copyfile(settings["schema_path"], package / "schema.graphql")
        return [*generated_files, "py.typed", "schema.graphql"]


class OpenEnumsPlugin(Plugin):
    """Every enum derives from `OpenEnum`: unknown values are kept, not rejected.

    `OpenEnum` comes from a module of the standard library alone, so the enums module imports
    without httpx or pydantic (the `kraken` command's `--help` lists enum values).
    """

    def generate_enum(self, class_def: ast.ClassDef, enum_type: GraphQLEnumType) -> ast.ClassDef:
        class_def.bases = [ast.Name("OpenEnum")]
        return class_def

    def generate_enums_module(self, module: ast.Module) -> ast.Module:
        module.body = [
            stmt
            for stmt in module.body
            if not (isinstance(stmt, ast.ImportFrom) and stmt.module == "enum")
        ]
        _add_import(module, ["OpenEnum"], ENUMS_RUNTIME)
        return module


class PackageInitPlugin(Plugin):
    """The lazy `__init__`, typed.

    It imports nothing else: `import kraken_energy_gql.enums` loads the package `__init__` and
    the enums alone, and each model module loads the runtime it needs when it is imported.
    """

    def generate_init_module(self, module: ast.Module) -> ast.Module:
        for stmt in module.body:
            if isinstance(stmt, ast.FunctionDef) and stmt.name == "__getattr__":
                stmt.args.args[0].annotation = ast.Name("str")
                stmt.returns = ast.Name("Any")
            elif isinstance(stmt, ast.FunctionDef) and stmt.name == "__dir__":
                stmt.returns = ast.Subscript(ast.Name("list"), ast.Name("str"))
        _add_import(module, ["Any"], "typing")
        return ast.fix_missing_locations(module)
