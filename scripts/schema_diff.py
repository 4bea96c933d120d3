"""What changed at each schema coordinate between two schemas, looked up in both.

`changes_at(old, new, key)` compares the definitions one usage key (see usage.py) names in the
old and the new schema, and returns the changes an operation using that coordinate depends on:
the same kinds, breaking or dangerous, that graphql-core's `find_breaking_changes` and
`find_dangerous_changes` report, judged by graphql-core's own safety rules for type changes.
Coordinates come from the schemas' definitions, never from the changes' English descriptions;
the descriptions are written here, in graphql-core's wording, for people.

`diff(old, new)` is the same lookup over every coordinate of either schema: drift.py counts what
no operation uses from it, and checks its counts per kind against graphql-core's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from graphql import (
    GraphQLArgument,
    GraphQLDirective,
    GraphQLField,
    GraphQLInputField,
    GraphQLNamedType,
    GraphQLSchema,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_object_type,
    is_required_argument,
    is_required_input_field,
    is_specified_scalar_type,
    is_union_type,
)
from graphql.pyutils import Undefined

# graphql-core's own judgement of which type changes are safe, and its printing of values and
# kinds: public functions of its find_breaking_changes module, not re-exported at top level.
from graphql.utilities.find_breaking_changes import (
    is_change_safe_for_input_object_field_or_field_arg,
    is_change_safe_for_object_or_interface_field,
    stringify_value,
    type_kind_name,
)
from usage import Key, coordinate

# Which usage key each kind of change is looked up under; an operation using that coordinate
# depends on the change. ARG_CHANGED_KIND that makes an argument required is also found under
# its field: an operation not passing the argument breaks too.
LOOKED_UP_UNDER: dict[str, str] = {
    "TYPE_REMOVED": "type",
    "TYPE_CHANGED_KIND": "type",
    "VALUE_REMOVED_FROM_ENUM": "type",
    "VALUE_ADDED_TO_ENUM": "type",
    "REQUIRED_INPUT_FIELD_ADDED": "type",
    "TYPE_REMOVED_FROM_UNION": "output",
    "TYPE_ADDED_TO_UNION": "output",
    "IMPLEMENTED_INTERFACE_REMOVED": "output",  # under the interface: its selections break
    "IMPLEMENTED_INTERFACE_ADDED": "output",
    "FIELD_REMOVED": "field",
    "FIELD_CHANGED_KIND": "field",
    "REQUIRED_ARG_ADDED": "field",
    "ARG_DEFAULT_VALUE_CHANGE": "field",  # the default applies when the argument is not passed
    "OPTIONAL_INPUT_FIELD_ADDED": "field",  # under the new field, which no operation uses yet
    "ARG_REMOVED": "arg",
    "ARG_CHANGED_KIND": "arg",
    "OPTIONAL_ARG_ADDED": "arg",  # under the new argument, which no operation passes yet
    "DIRECTIVE_REMOVED": "directive",
    "REQUIRED_DIRECTIVE_ARG_ADDED": "directive",
    "DIRECTIVE_REPEATABLE_REMOVED": "directive",
    "DIRECTIVE_LOCATION_REMOVED": "directive",
    "DIRECTIVE_ARG_REMOVED": "directive_arg",
}
DANGEROUS = {
    "VALUE_ADDED_TO_ENUM",
    "TYPE_ADDED_TO_UNION",
    "OPTIONAL_INPUT_FIELD_ADDED",
    "OPTIONAL_ARG_ADDED",
    "IMPLEMENTED_INTERFACE_ADDED",
    "ARG_DEFAULT_VALUE_CHANGE",
}


@dataclass(frozen=True)
class Change:
    """One change at one coordinate; `target` is the type an addition reaches (enum, union)."""

    kind: str
    description: str
    coordinate: str | None  # None: a graphql-core change the lookup could not place
    target: str = ""

    @property
    def breaking(self) -> bool:
        """Whether graphql-core counts this kind as breaking (else dangerous)."""
        return self.kind not in DANGEROUS


def changes_at(old: GraphQLSchema, new: GraphQLSchema, key: Key) -> list[Change]:
    """The changes from `old` to `new` that an operation using coordinate `key` depends on."""
    kind = key[0]
    if kind == "type":
        return _type_changes(old, new, key[1])
    if kind == "output":
        return _member_changes(old, new, key[1])
    if kind == "field":
        return _field_changes(old, new, key[1], key[2])
    if kind == "arg":
        return _arg_changes(old, new, *key[1:4])
    if kind == "directive":
        return _directive_changes(old, new, key[1])
    if kind == "directive_arg":
        removed = _directive_args(old, key[1]).keys() - _directive_args(new, key[1]).keys()
        if key[2] in removed and new.get_directive(key[1]) is not None:
            return [
                Change(
                    "DIRECTIVE_ARG_REMOVED", f"{key[2]} was removed from {key[1]}.", coordinate(key)
                )
            ]
    return []


def diff(old: GraphQLSchema, new: GraphQLSchema) -> list[Change]:
    """Every change between the schemas: breaking first, each once, in the schemas' order."""
    keys = dict.fromkeys(_every_key(old, new))
    found = dict.fromkeys(change for key in keys for change in changes_at(old, new, key))
    return sorted(found, key=lambda change: not change.breaking)


