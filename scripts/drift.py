"""Which operations a schema change touches: graphql-core's changes, scoped to their use.

check_drift() walks each operation (with the fragments it spreads) against the old schema to find
the coordinates it uses (types, fields, arguments passed, input fields it can send, enum values),
maps every breaking and dangerous change to a coordinate, validates every operation against the
new schema, and reports additions the forward-compatible models absorb and new deprecations.
`kraken_tools.py drift` prints the report; `kraken_tools.py update-schema` summarises it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from graphql import (
    ArgumentNode,
    BreakingChange,
    DangerousChange,
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
    find_breaking_changes,
    find_dangerous_changes,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_required_argument,
    type_from_ast,
    visit,
)
from schema_tools import (
    operation_documents,
    validation_errors,
)

ROOT = Path(__file__).resolve().parent.parent
ADOPT_COMMAND = (
    "python scripts/kraken_tools.py update-schema --source {new} && "
    "python scripts/kraken_tools.py generate"
)

# A usage key names one schema coordinate an operation depends on:
#   ("type", T)  T is used anywhere;  ("output", T)  T is selected (a result type);
#   ("input", T)  T is sent;  ("field", T, f)  a selected field, or any field of a sent input type
#   (a variable may carry every input field);  ("arg", T, f, a)  an argument passed;
#   ("value", E, V)  an enum literal;  ("directive", D), ("directive_arg", D, a).
Key = tuple[str, ...]

# Each graphql-core change kind: the pattern of its description, how to print the coordinate,
# and which usage keys make an operation depend on it. Names never hold spaces or dots, so the
# patterns are anchored and exact; a description no pattern matches is reported, never dropped.
# fmt: off
_N = r"([_A-Za-z][_0-9A-Za-z]*)"
_T = r".+"
_RULES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "TYPE_REMOVED": (
        rf"(?:Standard scalar )?{_N} was removed(?: because it is not referenced anymore)?\.",
        "{0}", ("type:{0}",)),
    "TYPE_CHANGED_KIND": (rf"{_N} changed from {_T} to {_T}\.", "{0}", ("type:{0}",)),
    "TYPE_REMOVED_FROM_UNION": (
        rf"{_N} was removed from union type {_N}\.", "{1}", ("output:{1}",)),
    "VALUE_REMOVED_FROM_ENUM": (
        rf"{_N} was removed from enum type {_N}\.", "{1}.{0}", ("type:{1}",)),
    "REQUIRED_INPUT_FIELD_ADDED": (
        rf"A required field {_N} on input type {_N} was added\.", "{1}.{0}", ("type:{1}",)),
    "IMPLEMENTED_INTERFACE_REMOVED": (
        rf"{_N} no longer implements interface {_N}\.", "{1}", ("output:{1}",)),
    "FIELD_REMOVED": (rf"{_N}\.{_N} was removed\.", "{0}.{1}", ("field:{0}:{1}",)),
    "FIELD_CHANGED_KIND": (
        rf"{_N}\.{_N} changed type from {_T} to {_T}\.", "{0}.{1}", ("field:{0}:{1}",)),
    "REQUIRED_ARG_ADDED": (
        rf"A required arg {_N} on {_N}\.{_N} was added\.", "{1}.{2}({0}:)", ("field:{1}:{2}",)),
    "ARG_REMOVED": (
        rf"{_N}\.{_N} arg {_N} was removed\.", "{0}.{1}({2}:)", ("arg:{0}:{1}:{2}",)),
    "ARG_CHANGED_KIND": (
        rf"{_N}\.{_N} arg {_N} has changed type from {_T} to {_T}\.", "{0}.{1}({2}:)",
        ("arg:{0}:{1}:{2}",)),
    "DIRECTIVE_REMOVED": (rf"{_N} was removed\.", "@{0}", ("directive:{0}",)),
    "DIRECTIVE_ARG_REMOVED": (
        rf"{_N} was removed from {_N}\.", "@{1}({0}:)", ("directive_arg:{1}:{0}",)),
    "REQUIRED_DIRECTIVE_ARG_ADDED": (
        rf"A required arg {_N} on directive {_N} was added\.", "@{1}({0}:)", ("directive:{1}",)),
    "DIRECTIVE_REPEATABLE_REMOVED": (
        rf"Repeatable flag was removed from {_N}\.", "@{0}", ("directive:{0}",)),
    "DIRECTIVE_LOCATION_REMOVED": (
        rf"{_N} was removed from {_N}\.", "@{1}", ("directive:{1}",)),
    "VALUE_ADDED_TO_ENUM": (rf"{_N} was added to enum type {_N}\.", "{1}.{0}", ("type:{1}",)),
    "TYPE_ADDED_TO_UNION": (rf"{_N} was added to union type {_N}\.", "{1}", ("output:{1}",)),
    "OPTIONAL_INPUT_FIELD_ADDED": (
        rf"An optional field {_N} on input type {_N} was added\.", "{1}.{0}",
        ("field:{1}:{0}",)),
    "OPTIONAL_ARG_ADDED": (
        rf"An optional arg {_N} on {_N}\.{_N} was added\.", "{1}.{2}({0}:)",
        ("arg:{1}:{2}:{0}",)),
    "IMPLEMENTED_INTERFACE_ADDED": (
        rf"{_N} added to interfaces implemented by {_N}\.", "{0}", ("output:{0}",)),
    "ARG_DEFAULT_VALUE_CHANGE": (
        rf"{_N}\.{_N} arg {_N} (?:defaultValue was removed|has changed defaultValue from {_T}"
        rf" to {_T})\.", "{0}.{1}({2}:)", ("field:{0}:{1}",)),
}
# fmt: on
# Additions the generated models absorb when the operation receives them (a result type):
# enums are open (unknown values kept) and abstract types have a fallback member.
_HANDLED_WHEN_SELECTED = {
    "VALUE_ADDED_TO_ENUM",
    "TYPE_ADDED_TO_UNION",
    "IMPLEMENTED_INTERFACE_ADDED",
}
SEVERITIES = ("breaking", "dangerous", "deprecated", "handled")
STATUS = {"breaking": "broken"}  # an operation's status is its worst severity, so named


@dataclass(frozen=True)
class Change:
    """One graphql-core change, with the coordinate it touches (None: could not be scoped)."""

    kind: str
    breaking: bool
    description: str
    coordinate: str | None
    keys: tuple[Key, ...] = ()


def scope_change(change: BreakingChange | DangerousChange, new: GraphQLSchema) -> Change:
    """Attach to `change` its coordinate and the usage keys that make an operation depend on it."""
    kind, breaking = change.type.name, isinstance(change, BreakingChange)
    rule = _RULES.get(kind)
    match = re.fullmatch(rule[0], change.description) if rule else None
    if rule is None or match is None:
        return Change(kind, breaking, change.description, None)
    names = match.groups()
    keys = [tuple(template.format(*names).split(":")) for template in rule[2]]
    if kind == "ARG_CHANGED_KIND" and _now_required(new, *names):
        keys.append(("field", names[0], names[1]))  # an argument not passed is now missing
    return Change(kind, breaking, change.description, rule[1].format(*names), tuple(keys))


def _now_required(new: GraphQLSchema, type_name: str, field_name: str, arg: str) -> bool:
    fields = getattr(new.get_type(type_name), "fields", {})
    argument = fields[field_name].args.get(arg) if field_name in fields else None
    return argument is not None and is_required_argument(argument)


def operation_usage(schema: GraphQLSchema, document: DocumentNode) -> set[Key]:
    """Every coordinate of `schema` that `document` (one operation and its fragments) uses."""
    keys: set[Key] = set()
    sent: set[str] = set()
    type_info = TypeInfo(schema)
    fields: list[str] = []

    def selected(name: str) -> None:
        keys.update({("type", name), ("output", name)})

    class Collector(Visitor):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
            root = schema.get_root_type(node.operation)
            if root is not None:
                selected(root.name)

        def enter_variable_definition(self, node: VariableDefinitionNode, *_: object) -> None:
            variable_type = type_from_ast(schema, node.type)
            if variable_type is not None:
                sent.add(get_named_type(variable_type).name)

        def enter_field(self, node: FieldNode, *_: object) -> None:
            fields.append(node.name.value)
            parent, definition = type_info.get_parent_type(), type_info.get_field_def()
            if parent is None or definition is None or node.name.value.startswith("__"):
                return
            selected(parent.name)
            selected(get_named_type(definition.type).name)
            keys.add(("field", parent.name, node.name.value))

        def leave_field(self, *_: object) -> None:
            fields.pop()

        def enter_argument(self, node: ArgumentNode, *_: object) -> None:
            argument, directive = type_info.get_argument(), type_info.get_directive()
            if argument is None:
                return
            sent.add(get_named_type(argument.type).name)
            parent = type_info.get_parent_type()
            if directive is not None:
                keys.add(("directive_arg", directive.name, node.name.value))
            elif parent is not None and fields:
                keys.add(("arg", parent.name, fields[-1], node.name.value))

        def enter_directive(self, node: DirectiveNode, *_: object) -> None:
            keys.add(("directive", node.name.value))

        def enter_enum_value(self, node: EnumValueNode, *_: object) -> None:
            enum = get_named_type(type_info.get_input_type())
            if enum is not None:
                keys.add(("value", enum.name, node.value))

        def enter_inline_fragment(self, node: InlineFragmentNode, *_: object) -> None:
            if node.type_condition is not None:
                selected(node.type_condition.name.value)

        def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: object) -> None:
            selected(node.type_condition.name.value)

    visit(document, TypeInfoVisitor(type_info, Collector()))
    pending = sorted(sent)
    while pending:  # every type a sent input type reaches is sent too
        name = pending.pop()
        keys.update({("type", name), ("input", name)})
        named = schema.get_type(name)
        if is_input_object_type(named):
            for field_name, input_field in named.fields.items():  # type: ignore[union-attr]
                keys.add(("field", name, field_name))
                inner = get_named_type(input_field.type).name
                if ("input", inner) not in keys and inner not in pending:
                    pending.append(inner)
    return keys


@dataclass(frozen=True)
class Finding:
    """How one change or check touches one operation."""

    severity: str  # one of SEVERITIES
    coordinate: str
    reason: str
    kind: str


@dataclass
class OperationReport:
    """What the new schema does to one operation."""

    name: str
    file: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The worst severity among the findings: broken, dangerous, ... or unaffected."""
        for severity in SEVERITIES:
            if any(finding.severity == severity for finding in self.findings):
                return STATUS.get(severity, severity)
        return "unaffected"


