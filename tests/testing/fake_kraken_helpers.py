"""Helpers shared by the fake Kraken's tests (a uniquely named module, imported directly)."""

from __future__ import annotations

from typing import Any

import httpx

from kraken_energy.testing import DEMO_API_KEY, FakeKraken


def in_process(fake: FakeKraken) -> httpx.Client:
    """Return a synchronous client (a context manager) that reaches the fake in process."""
    return httpx.Client(transport=fake.transport(), base_url=fake.base_url)


LOGIN = """
mutation obtainKrakenToken($input: ObtainJSONWebTokenInput!) {
  obtainKrakenToken(input: $input) { token refreshToken refreshExpiresIn payload }
}
"""


def gql(
    client: httpx.Client,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """POST one GraphQL operation and return the decoded JSON body (asserting HTTP 200)."""
    headers = {"Authorization": token} if token else {}
    response = client.post(
        url, json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def login(client: httpx.Client, url: str, **credentials: str) -> str:
    """Obtain a token with the given credentials (the demo API key by default)."""
    body = gql(client, url, LOGIN, {"input": credentials or {"APIKey": DEMO_API_KEY}})
    token: str = body["data"]["obtainKrakenToken"]["token"]
    return token
