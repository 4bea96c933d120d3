"""Hostile and broken servers: redirects, drips, floods, odd shapes, and secrets kept in."""

import asyncio
import dataclasses
import logging
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from kraken_energy_gql.client import OBTAIN_KRAKEN_TOKEN
from pytest_httpx import HTTPXMock

import kraken_energy as kc
from kraken_energy import KrakenAuth, KrakenClient, RetryPolicy
from kraken_energy._tokens import Tokens
from kraken_energy.testing import token_response

URL = "https://kraken.test/v1/graphql/"
SECRET = "sk_live_TOPSECRET42"
ONCE = RetryPolicy(max_attempts=1)


def graphql_error(**entry) -> dict:
    return {"data": None, "errors": [{"message": "Invalid data.", **entry}]}


# --- 1. redirects ---------------------------------------------------------------------------

REDIRECT = {"Location": "http://mallory:pw@evil.example/steal?key=1"}


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize(
    "auth", [None, kc.APIKey(SECRET), kc.OAuthClientCredentials("id", SECRET)], ids=str
)
async def test_redirects_are_never_followed(
    httpx_mock: HTTPXMock, status: int, auth: kc.Credential | None
) -> None:
    """A 3xx, for an operation or a token request, is an error naming only the target host."""
    httpx_mock.add_response(status_code=status, headers=REDIRECT)
    follows = httpx.AsyncClient(follow_redirects=True)
    async with KrakenClient(URL, auth=auth, http_client=follows, retry=ONCE) as kraken:
        with pytest.raises(kc.HTTPStatusError) as caught:
            await kraken.get_account(account_number="A-1")
    await follows.aclose()
    assert caught.value.redirect_host == "evil.example"
    assert "evil.example" in str(caught.value)
    assert "mallory" not in str(caught.value) and "steal" not in str(caught.value)
    assert [r.url.host for r in httpx_mock.get_requests()] == ["kraken.test"]


# --- 7. a deadline per exchange, a size limit while streaming --------------------------------


class Drip(httpx.AsyncByteStream):
    """A body dripped a chunk at a time with a short pause between (counting the chunks).

    It ends after `chunks`, so that a client without the guard fails its test quickly
    instead of hanging.
    """

    def __init__(self, chunk: bytes = b" ", pause: float = 0.005, chunks: int = 200) -> None:
        self.chunk, self.pause, self.chunks, self.sent = chunk, pause, chunks, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.chunks:
            self.sent += 1
            yield self.chunk
            await asyncio.sleep(self.pause)


@pytest.mark.parametrize("per_call", [False, True])
async def test_a_dripping_server_meets_the_deadline(httpx_mock: HTTPXMock, per_call: bool) -> None:
    """A body dripped byte by byte is cut at the deadline (the client's, or the call's)."""
    httpx_mock.add_callback(lambda request: httpx.Response(200, stream=Drip()))
    async with KrakenClient(URL, retry=ONCE, deadline=None if per_call else 0.05) as kraken:
        with pytest.raises(kc.DeadlineExceededError) as caught:
            await kraken.get_account(account_number="A-1", deadline=0.05 if per_call else None)
    assert caught.value.seconds == 0.05
    assert "kraken.test" in str(caught.value) and "0.05 s" in str(caught.value)
    assert isinstance(caught.value, kc.RequestTimeoutError)


def test_the_deadline_has_a_named_default() -> None:
    """Without a deadline argument, a client bounds each exchange by the named default."""
    assert KrakenClient(URL)._deadline == kc.DEFAULT_REQUEST_DEADLINE_SECONDS
    with pytest.raises(kc.InvalidArgumentError, match="deadline"):
        KrakenClient(URL, deadline=-1)


@pytest.mark.parametrize("auth", [None, kc.APIKey(SECRET)], ids=["anonymous", "token"])
async def test_a_huge_body_stops_while_streaming(httpx_mock: HTTPXMock, auth) -> None:
    """A body past the size limit fails as soon as the limit is passed, not once it is all read."""
    flood = Drip(chunk=b"x" * 1024, pause=0, chunks=100)
    httpx_mock.add_callback(lambda request: httpx.Response(200, stream=flood))
    async with KrakenClient(URL, auth=auth, retry=ONCE, max_response_bytes=10 * 1024) as kraken:
        with pytest.raises(kc.ResponseTooLargeError) as caught:
            await kraken.get_account(account_number="A-1")
    assert flood.sent == 11  # the chunk that passed the limit was the last one read
    assert caught.value.limit == 10 * 1024 and not caught.value.transient


