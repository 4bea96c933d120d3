"""The operation-scoped drift check: which operations a new schema breaks, and nothing else."""

import json

import pytest
from check_schema_drift import check_drift, main, render_markdown
from drift import _RULES
from graphql import (
    BreakingChange,
    BreakingChangeType,
    DangerousChangeType,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
    get_introspection_query,
    graphql_sync,
    parse,
)
from pytest_httpx import HTTPXMock
from schema_tools import load_operations, load_schema, prune_schema

from reference import REFERENCE_SCHEMAS, ROOT, reference_schema

OLD_SDL = """
type Query {
  shape(id: ID!, size: Int, legacy: Boolean): Shape
  thing: Thing
  colour: Colour
  paint(colour: Colour): String
  kept: String
  other: Int
}
type Mutation { draw(input: DrawInput!): Shape }
interface Shape { name: String  area: Float }
type Circle implements Shape { name: String  area: Float  radius: Float }
type Square implements Shape { name: String  area: Float  side: Float }
union Thing = Circle | Square
enum Colour { RED GREEN }
input DrawInput { name: String  colour: Colour }
"""
TRIANGLE = "type Triangle implements Shape { name: String  area: Float }\n"
URL = "https://kraken.test/v1/graphql/"


def drift(new_sdl: str, operations: str, old_sdl: str = OLD_SDL):
    """The drift report for `operations` between two inline schemas."""
    return check_drift(build_schema(old_sdl), build_schema(new_sdl), parse(operations),
                       "old", "new")


def edited(*replacements: tuple[str, str]) -> str:
    """OLD_SDL with each (old, new) text replaced; a replacement that does not apply fails."""
    text = OLD_SDL
    for before, after in replacements:
        assert before in text, before
        text = text.replace(before, after)
    return text


NO_KEPT = ("  kept: String\n", "")
BLUE = ("enum Colour { RED GREEN }", "enum Colour { RED GREEN BLUE }")
SIZE_REQUIRED = ("input DrawInput { name: String", "input DrawInput { size: Int!  name: String")
TRIANGLE_IN_THING = ("union Thing = Circle | Square",
                     TRIANGLE + "union Thing = Circle | Square | Triangle")
RADIUS_TO_STRING = ("radius: Float", "radius: String")

# (edit of the schema, operation, severity, coordinate, change kind)
CASES = [
    pytest.param(edited(NO_KEPT), "query q { kept }",
                 "breaking", "Query.kept", "FIELD_REMOVED", id="field removed"),
    pytest.param(edited(RADIUS_TO_STRING),
                 "query q { shape(id: 1) { ... on Circle { radius } } }",
                 "breaking", "Circle.radius", "FIELD_CHANGED_KIND", id="field type changed"),
    pytest.param(edited(("size: Int,", "size: Int!,")), "query q { shape(id: 1) { name } }",
                 "breaking", "Query.shape(size:)", "ARG_CHANGED_KIND",
                 id="argument not passed made required"),
    pytest.param(edited((", legacy: Boolean", "")),
                 "query q { shape(id: 1, legacy: true) { name } }",
                 "breaking", "Query.shape(legacy:)", "ARG_REMOVED", id="argument passed removed"),
    pytest.param(edited(SIZE_REQUIRED),
                 "mutation m($i: DrawInput!) { draw(input: $i) { name } }",
                 "breaking", "DrawInput.size", "REQUIRED_INPUT_FIELD_ADDED",
                 id="required input field added"),
    pytest.param(edited(("enum Colour { RED GREEN }", "enum Colour { RED }")), "query q { colour }",
                 "breaking", "Colour.GREEN", "VALUE_REMOVED_FROM_ENUM", id="enum value removed"),
    pytest.param(edited(("union Thing = Circle | Square", "union Thing = Circle")),
                 "query q { thing { __typename } }",
                 "breaking", "Thing", "TYPE_REMOVED_FROM_UNION", id="union member removed"),
    pytest.param(edited(BLUE),
                 "query q { colour }",
                 "handled", "Colour.BLUE", "VALUE_ADDED_TO_ENUM", id="enum value added, received"),
    pytest.param(edited(BLUE),
                 "query q { paint(colour: RED) }", "dangerous", "Colour.BLUE",
                 "VALUE_ADDED_TO_ENUM", id="enum value added, sent only"),
    pytest.param(edited(TRIANGLE_IN_THING),
                 "query q { thing { __typename } }",
                 "handled", "Thing", "TYPE_ADDED_TO_UNION", id="union member added"),
    pytest.param(OLD_SDL + TRIANGLE, "query q { shape(id: 1) { name } }",
                 "handled", "Shape", "NEW_IMPLEMENTATION", id="new interface implementation"),
    pytest.param(edited(("  kept: String\n", '  kept: String @deprecated(reason: "use other")\n')),
                 "query q { kept }",
                 "deprecated", "Query.kept", "NEWLY_DEPRECATED", id="field newly deprecated"),
    pytest.param(edited(("legacy: Boolean", 'legacy: Boolean @deprecated(reason: "gone soon")')),
                 "query q { shape(id: 1, legacy: true) { name } }",
                 "deprecated", "Query.shape(legacy:)", "NEWLY_DEPRECATED",
                 id="argument newly deprecated"),
]


