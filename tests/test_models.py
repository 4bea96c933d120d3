"""Generated models: exact scalars and forward compatibility, through the client."""

import copy
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from kraken_energy_gql import (
    AgreementTariffOther as OtherElectricityTariff,
)
from kraken_energy_gql import (
    AgreementTariffStandardTariff as StandardTariff,
)
from kraken_energy_gql import (
    EdgeNodeIntervalMeasurementType as IntervalMeasurement,
)
from kraken_energy_gql import (
    EdgeNodeMeasurementInterface as OtherMeasurement,
)
from kraken_energy_gql import (
    GetMeasurements,
)
from kraken_energy_gql.enums import ReadingFrequencyType, ReadingStatisticTypeEnum
from kraken_energy_gql.input_types import ElectricityFiltersInput, UtilityFiltersInput
from pydantic import ValidationError
from pytest_httpx import HTTPXMock

import kraken_energy as kc
from kraken_energy import KrakenClient

URL = "https://kraken.test/v1/graphql/"
BST = timezone(timedelta(hours=1))


def day_node(day: int, value: str) -> dict:
    """One DAY_INTERVAL node shaped like the documented measurements example."""
    start = f"2024-10-{day:02d}T00:00:00+01:00"
    end = f"2024-10-{day + 1:02d}T00:00:00+01:00"
    return {
        "__typename": "IntervalMeasurementType",
        "value": value,
        "unit": "kwh",
        "readAt": end,
        "source": "smart-meter",
        "startAt": start,
        "endAt": end,
        "durationInSeconds": 86400,
        "metaData": {
            "statistics": [
                {
                    "type": "GENERATION_VALUE",
                    "label": "Export value",
                    "description": "Estimated value of exported electricity",
                    "value": value,
                    "costExclTax": {"estimatedAmount": "97.875000", "costCurrency": "GBP"},
                    "costInclTax": {"estimatedAmount": "0E-18", "costCurrency": "GBP"},
                }
            ],
            "kind": {
                "__typename": "ElectricityFiltersOutput",
                "supplyPoint": "2700008749510",
                "deviceId": "30-EB-5A-FF-FF-E0-91-E8",
                "registerId": None,
                "direction": "GENERATION",
                "frequency": "DAY_INTERVAL",
                "quality": "COMBINED",
            },
        },
    }


def documented_page(*nodes: dict) -> dict:
    edges = [{"cursor": f"c{i}", "node": node} for i, node in enumerate(nodes)]
    return {
        "data": {
            "account": {
                "properties": [
                    {
                        "id": "308641",
                        "measurements": {
                            "totalCount": len(edges),
                            "edgeCount": len(edges),
                            "pageInfo": {
                                "hasNextPage": False,
                                "hasPreviousPage": False,
                                "startCursor": "c0",
                                "endCursor": f"c{len(edges) - 1}",
                            },
                            "edges": edges,
                        },
                    }
                ]
            }
        }
    }


async def fetch(httpx_mock: HTTPXMock, body: dict) -> GetMeasurements:
    httpx_mock.add_response(url=URL, json=body)
    async with KrakenClient(URL) as kraken:
        return await kraken.get_measurements(account_number="A-F523797D", first=1000)


def edges(result: GetMeasurements) -> list:
    return result.account.properties[0].measurements.edges


async def test_decimals_stay_exact(httpx_mock: HTTPXMock) -> None:
    """Decimal strings become Decimal with every digit kept, including '0E-18'."""
    result = await fetch(httpx_mock, documented_page(day_node(1, "6.525000")))
    node = edges(result)[0].node
    assert isinstance(node, IntervalMeasurement)
    assert node.value == Decimal("6.525000") and str(node.value) == "6.525000"
    statistic = node.meta_data.statistics[0]
    assert str(statistic.cost_incl_tax.estimated_amount) == "0E-18"
    assert node.model_dump(mode="json")["value"] == "6.525000"


async def test_datetimes_are_aware_and_keep_their_offset(httpx_mock: HTTPXMock) -> None:
    """DateTime fields are timezone-aware and keep the +01:00 offset the API sent."""
    result = await fetch(httpx_mock, documented_page(day_node(1, "6.525000")))
    node = edges(result)[0].node
    assert node.start_at == datetime(2024, 10, 1, tzinfo=BST)
    assert node.start_at.utcoffset() == timedelta(hours=1)
    assert node.model_dump(mode="json", by_alias=True)["startAt"] == "2024-10-01T00:00:00+01:00"


async def test_naive_datetime_in_a_response_is_rejected(httpx_mock: HTTPXMock) -> None:
    """A DateTime without an offset does not validate, names where it is, and is not retried."""
    node = day_node(1, "6.525000")
    node["startAt"] = "2024-10-01T00:00:00"
    with pytest.raises(kc.InvalidResponseError, match=r"at data\.account.*startAt: .*timezone"):
        await fetch(httpx_mock, documented_page(node))
    assert len(httpx_mock.get_requests()) == 1