async def test_a_declared_length_past_the_limit_reads_nothing(httpx_mock: HTTPXMock) -> None:
    """A Content-Length past the limit fails before any of the body is read."""
    flood = Drip(chunk=b"x", pause=0)
    httpx_mock.add_callback(lambda request: httpx.Response(
        200, headers={"Content-Length": str(kc.DEFAULT_MAX_RESPONSE_BYTES + 1)}, stream=flood))
    async with KrakenClient(URL, retry=ONCE) as kraken:
        with pytest.raises(kc.ResponseTooLargeError):
            await kraken.get_account(account_number="A-1")
    assert flood.sent == 0


# --- 5. a mutation is recognised by its parsed kind, not its text ---------------------------

async def test_a_mutation_starting_with_a_bom_comment_and_fragment_is_not_resent(
    httpx_mock: HTTPXMock,
) -> None:
    """A mutation whose text opens with a BOM, a comment and a fragment is sent once only."""
    opening = "\ufeff# a comment first\nfragment F on Query { __typename }\n"
    text = opening + OBTAIN_KRAKEN_TOKEN.text
    mutation = dataclasses.replace(OBTAIN_KRAKEN_TOKEN, name="updateSomething", text=text)
    assert mutation.kind == "mutation"
    httpx_mock.add_exception(httpx.RemoteProtocolError("dropped"), is_reusable=True)
    async with KrakenClient(URL) as kraken:
        with pytest.raises(kc.ConnectionDroppedError):
            await kraken.run_operation(mutation, {"input": {"APIKey": "x"}})
    assert len(httpx_mock.get_requests()) == 1


# --- 6. answers of any shape are classified -------------------------------------------------

@pytest.mark.parametrize("entry", [
    {"extensions": ["errorCode", "KT-CT-4178"]},
    {"path": "account", "extensions": {"errorCode": 4178, "validationErrors": "x"}},
    {"path": 5, "extensions": {"errorType": ["NOT_FOUND"], "validationErrors": [{"inputPath": 3}]}},
])
async def test_error_entries_of_any_shape_are_graphql_errors(
    httpx_mock: HTTPXMock, entry: dict
) -> None:
    """`extensions` as a list, `path` as a string or number, codes as numbers: still typed."""
    httpx_mock.add_response(json=graphql_error(**entry))
    async with KrakenClient(URL, retry=ONCE) as kraken:
        with pytest.raises(kc.GraphQLError):
            await kraken.get_account(account_number="A-1")


async def test_json_nested_past_the_recursion_limit_is_invalid(httpx_mock: HTTPXMock) -> None:
    """A body nested a hundred thousand deep is an InvalidResponseError, not RecursionError."""
    httpx_mock.add_response(content=b"[" * 100_000 + b"]" * 100_000)
    async with KrakenClient(URL, retry=ONCE) as kraken:
        with pytest.raises(kc.InvalidResponseError):
            await kraken.get_account(account_number="A-1")


async def test_a_malformed_token_answer_shows_no_token(httpx_mock: HTTPXMock) -> None:
    """A token answer of the wrong types is an InvalidResponseError quoting none of it."""
    refresh = "refresh-SECRET-0123456789"
    httpx_mock.add_response(json={"data": {"obtainKrakenToken": {
        "token": ["not", "a", "string"], "refreshToken": refresh, "refreshExpiresIn": refresh,
        "payload": {}}}})
    async with KrakenClient(URL, auth=kc.APIKey(SECRET), retry=ONCE) as kraken:
        with pytest.raises(kc.InvalidResponseError) as caught:
            await kraken.get_account(account_number="A-1")
    assert refresh not in str(caught.value) and refresh not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


# --- 8. secrets in odd places ---------------------------------------------------------------

