"""Pagination: Kraken's offset cursors and its KT-CT-12xx codes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fake_kraken_helpers import gql, in_process, login

from kraken_energy.testing import FakeKraken, FakeKrakenConfig, ManualClock

PAGE = """
query($first: Int, $cursor: String) {
  property(id: "308641") {
    measurements(first: $first, after: $cursor, startOn: "2024-10-01", endOn: "2024-10-01") {
      totalCount edgeCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { value ... on IntervalMeasurementType { startAt } } }
    }
  }
}
"""


def page(client: httpx.Client, fake: FakeKraken, token: str, **variables: Any) -> dict[str, Any]:
    """One page of the demo property's 48 half-hours of 2024-10-01."""
    return gql(client, fake.url, PAGE, variables, token=token)


def error_code(body: dict[str, Any]) -> str:
    """The first error's KT-CT code."""
    code: str = body["errors"][0]["extensions"]["errorCode"]
    return code


def test_cursors_are_base64_offsets(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """Edge cursors decode to arrayconnection:N, counting from 0."""
    edges = page(client, fake, token, first=3)["data"]["property"]["measurements"]["edges"]
    assert [base64.b64decode(e["cursor"]).decode() for e in edges] == [
        "arrayconnection:0",
        "arrayconnection:1",
        "arrayconnection:2",
    ]


def test_walking_pages_yields_everything_once(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """Following endCursor page by page returns all 48 readings in order, then stops."""
    whole = page(client, fake, token, first=48)["data"]["property"]["measurements"]
    seen: list[dict[str, Any]] = []
    cursor, pages, infos = None, 0, []
    while True:
        connection = page(client, fake, token, first=10, cursor=cursor)["data"]["property"][
            "measurements"
        ]
        seen += [edge["node"] for edge in connection["edges"]]
        infos.append(connection["pageInfo"])
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        cursor = connection["pageInfo"]["endCursor"]
    assert seen == [edge["node"] for edge in whole["edges"]]
    assert pages == 5
    assert whole["totalCount"] == 48
    assert connection["edgeCount"] == 8
    assert infos[0]["hasPreviousPage"] is False


def test_first_is_required(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """Without first (or last) the connection fails with KT-CT-1201, a VALIDATION error."""
    body = page(client, fake, token)
    assert error_code(body) == "KT-CT-1201"
    assert body["errors"][0]["extensions"]["errorType"] == "VALIDATION"
    assert body["data"] == {"property": {"measurements": None}}


def test_page_size_cap_is_configurable() -> None:
    """With max_page_size=100, first: 100 passes and first: 101 fails with KT-CT-1203."""
    fake = FakeKraken(FakeKrakenConfig(max_page_size=100))
    with in_process(fake) as client:
        token = login(client, fake.url)
        allowed = page(client, fake, token, first=100)
        refused = page(client, fake, token, first=101)
    assert "errors" not in allowed
    assert error_code(refused) == "KT-CT-1203"


def test_default_cap_allows_the_documented_thousand(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """The default maximum accepts first: 1000 and refuses 1001."""
    assert "errors" not in page(client, fake, token, first=1000)
    assert error_code(page(client, fake, token, first=1001)) == "KT-CT-1203"


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        base64.b64encode(b"somethingelse:3").decode(),
        base64.b64encode(b"arrayconnection:x").decode(),
    ],
)
def test_malformed_cursor_is_kt_ct_1208(
    fake: FakeKraken, client: httpx.Client, token: str, cursor: str
) -> None:
    """A cursor that is not base64 of arrayconnection:N fails with KT-CT-1208."""
    assert error_code(page(client, fake, token, first=5, cursor=cursor)) == "KT-CT-1208"


def test_year_of_half_hours_pages_cheaply() -> None:
    """A year+ series is counted without being stored, and a late page comes back at once."""
    query = """query($cursor: String) { property(id: "308641") {
      measurements(first: 100, after: $cursor) { totalCount edges { node { value } } } } }"""
    late = base64.b64encode(b"arrayconnection:20199").decode()
    # Data runs from 2024-01-01 to the fake's present moment: 425 days of half-hours here.
    present = ManualClock(datetime(2025, 3, 1, tzinfo=UTC).timestamp())
    fake = FakeKraken(FakeKrakenConfig(max_page_size=100), clock=present)
    with in_process(fake) as client:
        token = login(client, fake.url)
        body = gql(client, fake.url, query, {"cursor": late}, token=token)
    connection = body["data"]["property"]["measurements"]
    assert connection["totalCount"] == 20400
    assert len(connection["edges"]) == 100