@dataclass
class DriftReport:
    """The scoped drift between two schemas for a set of operations."""

    old: str
    new: str
    operations: list[OperationReport]
    elsewhere: list[Change]
    unscoped: list[Change]
    total_breaking: int
    total_dangerous: int

    def count(self, status: str) -> int:
        """How many operations have this status."""
        return sum(op.status == status for op in self.operations)

    def exit_code(self, strict: bool = False) -> int:
        """1 when an operation breaks (or, strictly, meets a dangerous change or deprecation)."""
        failing = {"broken", "dangerous", "deprecated"} if strict else {"broken"}
        unscoped = any(change.breaking or strict for change in self.unscoped)
        return int(unscoped or any(op.status in failing for op in self.operations))


def check_drift(
    old: GraphQLSchema, new: GraphQLSchema, document: DocumentNode, old_name: str, new_name: str
) -> DriftReport:
    """Scope the changes from `old` to `new` to the operations in `document`."""
    raw: list[BreakingChange | DangerousChange] = [
        *find_breaking_changes(old, new),
        *find_dangerous_changes(old, new),
    ]
    changes = [scope_change(change, new) for change in raw]
    touched: set[int] = set()
    reports = []
    for name, op_document in operation_documents(document).items():
        keys = operation_usage(old, op_document)
        loc = op_document.definitions[0].loc
        report = OperationReport(name, display(loc.source.name) if loc else "?")
        for index, change in enumerate(changes):
            if change.coordinate is not None and keys.intersection(change.keys):
                touched.add(index)
                report.findings.append(_finding(change, keys))
        report.findings += _new_members(old, new, keys) + _new_deprecations(old, new, keys)
        kind = op_document.definitions[0].operation  # type: ignore[attr-defined]
        if new.get_root_type(kind) is None:  # graphql-core compares types, not schema roots
            reason = f"NEW has no {kind.value} root type, so no {kind.value} can run."
            report.findings.append(Finding("breaking", kind.value, reason, "ROOT_TYPE_REMOVED"))
        for error in validation_errors(new, op_document):
            report.findings.append(Finding("breaking", "(validation)", error, "INVALID_ON_NEW"))
        report.notes += [
            f"does not validate against OLD, so its scope may be incomplete: {e}"
            for e in validation_errors(old, op_document)
        ]
        reports.append(report)
    return DriftReport(
        old_name,
        new_name,
        reports,
        elsewhere=[c for i, c in enumerate(changes) if c.coordinate and i not in touched],
        unscoped=[change for change in changes if change.coordinate is None],
        total_breaking=sum(change.breaking for change in changes),
        total_dangerous=sum(not change.breaking for change in changes),
    )


