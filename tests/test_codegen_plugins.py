"""The codegen plugins: snapshots on a small project of their own, and one source of truth."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import generate
import pytest
from codegen_plugins import CodegenError
from reference import ROOT

SNAPSHOT = ROOT / "tests" / "codegen_snapshot"
EXPECTED = SNAPSHOT / "expected"
PLUGINS: list[str] = tomllib.loads((SNAPSHOT / "pyproject.toml").read_text())["tool"][
    "ariadne-codegen"]["plugins"]

# What each plugin changes in the snapshot project's package: leaving it out changes these files.
EFFECTS = {
    "codegen_plugins.HeaderPlugin": {"base_client.py", "py.typed", "schema.graphql", "enums.py"},
    "codegen_plugins.OpenEnumsPlugin": {"enums.py"},
    "codegen_plugins.TolerantUnionsPlugin": {"fragments.py", "records.py", "__init__.py"},
    "codegen_plugins.RecordsPlugin": {"records.py"},
    "codegen_plugins.ClientMethodsPlugin": {"client.py"},
    "codegen_plugins.PackageInitPlugin": {"__init__.py"},
}


def test_snapshot_project_regenerates_its_committed_output(tmp_path: Path) -> None:
    """Every plugin together on the small schema gives the committed expected/ byte for byte."""
    built = generate.build_package(tmp_path, root=SNAPSHOT)
    assert generate.stale_files(built, EXPECTED) == []


@pytest.mark.parametrize("plugin", sorted(EFFECTS))
def test_each_plugin_changes_the_files_it_is_for(tmp_path: Path, plugin: str) -> None:
    """Leaving one plugin out changes the files that plugin is for, as expected/ shows them."""
    built = generate.build_package(
        tmp_path, root=SNAPSHOT, plugins=[p for p in PLUGINS if p != plugin])
    assert EFFECTS[plugin] <= set(generate.stale_files(built, EXPECTED))


def test_long_class_name_fails_naming_a_fragment_as_the_fix(tmp_path: Path) -> None:
    """A path-built name over the limit fails generation with a named fragment as the fix."""
    project = _copy(SNAPSHOT, tmp_path / "project", ["schema.graphql", "pyproject.toml"])
    query = (SNAPSHOT / "queries" / "shelf.graphql").read_text()
    long_name = "ShelfPartsWithAVeryLongName"
    (project / "queries" / "shelf.graphql").write_text(
        query.replace("fragment ShelfParts on", f"fragment {long_name} on")
        .replace("...ShelfParts\n", f"...{long_name}\n"))
    with pytest.raises(CodegenError) as caught:
        generate.build_package(tmp_path / "out", root=project)
    message = str(caught.value)
    assert "ShelfPartsWithAVeryLongNameFavouriteOther (41 characters)" in message
    assert "named fragment in queries/" in message and "pyproject" not in message


def _copy(source: Path, target: Path, files: list[str]) -> Path:
    """A copy of a project's queries/ and the named files, with paths that still resolve."""
    shutil.copytree(source / "queries", target / "queries")
    for name in files:
        text = (source / name).read_text()
        if name == "pyproject.toml":  # the base client is found from the copy's own root
            text = text.replace('"../../src/', f'"{ROOT}/src/').replace(
                '"src/kraken_energy/', f'"{ROOT}/src/kraken_energy/')
        (target / name).write_text(text)
    return target


