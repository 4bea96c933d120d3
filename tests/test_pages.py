"""The measurements hot path: page shapes match the generated models; records are exact."""

import json
from decimal import Decimal

import pytest
from kraken_energy_gql import (
    GetPropertyMeasurements,
    IntervalMeasurement,
    IntervalMeasurementMetaData,
    MeasurementPage,
    Money,
    PageCursor,
    PropertyMeasurements,
    Statistic,
)
from pydantic import BaseModel
from typing_extensions import get_type_hints

from kraken_energy import InvalidResponseError
from kraken_energy._pages import (
    ConnectionData,
    MetaData,
    MoneyData,
    NodeData,
    PageInfoData,
    PropertyData,
    StatisticData,
    property_page,
    records,
)


def wire_names(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


@pytest.mark.parametrize(("shape", "model"), [
    (MoneyData, Money),
    (StatisticData, Statistic),
    (NodeData, IntervalMeasurement),
    (PageInfoData, PageCursor),
    (ConnectionData, MeasurementPage),
    (PropertyData, PropertyMeasurements),
])
def test_hot_path_shapes_match_the_generated_models(shape: type, model: type[BaseModel]) -> None:
    """Each TypedDict holds exactly the wire names the generated model (from queries/) holds."""
    assert set(get_type_hints(shape)) == wire_names(model)


def test_metadata_shape_matches() -> None:
    """The metaData shape holds the statistics list, as the fragment selects it."""
    assert set(get_type_hints(MetaData)) == wire_names(IntervalMeasurementMetaData)


def page(*nodes: dict) -> bytes:
    edges = [{"cursor": str(i), "node": n} for i, n in enumerate(nodes)]
    body = {"data": {"property": {"id": "7", "measurements": {
        "totalCount": len(edges), "edgeCount": len(edges), "edges": edges,
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False,
                     "startCursor": None, "endCursor": None}}}}}
    return json.dumps(body).encode()


NODE = {"__typename": "IntervalMeasurementType", "value": "6.525000", "unit": "kwh",
        "readAt": "2024-10-02T00:00:00+01:00", "source": "s", "durationInSeconds": 86400,
        "startAt": "2024-10-01T00:00:00+01:00", "endAt": "2024-10-02T00:00:00+01:00",
        "metaData": {"statistics": [{"type": "BRAND_NEW", "label": None, "description": None,
                                     "value": "0E-18", "costInclTax": None, "costExclTax": {
                                         "estimatedAmount": "97.875000", "costCurrency": "GBP"}}]}}


def test_records_equal_what_the_generated_models_read() -> None:
    """A page read by the hot path gives the same values as the generated models."""
    raw = page(NODE, dict(NODE, __typename="FutureMeasurementType"))
    data = property_page().validate_json(raw)["data"]
    fast = list(records("7", data["property"]["measurements"]))
    generated = GetPropertyMeasurements.model_validate(
        json.loads(raw)["data"]).property_.measurements.edges
    for record, edge in zip(fast, generated, strict=True):
        assert (record.value, record.read_at, record.typename) == (
            edge.node.value, edge.node.read_at, edge.node.typename__)
    assert str(fast[0].value) == "6.525000" and fast[0].start_at.utcoffset().seconds == 3600
    assert fast[1].start_at is None and fast[1].typename == "FutureMeasurementType"
    statistic = fast[0].statistics[0]
    assert statistic.type == "BRAND_NEW" and not statistic.type.is_known
    assert statistic.value == Decimal("0E-18") and str(statistic.value) == "0E-18"
    assert statistic.cost_excl_tax.amount == Decimal("97.875000")
    assert statistic.cost_incl_tax is None


def test_interval_without_its_times_is_refused() -> None:
    """An IntervalMeasurementType without endAt is an invalid response, not a point reading."""
    broken = {k: v for k, v in NODE.items() if k != "endAt"}
    data = property_page().validate_json(page(broken))["data"]
    with pytest.raises(InvalidResponseError, match="lacks startAt or endAt"):
        list(records("7", data["property"]["measurements"]))
