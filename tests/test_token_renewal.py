"""Token renewal under concurrency, against the fake Kraken: in process, and over loopback HTTP
where a 502 page or two event loops in two threads are what is tested.

Renewal is single flight whatever its outcome, keyed to the token generation a request holds,
and bounded per request; lifetimes at the edges never turn into a token request per call.
"""

import asyncio
import logging
import math
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pytest_httpx import HTTPXMock

import kraken_energy as kc
from kraken_energy import KrakenAuth, KrakenClient, RetryPolicy
from kraken_energy._auth import MAX_RENEWALS_PER_REQUEST
from kraken_energy.testing import (
    DEMO_ACCOUNT,
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_EMAIL,
    ExpiredToken,
    FakeKraken,
    FakeKrakenConfig,
    HttpError,
    Latency,
    ManualClock,
    TooManyRequests,
)

LONDON = ZoneInfo("Europe/London")
DAYS = {"start": datetime(2024, 9, 1, tzinfo=LONDON), "end": datetime(2024, 9, 11, tzinfo=LONDON)}
"""Ten days of three half-hourly series: in pages of 25, some 70 requests and 14 token lives."""
TOKEN = "obtainKrakenToken"


@pytest.fixture
def fake() -> FakeKraken:
    """In process: renewal is the client's logic, and the wire adds nothing to it."""
    return FakeKraken(config=FakeKrakenConfig(max_page_size=100))


@pytest.fixture
def served():
    """Over loopback HTTP, for a 502 page and for clients in two threads' event loops."""
    with FakeKraken(config=FakeKrakenConfig(max_page_size=100)) as f:
        yield f


def token_requests(fake: FakeKraken) -> int:
    return sum(1 for r in fake.requests if r.operation_name == TOKEN)


async def fifty_calls(kraken: KrakenClient) -> list:
    return await asyncio.gather(
        *(kraken.get_account(account_number=DEMO_ACCOUNT) for _ in range(50)),
        return_exceptions=True,
    )


async def test_fifty_calls_with_a_wrong_password_make_one_token_request(fake: FakeKraken) -> None:
    """Fifty concurrent calls with a wrong password: one obtainKrakenToken, fifty failures."""
    fake.faults.add(Latency(seconds=0.3, operation=TOKEN))  # all fifty are waiting when it fails
    async with fake.client(auth=kc.EmailPassword(DEMO_EMAIL, "wrong")) as kraken:
        outcomes = await fifty_calls(kraken)
    assert all(isinstance(o, kc.AuthenticationFailedError) for o in outcomes)
    assert token_requests(fake) == 1


async def test_failing_token_endpoint_is_retried_once_for_everyone(served: FakeKraken) -> None:
    """A token endpoint answering 502: the policy's attempts in all, not fifty times them."""
    served.faults.add(HttpError(status=502, operation=TOKEN))
    served.faults.add(Latency(seconds=0.2, operation=TOKEN))
    policy = RetryPolicy()
    async with KrakenClient(served.url, auth=kc.APIKey(DEMO_API_KEY), retry=policy) as kraken:
        outcomes = await fifty_calls(kraken)
    assert all(isinstance(o, kc.HTTPStatusError) and o.status == 502 for o in outcomes)
    assert token_requests(served) == policy.max_attempts


async def test_rate_limited_token_request_is_retried_once_for_everyone(fake: FakeKraken) -> None:
    """A rate-limited token request: the policy's rate-limited attempts in all, one failure each."""
    fake.faults.add(TooManyRequests(operation=TOKEN))
    fake.faults.add(Latency(seconds=0.2, operation=TOKEN))
    policy = RetryPolicy(max_rate_limited_attempts=3)
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY), retry=policy) as kraken:
        outcomes = await fifty_calls(kraken)
    assert all(isinstance(o, kc.RateLimitedError) for o in outcomes)
    assert token_requests(fake) == 3