async def test_unknown_enum_value_is_kept(httpx_mock: HTTPXMock) -> None:
    """A statistic type the schema does not know validates and keeps its raw value."""
    node = day_node(1, "6.525000")
    node["metaData"]["statistics"][0]["type"] = "FLEX_EVENT_REWARD"
    result = await fetch(httpx_mock, documented_page(node))
    kind = edges(result)[0].node.meta_data.statistics[0].type_
    assert isinstance(kind, ReadingStatisticTypeEnum)
    assert kind == "FLEX_EVENT_REWARD" and kind.value == "FLEX_EVENT_REWARD"
    assert not kind.is_known and ReadingStatisticTypeEnum.GENERATION_VALUE.is_known
    assert "FLEX_EVENT_REWARD" not in [member.value for member in ReadingStatisticTypeEnum]


async def test_unknown_typename_falls_back_and_keeps_data(httpx_mock: HTTPXMock) -> None:
    """A node of a type the schema does not know becomes the fallback class with its fields."""
    future = day_node(2, "5.371000")
    future["__typename"] = "FutureMeasurementType"
    result = await fetch(httpx_mock, documented_page(day_node(1, "6.525000"), future))
    known, unknown = (edge.node for edge in edges(result))
    assert isinstance(known, IntervalMeasurement)
    assert isinstance(unknown, OtherMeasurement)
    assert unknown.typename__ == "FutureMeasurementType"
    assert unknown.value == Decimal("5.371000")


def test_known_but_unselected_member_uses_the_fallback() -> None:
    """A member the schema knows but the operation did not select (MeasurementType) validates."""
    node = day_node(1, "1.000000")
    node["__typename"] = "MeasurementType"
    result = GetMeasurements.model_validate(documented_page(node)["data"])
    assert isinstance(edges(result)[0].node, OtherMeasurement)


def test_exhaustive_union_gets_a_fallback_with_shared_fields() -> None:
    """A new tariff type (EDF's FourRateEvTariff) keeps the tariff code all tariffs share."""
    from kraken_energy_gql import ElectricityPointAgreements

    known = {"__typename": "StandardTariff", "tariffCode": "E-1R-X", "productCode": "X",
             "displayName": "Flexible"}
    future = dict(known, __typename="FourRateEvTariff", tariffCode="E-4R-EV")
    agreement = {"id": 1, "validFrom": "2024-01-01T00:00:00+00:00", "validTo": None}
    assert isinstance(ElectricityPointAgreements.model_validate(
        dict(agreement, tariff=known)).tariff, StandardTariff)
    other = ElectricityPointAgreements.model_validate(dict(agreement, tariff=future)).tariff
    assert isinstance(other, OtherElectricityTariff)
    assert (other.typename__, other.tariff_code) == ("FourRateEvTariff", "E-4R-EV")


async def test_variables_are_sent_with_offsets_and_enum_values(httpx_mock: HTTPXMock) -> None:
    """Aware datetimes go out with their offset, dates as ISO dates, enums as names."""
    httpx_mock.add_response(url=URL, json=documented_page())
    filters = [UtilityFiltersInput(electricityFilters=ElectricityFiltersInput(
        readingFrequencyType=ReadingFrequencyType.DAY_INTERVAL,
        marketSupplyPointId="2700008749510"))]
    async with KrakenClient(URL) as kraken:
        await kraken.get_measurements(
            account_number="A-F523797D", first=1000, utility_filters=filters,
            start_at=datetime(2024, 10, 1, tzinfo=BST), end_on=date(2024, 10, 6),
            timezone="Europe/London",
        )
    sent = json.loads(httpx_mock.get_request().content)
    assert sent["operationName"] == "getMeasurements"
    assert sent["variables"]["startAt"] == "2024-10-01T00:00:00+01:00"
    assert sent["variables"]["endOn"] == "2024-10-06"
    assert "cursor" not in sent["variables"]  # unset variables are left out
    sent_filter = sent["variables"]["utilityFilters"][0]
    assert sent_filter == {"electricityFilters": {  # only what was set: no null overriding defaults
        "readingFrequencyType": "DAY_INTERVAL", "marketSupplyPointId": "2700008749510"}}


def test_models_round_trip_by_alias() -> None:
    """Dumping by alias and validating again gives an equal model (nothing lost)."""
    body = documented_page(day_node(1, "6.525000"), day_node(2, "5.371000"))["data"]
    model = GetMeasurements.model_validate(body)
    again = GetMeasurements.model_validate(model.model_dump(mode="json", by_alias=True))
    assert again == model
    assert copy.deepcopy(body)["account"]["properties"][0]["id"] == "308641"


def test_generated_aware_datetime_rejects_naive_utc_lookalike() -> None:
    """Even a UTC-looking naive value is refused; an explicit +00:00 is accepted."""
    good = day_node(1, "1.0")
    good["startAt"] = "2024-10-01T00:00:00+00:00"
    node = GetMeasurements.model_validate(documented_page(good)["data"])
    assert edges(node)[0].node.start_at.tzinfo is not None
    assert edges(node)[0].node.start_at == datetime(2024, 10, 1, tzinfo=UTC)


def test_broken_known_member_is_rejected_not_absorbed() -> None:
    """A known __typename with missing fields fails validation instead of becoming the fallback."""
    node = day_node(1, "1.000000")
    del node["startAt"]
    with pytest.raises(ValidationError, match="startAt"):
        GetMeasurements.model_validate(documented_page(node)["data"])