def _finding(change: Change, keys: set[Key]) -> Finding:
    assert change.coordinate is not None
    if change.breaking:
        return Finding("breaking", change.coordinate, change.description, change.kind)
    if change.kind in _HANDLED_WHEN_SELECTED:
        target = change.keys[0][1]
        if ("output", target) in keys:
            enum = change.kind == "VALUE_ADDED_TO_ENUM"
            model = "open enum keeps" if enum else "fallback member takes"
            reason = f"{change.description} Handled: the generated {model} it."
            return Finding("handled", change.coordinate, reason, change.kind)
        reason = f"{change.description} Not handled: {target} is only sent, never received."
        return Finding("dangerous", change.coordinate, reason, change.kind)
    return Finding("dangerous", change.coordinate, change.description, change.kind)


def _new_members(old: GraphQLSchema, new: GraphQLSchema, keys: set[Key]) -> list[Finding]:
    """New types implementing a selected interface (graphql-core lists only existing types)."""
    found = []
    for _, name in sorted(key for key in keys if key[0] == "output"):
        new_type = new.get_type(name)
        if is_interface_type(old.get_type(name)) and is_interface_type(new_type):
            for member in new.get_possible_types(new_type):  # type: ignore[arg-type]
                if member.name not in old.type_map:
                    reason = (
                        f"New type {member.name} implements {name}. Handled: the "
                        "generated fallback member takes it."
                    )
                    found.append(Finding("handled", name, reason, "NEW_IMPLEMENTATION"))
    return found


def _new_deprecations(old: GraphQLSchema, new: GraphQLSchema, keys: set[Key]) -> list[Finding]:
    """Used fields, arguments and enum literals deprecated in `new` but not in `old`."""
    found = []
    for key in sorted(keys):
        if key[0] not in ("field", "arg", "value"):
            continue
        before, after = _deprecation(old, key), _deprecation(new, key)
        if before is None and after is not None:
            coordinate = ".".join(key[1:3]) + (f"({key[3]}:)" if key[0] == "arg" else "")
            found.append(
                Finding("deprecated", coordinate, f"Newly deprecated: {after}", "NEWLY_DEPRECATED")
            )
    return found


def _deprecation(schema: GraphQLSchema, key: Key) -> str | None:
    named = schema.get_type(key[1])
    if key[0] == "value":
        value = named.values.get(key[2]) if is_enum_type(named) else None  # type: ignore[union-attr]
        return value.deprecation_reason if value else None
    member = getattr(named, "fields", {}).get(key[2])
    if member is not None and key[0] == "arg":
        member = member.args.get(key[3])
    return getattr(member, "deprecation_reason", None)


def display(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path