async def test_early_expiring_tokens_at_concurrency_8_fetch_everything_once(
        fake: FakeKraken) -> None:
    """Tokens expiring after five uses: ten days at concurrency 8 are complete and exact, with
    about one token request per token used up (at most two)."""
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        expected = [m async for m in kraken.measurements(
            DEMO_ACCOUNT, **DAYS, concurrency=8, page_size=25)]
    fake.clear_requests()
    uses = 5
    fake.expire_tokens_after(uses=uses)
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        rows = [m async for m in kraken.measurements(
            DEMO_ACCOUNT, **DAYS, concurrency=8, page_size=25)]
    assert rows == expected
    authenticated = [r for r in fake.requests if r.operation_name != TOKEN]
    accepted = sum(1 for r in authenticated if "KT-CT-1124" not in r.error_codes)
    lifetimes_used = math.ceil(len(authenticated) / uses)
    assert token_requests(fake) <= 2 * lifetimes_used
    assert token_requests(fake) <= math.ceil(accepted / uses) + 2


async def test_a_request_renews_at_most_three_times(fake: FakeKraken) -> None:
    """A request whose every replay is refused renews three times, then TokenExpiredError."""
    fake.faults.add(ExpiredToken(operation="getAccount"))
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        with pytest.raises(kc.TokenExpiredError):
            await kraken.get_account(account_number=DEMO_ACCOUNT)
    assert token_requests(fake) == 1 + MAX_RENEWALS_PER_REQUEST


async def test_refresh_margin_is_a_tenth_of_a_short_lifetime() -> None:
    """A one-minute token is renewed six seconds before expiry, not two minutes (every call)."""
    clock = ManualClock()
    fake = FakeKraken(config=FakeKrakenConfig(token_lifetime=60), clock=clock)
    auth = KrakenAuth(kc.APIKey(DEMO_API_KEY), clock=clock)
    async with fake.client(auth=auth) as kraken:
        await kraken.get_account(account_number=DEMO_ACCOUNT)
        clock.advance(50)
        await kraken.get_account(account_number=DEMO_ACCOUNT)
        assert token_requests(fake) == 1
        clock.advance(5)
        await kraken.get_account(account_number=DEMO_ACCOUNT)
        assert token_requests(fake) == 2


@pytest.mark.parametrize("lifetime", [0, -30, None, "NaN", "Infinity"])
async def test_unusable_lifetime_renews_only_on_rejection(
        httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture, lifetime) -> None:
    """A zero, negative, missing or non-finite expires_in: one token for many calls, logged."""
    answer = '{"access_token": "t0k3n"' + (
        "" if lifetime is None else f', "expires_in": {lifetime}') + "}"
    httpx_mock.add_response(url="https://auth.kraken.test/token/", text=answer)
    httpx_mock.add_response(url="https://api.kraken.test/v1/graphql/", is_reusable=True, json={
        "data": {"account": {"number": "A-1", "status": "ACTIVE", "brand": "OCTOPUS_ENERGY",
                             "properties": []}}})
    caplog.set_level(logging.DEBUG, logger="kraken_energy")
    credential = kc.OAuthClientCredentials("id", "secret")
    async with KrakenClient("https://api.kraken.test/v1/graphql/", auth=credential) as kraken:
        for _ in range(3):
            await kraken.get_account(account_number="A-1")
    token_calls = [r for r in httpx_mock.get_requests() if r.url.path == "/token/"]
    assert len(token_calls) == 1
    assert "renewing only when Kraken rejects it" in caplog.text


def test_one_auth_shared_by_clients_in_two_event_loops(served: FakeKraken) -> None:
    """Clients in two threads' event loops share a KrakenAuth while tokens keep expiring."""
    served.expire_tokens_after(uses=10)
    auth = KrakenAuth(kc.OAuthClientCredentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
                      token_url=served.token_url)
    failures: list[BaseException] = []

    async def calls() -> None:
        async with KrakenClient(served.url, auth=auth) as kraken:
            for _ in range(3):
                await asyncio.gather(*(kraken.get_account(account_number=DEMO_ACCOUNT)
                                       for _ in range(4)))

    def run() -> None:
        try:
            asyncio.run(calls())
        except BaseException as exc:  # reported below, in the test's own thread
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    accounts = [r for r in served.requests if r.operation_name == "getAccount"]
    assert sum(1 for r in accounts if not r.error_codes) == 24
    assert token_requests(served) == 0  # OAuth tokens come from /token/, not obtainKrakenToken
    oauth_requests = sum(1 for r in served.requests if r.path == "/token/")
    assert oauth_requests <= 2 * math.ceil(len(accounts) / 10)