def test_a_fragment_change_reaches_models_and_records_together(tmp_path: Path) -> None:
    """Dropping fields and making some nullable changes models and records, and breaks users."""
    project = _copy(ROOT, tmp_path / "project", ["schema.graphql", "pyproject.toml"])
    fragments = project / "queries" / "fragments_measurements.graphql"
    text = fragments.read_text()
    for selection in ("  costInclTax {\n    ...Money\n  }\n", "  source\n"):
        assert selection in text
        text = text.replace(selection, "")
    fragments.write_text(text)
    schema = project / "schema.graphql"
    nullable = schema.read_text().replace("estimatedAmount: Decimal!", "estimatedAmount: Decimal")
    schema.write_text(nullable.replace("readAt: DateTime!", "readAt: DateTime"))
    package = generate.build_package(tmp_path / "out", root=project)
    models = (package / "fragments.py").read_text()
    records = (package / "records.py").read_text()
    assert "cost_incl_tax" not in models and "costInclTax" not in records
    assert "cost_incl_tax" not in records
    assert "estimated_amount: Optional[ExactDecimal]" in models
    assert "estimated_amount: Optional[ExactDecimal]" in records
    measurement = records[records.index("class Measurement("):]
    assert "read_at: Optional[AwareDatetime] = Field(" in models
    assert "read_at: Optional[AwareDatetime]\n" in measurement
    assert "source" not in models.split("class Reading(")[1].split("class ")[0]
    assert "source" not in measurement.split("def measurement_record")[0]
    user = tmp_path / "user.py"
    user.write_text(
        "from kraken_energy_gql.records import Measurement, StatisticRecord\n\n\n"
        "def incl(statistic: StatisticRecord) -> object:\n"
        "    return statistic.cost_incl_tax\n\n\n"
        "def source(reading: Measurement) -> object:\n"
        "    return reading.source\n")
    # The records are NamedTuples, so the attribute errors need no third-party stubs: without
    # site-packages mypy skips analysing pydantic (about 2 s of the check's 2.5 s).
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent",
         "--no-site-packages", str(user)],
        capture_output=True, text=True, check=False,
        env={"MYPYPATH": f"{tmp_path / 'out'}", "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert '"StatisticRecord" has no attribute "cost_incl_tax"' in result.stdout
    assert '"Measurement" has no attribute "source"' in result.stdout


def test_a_union_inside_a_reading_flows_into_measurement() -> None:
    """metaData's utilityFilters union, with a flat record of its own, is a typed field of
    Measurement; a context field of an imported type is imported by records.py."""
    records = (ROOT / "generated" / "kraken_energy_gql" / "records.py").read_text()
    measurement = records[records.index("class Measurement("):]
    assert "    kind: Optional[SeriesFilters]\n" in measurement
    assert "    series: Series\n" in measurement
    assert "from kraken_energy._series import Series\n" in records
    assert records.index("class SeriesFilters(") < records.index("class Measurement(")
    assert "    direction: Optional[ReadingDirectionType]\n" in records


def test_a_union_without_its_flat_record_names_the_fix(tmp_path: Path) -> None:
    """Without a flat record for the utilityFilters union, generation fails saying what to add."""
    project = _copy(ROOT, tmp_path / "project", ["schema.graphql", "pyproject.toml"])
    config = project / "pyproject.toml"
    text = config.read_text()
    start = text.index("[tool.kraken-codegen.flat-records.SeriesFilters]")
    end = text.index("\n\n", text.index('field = "Meta.kind"'))
    config.write_text(text[:start] + text[end:])
    with pytest.raises(CodegenError, match="give its union a flat record"):
        generate.build_package(tmp_path / "out", root=project)


def test_deferred_and_given_flat_record_fields_change_only_how_records_are_built(
    tmp_path: Path,
) -> None:
    """Without `deferred` and `given`, statistics and kind are built inside the builder and no
    page is read skimmed."""
    project = _copy(ROOT, tmp_path / "project", ["schema.graphql", "pyproject.toml"])
    config = project / "pyproject.toml"
    text = config.read_text()
    for option in ('deferred = ["statistics"]\n', 'given = ["kind"]\n'):
        assert option in text
        text = text.replace(option, "")
    config.write_text(text)
    eager = (generate.build_package(tmp_path / "out", root=project) / "records.py").read_text()
    ours = (ROOT / "generated" / "kraken_energy_gql" / "records.py").read_text()
    builder = ours[ours.index("def measurement_record("):]
    eager_builder = eager[eager.index("def measurement_record("):]
    given = "kind: Optional[SeriesFilters],\n    statistics: Sequence[StatisticRecord],\n) ->"
    assert given in builder
    skimmed = "EdgeNodeIntervalMeasurementTypeSkimData, EdgeNodeMeasurementInterfaceSkimData"
    assert skimmed in builder
    assert '"statistics"' not in ours.split("MetaSkimData = TypedDict(")[1].split(")\n")[0]
    assert "statistics: tuple[StatisticRecord, ...]" in eager and "SkimData" not in eager
    assert "kind: Optional" not in eager_builder.split(") -> Measurement:")[0]
    assert "series_filters_record(value)" in eager_builder
    assert '"value": DecimalText' in eager and '"value": ExactDecimal' not in eager


def test_a_given_field_must_be_a_flat_record(tmp_path: Path) -> None:
    """Naming a field in `given` that is no nested flat record fails generation, naming it."""
    project = _copy(ROOT, tmp_path / "project", ["schema.graphql", "pyproject.toml"])
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace('given = ["kind"]', 'given = ["unit"]'))
    with pytest.raises(CodegenError, match=r"given \['unit'\]"):
        generate.build_package(tmp_path / "out", root=project)
