"""Bad arguments are refused before any request, with a message naming the argument."""

from datetime import date, datetime, timedelta, timezone

import pytest
from kraken_energy_gql.input_types import (
    ElectricityFiltersInput,
    GasFiltersInput,
    UtilityFiltersInput,
)
from pytest_httpx import HTTPXMock

from kraken_energy import InvalidArgumentError, KrakenClient

URL = "https://kraken.test/v1/graphql/"
AWARE = datetime(2024, 10, 1, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize(("arguments", "message"), [
    ({"account_number": 123}, r"^account_number: Input should be a valid string \(got int\)"),
    ({"first": "100"}, r"^first: Input should be a valid integer \(got str\)"),
    ({"start_at": datetime(2024, 10, 1)}, r"^start_at: .*timezone"),
    ({"end_on": AWARE}, r"^end_on: .*date"),
    ({"utility_filters": [UtilityFiltersInput()]},
     r"^utility_filters\[0\]: each item must hold exactly one of electricity_filters or "
     r"gas_filters \(it holds neither; KT-CT-4713\)"),
    ({"utility_filters": [UtilityFiltersInput(electricityFilters=ElectricityFiltersInput(),
                                              gasFilters=GasFiltersInput())]},
     r"^utility_filters\[0\]: .*holds electricity_filters and gas_filters"),
    ({"utility_filters": [{"gasFilters": {}, "electricityFilters": {}}]},
     r"^utility_filters\[0\]: .*holds electricity_filters and gas_filters"),
    ({"utility_filters": ["electricity"]}, r"^utility_filters: .*UtilityFiltersInput"),
])
async def test_bad_argument_is_refused_before_sending(
        httpx_mock: HTTPXMock, arguments: dict, message: str) -> None:
    """Each bad argument raises InvalidArgumentError naming it, and nothing is sent."""
    call = {"account_number": "A-1", "first": 10, **arguments}
    async with KrakenClient(URL) as kraken:
        with pytest.raises(InvalidArgumentError, match=message) as caught:
            await kraken.get_measurements(**call)
    assert isinstance(caught.value, ValueError)
    assert httpx_mock.get_requests() == []


async def test_good_arguments_are_sent(httpx_mock: HTTPXMock) -> None:
    """Well-typed arguments pass the checks and reach the wire."""
    httpx_mock.add_response(json={"data": {"account": {"properties": []}}})
    filters = [UtilityFiltersInput(electricityFilters=ElectricityFiltersInput())]
    async with KrakenClient(URL) as kraken:
        result = await kraken.get_measurements(account_number="A-1", first=10, start_at=AWARE,
                                               end_on=date(2024, 10, 6), utility_filters=filters)
    assert result.account.properties == []
    assert len(httpx_mock.get_requests()) == 1
