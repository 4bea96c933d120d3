"""Whatever a server answers, only KrakenErrors escape, and none of them holds a secret.

Hypothesis draws sequences of answers (statuses, headers, bodies: JSON of any shape, GraphQL
envelopes with odd errors, measurement pages with odd counts and cursors, bytes that are no
JSON, nesting past Python's recursion limit) and plays them, in turn, to a query, a mutation, a
token request and a measurement fetch. Each call must succeed or raise a KrakenError whose
str() and repr() hold no secret the client was given.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kraken_energy_gql.input_types import ObtainJSONWebTokenInput

import kraken_energy as kc
from kraken_energy import KrakenClient, RetryPolicy

URL = "https://kraken.test/v1/graphql/"
API_KEY = "sk_live_HYPOTHESIS_api_key_7c1e"
PASSWORD = "pw-HYPOTHESIS-5e2b"
TOKEN = "tok-HYPOTHESIS-ready-made-9d4f"
SECRETS = (API_KEY, PASSWORD, TOKEN)
START = datetime(2024, 10, 1, tzinfo=UTC)
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
shapes = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=20,
)
entries = st.fixed_dictionaries({}, optional={
    "message": shapes, "path": shapes,
    "extensions": shapes | st.fixed_dictionaries({}, optional={
        "errorCode": st.sampled_from(["KT-CT-1124", "KT-CT-1199", "KT-CT-4178", "KT-CT-1134",
                                      "KT-CT-1203", "KT-CT-1188"]) | shapes,
        "errorType": st.sampled_from(["VALIDATION", "NOT_FOUND", "AUTHORIZATION",
                                      "APPLICATION", "SERVICE_AVAILABILITY"]) | shapes,
        "errorDescription": shapes, "validationErrors": shapes}),
})


def reading(offset: int) -> dict:
    start = START + timedelta(minutes=30 * offset)
    end = start + timedelta(minutes=30)
    return {"__typename": "IntervalMeasurementType", "value": "1.000000", "unit": "kwh",
            "readAt": end.isoformat(), "source": "s", "metaData": None,
            "startAt": start.isoformat(), "endAt": end.isoformat(), "durationInSeconds": 1800}


@st.composite
def measurement_pages(draw: st.DrawFn) -> dict:
    """A measurements answer, account or property level, with odd counts, cursors and nulls."""
    offset, count = draw(st.integers(0, 6)), draw(st.integers(0, 3))
    edges = [draw(st.none() | st.just({"cursor": draw(st.sampled_from(["a", "b", f"c{i}"])),
                                       "node": reading(offset + i)})) for i in range(count)]
    connection = draw(st.none() | st.just({
        "totalCount": draw(st.integers(-2, 12)), "edgeCount": count, "edges": edges,
        "pageInfo": {"hasNextPage": draw(st.booleans()), "hasPreviousPage": False,
                     "startCursor": None, "endCursor": draw(st.none() | st.sampled_from("abc"))},
    }))
    prop = draw(st.none() | st.just({"id": draw(st.sampled_from(["1", "2"])),
                                     "measurements": connection}))
    if draw(st.booleans()):
        return {"data": {"property": prop}}
    return {"data": {"account": draw(st.none() | st.just({"properties": [prop]}))}}


token_answers = st.builds(
    lambda token, refresh, expires, payload: {"data": {"obtainKrakenToken": {
        "token": token, "refreshToken": refresh, "refreshExpiresIn": expires,
        "payload": payload}}},
    st.text(max_size=10) | shapes, st.text(max_size=10) | shapes,
    st.integers() | shapes, shapes | st.fixed_dictionaries({"exp": st.integers() | st.floats()}),
)
envelopes = st.fixed_dictionaries(
    {"errors": st.lists(entries, min_size=1, max_size=3) | shapes}, optional={"data": shapes})
json_bodies = st.one_of(
    shapes,
    envelopes,
    envelopes,  # twice as likely: the error entries are where odd shapes hide
    measurement_pages(),
    token_answers,
    st.fixed_dictionaries({"access_token": shapes, "expires_in": shapes}),
).map(lambda body: json.dumps(body).encode())
bodies = json_bodies | st.binary(max_size=64) | st.integers(900, 200_000).map(
    lambda depth: b"[" * depth + b"]" * depth)
headers = st.dictionaries(
    st.sampled_from(["Retry-After", "Location", "Content-Type", "Content-Encoding"]),
    st.sampled_from(["1", "-5", "1e999", "Wed, 21 Oct 2015 07:28:00 GMT", "gzip", "br",
                     "application/json", "http://u:p@evil.example/x", "/relative", "", "\u00e9"]),
    max_size=3,
)
answers = st.tuples(st.sampled_from([200] * 6 + [204, 301, 307, 400, 401, 429, 500, 502, 503]),
                    headers, bodies)


async def play(script: list[tuple[int, dict, bytes]], call: Callable[[KrakenClient], Awaitable],
               auth: object = None) -> None:
    """Answer each request with the next answer of `script` (cycling), run `call`, check it."""
    turn = iter(range(10_000))

    def answer(request: httpx.Request) -> httpx.Response:
        status, extra, body = script[next(turn) % len(script)]
        safe = {k: v for k, v in extra.items() if v.isascii()}
        return httpx.Response(status, headers=safe, content=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    try:
        async with KrakenClient(URL, auth=auth, http_client=http,  # type: ignore[arg-type]
                                retry=RetryPolicy(max_attempts=2)) as kraken:
            await call(kraken)
    except kc.KrakenError as error:
        for secret in SECRETS:
            assert secret not in str(error) and secret not in repr(error)
    finally:
        await http.aclose()


@QUICK
@given(st.lists(answers, min_size=1, max_size=3))
def test_any_answer_to_a_query(script: list) -> None:
    """A query succeeds or raises a KrakenError, whatever the answers."""
    asyncio.run(play(script, lambda kraken: kraken.get_account(account_number="A-1"),
                     auth=kc.Token(TOKEN)))


@QUICK
@given(st.lists(answers, min_size=1, max_size=3))
def test_any_answer_to_a_mutation(script: list) -> None:
    """A mutation carrying a secret succeeds or raises a KrakenError that does not show it."""
    secret_input = ObtainJSONWebTokenInput(APIKey=API_KEY)
    asyncio.run(play(script, lambda kraken: kraken.obtain_kraken_token(input=secret_input)))


@QUICK
@given(st.lists(answers, min_size=1, max_size=3), st.booleans())
def test_any_answer_to_a_token_request(script: list, oauth: bool) -> None:
    """Obtaining a token (Kraken's or OAuth's) succeeds or raises a secret-free KrakenError."""
    credential = (kc.OAuthClientCredentials("client", PASSWORD) if oauth
                  else kc.EmailPassword("e@example.com", PASSWORD))
    asyncio.run(play(script, lambda kraken: kraken.get_account(account_number="A-1"),
                     auth=credential))


@QUICK
@given(st.lists(answers | st.tuples(st.just(200), st.just({}), measurement_pages().map(
    lambda page: json.dumps(page).encode())), min_size=1, max_size=4))
def test_any_answer_to_a_measurement_fetch(script: list) -> None:
    """A measurement fetch yields readings or raises a KrakenError, whatever the pages say."""

    async def fetch(kraken: KrakenClient) -> None:
        async for _ in kraken.measurements("A-1", start=START, end=START + timedelta(days=1),
                                           page_size=2, concurrency=2):
            pass

    asyncio.run(play(script, fetch, auth=kc.APIKey(API_KEY)))