def test_tokens_show_no_secret_in_repr_or_vars() -> None:
    """The token holder's repr hides both tokens, and it has no __dict__ for vars() to show."""
    tokens = Tokens("jwt-SECRET", 1.0, "refresh-SECRET", 2.0)
    assert "SECRET" not in repr(tokens)
    with pytest.raises(TypeError):
        vars(tokens)
    auth = KrakenAuth(kc.Token("jwt-SECRET"))
    assert "SECRET" not in repr(vars(auth))


@pytest.mark.parametrize("url", ["https://user:hunter2@kraken.test/v1/graphql/",
                                 "https://:hunter2@kraken.test/v1/graphql/"])
def test_credentials_in_the_url_are_refused_without_repeating_them(url: str) -> None:
    """A URL with userinfo is refused, and the message does not repeat the password."""
    with pytest.raises(kc.InvalidArgumentError, match="credentials in the URL") as caught:
        KrakenClient(url)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("token_url", ["http://auth.example/token/",
                                       "https://id:hunter2@auth.example/token/"])
def test_a_token_url_given_to_kraken_auth_is_checked(token_url: str) -> None:
    """KrakenAuth refuses a plain-http or credential-bearing token URL, given either way."""
    with pytest.raises(kc.InvalidArgumentError, match="token_url"):
        KrakenAuth(kc.OAuthClientCredentials("id", SECRET), token_url=token_url)
    with pytest.raises(kc.InvalidArgumentError, match="token_url"):
        KrakenAuth(kc.OAuthClientCredentials("id", SECRET, token_url=token_url))


async def test_httpx_log_lines_hold_no_secret(
    httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither httpx's own lines nor the client's hold the key, token or refresh token."""
    httpx_mock.add_response(json=token_response())
    httpx_mock.add_response(json={"data": {"account": None}})
    caplog.set_level(logging.DEBUG)
    async with KrakenClient(URL, auth=kc.APIKey(SECRET), retry=ONCE) as kraken:
        await kraken.get_account(account_number="A-1")
    token = httpx_mock.get_requests()[1].headers["Authorization"]
    assert SECRET not in caplog.text and token not in caplog.text


# --- 10. errors that help -------------------------------------------------------------------

async def test_a_refused_connection_names_host_and_cause() -> None:
    """A connection failure says which host and why, once, instead of repeating its class."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again at once: nothing listens there
    async with KrakenClient(f"http://127.0.0.1:{port}/v1/graphql/", retry=ONCE) as kraken:
        with pytest.raises(kc.ConnectError) as caught:
            await kraken.get_account(account_number="A-1")
    message = str(caught.value)
    assert "127.0.0.1" in message and "never sent" in message
    assert "ConnectError" not in message and "getAccount" in message


@pytest.mark.parametrize(("method", "arguments", "named"), [
    ("get_account", {"account_number": "A-F523797D"}, "account 'A-F523797D'"),
    ("get_property_measurements", {"property_id": "308641", "first": 1}, "property '308641'"),
])
async def test_not_found_names_what_was_looked_up(
    httpx_mock: HTTPXMock, method: str, arguments: dict, named: str
) -> None:
    """A not-found error names the account number or property id, not just "Check the number"."""
    httpx_mock.add_response(json=graphql_error(path=["account"], extensions={
        "errorType": "NOT_FOUND", "errorCode": "KT-CT-4178",
        "errorDescription": "Check the number."}))
    async with KrakenClient(URL, retry=ONCE) as kraken:
        with pytest.raises(kc.NotFoundError) as caught:
            await getattr(kraken, method)(**arguments)
    assert f"no {named} found" in str(caught.value)
    assert caught.value.code == "KT-CT-4178"


@pytest.mark.parametrize("value", ["1e999", "nan", "1e300"])
async def test_a_retry_after_beyond_the_calendar_is_no_error(
    httpx_mock: HTTPXMock, value: str
) -> None:
    """A Retry-After past any date (found by the hostile-answers test) is no OverflowError."""
    httpx_mock.add_response(status_code=429, headers={"Retry-After": value}, json=None)
    async with KrakenClient(URL, retry=ONCE) as kraken:
        with pytest.raises(kc.RateLimitedError) as caught:
            await kraken.get_account(account_number="A-1")
    assert caught.value.resets_at is None
