"""The fake as a server: lifecycle, transport, schema, command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fake_kraken_helpers import gql

import kraken_energy.testing as testing
from kraken_energy.testing import FakeKraken, load_schema_sdl
from kraken_energy.testing._server import IN_PROCESS_BASE_URL

SRC = Path(testing.__file__).resolve().parents[2]


def test_context_manager_serves_then_stops(http: httpx.Client) -> None:
    """The context manager serves on loopback and refuses connections after exit."""
    fake = FakeKraken()
    with fake:
        url = fake.url
        body = gql(http, url, "{ __typename }")
    assert url.startswith("http://127.0.0.1:")
    assert body == {"data": {"__typename": "Query"}}
    assert fake.url == IN_PROCESS_BASE_URL + "/v1/graphql/"
    with pytest.raises(httpx.ConnectError):
        http.post(url, json={"query": "{ __typename }"})


def test_unstarted_fake_is_reached_only_in_process() -> None:
    """Before start, the fake's URL is a name that never resolves: only its transport reaches it."""
    fake = FakeKraken()
    assert not fake.running
    assert httpx.URL(fake.url).host.endswith(".invalid")
    assert fake.token_url == IN_PROCESS_BASE_URL + "/token/"


def test_a_stopped_fake_starts_again_at_once(http: httpx.Client) -> None:
    """Right after stop, the same fake serves again (its old server still winding down)."""
    fake = FakeKraken().start()
    gql(http, fake.url, "{ __typename }")
    fake.stop()

    with fake:
        body = gql(http, fake.url, "{ __typename }")

    assert body == {"data": {"__typename": "Query"}}


def test_stop_is_idempotent() -> None:
    """Stopping twice is harmless and leaves the fake not running."""
    fake = FakeKraken().start()
    fake.stop()
    fake.stop()
    assert not fake.running


def test_pytest_fixture_gives_a_running_fake(fake_kraken: FakeKraken) -> None:
    """The plugin's fixture yields a started fake."""
    assert fake_kraken.running
    assert fake_kraken.url.endswith("/v1/graphql/")


def test_get_is_refused_like_kraken(fake: FakeKraken, client: httpx.Client) -> None:
    """A GET answers HTTP 400 "Must provide query string."."""
    response = client.get(fake.url)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Must provide query string."


def test_introspection_needs_no_token(fake: FakeKraken, client: httpx.Client) -> None:
    """Anonymous introspection lists the schema's types."""
    body = gql(client, fake.url, "{ __schema { types { name } } }")
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"PropertyType", "MeasurementConnection", "ObtainKrakenJSONWebToken"} <= names


def test_invalid_operation_gets_validation_errors(fake: FakeKraken, client: httpx.Client) -> None:
    """An unknown field is a validation error in HTTP 200, with no data."""
    body = gql(client, fake.url, "{ viewer { nonsense } }")
    assert "data" not in body
    assert "Cannot query field 'nonsense'" in body["errors"][0]["message"]
    assert body["errors"][0]["locations"]


def test_syntax_error_is_reported(fake: FakeKraken, client: httpx.Client) -> None:
    """A document that does not parse gets a syntax error in errors[]."""
    body = gql(client, fake.url, "{ viewer {")
    assert body["errors"][0]["message"].startswith("Syntax Error")


def test_unknown_path_is_404(fake: FakeKraken, client: httpx.Client) -> None:
    """Paths other than the two endpoints answer 404."""
    assert client.get(fake.base_url + "/nowhere").status_code == 404


def test_schema_sdl_loads() -> None:
    """The project's schema is found and declares the root query."""
    assert "type Query" in load_schema_sdl()


def test_public_api_is_exported() -> None:
    """Every name in __all__ exists in the package."""
    missing = [name for name in testing.__all__ if not hasattr(testing, name)]
    assert missing == []


def test_command_serves_until_interrupted(http: httpx.Client) -> None:
    """`python -m kraken_energy.testing` prints its URL, serves, and exits 0 on Ctrl-C."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kraken_energy.testing"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(5)]
        url = banner[0].rsplit(" ", 1)[-1].strip()
        body = gql(http, url, "{ __typename }")
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert url.endswith("/v1/graphql/")
    assert body["data"] == {"__typename": "Query"}
    assert "sk_test_fake_kraken_demo" in "".join(banner)
    assert process.returncode == 0
