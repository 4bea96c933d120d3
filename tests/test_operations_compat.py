"""Every operation against each reference Kraken schema: GB must pass, other brands are reported."""

import warnings

import pytest
from schema_tools import load_operations, load_schema_file, validation_errors

from reference import GB_NOVEMBER, REFERENCE_SCHEMAS, ROOT, reference_schema

SCHEMAS = ["octopus-gb-2024-11-28.graphql", "octopus-gb-2024-07-14.graphql",
           "edf-gb-2026-07-27.graphql"]


@pytest.mark.parametrize("name", SCHEMAS)
def test_operations_against_reference_schema(name: str) -> None:
    """Operations validate against the GB schema they target; elsewhere gaps are warnings."""
    schema = load_schema_file(reference_schema(REFERENCE_SCHEMAS / name))
    errors = validation_errors(schema, load_operations(ROOT / "queries"))
    if REFERENCE_SCHEMAS / name == GB_NOVEMBER:
        assert errors == []
    elif errors:
        warnings.warn(f"{name}: {len(errors)} incompatibilities: " + "; ".join(errors),
                      stacklevel=1)


def test_a_broken_operation_is_detected(tmp_path) -> None:
    """The check can fail: an operation passing the removed `typedOnly` argument is rejected."""
    schema = load_schema_file(reference_schema(GB_NOVEMBER))
    (tmp_path / "old.graphql").write_text(
        "query old($n: String!) { account(accountNumber: $n) { properties {"
        " measurements(first: 1, typedOnly: []) { edgeCount } } } }"
    )
    errors = validation_errors(schema, load_operations(tmp_path))
    assert any("typedOnly" in error for error in errors)
