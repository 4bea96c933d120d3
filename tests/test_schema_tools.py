"""Pruning a schema to what the operations reach: complete, facts only, deterministic."""

import json

import httpx
import pytest
from graphql import build_schema, get_introspection_query, graphql_sync, parse
from pytest_httpx import HTTPXMock
from reference import GB_NOVEMBER, REFERENCE_SCHEMAS, ROOT, reference_schema
from reference_schemas import facts_only
from schema_tools import (
    SchemaToolError,
    deprecated_usages,
    load_operations,
    load_schema_file,
    prune_schema,
    recorded_source,
    validation_errors,
)
from update_schema import build_pruned

SMALL_SDL = """
"A description that must not survive."
type Query {
  "Field prose."
  shape(id: ID!, unused: Int): Shape
  old: String @deprecated(reason: "Gone on 2020-01-01, honestly.")
  other: Int
}
interface Shape { area: Float  name: String }
type Circle implements Shape { area: Float  name: String  radius: Float }
type Square implements Shape { area: Float  name: String  side: Float }
enum Colour { RED GREEN @deprecated(reason: "no") }
input Filter { colour: Colour = RED  nested: Inner }
input Inner { flag: Boolean }
type Mutation { paint(filter: Filter): Shape }
"""


def prune_small(operations: str) -> str:
    return prune_schema(build_schema(SMALL_SDL), parse(operations))


def test_prune_keeps_only_used_fields_and_arguments() -> None:
    """Fields and arguments the operations do not use are dropped."""
    text = prune_small("query q { shape(id: 1) { area } }")
    schema = build_schema(text)
    assert set(schema.query_type.fields) == {"shape"}
    assert set(schema.query_type.fields["shape"].args) == {"id"}


def test_prune_keeps_every_implementation_of_a_selected_interface() -> None:
    """Selecting an interface keeps all its implementations, with the interface's used fields."""
    text = prune_small("query q { shape(id: 1) { name ... on Circle { radius } } }")
    schema = build_schema(text)
    assert {"Circle", "Square"} <= set(schema.type_map)
    assert set(schema.type_map["Square"].fields) == {"name"}
    assert set(schema.type_map["Circle"].fields) == {"name", "radius"}


def test_prune_keeps_input_types_whole() -> None:
    """A variable may carry any input field, so reached input types keep all their fields."""
    text = prune_small("query q { other } mutation m($f: Filter) { paint(filter: $f) { name } }")
    schema = build_schema(text)
    assert set(schema.type_map["Filter"].fields) == {"colour", "nested"}
    assert set(schema.type_map["Inner"].fields) == {"flag"}
    assert "colour: Colour = RED" in text


def test_prune_holds_facts_only() -> None:
    """Descriptions and deprecation reasons are dropped, the bare @deprecated marker is kept."""
    text = prune_small("query q { old } mutation m($f: Filter) { paint(filter: $f) { name } }")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert '"' not in body
    assert "old: String @deprecated\n" in text
    assert "  GREEN @deprecated\n" in text


def test_prune_is_sorted_and_deterministic() -> None:
    """Types, fields and enum values come out sorted, and the same input gives the same bytes."""
    operations = "query q { shape(id: 1) { name area } other }"
    first, second = prune_small(operations), prune_small(operations)
    assert first == second
    assert first.index("interface Shape") > first.index("type Circle")
    assert first.index("  area: Float") < first.index("  name: String")


def test_prune_rejects_invalid_operations_with_their_location() -> None:
    """An operation that does not validate is reported with the reason, not pruned."""
    with pytest.raises(SchemaToolError, match="Cannot query field 'nope'"):
        prune_small("query q { nope }")


def test_deprecated_usages_names_operation_and_coordinate() -> None:
    """Deprecated fields and enum values an operation uses are reported by name."""
    schema = build_schema(SMALL_SDL)
    document = parse("query q { old } mutation m { paint(filter: {colour: GREEN}) { name } }")
    assert deprecated_usages(schema, document) == ["m uses Colour.GREEN", "q uses Query.old"]


