"""The request pipeline's reading of answers: whatever the status, the result is typed."""

from datetime import date

import httpx
import pytest

import kraken_energy as kc
from kraken_energy import KrakenClient, RetryPolicy

URL = "https://kraken.test/v1/graphql/"
DAY = date(2024, 10, 1)


async def fetch_with_answer(status: int, body: bytes) -> None:
    """Fetch a day of measurements from a server that gives every request this one answer."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(
        lambda request: httpx.Response(status, content=body)))
    try:
        async with KrakenClient(URL, http_client=http,
                                retry=RetryPolicy(max_attempts=1)) as kraken:
            async for _ in kraken.measurements("A-1", start_on=DAY, end_on=DAY):
                pass
    finally:
        await http.aclose()


@pytest.mark.parametrize("status", [200, 201, 204])
async def test_a_success_status_whose_data_does_not_fit_is_an_invalid_response(
        status: int) -> None:
    """Any 2xx answer is decoded with the operation's types, so a misfit is a typed error."""
    with pytest.raises(kc.InvalidResponseError, match="does not fit the operation's types"):
        await fetch_with_answer(status, b'{"data":{"":null}}')