@pytest.mark.parametrize(("new_sdl", "operation", "severity", "coordinate", "kind"), CASES)
def test_change_on_a_used_coordinate_is_reported(new_sdl, operation, severity, coordinate, kind):
    """Each kind of change to a coordinate the operation uses is reported with its severity."""
    report = drift(new_sdl, operation)
    findings = [(f.severity, f.coordinate, f.kind) for f in report.operations[0].findings]
    assert (severity, coordinate, kind) in findings
    assert report.elsewhere == [] or all(c.coordinate != coordinate for c in report.elsewhere)


@pytest.mark.parametrize(
    ("new_sdl", "operation"),
    [
        pytest.param(edited(("  other: Int\n", "")), "query q { kept }", id="other field removed"),
        pytest.param(edited((", legacy: Boolean", "")), "query q { shape(id: 1) { name } }",
                     id="argument not passed removed"),
        pytest.param(edited(RADIUS_TO_STRING), "query q { shape(id: 1) { name } }",
                     id="field of an unselected implementation changed"),
    ],
)
def test_change_elsewhere_is_counted_not_attributed(new_sdl, operation) -> None:
    """A breaking change to a coordinate no operation uses leaves the operation unaffected."""
    report = drift(new_sdl, operation)
    assert report.operations[0].status == "unaffected"
    assert [c.breaking for c in report.elsewhere] == [True]
    assert report.exit_code() == 0


def test_each_operation_is_scoped_with_the_fragments_it_spreads() -> None:
    """A field removed from a fragment breaks the operation spreading it, not its neighbour."""
    operations = """
        query usesFragment { ...Kept }
        query plain { other }
        fragment Kept on Query { kept }
    """
    report = drift(edited(NO_KEPT), operations)
    assert {op.name: op.status for op in report.operations} == {
        "usesFragment": "broken", "plain": "unaffected"}


def test_validation_against_new_catches_what_the_diff_misses() -> None:
    """A directive argument's new type is no graphql-core change, yet validation rejects the use."""
    directive = "directive @limit(n: Int) on FIELD\n"
    report = drift(directive.replace("Int", "String") + OLD_SDL, "query q { kept @limit(n: 3) }",
                   old_sdl=directive + OLD_SDL)
    assert report.total_breaking == 0
    [finding] = report.operations[0].findings
    assert finding.kind == "INVALID_ON_NEW"
    assert "String cannot represent a non string value: 3" in finding.reason
    assert report.exit_code() == 1


def test_a_missing_root_type_breaks_its_operations() -> None:
    """NEW without a mutation root breaks every mutation, though no type changed."""
    report = drift("schema { query: Query }\n" + OLD_SDL,
                   "mutation m($i: DrawInput!) { draw(input: $i) { name } } query q { kept }")
    assert report.total_breaking == 0
    assert {op.name: op.status for op in report.operations} == {"m": "broken", "q": "unaffected"}
    assert report.operations[0].findings[0].kind == "ROOT_TYPE_REMOVED"