def _every_key(old: GraphQLSchema, new: GraphQLSchema) -> Iterator[Key]:
    for schema in (old, new):
        for name, named in schema.type_map.items():
            yield from (("type", name), ("output", name))
            for field_name, member in getattr(named, "fields", {}).items():
                yield "field", name, field_name
                for arg_name in getattr(member, "args", {}):
                    yield "arg", name, field_name, arg_name
        for directive in schema.directives:
            yield "directive", directive.name
            yield from (("directive_arg", directive.name, arg) for arg in directive.args)


def _same_kind(
    old: GraphQLSchema, new: GraphQLSchema, name: str
) -> tuple[GraphQLNamedType, GraphQLNamedType] | None:
    """The type in both schemas when it kept its kind (graphql-core compares nothing else)."""
    before, after = old.get_type(name), new.get_type(name)
    if before is None or after is None or before.__class__ is not after.__class__:
        return None
    return before, after


def _type_changes(old: GraphQLSchema, new: GraphQLSchema, name: str) -> list[Change]:
    before, after = old.get_type(name), new.get_type(name)
    if before is None:
        return []
    if after is None:
        text = (
            f"Standard scalar {name} was removed because it is not referenced anymore."
            if is_specified_scalar_type(before)
            else f"{name} was removed."
        )
        return [Change("TYPE_REMOVED", text, name)]
    if before.__class__ is not after.__class__:
        text = f"{name} changed from {type_kind_name(before)} to {type_kind_name(after)}."
        return [Change("TYPE_CHANGED_KIND", text, name)]
    found = []
    if is_enum_type(before):
        old_values, new_values = before.values, after.values  # type: ignore[attr-defined]
        found += [
            Change(
                "VALUE_ADDED_TO_ENUM",
                f"{value} was added to enum type {name}.",
                f"{name}.{value}",
                name,
            )
            for value in new_values
            if value not in old_values
        ]
        found += [
            Change(
                "VALUE_REMOVED_FROM_ENUM",
                f"{value} was removed from enum type {name}.",
                f"{name}.{value}",
            )
            for value in old_values
            if value not in new_values
        ]
    if is_input_object_type(before):
        found += [
            Change(
                "REQUIRED_INPUT_FIELD_ADDED",
                f"A required field {field_name} on input type {name} was added.",
                f"{name}.{field_name}",
            )
            for field_name, member in after.fields.items()  # type: ignore[attr-defined]
            if field_name not in before.fields and is_required_input_field(member)  # type: ignore[attr-defined]
        ]
    return found


def _member_changes(old: GraphQLSchema, new: GraphQLSchema, name: str) -> list[Change]:
    """Union members and interface implementations gained or lost by the type `name`."""
    before, after = old.get_type(name), new.get_type(name)
    if is_union_type(before) and is_union_type(after):
        old_members = [m.name for m in before.types]  # type: ignore[union-attr]
        new_members = [m.name for m in after.types]  # type: ignore[union-attr]
        return [
            Change("TYPE_ADDED_TO_UNION", f"{member} was added to union type {name}.", name, name)
            for member in new_members
            if member not in old_members
        ] + [
            Change("TYPE_REMOVED_FROM_UNION", f"{member} was removed from union type {name}.", name)
            for member in old_members
            if member not in new_members
        ]
    found = []
    implementers = _implementers(old, name) | _implementers(new, name)
    for member in sorted(implementers):
        if _same_kind(old, new, member) is None:
            continue  # a type new or gone, or of another kind: graphql-core reports that instead
        had, has = member in _implementers(old, name), member in _implementers(new, name)
        if has and not had:
            text = f"{name} added to interfaces implemented by {member}."
            found.append(Change("IMPLEMENTED_INTERFACE_ADDED", text, name, name))
        elif had and not has:
            text = f"{member} no longer implements interface {name}."
            found.append(Change("IMPLEMENTED_INTERFACE_REMOVED", text, name))
    return found


@cache
def _implementer_index(schema: GraphQLSchema) -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for named in schema.type_map.values():
        if is_object_type(named) or is_interface_type(named):
            for interface in named.interfaces:  # type: ignore[attr-defined]
                index.setdefault(interface.name, set()).add(named.name)
    return index


def _implementers(schema: GraphQLSchema, interface: str) -> set[str]:
    """The object and interface types that declare `interface` among their interfaces."""
    return _implementer_index(schema).get(interface, set())


