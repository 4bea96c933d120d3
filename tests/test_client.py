"""KrakenClient: construction, injected HTTP client, anonymous use, and a tidy public API."""

import httpx
import pytest
from pytest_httpx import HTTPXMock

import kraken_energy
import kraken_energy.sync
from kraken_energy import DEFAULT_URL, KrakenClient

ACCOUNT = {"data": {"account": {"number": "A-1", "status": "ACTIVE", "brand": "OCTOPUS_ENERGY",
                                "properties": []}}}


def test_public_api_is_exactly_what_is_exported() -> None:
    """`__all__` lists the deliberate public names, and each is importable."""
    assert len(set(kraken_energy.__all__)) == len(kraken_energy.__all__)
    errors = {name for name in kraken_energy.__all__ if name.endswith("Error")}
    assert errors == {cls.__name__ for cls in _subclasses(kraken_energy.KrakenError)} | {
        "KrakenError"}
    assert set(kraken_energy.__all__) - errors == {
        "DEFAULT_BACKOFF_INITIAL_SECONDS", "DEFAULT_BACKOFF_MAX_SECONDS",
        "DEFAULT_CONNECT_TIMEOUT_SECONDS", "DEFAULT_MAX_ATTEMPTS", "DEFAULT_MAX_RETRY_SECONDS",
        "DEFAULT_READ_TIMEOUT_SECONDS", "DEFAULT_REFRESH_MARGIN_SECONDS", "DEFAULT_URL",
        "FieldProblem", "KrakenClient", "RetryPolicy", "set_retry_testing",
        "BRANDS", "Brand", "KrakenAuth", "Credential", "APIKey", "EmailPassword",
        "OrganizationSecretKey", "PreSignedKey", "RefreshToken", "Token", "OAuthClientCredentials",
        "DEFAULT_CONCURRENCY", "DEFAULT_MEASUREMENTS_PAGE_SIZE", "PROPERTY_MEASUREMENTS",
        "Connection", "Cost", "MeasurementStatistic", "ElectricityFilter", "GasFilter",
        "Measurement", "Paginator", "ReadingDirectionType", "ReadingFrequencyType",
        "ReadingQualityType", "ReadingStatisticTypeEnum", "ClientOptions", "__version__",
        "DEFAULT_COOLDOWN_MIN_SECONDS", "DEFAULT_COOLDOWN_MAX_SECONDS",
        "DEFAULT_COOLDOWN_RESET_SECONDS", "DEFAULT_MAX_RATE_LIMITED_ATTEMPTS", "FetchStats",
        "Series", "SeriesFilters", "PropertySeries", "account_series",
        "DEFAULT_REQUEST_DEADLINE_SECONDS", "DEFAULT_MAX_RESPONSE_BYTES",
    }
    for name in kraken_energy.__all__:
        assert getattr(kraken_energy, name) is not None


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct} | _subclasses(direct)}


async def test_client_without_auth_sends_no_authorization(httpx_mock: HTTPXMock) -> None:
    """An anonymous client works and sends no Authorization header."""
    httpx_mock.add_response(url=DEFAULT_URL, json=ACCOUNT)
    async with KrakenClient() as kraken:
        result = await kraken.get_account(account_number="A-1")
    assert result.account.number == "A-1"
    assert "Authorization" not in httpx_mock.get_request().headers


async def test_injected_http_client_is_used_and_left_open(httpx_mock: HTTPXMock) -> None:
    """A caller's httpx.AsyncClient sends the requests and is not closed by the KrakenClient."""
    httpx_mock.add_response(json=ACCOUNT)
    async with httpx.AsyncClient(headers={"X-Trace": "t1"}) as http:
        async with KrakenClient("https://kraken.test/v1/graphql/", http_client=http) as kraken:
            await kraken.get_account(account_number="A-1")
        assert not http.is_closed
    assert httpx_mock.get_request().headers["X-Trace"] == "t1"


async def test_auth_is_applied_to_every_request(httpx_mock: HTTPXMock) -> None:
    """An httpx.Auth given to the client decorates each request."""

    class Static(httpx.Auth):
        def auth_flow(self, request):
            request.headers["Authorization"] = "secret-token"
            yield request

    httpx_mock.add_response(json=ACCOUNT)
    async with KrakenClient("https://kraken.test/v1/graphql/", auth=Static()) as kraken:
        await kraken.get_account(account_number="A-1")
        assert "secret-token" not in repr(kraken)
    assert httpx_mock.get_request().headers["Authorization"] == "secret-token"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/v1/graphql/", "http://localhost/x/",
                                 "http://[::1]:9/v1/graphql/", "https://api.octopus.energy/v1/"])
def test_https_or_loopback_http_is_accepted(url: str) -> None:
    """https anywhere, and plain http to loopback hosts, are accepted."""
    assert KrakenClient(url).url == url


@pytest.mark.parametrize(("url", "message"), [
    ("http://api.octopus.energy/v1/graphql/", "plain http:// is refused for 'api.octopus.energy'"),
    ("ftp://example.org/", "expected an absolute http"),
    ("/v1/graphql/", "expected an absolute http"),
])
def test_bad_url_names_the_argument(url: str, message: str) -> None:
    """A bad URL is a ValueError that names the `url` argument and the problem."""
    with pytest.raises(ValueError, match=f"^url: .*{message}"):
        KrakenClient(url)


def test_import_leaves_the_heavy_parts_for_first_use() -> None:
    """`import kraken_energy` loads neither the measurement pipeline, tenacity, PyJWT, asyncio
    nor the token's models: each loads when first used."""
    import subprocess
    import sys

    probe = ("import sys, kraken_energy; print(sorted(m for m in sys.modules if m in "
             "{'kraken_energy._measurements', 'kraken_energy._pages', 'tenacity', 'jwt', "
             "'asyncio', 'kraken_energy_gql.obtain_kraken_token'}))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