def test_every_graphql_core_change_kind_has_a_scoping_rule() -> None:
    """No kind of change graphql-core reports can fall through unscoped."""
    kinds = {kind.name for kind in BreakingChangeType} | {kind.name for kind in DangerousChangeType}
    assert set(_RULES) == kinds


def test_a_change_that_cannot_be_scoped_is_reported_and_fails(monkeypatch) -> None:
    """A description no rule parses is listed on its own and counts as breaking, never dropped."""
    odd = BreakingChange(BreakingChangeType.FIELD_REMOVED, "Something unforeseen happened.")
    monkeypatch.setattr("drift.find_breaking_changes", lambda old, new: [odd])
    report = drift(OLD_SDL, "query q { kept }")
    assert [c.description for c in report.unscoped] == ["Something unforeseen happened."]
    assert report.exit_code() == 1
    assert "Something unforeseen happened." in render_markdown(report)


@pytest.mark.parametrize(
    ("new_sdl", "operation", "exit_code", "strict_exit_code"),
    [
        pytest.param(edited(NO_KEPT), "query q { kept }", 1, 1, id="broken"),
        pytest.param(edited(BLUE),
                     "query q { paint(colour: RED) }", 0, 1, id="dangerous"),
        pytest.param(edited(("  kept: String\n", "  kept: String @deprecated\n")),
                     "query q { kept }", 0, 1, id="newly deprecated"),
        pytest.param(edited(BLUE),
                     "query q { colour }", 0, 0, id="handled"),
        pytest.param(OLD_SDL, "query q { kept }", 0, 0, id="unchanged"),
    ],
)
def test_exit_codes(tmp_path, new_sdl, operation, exit_code, strict_exit_code) -> None:
    """Exit 1 when an operation breaks; --strict also fails on dangerous or deprecated uses."""
    old, new, queries = write_case(tmp_path, new_sdl, operation)
    args = ["--old", str(old), "--new", str(new), "--queries", str(queries)]
    assert main(args) == exit_code
    assert main([*args, "--strict"]) == strict_exit_code


def write_case(tmp_path, new_sdl: str, operation: str):
    (tmp_path / "old.graphql").write_text(OLD_SDL)
    (tmp_path / "new.graphql").write_text(new_sdl)
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "op.graphql").write_text(operation)
    return tmp_path / "old.graphql", tmp_path / "new.graphql", tmp_path / "queries"


def test_json_format_names_operation_coordinate_and_reason(tmp_path, capsys) -> None:
    """--format json holds each operation's status and findings, and the elsewhere counts."""
    old, new, queries = write_case(tmp_path, edited(NO_KEPT, ("  other: Int\n", "")),
                                   "query q { kept }")
    assert main(["--old", str(old), "--new", str(new), "--queries", str(queries),
                 "--format", "json", "--all"]) == 1
    data = json.loads(capsys.readouterr().out)
    [operation] = data["operations"]
    assert operation["name"] == "q"
    assert operation["status"] == "broken"
    assert {"severity": "breaking", "coordinate": "Query.kept", "kind": "FIELD_REMOVED",
            "reason": "Query.kept was removed."} in operation["findings"]
    assert data["elsewhere"]["breaking"] == {"FIELD_REMOVED": 1}
    assert [c["coordinate"] for c in data["elsewhere_changes"]] == ["Query.other"]
    assert data["exit_code"] == 1


def test_markdown_format_is_a_pull_request_comment(tmp_path, capsys) -> None:
    """--format markdown gives a heading, a findings table, the elsewhere table and the fix."""
    old, new, queries = write_case(tmp_path, edited(NO_KEPT), "query q { kept }")
    main(["--old", str(old), "--new", str(new), "--queries", str(queries), "--format", "markdown"])
    out = capsys.readouterr().out
    assert out.startswith("## Schema drift")
    assert "| `q` | breaking | `Query.kept` | Query.kept was removed. |" in out
    assert "| FIELD_REMOVED | 0 |" not in out
    assert "Fix: edit the broken operations" in out
    assert "python scripts/update_schema.py --source" in out