def _members(schema: GraphQLSchema, name: str) -> dict[str, GraphQLField | GraphQLInputField]:
    return getattr(schema.get_type(name), "fields", {})


def _field_changes(old: GraphQLSchema, new: GraphQLSchema, name: str, field: str) -> list[Change]:
    pair = _same_kind(old, new, name)
    if pair is None:
        return []
    before, after = _members(old, name).get(field), _members(new, name).get(field)
    where = f"{name}.{field}"
    if before is None:
        optional = isinstance(after, GraphQLInputField) and not is_required_input_field(after)
        if optional and is_input_object_type(pair[0]):
            text = f"An optional field {field} on input type {name} was added."
            return [Change("OPTIONAL_INPUT_FIELD_ADDED", text, where)]
        return []
    if after is None:
        return [Change("FIELD_REMOVED", f"{where} was removed.", where)]
    safe = (
        is_change_safe_for_input_object_field_or_field_arg(before.type, after.type)
        if is_input_object_type(pair[0])
        else is_change_safe_for_object_or_interface_field(before.type, after.type)
    )
    found = []
    if not safe:
        text = f"{where} changed type from {before.type} to {after.type}."
        found.append(Change("FIELD_CHANGED_KIND", text, where))
    if isinstance(before, GraphQLField) and isinstance(after, GraphQLField):
        for arg_name, argument in after.args.items():
            if arg_name not in before.args and is_required_argument(argument):
                text = f"A required arg {arg_name} on {where} was added."
                found.append(Change("REQUIRED_ARG_ADDED", text, f"{where}({arg_name}:)"))
            elif arg_name in before.args:
                found += [
                    change
                    for change in _arg_changes(old, new, name, field, arg_name)
                    if change.kind == "ARG_DEFAULT_VALUE_CHANGE"
                    or (change.kind == "ARG_CHANGED_KIND" and is_required_argument(argument))
                ]
    return found


def _arguments(schema: GraphQLSchema, name: str, field: str) -> dict[str, GraphQLArgument]:
    return getattr(_members(schema, name).get(field), "args", {})


def _arg_changes(
    old: GraphQLSchema, new: GraphQLSchema, name: str, field: str, arg: str
) -> list[Change]:
    pair = _same_kind(old, new, name)
    if pair is None or is_input_object_type(pair[0]):
        return []
    if field not in _members(old, name) or field not in _members(new, name):
        return []
    before, after = _arguments(old, name, field).get(arg), _arguments(new, name, field).get(arg)
    where, text_where = f"{name}.{field}({arg}:)", f"{name}.{field} arg {arg}"
    if before is None:
        if after is not None and not is_required_argument(after):
            text = f"An optional arg {arg} on {name}.{field} was added."
            return [Change("OPTIONAL_ARG_ADDED", text, where)]
        return []
    if after is None:
        return [Change("ARG_REMOVED", f"{text_where} was removed.", where)]
    if not is_change_safe_for_input_object_field_or_field_arg(before.type, after.type):
        text = f"{text_where} has changed type from {before.type} to {after.type}."
        return [Change("ARG_CHANGED_KIND", text, where)]
    if before.default_value is Undefined:
        return []
    if after.default_value is Undefined:
        return [
            Change("ARG_DEFAULT_VALUE_CHANGE", f"{text_where} defaultValue was removed.", where)
        ]
    was = stringify_value(before.default_value, before.type)
    now = stringify_value(after.default_value, after.type)
    if was == now:
        return []
    text = f"{text_where} has changed defaultValue from {was} to {now}."
    return [Change("ARG_DEFAULT_VALUE_CHANGE", text, where)]


def _directive_args(schema: GraphQLSchema, name: str) -> dict[str, GraphQLArgument]:
    directive: GraphQLDirective | None = schema.get_directive(name)
    return directive.args if directive is not None else {}


def _directive_changes(old: GraphQLSchema, new: GraphQLSchema, name: str) -> list[Change]:
    before, after = old.get_directive(name), new.get_directive(name)
    where = f"@{name}"
    if before is None:
        return []
    if after is None:
        return [Change("DIRECTIVE_REMOVED", f"{name} was removed.", where)]
    found = [
        Change(
            "REQUIRED_DIRECTIVE_ARG_ADDED",
            f"A required arg {arg} on directive {name} was added.",
            f"@{name}({arg}:)",
        )
        for arg, argument in after.args.items()
        if arg not in before.args and is_required_argument(argument)
    ]
    if before.is_repeatable and not after.is_repeatable:
        found.append(
            Change(
                "DIRECTIVE_REPEATABLE_REMOVED", f"Repeatable flag was removed from {name}.", where
            )
        )
    found += [
        Change("DIRECTIVE_LOCATION_REMOVED", f"{location.name} was removed from {name}.", where)
        for location in before.locations
        if location not in after.locations
    ]
    return found
