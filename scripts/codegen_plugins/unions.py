"""Tolerant `__typename` unions: a fallback member keeps a type the schema did not know."""

from __future__ import annotations

import ast
from typing import Any, cast

from ariadne_codegen.plugins.base import Plugin
from graphql import (
    ExecutableDefinitionNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    is_object_type,
)

from ._common import (
    RUNTIME,
    TYPENAME,
    _add_import,
    _annotated,
    _call,
    _class_name,
    _is_typename_union,
    _literal_values,
    _snake,
    _typename_field,
)


class TolerantUnionsPlugin(Plugin):
    """`__typename` unions keep members the schema did not know, in a fallback member."""

    def __init__(self, schema: GraphQLSchema, config_dict: dict[str, Any]) -> None:
        super().__init__(schema, config_dict)
        self.synthesised: list[tuple[str, str]] = []
        """(module, class) of each fallback class made here, for the package `__init__`."""

    def generate_fragments_module(
        self, module: ast.Module, fragments_definitions: dict[str, FragmentDefinitionNode]
    ) -> ast.Module:
        return self._rewrite(module, "fragments")

    def generate_result_types_module(
        self, module: ast.Module, operation_definition: ExecutableDefinitionNode
    ) -> ast.Module:
        name = operation_definition.name.value if operation_definition.name else ""
        return self._rewrite(module, _snake(name))

    def generate_init_module(self, module: ast.Module) -> ast.Module:
        lazy = next(
            (
                stmt.value
                for stmt in module.body
                if isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id == "_LAZY_IMPORTS" for t in stmt.targets)
            ),
            None,
        )
        checking = next(
            (
                s
                for s in module.body
                if isinstance(s, ast.If) and ast.unparse(s.test) == "TYPE_CHECKING"
            ),
            None,
        )
        exported = next(
            stmt.value
            for stmt in module.body
            if isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets)
        )
        for source, name in sorted(self.synthesised):
            if lazy is None or checking is None:
                _add_import(module, [name], source, level=1)
            else:
                lazy.keys.append(ast.Constant(name))
                lazy.values.append(ast.Constant(f".{source}"))
                checking.body.append(ast.ImportFrom(source, [ast.alias(name)], level=1))
            assert isinstance(exported, ast.List)
            exported.elts.append(ast.Constant(name))
            exported.elts.sort(key=lambda elt: str(getattr(elt, "value", "")))
        return ast.fix_missing_locations(module)

    def _rewrite(self, module: ast.Module, module_name: str) -> ast.Module:
        classes = {stmt.name: stmt for stmt in module.body if isinstance(stmt, ast.ClassDef)}
        added: list[tuple[int, ast.ClassDef]] = []
        for index, owner in enumerate(list(module.body)):
            if not isinstance(owner, ast.ClassDef):
                continue
            for field in owner.body:
                if not (isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)):
                    continue
                rewriter = _UnionRewriter(self.schema, classes, owner.name, field.target.id)
                field.annotation = rewriter.visit(field.annotation)
                for new in rewriter.new_classes:
                    added.append((index, new))
                    self.synthesised.append((module_name, new.name))
        for index, new in reversed(added):  # right after the class that refers to it
            module.body.insert(index + 1, new)
        if any(
            TYPENAME in ast.unparse(c) and "not_typename" in ast.unparse(c)
            for c in classes.values()
        ):
            _add_import(module, ["not_typename"], RUNTIME)
        return ast.fix_missing_locations(module)


class _UnionRewriter(ast.NodeTransformer):
    """Rewrites the `__typename` unions of one field's annotation."""

    def __init__(
        self, schema: GraphQLSchema, classes: dict[str, ast.ClassDef], owner: str, field: str
    ) -> None:
        self.schema = schema
        self.classes = classes
        self.owner = owner
        self.field = field
        self.new_classes: list[ast.ClassDef] = []

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        self.generic_visit(node)
        if not _is_typename_union(node):
            return node
        union = cast(ast.Tuple, node.slice).elts[0]
        assert isinstance(union, ast.Subscript) and isinstance(union.slice, ast.Tuple)
        members = [_class_name(e) for e in union.slice.elts]
        known: list[str] = []
        known_members: list[ast.expr] = []
        fallback: str | None = None
        for member in members:
            names = _literal_values(
                getattr(_typename_field(self.classes[member]), "annotation", None)
            )
            if len(names) == 1 and is_object_type(self.schema.get_type(names[0])):
                known.append(names[0])
                known_members.append(ast.Constant(member))
            else:
                fallback = member  # the abstract type's own member: any other name lands here
        if fallback is None:
            fallback = self._synthesise_fallback(members)
        typename = _typename_field(self.classes[fallback])
        assert typename is not None
        # Any name but the known ones: a known member with broken data must fail, not fall back.
        typename.annotation = _annotated(
            ast.Name("str"), _call("not_typename", [ast.Constant(n) for n in known])
        )
        first: ast.expr = (
            known_members[0]
            if len(known_members) == 1
            else _annotated(
                ast.Subscript(ast.Name("Union"), ast.Tuple(known_members)),
                _call("Field", [], discriminator=ast.Constant(TYPENAME)),
            )
        )
        # Known members by pydantic's own tag lookup (fast, in Rust), then the fallback.
        return _annotated(
            ast.Subscript(ast.Name("Union"), ast.Tuple([first, ast.Constant(fallback)])),
            _call("Field", [], union_mode=ast.Constant("left_to_right")),
        )

    def _synthesise_fallback(self, members: list[str]) -> str:
        """A class for members the schema did not list: the fields every known member shares."""
        bodies = [self.classes[m] for m in members]
        common = set.intersection(*({ast.dump(s) for s in body.body} for body in bodies))
        shared = [
            stmt
            for stmt in bodies[0].body
            if isinstance(stmt, ast.AnnAssign)
            and ast.dump(stmt) in common
            and not (isinstance(stmt.target, ast.Name) and stmt.target.id == TYPENAME)
        ]
        typename = _typename_field(bodies[0])
        assert typename is not None
        widened = ast.AnnAssign(typename.target, ast.Name("str"), typename.value, simple=1)
        same_bases = all(
            ast.dump(ast.Tuple(b.bases)) == ast.dump(ast.Tuple(bodies[0].bases)) for b in bodies
        )
        name = f"{self.owner}{self.field.title().replace('_', '')}Other"
        new = ast.ClassDef(
            name=name,
            bases=bodies[0].bases if same_bases else [ast.Name("BaseModel")],
            keywords=[],
            body=[widened, *shared],
            decorator_list=[],
        )
        self.new_classes.append(new)
        self.classes[name] = new
        return name
