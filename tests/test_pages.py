"""The measurements hot path: generated page shapes and records, exact and hashable."""

import json
import pickle
from decimal import Decimal

import pytest
from kraken_energy_gql import GetPropertyMeasurements
from kraken_energy_gql import records as generated
from kraken_energy_gql.records import MoneyRecord, StatisticRecord
from pydantic import ValidationError

import kraken_energy as kc
from kraken_energy import (
    Cost,
    Measurement,
    MeasurementStatistic,
    ReadingDirectionType,
    ReadingFrequencyType,
    ReadingQualityType,
    Series,
    SeriesFilters,
)
from kraken_energy._pages import PAGE_DECODER, records, skim_page
from kraken_energy._record_runtime import Built

ASKED = Series("electricity", "2700008749510", direction=ReadingDirectionType.GENERATION,
               frequency=ReadingFrequencyType.DAY_INTERVAL)
"""The series a request's filter asked for."""


def test_records_are_the_generated_records() -> None:
    """Cost, MeasurementStatistic and Measurement are generated from the fragments."""
    assert Cost is MoneyRecord and MeasurementStatistic is StatisticRecord
    assert Measurement is generated.Measurement
    assert Measurement._fields == ("property_id", "series", "typename", "value", "unit",
                                   "read_at", "source", "statistics", "kind", "start_at",
                                   "end_at", "duration_in_seconds")
    assert SeriesFilters is generated.SeriesFilters
    assert StatisticRecord._fields == ("type_", "label", "description", "value",
                                       "cost_excl_tax", "cost_incl_tax")


def read_page(raw: bytes) -> list:
    """The page's readings as the measurement fetch reads them (statistics deferred)."""
    data, deferred = PAGE_DECODER.validate_json(raw)["data"]
    return records("7", ASKED, data["property"]["measurements"], deferred)


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
                                         "estimatedAmount": "97.875000", "costCurrency": "GBP"}}],
                     "kind": {"__typename": "ElectricityFiltersOutput", "supplyPoint": None,
                              "deviceId": "30-EB-5A-FF-FF-E0-91-E8", "registerId": None,
                              "direction": "GENERATION", "frequency": "DAY_INTERVAL",
                              "quality": "COMBINED"}}}


def test_records_equal_what_the_generated_models_read() -> None:
    """A page read by the hot path gives the same values as the generated models."""
    raw = page(NODE, dict(NODE, __typename="FutureMeasurementType"))
    fast = read_page(raw)
    generated = GetPropertyMeasurements.model_validate(
        json.loads(raw)["data"]).property_.measurements.edges
    for record, edge in zip(fast, generated, strict=True):
        assert (record.value, record.read_at, record.typename) == (
            edge.node.value, edge.node.read_at, edge.node.typename__)
    assert str(fast[0].value) == "6.525000" and fast[0].start_at.utcoffset().seconds == 3600
    assert fast[1].start_at is None and fast[1].typename == "FutureMeasurementType"
    statistic = fast[0].statistics[0]
    assert statistic.type_ == "BRAND_NEW" and not statistic.type_.is_known
    assert statistic.value == Decimal("0E-18") and str(statistic.value) == "0E-18"
    assert statistic.cost_excl_tax.estimated_amount == Decimal("97.875000")
    assert statistic.cost_incl_tax is None


def test_measurements_are_frozen_hashable_and_keep_their_statistics() -> None:
    """A Measurement hashes, equals its twin, refuses assignment, and holds built statistics."""
    first, twin = read_page(page(NODE, NODE))
    assert first == twin and hash(first) == hash(twin) and len({first, twin}) == 1
    assert first.statistics is first.statistics
    assert first.statistics[0] is first.statistics[0]  # built on first access, then kept
    with pytest.raises(AttributeError):
        first.value = Decimal(1)  # type: ignore[misc]


def test_statistics_equal_and_hash_as_the_tuple_of_their_records() -> None:
    """Lazily built statistics compare, hash and pickle as the tuple of records they hold."""
    full, bare = read_page(page(NODE, dict(NODE, metaData=None)))
    expected = (StatisticRecord("BRAND_NEW", None, None, Decimal("0E-18"),
                                MoneyRecord(Decimal("97.875000"), "GBP"), None),)
    assert full.statistics == expected and expected == full.statistics
    assert hash(full.statistics) == hash(expected) and bare.statistics == ()
    assert full._replace(statistics=expected) == full
    assert pickle.loads(pickle.dumps(full)) == full


