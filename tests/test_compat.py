"""The compatibility matrix: every operation, with its fragments, against every brand's schema."""

import json
import shutil

from check_compat import compat_matrix, failures, load_schemas, main, render_text
from graphql import build_schema, get_introspection_query, graphql_sync, parse
from schema_tools import load_operations

from reference import GB_NOVEMBER, REFERENCE_SCHEMAS, ROOT, reference_schema

FULL_SDL = """
type Query { account(number: String!): Account  rates: [Float] }
type Account { number: String  balance: Int  properties: [Property] }
type Property { id: ID  postcode: String }
"""
LACKING_SDL = FULL_SDL.replace("  balance: Int", "").replace("  rates: [Float]", "")
OPERATIONS = """
query getAccount($n: String!) { account(number: $n) { number ...Money } }
query getRates { rates }
query getProperties($n: String!) { account(number: $n) { properties { id } } }
fragment Money on Account { balance }
"""


def schema_dir(tmp_path, **schemas: str):
    """A folder holding each named SDL as <name>.graphql."""
    folder = tmp_path / "schemas"
    folder.mkdir()
    for name, sdl in schemas.items():
        (folder / f"{name}.graphql").write_text(sdl)
    return folder


def queries_dir(tmp_path, operations: str = OPERATIONS):
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "ops.graphql").write_text(operations)
    return folder


def test_matrix_marks_each_operation_on_each_schema(tmp_path) -> None:
    """An operation fails only where the schema lacks what it (or its fragments) selects."""
    folder = schema_dir(tmp_path, brand_a=FULL_SDL, brand_b=LACKING_SDL)
    matrix = compat_matrix(load_schemas(folder), parse(OPERATIONS))
    verdicts = {op: {s: not errors for s, errors in row.items()} for op, row in matrix.items()}
    assert verdicts == {
        "getAccount": {"brand_a": True, "brand_b": False},
        "getRates": {"brand_a": True, "brand_b": False},
        "getProperties": {"brand_a": True, "brand_b": True},
    }


def test_fragments_not_spread_by_an_operation_do_not_fail_it() -> None:
    """Each operation is validated with only its own fragments, so no unused-fragment error."""
    matrix = compat_matrix({"brand": build_schema(FULL_SDL)}, parse(OPERATIONS))
    assert failures(matrix) == []


def test_failure_reasons_name_the_missing_coordinate() -> None:
    """Every failure carries the validation message that explains it."""
    matrix = compat_matrix({"brand_b": build_schema(LACKING_SDL)}, parse(OPERATIONS))
    assert failures(matrix) == [
        ("getAccount", "brand_b",
         "GraphQL request:5: Cannot query field 'balance' on type 'Account'."),
        ("getRates", "brand_b", "GraphQL request:3: Cannot query field 'rates' on type 'Query'."),
    ]


def test_introspection_json_schemas_are_read_too(tmp_path) -> None:
    """A *.json introspection result in the folder is a column like an SDL file."""
    folder = schema_dir(tmp_path, brand_a=FULL_SDL)
    result = graphql_sync(build_schema(LACKING_SDL), get_introspection_query())
    (folder / "brand_b.json").write_text(json.dumps({"data": result.data}))
    assert list(load_schemas(folder)) == ["brand_a", "brand_b"]


def test_cli_exits_1_with_matrix_and_reasons(tmp_path, capsys) -> None:
    """A failing operation makes the check exit 1 after printing the matrix and the reason."""
    folder = schema_dir(tmp_path, brand_a=FULL_SDL, brand_b=LACKING_SDL)
    assert main(["--schemas", str(folder), "--queries", str(queries_dir(tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "getRates       ok       FAIL" in out
    assert "getRates on brand_b:" in out
    assert "Result: 2 of 6 checks fail." in out
    assert "python scripts/check_compat.py --schemas" in out


def test_allow_failures_reports_without_failing(tmp_path, capsys) -> None:
    """--allow-failures prints the same failures but exits 0."""
    folder = schema_dir(tmp_path, brand_a=FULL_SDL, brand_b=LACKING_SDL)
    args = ["--schemas", str(folder), "--queries", str(queries_dir(tmp_path)), "--allow-failures"]
    assert main(args) == 0
    assert "getAccount on brand_b:" in capsys.readouterr().out


def test_markdown_matrix_is_a_table(tmp_path, capsys) -> None:
    """--format markdown prints the matrix as a table and the failures as a list."""
    folder = schema_dir(tmp_path, brand_a=FULL_SDL, brand_b=LACKING_SDL)
    main(["--schemas", str(folder), "--queries", str(queries_dir(tmp_path)),
          "--format", "markdown"])
    out = capsys.readouterr().out
    assert "| operation | `brand_a` | `brand_b` |" in out
    assert "| `getRates` | ok | **fails** |" in out
    assert "- `getRates` on `brand_b`: " in out


def test_empty_schema_folder_exits_2(tmp_path, capsys) -> None:
    """A folder without schemas stops the check with exit 2 and says why."""
    folder = schema_dir(tmp_path)
    assert main(["--schemas", str(folder), "--queries", str(queries_dir(tmp_path))]) == 2
    assert "no *.graphql or *.json schema" in capsys.readouterr().err


def test_project_operations_across_the_reference_krakens() -> None:
    """Over the reference schemas there is a column per schema, and GB November passes all."""
    reference_schema(GB_NOVEMBER)
    matrix = compat_matrix(load_schemas(REFERENCE_SCHEMAS), load_operations(ROOT / "queries"))
    expected = sorted(p.stem for p in REFERENCE_SCHEMAS.glob("*.graphql"))
    assert render_text(matrix, "x").splitlines()[0].split() == ["operation", *expected]
    assert [op for op, row in matrix.items() if row[GB_NOVEMBER.stem]] == []
    assert "getMeasurements" in matrix


def test_reference_folder_with_an_incompatible_brand_fails(tmp_path, capsys) -> None:
    """A brand schema lacking what the operations use fails the check beside a real Kraken."""
    folder = schema_dir(tmp_path, tiny_brand=FULL_SDL)
    shutil.copy(reference_schema(GB_NOVEMBER), folder / GB_NOVEMBER.name)
    assert main(["--schemas", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f" on {GB_NOVEMBER.stem}:" not in out
    assert "getMeasurements on tiny_brand: " in out
    assert "Unknown argument 'accountNumber' on field 'Query.account'." in out
