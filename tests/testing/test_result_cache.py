"""The fake's memo of query results: it never hides faults, errors or new tokens."""

from fake_kraken_helpers import in_process

from kraken_energy.testing import DEMO_API_KEY, FakeKraken, UnknownEnumValue

MEASUREMENTS = """query m($id: ID!) { property(id: $id) { measurements(first: 2,
  startAt: "2024-10-01T00:00:00+01:00", endAt: "2024-10-02T00:00:00+01:00") {
  edges { node { value metaData { statistics { type } } } } } } }"""
LOGIN = "mutation($k: String) { obtainKrakenToken(input: {APIKey: $k}) { token } }"


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
    fake = FakeKraken()
    assert post(fake, LOGIN, {"k": DEMO_API_KEY})["data"]["obtainKrakenToken"]["token"]
    post(fake, MEASUREMENTS, {"id": "308641"}, fake.issue_token())
    memoised = [key[0] for key in fake.app._results]
    assert memoised == [MEASUREMENTS]


def test_kept_alive_requests_do_not_stall() -> None:
    """The listening socket disables Nagle, so connections answering kept-alive requests do too."""
    import socket

    with FakeKraken() as fake:
        listener = fake._socket
        assert listener is not None
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_latency_alone_does_not_bypass_the_memo() -> None:
    """Latency changes no answer, so a delayed repeat is still served from the memo."""
    from kraken_energy.testing import Latency

    fake = FakeKraken()
    token = fake.issue_token()
    fake.faults.add(Latency(seconds=0.001))
    first = post(fake, MEASUREMENTS, {"id": "308641"}, token)
    assert post(fake, MEASUREMENTS, {"id": "308641"}, token) == first
    assert len(fake.app._results) == 1
