"""Client methods that carry their `Operation` and typed per-call options."""

from __future__ import annotations

import ast
from typing import Any, cast

from ariadne_codegen.plugins.base import Plugin
from graphql import (
    ExecutableDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
)

from ._common import (
    RUNTIME,
    _add_import,
    _call,
    _snake,
)


class ClientMethodsPlugin(Plugin):
    """Operations as `Operation` constants; methods with typed options and no `**kwargs`."""

    def __init__(self, schema: GraphQLSchema, config_dict: dict[str, Any]) -> None:
        super().__init__(schema, config_dict)
        self.texts: dict[str, str] = {}
        self.operations: list[
            tuple[str, OperationDefinitionNode, ast.arguments, ast.Dict, str]
        ] = []

    def generate_operation_str(
        self, operation_str: str, operation_definition: ExecutableDefinitionNode
    ) -> str:
        if isinstance(operation_definition, OperationDefinitionNode) and operation_definition.name:
            self.texts[operation_definition.name.value] = operation_str
        return operation_str

    def generate_client_method(
        self,
        method_def: ast.FunctionDef | ast.AsyncFunctionDef,
        operation_definition: OperationDefinitionNode,
    ) -> ast.FunctionDef | ast.AsyncFunctionDef:
        assert operation_definition.name is not None
        variables = next(
            stmt.value
            for stmt in method_def.body
            if isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == "variables"
            and isinstance(stmt.value, ast.Dict)
        )
        assert isinstance(variables, ast.Dict)
        result = ast.unparse(method_def.returns).strip("'\"") if method_def.returns else "Any"
        constant = _snake(operation_definition.name.value).upper()
        self.operations.append((constant, operation_definition, method_def.args, variables, result))
        method_def.args.kwarg = None
        method_def.args.kwonlyargs = [
            ast.arg("retry", _optional("RetryPolicy")),
            ast.arg("timeout", _optional("httpx.Timeout")),
            ast.arg("deadline", _optional("float")),
        ]
        method_def.args.kw_defaults = [ast.Constant(None)] * 3
        call = ast.Call(
            ast.Attribute(ast.Name("self"), "run_operation"),
            [ast.Name(constant), variables],
            [ast.keyword(option, ast.Name(option)) for option in ("retry", "timeout", "deadline")],
        )
        kind = operation_definition.operation.value
        doc = f"Send the {kind} `{operation_definition.name.value}` and return its result."
        method_def.body = [ast.Expr(ast.Constant(doc)), ast.Return(ast.Await(call))]
        return ast.fix_missing_locations(method_def)

    def generate_client_module(self, module: ast.Module) -> ast.Module:
        relative = {
            alias.name: stmt.module or ""
            for stmt in module.body
            if isinstance(stmt, ast.ImportFrom) and stmt.level == 1
            for alias in stmt.names
        }
        definitions: list[ast.stmt] = []
        for constant, operation, arguments, variables, result in self.operations:
            definitions += self._operation(
                constant, operation, arguments, variables, result, relative
            )
        gql = next(
            i
            for i, s in enumerate(module.body)
            if isinstance(s, ast.FunctionDef) and s.name == "gql"
        )
        module.body[gql + 1 : gql + 1] = definitions
        _add_import(module, ["Operation", "OperationTypes"], RUNTIME)
        _add_import(module, ["RetryPolicy"], "kraken_energy._retry")
        module.body.insert(0, ast.Import([ast.alias("httpx")]))
        return ast.fix_missing_locations(module)

    def _operation(
        self,
        constant: str,
        operation: OperationDefinitionNode,
        arguments: ast.arguments,
        variables: ast.Dict,
        result: str,
        relative: dict[str, str],
    ) -> list[ast.stmt]:
        assert operation.name is not None
        name = operation.name.value
        graphql_names = [cast(ast.Constant, key).value for key in variables.keys]
        python_names = [cast(ast.Name, value).id for value in variables.values]
        hints = {arg.arg: arg.annotation for arg in arguments.args if arg.arg != "self"}
        types = {
            g: _runtime_type(hints[p]) for g, p in zip(graphql_names, python_names, strict=True)
        }
        used = sorted(
            {n.id for t in types.values() for n in ast.walk(t) if isinstance(n, ast.Name)}
            & set(relative)
            | {result}
        )
        imports: list[ast.stmt] = [
            ast.ImportFrom(relative.get(n, _snake(result)), [ast.alias(n)], level=1) for n in used
        ]
        loader = ast.FunctionDef(
            name=f"_{constant.lower()}_types",
            args=ast.arguments([], [], None, [], [], None, []),
            body=[
                *imports,
                ast.Return(
                    _call(
                        "OperationTypes",
                        [
                            ast.Name(result),
                            ast.Dict([ast.Constant(g) for g in types], list(types.values())),
                        ],
                    )
                ),
            ],
            decorator_list=[],
            returns=ast.Constant(f"OperationTypes[{result}]"),
        )
        text = ast.Assign(
            [ast.Name(f"{constant}_OPERATION")],
            _call("gql", [ast.Constant(self.texts[name])]),
            lineno=0,
        )
        descriptor = ast.AnnAssign(
            ast.Name(constant),
            ast.Constant(f"Operation[{result}]"),
            _call(
                "Operation",
                [],
                name=ast.Constant(name),
                kind=ast.Constant(operation.operation.value),
                text=ast.Name(f"{constant}_OPERATION"),
                arguments=ast.Dict(
                    [ast.Constant(g) for g in graphql_names],
                    [ast.Constant(p) for p in python_names],
                ),
                load_types=ast.Name(loader.name),
            ),
            simple=1,
        )
        return [text, loader, descriptor]


def _optional(name: str) -> ast.expr:
    return ast.BinOp(ast.parse(name, mode="eval").body, ast.BitOr(), ast.Constant(None))


def _runtime_type(annotation: ast.expr | None) -> ast.expr:
    """The argument's annotation as a runtime type: `UnsetType` dropped, quotes removed."""
    assert annotation is not None
    text = ast.unparse(annotation)
    tree = ast.parse(text.replace('"', "").replace("'", ""), mode="eval").body
    if (
        isinstance(tree, ast.Subscript)
        and isinstance(tree.value, ast.Name)
        and tree.value.id == "Union"
        and isinstance(tree.slice, ast.Tuple)
    ):
        kept = [e for e in tree.slice.elts if not (isinstance(e, ast.Name) and e.id == "UnsetType")]
        return kept[0] if len(kept) == 1 else ast.Subscript(tree.value, ast.Tuple(kept))
    return tree
