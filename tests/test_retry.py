"""Retry policy, one test per rule (including those that must not retry), with faked time."""

import json
import logging

import httpx
import pytest
from pytest_httpx import HTTPXMock

import kraken_energy as kc
from kraken_energy import KrakenClient, RetryPolicy

URL = "https://kraken.test/v1/graphql/"
ACCOUNT = {"data": {"account": {"number": "A-1", "status": "ACTIVE", "brand": "OCTOPUS_ENERGY",
                                "properties": []}}}
TOKEN = {"data": {"obtainKrakenToken": {"token": "t", "refreshToken": "r",
                                        "refreshExpiresIn": 1, "payload": {"exp": 1}}}}


def kraken_error(code: str, error_type: str) -> dict:
    return {"data": None, "errors": [{"message": "x", "path": ["account"], "extensions": {
        "errorCode": code, "errorType": error_type, "errorDescription": "x"}}]}


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def policy(self, **overrides: float) -> RetryPolicy:
        return RetryPolicy(sleep=self.sleep, clock=self.clock, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def fake_time() -> FakeTime:
    kc.set_retry_testing(False)  # these tests look at the waits themselves
    return FakeTime()


async def get_account(policy: RetryPolicy | None = None) -> object:
    async with KrakenClient(URL, retry=policy) as kraken:
        return await kraken.get_account(account_number="A-1")


def add_failure(httpx_mock: HTTPXMock, failure: object) -> None:
    if isinstance(failure, Exception):
        httpx_mock.add_exception(failure)
    elif isinstance(failure, httpx.Response):
        httpx_mock.add_callback(lambda request, response=failure: response)
    else:
        httpx_mock.add_response(json=failure)


RETRIED = [
    pytest.param(httpx.ConnectError("refused"), id="connect error"),
    pytest.param(httpx.ReadTimeout("slow"), id="read timeout"),
    pytest.param(httpx.RemoteProtocolError("dropped"), id="dropped connection"),
    pytest.param(httpx.Response(502, text="<html>Bad Gateway</html>"), id="HTTP 502"),
    pytest.param(httpx.Response(503, text="<html>Unavailable</html>"), id="HTTP 503"),
    pytest.param(httpx.Response(504, text="<html>Timeout</html>"), id="HTTP 504"),
    pytest.param(httpx.Response(200, content=b""), id="empty body"),
    pytest.param(httpx.Response(200, text="{not json"), id="invalid JSON"),
    pytest.param(kraken_error("KT-CT-1199", "AUTHORIZATION"), id="KT-CT-1199 rate limited"),
    pytest.param(kraken_error("KT-CT-9999", "SERVICE_AVAILABILITY"), id="service unavailable"),
]

NOT_RETRIED = [
    pytest.param(kraken_error("KT-CT-4178", "NOT_FOUND"), kc.NotFoundError, id="not found"),
    pytest.param(kraken_error("KT-CT-1609", "VALIDATION"), kc.ValidationError, id="validation"),
    pytest.param(kraken_error("KT-CT-1139", "VALIDATION"), kc.AuthenticationFailedError,
                 id="bad API key"),
    pytest.param(kraken_error("KT-CT-1188", "AUTHORIZATION"), kc.QueryTooComplexError,
                 id="too complex"),
    pytest.param(kraken_error("KT-CT-1189", "AUTHORIZATION"), kc.QueryTooComplexError,
                 id="too many nodes"),
    pytest.param(kraken_error("KT-CT-1203", "VALIDATION"), kc.PaginationError, id="pagination"),
    pytest.param(httpx.Response(400, text="Must provide query string."), kc.HTTPStatusError,
                 id="HTTP 400"),
    pytest.param(httpx.Response(500, text="boom"), kc.HTTPStatusError, id="HTTP 500"),
]


@pytest.mark.parametrize("failure", RETRIED)
async def test_query_is_retried_after_transient_failure(httpx_mock: HTTPXMock, failure) -> None:
    """A query that meets a transient failure is sent again and succeeds."""
    add_failure(httpx_mock, failure)
    httpx_mock.add_response(json=ACCOUNT)
    result = await get_account()
    assert result.account.number == "A-1"
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize(("failure", "expected"), NOT_RETRIED)
async def test_final_errors_are_not_retried(httpx_mock: HTTPXMock, failure, expected) -> None:
    """Errors that would fail the same way again are raised after exactly one request."""
    add_failure(httpx_mock, failure)
    with pytest.raises(expected):
        await get_account()
    assert len(httpx_mock.get_requests()) == 1


async def test_attempts_are_bounded(httpx_mock: HTTPXMock, fake_time: FakeTime) -> None:
    """After max_attempts failures the last error is raised, with one wait between attempts."""
    for _ in range(3):
        httpx_mock.add_response(status_code=502, text="<html>Bad Gateway</html>")
    with pytest.raises(kc.HTTPStatusError):
        await get_account(fake_time.policy(max_attempts=3))
    assert len(httpx_mock.get_requests()) == 3
    assert len(fake_time.sleeps) == 2


async def test_waits_grow_with_full_jitter(httpx_mock: HTTPXMock, fake_time: FakeTime) -> None:
    """Each wait lies between zero and a cap that doubles from the initial backoff."""
    for _ in range(5):
        httpx_mock.add_response(status_code=503, text="down")
    with pytest.raises(kc.HTTPStatusError):
        await get_account(fake_time.policy(max_attempts=5, backoff_initial_seconds=1.0,
                                           backoff_max_seconds=100.0, max_total_seconds=1000))
    caps = [1.0, 2.0, 4.0, 8.0]
    assert len(fake_time.sleeps) == 4
    assert all(0 <= wait <= cap for wait, cap in zip(fake_time.sleeps, caps, strict=True))


async def test_retry_after_is_honoured(httpx_mock: HTTPXMock, fake_time: FakeTime) -> None:
    """A Retry-After header sets the minimum wait before the next attempt."""
    httpx_mock.add_response(status_code=503, text="busy", headers={"Retry-After": "12"})
    httpx_mock.add_response(json=ACCOUNT)
    await get_account(fake_time.policy(backoff_max_seconds=1.0))
    assert fake_time.sleeps == [12.0]


async def test_total_time_is_bounded(httpx_mock: HTTPXMock, fake_time: FakeTime) -> None:
    """No retry starts when its wait would take the call past max_total_seconds."""
    httpx_mock.add_response(status_code=503, text="busy", headers={"Retry-After": "30"})
    with pytest.raises(kc.HTTPStatusError):
        await get_account(fake_time.policy(max_total_seconds=10.0))
    assert fake_time.sleeps == []
    assert len(httpx_mock.get_requests()) == 1


async def test_per_call_policy_overrides_the_client(httpx_mock: HTTPXMock) -> None:
    """`retry=` on one call replaces the client's policy for that call only."""
    httpx_mock.add_response(status_code=502, text="x")
    async with KrakenClient(URL) as kraken:
        with pytest.raises(kc.HTTPStatusError):
            await kraken.get_account(account_number="A-1", retry=RetryPolicy(max_attempts=1))
    assert len(httpx_mock.get_requests()) == 1


async def test_testing_switch_removes_waiting(httpx_mock: HTTPXMock) -> None:
    """With set_retry_testing(True), retries happen without sleeping at all."""
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    httpx_mock.add_response(status_code=502, text="x")
    httpx_mock.add_response(json=ACCOUNT)
    kc.set_retry_testing(True)
    await get_account(RetryPolicy(sleep=sleep, backoff_initial_seconds=5))
    assert sleeps == [0.0]


MUTATION_CASES = [
    pytest.param(httpx.ConnectError("refused"), True, id="connect error: never sent"),
    pytest.param(httpx.ConnectTimeout("slow"), True, id="connect timeout: never sent"),
    pytest.param(httpx.ReadTimeout("slow"), False, id="read timeout: may have acted"),
    pytest.param(httpx.RemoteProtocolError("dropped"), False, id="dropped: may have acted"),
    pytest.param(httpx.Response(502, text="x"), False, id="502: may have acted"),
]


@pytest.mark.parametrize(("failure", "retried"), MUTATION_CASES)
def test_mutations_retry_only_when_never_sent(failure, retried: bool) -> None:
    """A mutation is resent only when the request provably never reached the server."""
    from kraken_energy._errors import check_response, transport_error
    from kraken_energy._retry import is_retryable

    if isinstance(failure, httpx.TransportError):
        error: Exception = transport_error(failure, "someMutation")
    else:
        with pytest.raises(kc.KrakenError) as caught:
            check_response(failure, "someMutation")
        error = caught.value
    assert is_retryable(error, mutation=True) is retried
    assert is_retryable(error, mutation=False) is True


async def test_obtaining_a_token_is_safe_to_repeat(httpx_mock: HTTPXMock) -> None:
    """obtainKrakenToken is a mutation but changes nothing, so a read timeout is retried."""
    from kraken_energy_gql.input_types import ObtainJSONWebTokenInput

    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    httpx_mock.add_response(json=TOKEN)
    async with KrakenClient(URL) as kraken:
        result = await kraken.obtain_kraken_token(input=ObtainJSONWebTokenInput(APIKey="k"))
    assert result.obtain_kraken_token.token == "t"
    assert len(httpx_mock.get_requests()) == 2


async def test_one_debug_line_per_attempt_without_secrets(
        httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture) -> None:
    """Each attempt logs operation, attempt, outcome and code; never variables or headers."""
    from kraken_energy_gql.input_types import ObtainJSONWebTokenInput

    httpx_mock.add_response(json=kraken_error("KT-CT-1199", "AUTHORIZATION"))
    httpx_mock.add_response(json=TOKEN)
    caplog.set_level(logging.DEBUG, logger="kraken_energy")
    async with KrakenClient(URL) as kraken:
        await kraken.obtain_kraken_token(input=ObtainJSONWebTokenInput(APIKey="sk_live_SECRET"))
    logged = [r.getMessage() for r in caplog.records if r.name == "kraken_energy"]
    lines = [line for line in logged if " attempt " in line]  # the cooldown has its own line
    assert len(lines) == 2
    assert lines[0].startswith("obtainKrakenToken attempt 1: RateLimitedError KT-CT-1199 in ")
    assert lines[1].startswith("obtainKrakenToken attempt 2: ok in ")
    assert "SECRET" not in caplog.text
    assert json.loads(httpx_mock.get_requests()[0].content)["variables"]["input"]["APIKey"]


def test_policy_rejects_nonsense() -> None:
    """A policy that could never send a request is refused with the argument named."""
    with pytest.raises(ValueError, match="max_attempts: must be a whole number >= 1"):
        RetryPolicy(max_attempts=0)
