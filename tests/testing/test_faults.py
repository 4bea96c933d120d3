"""Fault injection and the request log."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from fake_kraken_helpers import gql, in_process

from kraken_energy.testing import (
    DropConnection,
    ExpiredToken,
    FakeKraken,
    HttpError,
    InvalidJson,
    Latency,
    ManualClock,
    TooManyRequests,
    UnknownEnumValue,
    UnknownTypename,
)

VIEWER = "query getViewerAccounts { viewer { accounts { number } } }"
MEASURE = """query getPropertyMeasurements { property(id: "308641") {
  measurements(first: 2, startOn: "2024-10-01", endOn: "2024-10-01") {
    edges { node { __typename metaData { statistics { type } } } } } } }"""


def codes(fake: FakeKraken) -> list[tuple[str, ...]]:
    """The error codes of every logged request."""
    return [record.error_codes for record in fake.requests]


def test_rate_limit_on_request_numbers(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """TooManyRequests(on_requests=range(3, 5)) answers KT-CT-1199 to requests 3 and 4 only."""
    fake.faults.add(TooManyRequests(on_requests=range(3, 5)))  # request 1 was the login
    bodies = [gql(client, fake.url, VIEWER, token=token) for _ in range(4)]
    error = bodies[1]["errors"][0]
    assert codes(fake)[1:] == [(), ("KT-CT-1199",), ("KT-CT-1199",), ()]
    assert error["message"] == "Too many requests."
    assert error["extensions"]["errorType"] == "AUTHORIZATION"
    assert bodies[1]["data"] == {"viewer": None}


def test_every_nth_request(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """TooManyRequests(every=2) hits even-numbered requests."""
    fake.faults.add(TooManyRequests(every=2))
    for _ in range(4):
        gql(client, fake.url, VIEWER, token=token)
    assert codes(fake) == [(), ("KT-CT-1199",), (), ("KT-CT-1199",), ()]


def test_operation_targeting_and_times(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """A fault for one operation, limited to one firing, spares other operations and repeats."""
    fake.faults.add(TooManyRequests(operation="getPropertyMeasurements", times=1))
    gql(client, fake.url, VIEWER, token=token)
    first = gql(client, fake.url, MEASURE, token=token)
    second = gql(client, fake.url, MEASURE, token=token)
    assert codes(fake)[1:] == [(), ("KT-CT-1199",), ()]
    assert first["data"] == {"property": None}
    assert "errors" not in second


def test_time_window_uses_the_fake_clock() -> None:
    """TooManyRequests(during=(60, 120)) fires only while the fake's clock is in that window."""
    clock = ManualClock(1_700_000_000)
    fake = FakeKraken(clock=clock)
    with in_process(fake) as client:
        fake.faults.add(TooManyRequests(during=(60, 120)))
        before = gql(client, fake.url, "{ __typename }")
        clock.advance(90)
        inside = gql(client, fake.url, VIEWER)
    assert "errors" not in before
    assert inside["errors"][0]["extensions"]["errorCode"] == "KT-CT-1199"


def test_latency_delays_answers(served: FakeKraken, http: httpx.Client) -> None:
    """Latency(seconds=0.2) makes a request take at least that long."""
    served.faults.add(Latency(seconds=0.2))
    started = time.monotonic()
    gql(http, served.url, "{ __typename }")
    assert time.monotonic() - started >= 0.2


