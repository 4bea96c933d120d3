"""Whole flows against the fake Kraken: auth, expiry, faults, nothing lost.

In process, except the faults of the transport (502 pages, dropped connections): over loopback.
"""

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import kraken_energy as kc
from kraken_energy import KrakenClient
from kraken_energy.testing import (
    DEMO_ACCOUNT,
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_EMAIL,
    DEMO_ORGANIZATION_KEY,
    DEMO_PASSWORD,
    DEMO_PRE_SIGNED_KEY,
    DEMO_PROPERTY,
    DropConnection,
    FakeKraken,
    HttpError,
    InvalidJson,
    TooManyRequests,
)

LONDON = ZoneInfo("Europe/London")
TRANSPORT_FAULTS = (HttpError, DropConnection)
START, END = datetime(2024, 10, 1, tzinfo=LONDON), datetime(2024, 10, 4, tzinfo=LONDON)


@pytest.fixture
def fake() -> FakeKraken:
    return FakeKraken()


def token_requests(fake: FakeKraken) -> int:
    return sum(1 for r in fake.requests if r.operation_name == "obtainKrakenToken" or r.number == 0)


async def all_readings(kraken: KrakenClient, page_size: int = 48) -> list[tuple[str, str]]:
    """Page through the demo property's half-hourly readings with the cursor."""
    readings, cursor = [], None
    while True:
        result = await kraken.get_property_measurements(
            property_id=DEMO_PROPERTY, first=page_size, start_at=START, end_at=END, cursor=cursor)
        page = result.property_.measurements
        readings += [(edge.node.start_at.isoformat(), str(edge.node.value)) for edge in page.edges]
        if not page.page_info.has_next_page:
            return readings
        cursor = page.page_info.end_cursor


CREDENTIALS = [
    pytest.param(kc.APIKey(DEMO_API_KEY), id="api key"),
    pytest.param(kc.EmailPassword(DEMO_EMAIL, DEMO_PASSWORD), id="email and password"),
    pytest.param(kc.PreSignedKey(DEMO_PRE_SIGNED_KEY), id="pre-signed key"),
    pytest.param(kc.OAuthClientCredentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), id="oauth"),
    pytest.param(kc.OrganizationSecretKey(DEMO_ORGANIZATION_KEY), id="organization key"),
]


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_every_credential_reads_an_account(fake: FakeKraken, credential) -> None:
    """Each credential kind authenticates against the fake and reads the demo account."""
    async with fake.client(auth=credential) as kraken:
        result = await kraken.get_account(account_number=DEMO_ACCOUNT)
    assert result.account.number == DEMO_ACCOUNT
    assert token_requests(fake) == 1
    assert all(r.token for r in fake.requests if r.operation_name == "getAccount")


async def test_refresh_token_and_ready_made_token(fake: FakeKraken) -> None:
    """A refresh token and a ready-made token from an earlier login both work."""
    async with fake.client() as anonymous:
        from kraken_energy_gql.input_types import ObtainJSONWebTokenInput

        login = await anonymous.obtain_kraken_token(input=ObtainJSONWebTokenInput(
            APIKey=DEMO_API_KEY))
    tokens = login.obtain_kraken_token
    for credential in (kc.RefreshToken(tokens.refresh_token), kc.Token(tokens.token)):
        async with fake.client(auth=credential) as kraken:
            assert (await kraken.get_account(account_number=DEMO_ACCOUNT)).account.number


async def test_bad_api_key_raises_after_one_token_request(fake: FakeKraken) -> None:
    """A wrong API key is AuthenticationFailedError KT-CT-1139, never retried."""
    async with fake.client(auth=kc.APIKey("sk_live_wrong")) as kraken:
        with pytest.raises(kc.AuthenticationFailedError, match="KT-CT-1139") as caught:
            await kraken.get_account(account_number=DEMO_ACCOUNT)
    assert token_requests(fake) == 1
    assert "sk_live_wrong" not in str(caught.value)


async def test_unknown_account_keeps_partial_data(fake: FakeKraken) -> None:
    """KT-CT-4178 is NotFoundError, with Kraken's partial data {'account': None} kept."""
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        with pytest.raises(kc.NotFoundError) as caught:
            await kraken.get_account(account_number="A-00000000")
    assert caught.value.code == "KT-CT-4178" and caught.value.data == {"account": None}


async def test_token_expiry_mid_pagination_loses_nothing(fake: FakeKraken) -> None:
    """Tokens expiring every 3 uses during a long paginated fetch: every row once, in order."""
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        expected = await all_readings(kraken)
        fake.clear_requests()
        fake.expire_tokens_after(uses=3)
        readings = await all_readings(kraken)
    assert len(expected) == 3 * 48 and readings == expected
    assert token_requests(fake) >= 1
    assert any("KT-CT-1124" in r.error_codes for r in fake.requests)


async def test_fifty_concurrent_requests_share_one_renewal(fake: FakeKraken) -> None:
    """After every token is expired, 50 concurrent calls make exactly one token request."""
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        await kraken.get_account(account_number=DEMO_ACCOUNT)
        fake.expire_all_tokens()
        fake.clear_requests()
        results = await asyncio.gather(
            *(kraken.get_account(account_number=DEMO_ACCOUNT) for _ in range(50)))
    assert {r.account.number for r in results} == {DEMO_ACCOUNT}
    assert token_requests(fake) == 1


@pytest.mark.parametrize("make_fault", [
    pytest.param(lambda n: TooManyRequests(on_requests=range(n + 2, n + 4)), id="KT-CT-1199 twice"),
    pytest.param(lambda n: HttpError(on_requests=[n + 2]), id="HTTP 502 HTML page"),
    pytest.param(lambda n: DropConnection(on_requests=[n + 3]), id="dropped connection"),
    pytest.param(lambda n: InvalidJson(on_requests=[n + 2]), id="invalid JSON body"),
])
async def test_faults_mid_fetch_lose_and_duplicate_nothing(fake: FakeKraken, make_fault) -> None:
    """Transient faults during a paginated fetch are retried: every row once, in order."""
    fault = make_fault(0)
    served = isinstance(fault, TRANSPORT_FAULTS)  # a real socket for what happens to sockets
    if served:
        fake.start()
    try:
        async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
            expected = await all_readings(kraken)
            fake.faults.add(make_fault(max(r.number for r in fake.requests)))
            fake.clear_requests()
            readings = await all_readings(kraken)
    finally:
        fake.stop()
    assert readings == expected
    assert any(r.faults for r in fake.requests)
    pages = [r for r in fake.requests if r.operation_name == "getPropertyMeasurements"]
    assert len(pages) == 3 + sum(1 for r in pages if r.faults)  # each fault cost one resend
