"""Which operations a schema change touches: each used coordinate looked up in both schemas.

check_drift() walks each operation (with the fragments it spreads) against the old schema to find
the coordinates it uses (usage.walk: types, fields, arguments passed, input fields it can send,
enum values), looks each of them up in the old and the new schema (schema_diff.changes_at),
validates every operation against the new schema, and reports additions the forward-compatible
models absorb and new deprecations. Changes no operation uses are counted from the same lookup
over every coordinate, and checked kind by kind against graphql-core's `find_breaking_changes`
and `find_dangerous_changes`: a kind whose counts differ is reported as unscoped, never dropped.
`kraken_tools.py drift` prints the report; `kraken_tools.py update-schema` summarises it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from graphql import (
    BreakingChange,
    DangerousChange,
    DocumentNode,
    GraphQLSchema,
    find_breaking_changes,
    find_dangerous_changes,
    is_interface_type,
)
from schema_diff import Change, changes_at, diff
from schema_tools import deprecation, operation_documents, validation_errors
from usage import Key, coordinate, walk

ROOT = Path(__file__).resolve().parent.parent
ADOPT_COMMAND = (
    "python scripts/kraken_tools.py update-schema --source {new} && "
    "python scripts/kraken_tools.py generate"
)

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
    everything = diff(old, new)
    touched: set[Change] = set()
    reports = []
    for name, op_document in operation_documents(document).items():
        keys = walk(old, op_document).keys
        loc = op_document.definitions[0].loc
        report = OperationReport(name, display(loc.source.name) if loc else "?")
        used = dict.fromkeys(change for key in sorted(keys) for change in changes_at(old, new, key))
        touched.update(used)
        report.findings += [_finding(change, keys) for change in used]
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
    unscoped = _unscoped(old, new, everything)
    return DriftReport(
        old_name,
        new_name,
        reports,
        elsewhere=[change for change in everything if change not in touched],
        unscoped=unscoped,
        total_breaking=sum(change.breaking for change in everything + unscoped),
        total_dangerous=sum(not change.breaking for change in everything + unscoped),
    )


def _unscoped(old: GraphQLSchema, new: GraphQLSchema, found: list[Change]) -> list[Change]:
    """graphql-core's changes of every kind whose count the coordinate lookup does not match.

    The lookup is written kind by kind after graphql-core's comparison; should a graphql-core
    version compare something more, its changes of that kind are listed here (and fail the
    check), since which of them the lookup missed cannot be told without reading their prose.
    """
    reported: list[BreakingChange | DangerousChange] = [
        *find_breaking_changes(old, new),
        *find_dangerous_changes(old, new),
    ]
    ours = Counter(change.kind for change in found)
    theirs = Counter(change.type.name for change in reported)
    return [
        Change(change.type.name, change.description, None)
        for change in reported
        if ours[change.type.name] != theirs[change.type.name]
    ]


def _finding(change: Change, keys: set[Key]) -> Finding:
    assert change.coordinate is not None
    if change.breaking:
        return Finding("breaking", change.coordinate, change.description, change.kind)
    if change.kind in _HANDLED_WHEN_SELECTED:
        if ("output", change.target) in keys:
            enum = change.kind == "VALUE_ADDED_TO_ENUM"
            model = "open enum keeps" if enum else "fallback member takes"
            reason = f"{change.description} Handled: the generated {model} it."
            return Finding("handled", change.coordinate, reason, change.kind)
        reason = f"{change.description} Not handled: {change.target} is only sent, never received."
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
        before, after = deprecation(old, key), deprecation(new, key)
        if before is None and after is not None:
            reason = f"Newly deprecated: {after}"
            found.append(Finding("deprecated", coordinate(key), reason, "NEWLY_DEPRECATED"))
    return found


def display(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path