def test_latency_includes_the_fakes_own_work(
    served: FakeKraken, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Latency is the time to answer from arrival: 0.15 s of work fits inside a 0.3 s latency."""
    slow_execute = served.app._execute

    def execute(*args: object) -> object:
        time.sleep(0.15)
        return slow_execute(*args)

    monkeypatch.setattr(served.app, "_execute", execute)
    served.faults.add(Latency(seconds=0.3))
    started = time.monotonic()
    gql(http, served.url, "{ __typename }")
    assert 0.3 <= time.monotonic() - started < 0.42


def test_bad_gateway_html(served: FakeKraken, http: httpx.Client) -> None:
    """HttpError() answers 502 with an HTML body."""
    served.faults.add(HttpError(on_requests={1}))
    response = http.post(served.url, json={"query": "{ __typename }"})
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert served.requests[0].status == 502


def test_dropped_connection(served: FakeKraken, http: httpx.Client) -> None:
    """DropConnection() closes the connection without a response; the next request works."""
    served.faults.add(DropConnection(on_requests={1}))
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(served.url, json={"query": "{ __typename }"})
    assert gql(http, served.url, "{ __typename }") == {"data": {"__typename": "Query"}}
    assert served.requests[0].status == 0


async def test_dropped_connection_in_process(fake: FakeKraken) -> None:
    """In process, DropConnection() is the RemoteProtocolError httpx raises for a closed socket."""
    fake.faults.add(DropConnection(on_requests={1}))
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(fake.url, json={"query": "{ __typename }"})
        answer = await http.post(fake.url, json={"query": "{ __typename }"})
    assert answer.json() == {"data": {"__typename": "Query"}}
    assert [record.status for record in fake.requests] == [0, 200]


def test_invalid_json(fake: FakeKraken, client: httpx.Client) -> None:
    """InvalidJson() answers HTTP 200 with a body that does not decode."""
    fake.faults.add(InvalidJson())
    response = client.post(fake.url, json={"query": "{ __typename }"})
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_unknown_enum_value_and_typename(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """Forward-compatibility faults rename statistic types and node typenames."""
    fake.faults.add(UnknownEnumValue())
    fake.faults.add(UnknownTypename())
    body = gql(client, fake.url, MEASURE, token=token)
    node = body["data"]["property"]["measurements"]["edges"][0]["node"]
    assert node["__typename"] == "FutureMeasurementType"
    assert node["metaData"]["statistics"][0]["type"] == "NEW_STATISTIC_TYPE"


def test_expired_token_fault(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """ExpiredToken(on_requests={2}) makes a fresh token look expired on request 2 only."""
    fake.faults.add(ExpiredToken(on_requests={2}))
    gql(client, fake.url, VIEWER, token=token)
    gql(client, fake.url, VIEWER, token=token)
    assert codes(fake)[1:] == [("KT-CT-1124",), ()]


def test_faults_can_be_removed(fake: FakeKraken, client: httpx.Client) -> None:
    """A removed fault stops firing."""
    fault = fake.faults.add(HttpError())
    fake.faults.remove(fault)
    assert client.post(fake.url, json={"query": "{ __typename }"}).status_code == 200


def test_request_log_records_operation_variables_and_token(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """The log keeps operation name, variables, the token and its fingerprint, and the status."""
    fake.clear_requests()
    query = "query getAccount($n: String!) { account(accountNumber: $n) { number } }"
    gql(client, fake.url, query, {"n": "A-F523797D"}, token=f"JWT {token}")
    gql(client, fake.url, "{ __typename }")
    signed, anonymous = fake.requests
    assert signed.operation_name == "getAccount"
    assert signed.variables == {"n": "A-F523797D"}
    assert signed.token == token
    assert signed.token_fingerprint and len(signed.token_fingerprint) == 12
    assert signed.status == 200
    assert signed.number == 2
    assert not anonymous.authenticated


def test_request_log_is_thread_safe(served: FakeKraken) -> None:
    """Concurrent requests from many threads are all logged with distinct numbers."""

    def hammer() -> None:
        with httpx.Client() as http:
            for _ in range(5):
                http.post(served.url, json={"query": "{ __typename }"})

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = sorted(record.number for record in served.requests)
    assert numbers == list(range(1, 41))


async def test_async_client_works(served: FakeKraken) -> None:
    """An httpx.AsyncClient talks to the served fake like any server."""
    async with httpx.AsyncClient() as http:
        response = await http.post(served.url, json={"query": "{ __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}
