"""Short class names: a name over the limit fails generation, naming a fragment as the fix."""

from __future__ import annotations

import ast
from typing import Any

from ariadne_codegen.plugins.base import Plugin
from graphql import (
    ExecutableDefinitionNode,
    FragmentDefinitionNode,
    GraphQLSchema,
)

from ._common import (
    CodegenError,
    _tool_config,
)


class ClassNamesPlugin(Plugin):
    """Fail generation on a class name longer than the limit, naming the fix."""

    def __init__(self, schema: GraphQLSchema, config_dict: dict[str, Any]) -> None:
        super().__init__(schema, config_dict)
        self.limit = int(
            _tool_config(config_dict).get("kraken-codegen", {}).get("max-class-name", 40)
        )
        self.seen: dict[str, str] = {}

    def generate_fragments_module(
        self, module: ast.Module, fragments_definitions: dict[str, FragmentDefinitionNode]
    ) -> ast.Module:
        self._check(module, "the fragments in queries/")
        return module

    def generate_result_types_module(
        self, module: ast.Module, operation_definition: ExecutableDefinitionNode
    ) -> ast.Module:
        name = operation_definition.name.value if operation_definition.name else "?"
        self._check(module, f"operation {name}")
        return module

    def _check(self, module: ast.Module, where: str) -> None:
        names = [s.name for s in module.body if isinstance(s, ast.ClassDef)] + [
            t.id
            for s in module.body
            if isinstance(s, ast.Assign)
            for t in s.targets
            if isinstance(t, ast.Name) and t.id[:1].isupper() and t.id != "__all__"
        ]
        twice = sorted({n for n in names if names.count(n) > 1 or self.seen.get(n, where) != where})
        if twice:
            raise CodegenError(
                f"class names generated twice ({where}): {', '.join(twice)}; a fragment name "
                "probably equals a path-built name (fragment + field): rename the fragment in "
                "queries/"
            )
        self.seen.update(dict.fromkeys(names, where))
        too_long = sorted(n for n in names if len(n) > self.limit)
        if too_long:
            lines = "\n".join(f"  {n} ({len(n)} characters)" for n in too_long)
            raise CodegenError(
                f"{len(too_long)} class name(s) in {where} exceed {self.limit} characters:\n"
                f"{lines}\nClasses are named after their path from the nearest operation or "
                "named fragment. Shorten the path with a named fragment in queries/: move the "
                "selection of one of the fields along the path into `fragment Short on "
                "<its type> { ... }` and spread it there (`...Short`)."
            )