@pytest.mark.parametrize("number", [1.5, '"1.5.0"', '"NaN"', '"Infinity"', '" 1.5"', '""',
                                    '"1e9999999999999999999"'])
def test_a_statistic_that_is_not_an_exact_decimal_fails_when_read(number: object) -> None:
    """A statistic's number is checked when the statistics are first read: an
    InvalidResponseError naming where, on every read; the reading itself stands."""
    raw = page(NODE).replace(b'"value": "0E-18"', f'"value": {number}'.encode())
    (reading,) = read_page(raw)
    assert str(reading.value) == "6.525000"
    for _ in range(2):
        with pytest.raises(kc.InvalidResponseError, match=r"statistics\.0\.value.*decimal"):
            len(reading.statistics)


def test_statistics_are_read_from_the_page_once_for_all_its_readings() -> None:
    """The first read of any reading's statistics validates the page once; the page's bytes
    are then let go."""
    first, second = read_page(page(NODE, dict(NODE, metaData=None)))
    deferred = first.statistics._page  # type: ignore[attr-defined]
    assert deferred is second.statistics._page  # type: ignore[attr-defined]
    assert len(first.statistics) == 1 and deferred._raw is None
    assert second.statistics == ()


def test_interval_without_its_times_is_refused() -> None:
    """An IntervalMeasurementType without endAt fails validation, never becoming a point reading."""
    broken = {k: v for k, v in NODE.items() if k != "endAt"}
    with pytest.raises(ValidationError, match="endAt"):
        skim_page().validate_json(page(broken))


def test_each_reading_names_its_series_completed_from_the_request() -> None:
    """Kraken's utilityFilters name the series; a field it leaves out comes from the request."""
    gas = {"__typename": "GasFiltersOutput", "supplyPoint": "3456789012", "deviceId": None,
           "registerId": None, "frequency": "DAY_INTERVAL"}
    nodes = [NODE, dict(NODE, metaData={"statistics": [], "kind": gas}),
             dict(NODE, metaData={"statistics": [], "kind": None}),
             dict(NODE, metaData={"statistics": [], "kind": {"__typename": "HeatFiltersOutput"}})]
    read = read_page(page(*nodes))
    assert read[0].series == ASKED._replace(device_id="30-EB-5A-FF-FF-E0-91-E8",
                                            quality=ReadingQualityType.COMBINED)
    assert read[0].kind == SeriesFilters("ElectricityFiltersOutput", None,
                                         "30-EB-5A-FF-FF-E0-91-E8", None,
                                         ReadingDirectionType.GENERATION,
                                         ReadingFrequencyType.DAY_INTERVAL,
                                         ReadingQualityType.COMBINED)
    assert read[1].series == Series("gas", "3456789012", None, None, None,
                                    ReadingFrequencyType.DAY_INTERVAL, None)
    assert read[2].series is ASKED and read[2].kind is None
    assert read[3].series == ASKED and read[3].kind.typename == "HeatFiltersOutput"
    assert read[3].kind.supply_point is None


def test_readings_of_one_series_share_their_filters_and_series() -> None:
    """The readings of one series on a page hold the same SeriesFilters and Series objects."""
    first, second, bare = read_page(page(NODE, NODE, dict(NODE, metaData=None)))
    assert first.kind is second.kind and first.series is second.series
    assert first.kind == SeriesFilters("ElectricityFiltersOutput", None, "30-EB-5A-FF-FF-E0-91-E8",
                                       None, ReadingDirectionType.GENERATION,
                                       ReadingFrequencyType.DAY_INTERVAL,
                                       ReadingQualityType.COMBINED)
    assert bare.kind is None and bare.series is ASKED and bare.statistics == ()


def test_built_statistics_are_built_once_on_first_access() -> None:
    """A Built sequence calls its builder on first access only, once per non-null item."""
    calls: list[object] = []

    def build(item: int) -> int:
        calls.append(item)
        return item * 10

    built = Built(build, [1, None, 2])
    assert calls == []
    assert list(built) == [10, 20] and built[1] == 20 and len(built) == 2 and 10 in built
    assert calls == [1, 2] and built == (10, 20) and repr(built) == "(10, 20)"
    assert Built(build, None) == () and Built(build, []) == Built(build, [None])