def test_new_schema_can_be_an_endpoint(tmp_path, capsys, httpx_mock: HTTPXMock, monkeypatch):
    """A URL as NEW is introspected anonymously and checked like a file."""
    monkeypatch.delenv("KRAKEN_TOKEN", raising=False)
    new_schema = build_schema(edited(NO_KEPT))
    introspection = graphql_sync(new_schema, get_introspection_query(input_value_deprecation=True))
    httpx_mock.add_response(url=URL, json={"data": introspection.data})
    old, _, queries = write_case(tmp_path, OLD_SDL, "query q { kept }")
    code = main(["--old", str(old), "--new", URL, "--queries", str(queries)])
    assert code == 1
    assert "BROKEN q" in capsys.readouterr().out
    assert "Authorization" not in httpx_mock.get_request().headers


def test_unloadable_schema_exits_2(tmp_path, capsys) -> None:
    """A NEW that is not a schema stops the check with exit 2 and says why."""
    old, new, queries = write_case(tmp_path, "this is not SDL", "query q { kept }")
    assert main(["--old", str(old), "--new", str(new), "--queries", str(queries)]) == 2
    assert "not a GraphQL schema" in capsys.readouterr().err


# --- The real drift: Octopus GB, July to November 2024 -------------------------------------

TYPED_ONLY = """
query legacyMeasurements($n: String!) {
  account(accountNumber: $n) { properties { measurements(first: 1, typedOnly: []) { edgeCount } } }
}
"""


@pytest.fixture(scope="module")
def gb_pair():
    """The full GB schemas of July and November 2024, loaded once for this module."""
    old = load_schema(str(reference_schema(REFERENCE_SCHEMAS / "octopus-gb-2024-07-14.graphql")))
    new = load_schema(str(reference_schema(REFERENCE_SCHEMAS / "octopus-gb-2024-11-28.graphql")))
    return old, new


def test_real_pair_leaves_project_operations_unaffected(gb_pair) -> None:
    """The project's operations survive July to November; all 32 breaking changes are elsewhere."""
    old, new = gb_pair
    report = check_drift(old, new, load_operations(ROOT / "queries"), "july", "november")
    assert {op.status for op in report.operations} == {"unaffected"}
    breaking = [c for c in report.elsewhere if c.breaking]
    assert len(breaking) == report.total_breaking == len(find_breaking_changes(old, new)) == 32
    assert len(report.elsewhere) - len(breaking) == len(find_dangerous_changes(old, new))
    assert report.unscoped == []
    assert report.exit_code(strict=True) == 0


def test_real_pair_breaks_an_operation_passing_typed_only(gb_pair) -> None:
    """An operation passing the removed `typedOnly` argument is broken, its neighbours are not."""
    old, new = gb_pair
    document = parse(TYPED_ONLY + "mutation token { obtainKrakenToken(input: {}) { token } }")
    report = check_drift(old, new, document, "july", "november")
    legacy, token = report.operations
    assert (legacy.name, legacy.status, token.status) == ("legacyMeasurements", "broken",
                                                          "unaffected")
    assert ("PropertyType.measurements(typedOnly:)",
            "PropertyType.measurements arg typedOnly was removed.") in [
        (f.coordinate, f.reason) for f in legacy.findings]
    attributed = {f.reason for f in legacy.findings if f.kind == "ARG_REMOVED"}
    assert len(attributed) + sum(c.breaking for c in report.elsewhere) == 32


def test_real_pair_scoping_works_from_a_pruned_old_schema(gb_pair) -> None:
    """With OLD pruned to the operations (as schema.graphql is), the same operation is broken."""
    old, new = gb_pair
    document = parse(TYPED_ONLY)
    pruned = build_schema(prune_schema(old, document))
    report = check_drift(pruned, new, document, "schema.graphql", "november")
    assert report.operations[0].status == "broken"
    assert "PropertyType.measurements(typedOnly:)" in [
        f.coordinate for f in report.operations[0].findings]
    assert report.total_breaking == 1


def test_committed_schema_against_november_is_clean(gb_pair) -> None:
    """The committed pruned schema.graphql against the November schema breaks nothing."""
    _, new = gb_pair
    old = load_schema(str(ROOT / "schema.graphql"))
    report = check_drift(old, new, load_operations(ROOT / "queries"), "schema.graphql", "nov")
    assert report.total_breaking == 0
    assert report.exit_code(strict=True) == 0
