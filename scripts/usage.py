"""The one walker: which schema coordinates a document's operations use, and where.

Pruning (`schema_tools.prune_schema`), the deprecation report (`schema_tools.deprecated_usages`)
and the drift check (`drift.check_drift`) all read an operation's reach from `walk()`, so they
cannot disagree on what an operation depends on.

A usage key names one schema coordinate:
  ("type", T)           T is used anywhere (selected, sent, or a fragment's type condition);
  ("output", T)         T is selected: a result type;
  ("input", T)          T is sent: a variable's or argument's type, or reached from one;
  ("field", T, f)       a selected field; or any field of a sent input type (a variable may
                        carry every input field);
  ("arg", T, f, a)      an argument passed to a field;
  ("value", E, V)       an enum literal written in the operation;
  ("directive", D), ("directive_arg", D, a)   a directive used, and its arguments passed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    Visitor,
    get_named_type,
    is_input_object_type,
    type_from_ast,
    visit,
)

Key = tuple[str, ...]


@dataclass
class Usage:
    """The coordinates a document uses: all of them, and where each direct use is written."""

    keys: set[Key] = field(default_factory=set)
    """Every coordinate used, including what sent input types reach."""
    where: dict[Key, set[str]] = field(default_factory=lambda: defaultdict(set))
    """A coordinate written in the document -> the definitions writing it: an operation's name
    (`?` when unnamed) or `fragment Name`."""

    def of_kind(self, kind: str) -> list[Key]:
        """The keys of one kind (e.g. "field"), sorted."""
        return sorted(key for key in self.keys if key[0] == kind)


def coordinate(key: Key) -> str:
    """A key as a schema coordinate: `T`, `T.f`, `T.f(a:)`, `E.V`, `@D`, `@D(a:)`."""
    kind, *names = key
    if kind == "arg":
        return f"{names[0]}.{names[1]}({names[2]}:)"
    if kind == "directive":
        return f"@{names[0]}"
    if kind == "directive_arg":
        return f"@{names[0]}({names[1]}:)"
    return ".".join(names)


def walk(schema: GraphQLSchema, document: DocumentNode) -> Usage:
    """Walk `document` against `schema` and return every coordinate it uses.

    Unknown names (a document that does not validate) are skipped, never guessed.
    """
    usage = Usage()
    type_info = TypeInfo(schema)
    definition = ["?"]
    fields: list[str] = []
    sent: set[str] = set()

    def use(*key: str) -> None:
        usage.keys.add(key)
        usage.where[key].add(definition[0])

    def selected(name: str) -> None:
        usage.keys.update({("type", name), ("output", name)})

    class Walker(Visitor):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
            definition[0] = node.name.value if node.name else "?"
            root = schema.get_root_type(node.operation)
            if root is not None:
                selected(root.name)

        def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: object) -> None:
            definition[0] = f"fragment {node.name.value}"
            selected(node.type_condition.name.value)

        def enter_variable_definition(self, node: VariableDefinitionNode, *_: object) -> None:
            variable_type = type_from_ast(schema, node.type)
            if variable_type is not None:
                sent.add(get_named_type(variable_type).name)

        def enter_field(self, node: FieldNode, *_: object) -> None:
            fields.append(node.name.value)
            parent, found = type_info.get_parent_type(), type_info.get_field_def()
            if parent is None or found is None or node.name.value.startswith("__"):
                return
            selected(parent.name)
            selected(get_named_type(found.type).name)
            use("field", parent.name, node.name.value)

        def leave_field(self, *_: object) -> None:
            fields.pop()

        def enter_argument(self, node: ArgumentNode, *_: object) -> None:
            argument, directive = type_info.get_argument(), type_info.get_directive()
            if argument is None:
                return
            sent.add(get_named_type(argument.type).name)
            parent = type_info.get_parent_type()
            if directive is not None:
                use("directive_arg", directive.name, node.name.value)
            elif parent is not None and fields:
                use("arg", parent.name, fields[-1], node.name.value)

        def enter_directive(self, node: DirectiveNode, *_: object) -> None:
            use("directive", node.name.value)

        def enter_enum_value(self, node: EnumValueNode, *_: object) -> None:
            enum = get_named_type(type_info.get_input_type())
            if enum is not None:
                use("value", enum.name, node.value)

        def enter_inline_fragment(self, node: InlineFragmentNode, *_: object) -> None:
            if node.type_condition is not None:
                selected(node.type_condition.name.value)

    visit(document, TypeInfoVisitor(type_info, Walker()))
    _reach_inputs(schema, sent, usage.keys)
    return usage


def _reach_inputs(schema: GraphQLSchema, sent: set[str], keys: set[Key]) -> None:
    """Every type a sent input type reaches is sent too, with every field it has."""
    pending = sorted(sent)
    while pending:
        name = pending.pop()
        keys.update({("type", name), ("input", name)})
        named = schema.get_type(name)
        if is_input_object_type(named):
            for field_name, input_field in named.fields.items():  # type: ignore[union-attr]
                keys.add(("field", name, field_name))
                inner = get_named_type(input_field.type).name
                if ("input", inner) not in keys and inner not in pending:
                    pending.append(inner)
