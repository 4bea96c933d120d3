"""The fake's memo of query results: it never hides faults, errors or new tokens."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from fake_kraken_helpers import in_process

from kraken_energy.testing import (
    DEMO_API_KEY,
    FakeKraken,
    FakeKrakenConfig,
    ManualClock,
    Scenario,
    UnknownEnumValue,
    _asgi,
    default_scenario,
)
from kraken_energy.testing._memo import SHARED_ANSWERS

MEASUREMENTS = """query m($id: ID!) { property(id: $id) { measurements(first: 2,
  startAt: "2024-10-01T00:00:00+01:00", endAt: "2024-10-02T00:00:00+01:00") {
  edges { node { value metaData { statistics { type } } } } } } }"""
LOGIN = "mutation($k: String) { obtainKrakenToken(input: {APIKey: $k}) { token } }"


def count_executions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each query the fakes execute (rather than answer from the memo) from now on."""
    executed: list[str] = []
    real = _asgi.execute

    def execute(*args, **kwargs):
        executed.append(kwargs.get("operation_name") or "")
        return real(*args, **kwargs)

    monkeypatch.setattr(_asgi, "execute", execute)
    return executed


def post(fake: FakeKraken, query: str, variables: dict, token: str | None = None) -> dict:
    headers = {"Authorization": token} if token else {}
    with in_process(fake) as http:
        answer = http.post(fake.url, json={"query": query, "variables": variables}, headers=headers)
    return answer.json()


def test_repeated_query_gives_the_same_answer() -> None:
    """A second identical query answers exactly as the first."""
    fake = FakeKraken()
    token = fake.issue_token()
    assert post(fake, MEASUREMENTS, {"id": "308641"}, token) == post(
        fake, MEASUREMENTS, {"id": "308641"}, token)


def test_faults_still_apply_after_a_cached_answer() -> None:
    """A fault on a later request rewrites its answer even though the query was answered before."""
    fake = FakeKraken()
    token = fake.issue_token()
    post(fake, MEASUREMENTS, {"id": "308641"}, token)
    fake.faults.add(UnknownEnumValue(on_requests=[2], value="NEW_STATISTIC_TYPE"))
    faulted = post(fake, MEASUREMENTS, {"id": "308641"}, token)
    statistic = faulted["data"]["property"]["measurements"]["edges"][0]["node"]["metaData"]
    assert statistic["statistics"][0]["type"] == "NEW_STATISTIC_TYPE"


def test_auth_is_checked_before_any_cached_answer() -> None:
    """An expired token gets KT-CT-1124 even for a query answered before."""
    fake = FakeKraken()
    token = fake.issue_token()
    post(fake, MEASUREMENTS, {"id": "308641"}, token)
    fake.expire_all_tokens()
    answer = post(fake, MEASUREMENTS, {"id": "308641"}, token)
    assert answer["errors"][0]["extensions"]["errorCode"] == "KT-CT-1124"


def test_mutations_are_never_cached() -> None:
    """obtainKrakenToken answers are never memoised; a query's answer is."""
    SHARED_ANSWERS.clear()
    fake = FakeKraken()
    assert post(fake, LOGIN, {"k": DEMO_API_KEY})["data"]["obtainKrakenToken"]["token"]
    post(fake, MEASUREMENTS, {"id": "308641"}, fake.issue_token())
    memoised = [key[1] for key in SHARED_ANSWERS.held() if key[0] == fake.app._answers_identity]
    assert memoised == [MEASUREMENTS]


def test_kept_alive_requests_do_not_stall() -> None:
    """The listening socket disables Nagle, so connections answering kept-alive requests do too."""
    import socket

    with FakeKraken() as fake:
        listener = fake._socket
        assert listener is not None
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_latency_alone_does_not_bypass_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Latency changes no answer, so a delayed repeat is still served from the memo."""
    from kraken_energy.testing import Latency

    fake = FakeKraken()
    token = fake.issue_token()
    fake.faults.add(Latency(seconds=0.001))
    first = post(fake, MEASUREMENTS, {"id": "308641"}, token)
    executed = count_executions(monkeypatch)
    assert post(fake, MEASUREMENTS, {"id": "308641"}, token) == first
    assert executed == []


def reading_values(answer: dict) -> list[str]:
    edges = answer["data"]["property"]["measurements"]["edges"]
    return [edge["node"]["value"] for edge in edges]


def with_channel(scenario: Scenario, **changes) -> Scenario:
    """The scenario with every channel of the demo property changed as given."""
    account = scenario.accounts[0]
    prop = account.properties[0]
    points = tuple(
        dataclasses.replace(
            point, channels=tuple(dataclasses.replace(c, **changes) for c in point.channels))
        for point in prop.meter_points
    )
    prop = dataclasses.replace(prop, meter_points=points)
    account = dataclasses.replace(account, properties=(prop, *account.properties[1:]))
    return dataclasses.replace(scenario, accounts=(account, *scenario.accounts[1:]))


def test_fakes_alike_share_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second fake with an equal scenario answers a query the first executed from the memo."""
    first, second = FakeKraken(), FakeKraken(scenario=default_scenario())
    expected = post(first, MEASUREMENTS, {"id": "308641"}, first.issue_token())
    executed = count_executions(monkeypatch)

    answer = post(second, MEASUREMENTS, {"id": "308641"}, second.issue_token())

    assert (answer, executed) == (expected, [])


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"scenario": with_channel(default_scenario(), seed=7)}, id="other-data"),
        # Equal by == yet printed differently: sharing must not rest on what today's
        # formatting of a reading happens to hide.
        pytest.param(
            {"scenario": with_channel(default_scenario(), rate_excl_tax=Decimal("20.0"))},
            id="equal-not-identical",
        ),
        pytest.param({"config": FakeKrakenConfig(max_page_size=2)}, id="page-size"),
        pytest.param(
            {"clock": ManualClock(dt.datetime(2024, 10, 1, 12, tzinfo=dt.UTC).timestamp())},
            id="present-moment",
        ),
    ],
)
def test_fakes_that_differ_never_share_answers(
    other: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fake differing in scenario, page size or present moment executes the query itself."""
    base = with_channel(default_scenario(), rate_excl_tax=Decimal("20.00"))
    first, second = FakeKraken(scenario=base), FakeKraken(**{"scenario": base, **other})
    post(first, MEASUREMENTS, {"id": "308641"}, first.issue_token())
    executed = count_executions(monkeypatch)

    post(second, MEASUREMENTS, {"id": "308641"}, second.issue_token())

    assert executed == ["m"]


def test_a_fake_without_a_memo_executes_every_query(monkeypatch: pytest.MonkeyPatch) -> None:
    """result_cache_size=0 neither reads the shared memo nor adds to it."""
    shared = FakeKraken()
    post(shared, MEASUREMENTS, {"id": "308641"}, shared.issue_token())
    own = FakeKraken(config=FakeKrakenConfig(result_cache_size=0))
    executed = count_executions(monkeypatch)

    for _ in range(2):
        post(own, MEASUREMENTS, {"id": "308641"}, own.issue_token())

    assert executed == ["m", "m"]
