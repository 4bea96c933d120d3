"""`KrakenClient`: the generated client with the project's HTTP set-up around it."""

from __future__ import annotations

import ipaddress
from typing import Any

import httpx
from kraken_gql import Client

from ._constants import (
    DEFAULT_CONNECT_TIMEOUT_SECONDS,
    DEFAULT_READ_TIMEOUT_SECONDS,
    DEFAULT_URL,
    LOOPBACK_HOSTS,
)


class KrakenClient(Client):
    """A typed async client for one Kraken GraphQL endpoint.

    Every operation in `queries/` is a method, named after the operation and returning its
    generated pydantic model: `get_measurements`, `get_property_measurements`, `get_account`,
    `get_viewer_accounts` and `obtain_kraken_token`.

    Args:
        url: the GraphQL endpoint; defaults to Octopus Energy GB's. Plain `http://` is accepted
            only for loopback hosts (the fake Kraken).
        auth: an `httpx.Auth` applied to every request, or None for anonymous requests.
        http_client: an `httpx.AsyncClient` to send requests with. The caller keeps ownership:
            `aclose()` does not close a client that was passed in.
        timeout: connect and read timeouts; defaults to `DEFAULT_CONNECT_TIMEOUT_SECONDS` and
            `DEFAULT_READ_TIMEOUT_SECONDS`. Ignored when `http_client` is given.

    Raises:
        ValueError: `url` is not an absolute http(s) URL, or is plain http to a non-loopback host.

    Example:
        >>> async with KrakenClient("http://127.0.0.1:8000/v1/graphql/") as kraken:
        ...     page = await kraken.get_measurements(account_number="A-F523797D", first=100)

    """

    def __init__(
        self,
        url: str | None = None,
        *,
        auth: httpx.Auth | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        endpoint = _checked_url(url if url is not None else DEFAULT_URL)
        self._owns_http_client = http_client is None
        if http_client is None:
            http_client = httpx.AsyncClient(
                timeout=timeout
                or httpx.Timeout(
                    DEFAULT_READ_TIMEOUT_SECONDS, connect=DEFAULT_CONNECT_TIMEOUT_SECONDS
                )
            )
        self._auth = auth
        super().__init__(url=endpoint, http_client=http_client)

    def __repr__(self) -> str:
        auth = type(self._auth).__name__ if self._auth is not None else None
        return f"KrakenClient(url={self.url!r}, auth={auth})"

    async def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one operation, with this client's auth unless the call gives its own."""
        if self._auth is not None:
            kwargs.setdefault("auth", self._auth)
        return await super().execute(query, operation_name, variables, **kwargs)

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http_client:
            await self.http_client.aclose()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _checked_url(url: str) -> str:
    """Return `url` if it is an absolute https URL, or http to a loopback host."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"url: not a valid URL: {url!r}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"url: expected an absolute http(s) URL, got {url!r}")
    if parsed.scheme == "http" and not _is_loopback(parsed.host):
        raise ValueError(
            f"url: plain http:// is refused for {parsed.host!r}; use https:// (http is allowed "
            "only for loopback hosts such as the fake Kraken)"
        )
    return url


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