def test_committed_schema_is_the_pruned_recorded_source() -> None:
    """schema.graphql is exactly what update_schema.py builds from the source it records."""
    source = recorded_source((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    assert source is not None
    if source.startswith(("http://", "https://")):
        pytest.skip(f"schema.graphql was built from the endpoint {source}; tests stay offline")
    expected = build_pruned(str(reference_schema(ROOT / source)), ROOT / "queries")
    assert (ROOT / "schema.graphql").read_text(encoding="utf-8") == expected


def test_introspection_json_gives_the_same_schema_as_sdl(tmp_path) -> None:
    """A schema given as introspection JSON prunes to the same text as the same schema in SDL."""
    full = load_schema_file(reference_schema(GB_NOVEMBER))
    result = graphql_sync(full, get_introspection_query(input_value_deprecation=True))
    as_json = tmp_path / "schema.json"
    as_json.write_text(json.dumps({"data": result.data}), encoding="utf-8")
    operations = load_operations(ROOT / "queries")
    assert prune_schema(load_schema_file(as_json), operations) == prune_schema(full, operations)


def test_endpoint_is_introspected_without_stale_auth(httpx_mock: HTTPXMock) -> None:
    """A URL is introspected over HTTP and pruned like a file, sending only the given token."""
    full = load_schema_file(reference_schema(GB_NOVEMBER))
    result = graphql_sync(full, get_introspection_query(input_value_deprecation=True))
    httpx_mock.add_response(url="https://kraken.test/v1/graphql/", json={"data": result.data})
    text = build_pruned("https://kraken.test/v1/graphql/", ROOT / "queries", token="tok")
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert recorded_source(text) == "https://kraken.test/v1/graphql/"
    assert text.split("\n", 3)[3] == committed.split("\n", 3)[3]  # same body, other source
    assert httpx_mock.get_request().headers["Authorization"] == "tok"


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.ConnectError("refused"), "unreachable"),
        (httpx.Response(502, text="<html>Bad gateway</html>"), "HTTP 502"),
        (httpx.Response(200, text="<html>hello</html>"), "not JSON"),
    ],
)
def test_bad_endpoint_gives_a_clear_error(httpx_mock: HTTPXMock, response, message) -> None:
    """An unreachable or non-GraphQL endpoint is a SchemaToolError that says which."""
    if isinstance(response, Exception):
        httpx_mock.add_exception(response)
    else:
        httpx_mock.add_callback(lambda request: response)
    with pytest.raises(SchemaToolError, match=message):
        build_pruned("https://kraken.test/v1/graphql/", ROOT / "queries")


def test_operations_validate_against_the_committed_schema() -> None:
    """Every operation in queries/ validates against schema.graphql."""
    schema = load_schema_file(ROOT / "schema.graphql")
    assert validation_errors(schema, load_operations(ROOT / "queries")) == []


def test_reference_copies_hold_facts_only() -> None:
    """The committed reference schemas carry no descriptions and no deprecation reasons."""
    copies = sorted(REFERENCE_SCHEMAS.glob("*.graphql"))
    assert [p.name for p in copies] == [
        "edf-gb-2026-07-27.graphql", "octopus-gb-2024-07-14.graphql",
        "octopus-gb-2024-11-28.graphql"]
    for path in copies:
        text = path.read_text(encoding="utf-8")
        assert '"""' not in text and "@deprecated(" not in text, path.name
        assert "@deprecated" in text, path.name  # the bare markers are kept


def test_facts_only_drops_prose_and_keeps_types() -> None:
    """facts_only removes descriptions and reasons, keeping names, types, defaults and markers."""
    schema = build_schema('''
        "A type." type Query {
            "A field." old("An arg." a: Int = 3): Int @deprecated(reason: "Gone.")
            mode: Mode
        }
        "Modes." enum Mode { "On." ON OFF @deprecated(reason: "Off.") }
    ''')
    text = facts_only(schema)
    assert "old(a: Int = 3): Int @deprecated" in text
    assert "OFF @deprecated" in text
    for prose in ("A type.", "A field.", "An arg.", "Gone.", "Modes.", "On.", "Off."):
        assert prose not in text
