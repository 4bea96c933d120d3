"""`KrakenClient`: the generated client with the project's HTTP set-up around it.

Every generated method calls `run_operation`, which hands the operation to the client's
`Pipeline` (`kraken_energy._pipeline`): argument checks, the cooldown after a rate limit,
authentication, the bounded exchange, classification into the `KrakenError` tree, retries by
the policy, and decoding with the operation's result type. `measurements()` checks its
arguments and hands the same pipeline to the measurement fetch (`kraken_energy._measurements`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, Unpack

import httpx
from kraken_energy_gql import Client

from ._auth import KrakenAuth
from ._constants import (
    DEFAULT_CONNECT_TIMEOUT_SECONDS,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_READ_TIMEOUT_SECONDS,
    DEFAULT_REQUEST_DEADLINE_SECONDS,
    DEFAULT_URL,
)
from ._credentials import Credential, credential_from, environment_values
from ._credentials import brand as find_brand
from ._errors import InvalidArgumentError
from ._exchange import checked_deadline, checked_size_limit
from ._pager import Paginator
from ._pagination import DEFAULT_MAX_PAGES, Connection, PageSizes
from ._pipeline import Pipeline
from ._retry import RetryPolicy
from ._urls import checked_url, token_url_for
from ._validation import result_envelope

ResultT = TypeVar("ResultT", bound="BaseModel")

if TYPE_CHECKING:  # the measurement pipeline loads on first use, not with the package
    from kraken_energy_gql.base_model import BaseModel

    from ._codegen_runtime import Operation
    from ._pages import Measurement
    from ._ratelimit import FetchStats
    from ._request import ElectricityFilter, GasFilter
    from ._series import PropertySeries

R = TypeVar("R")


class ClientOptions(TypedDict, total=False):
    """The keyword arguments of `KrakenClient` that `KrakenClient.from_env` passes on.

    The endpoint, brand and credential come from the environment; these come from the caller.
    Each means what the constructor's argument of the same name means.
    """

    http_client: httpx.AsyncClient | None
    timeout: httpx.Timeout | None
    retry: RetryPolicy | None
    token_cache: str | os.PathLike[str] | None
    deadline: float | None
    max_response_bytes: int


class KrakenClient(Client):
    """A typed async client for one Kraken GraphQL endpoint.

    Every operation in `queries/` is a method, named after the operation and returning its
    generated pydantic model: `get_measurements`, `get_property_measurements`, `get_account`,
    `get_viewer_accounts`, `obtain_kraken_token` and `rate_limit` (the viewer's points
    allowance: `(await kraken.rate_limit()).rate_limit_info.points_allowance_rate_limit`).

    A rate limit (KT-CT-1199 or HTTP 429) pauses every request of the client for one cooldown,
    as the retry policy says; past the policy's bounds a call raises `RateLimitedError`.

    Args:
        url: the GraphQL endpoint; defaults to the brand's, else Octopus Energy GB's. Plain
            `http://` is accepted only for loopback hosts (the fake Kraken).
        auth: a credential (`APIKey`, `EmailPassword`, `OrganizationSecretKey`, `PreSignedKey`,
            `RefreshToken`, `Token`, `OAuthClientCredentials`), any `httpx.Auth`, or None for
            anonymous requests. A credential gets a `KrakenAuth` that renews tokens itself.
        brand: a preset from `BRANDS` ("octopus-gb", "edf-gb", "eon-next", ...): its GraphQL
            endpoint and OAuth token endpoint.
        token_cache: a file to keep tokens in between runs (mode 0600); off unless given.
        http_client: an `httpx.AsyncClient` to send requests with. The caller keeps ownership:
            `aclose()` does not close a client that was passed in.
        timeout: connect and read timeouts; defaults to `DEFAULT_CONNECT_TIMEOUT_SECONDS` and
            `DEFAULT_READ_TIMEOUT_SECONDS`. Ignored when `http_client` is given.
        retry: the retry policy for every call; defaults to `RetryPolicy()`.
        deadline: the longest one HTTP exchange may take, token renewal and the whole body
            included (`DeadlineExceededError`); defaults to `DEFAULT_REQUEST_DEADLINE_SECONDS`,
            None for none.
        max_response_bytes: the largest answer read (`ResponseTooLargeError`); defaults to
            `DEFAULT_MAX_RESPONSE_BYTES`.

    Every operation method also takes `retry=RetryPolicy(...)`, `timeout=httpx.Timeout(...)`
    and `deadline=seconds` keyword arguments that apply to that call only. No request of the
    client follows a redirect, whatever `http_client` says: a 3xx is an `HTTPStatusError`.

    Raises:
        InvalidArgumentError (a ValueError): `url` is not an absolute http(s) URL, is plain
            http to a non-loopback host, or holds credentials; an unknown brand; a deadline or
            size limit that is not a positive number.

    Operation methods raise `InvalidArgumentError` for a bad argument before sending anything,
    and otherwise a `KrakenError` subclass (see `kraken_energy._errors` for the tree).

    Example:
        >>> async with KrakenClient("http://127.0.0.1:8000/v1/graphql/") as kraken:
        ...     page = await kraken.get_measurements(account_number="A-F523797D", first=100)

    """

    def __init__(
        self,
        url: str | None = None,
        *,
        auth: httpx.Auth | Credential | None = None,
        brand: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        token_cache: str | os.PathLike[str] | None = None,
        deadline: float | None = DEFAULT_REQUEST_DEADLINE_SECONDS,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        preset = find_brand(brand) if brand is not None else None
        endpoint = checked_url(url or (preset.url if preset else DEFAULT_URL))
        self._deadline = checked_deadline(deadline)
        self._max_bytes = checked_size_limit(max_response_bytes)
        if isinstance(auth, Credential):
            token_url = preset.auth_url if preset and not url else token_url_for(endpoint)
            auth = KrakenAuth(
                auth,
                token_url=token_url,
                token_cache=token_cache,
                retry=retry,
                max_response_bytes=self._max_bytes,
            )
        self._owns_http_client = http_client is None
        if http_client is None:
            http_client = httpx.AsyncClient(
                timeout=timeout
                or httpx.Timeout(
                    DEFAULT_READ_TIMEOUT_SECONDS, connect=DEFAULT_CONNECT_TIMEOUT_SECONDS
                )
            )
        self._auth = auth
        self._retry = retry or RetryPolicy()
        self.page_sizes = PageSizes()
        """The largest page size Kraken accepted per paginated field, learnt by this client."""
        super().__init__(url=endpoint, http_client=http_client)
        self._pipeline = Pipeline(
            endpoint,
            http_client,
            auth=auth,
            retry=self._retry,
            deadline=self._deadline,
            max_bytes=self._max_bytes,
        )
        self._cooldown = self._pipeline.cooldown

    def paginate(
        self,
        method: Callable[..., Awaitable[R]],
        connection: Connection[R],
        *,
        page_size: int | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        **arguments: Any,
    ) -> Paginator[R]:
        """Page through the connection of one generated operation.

        Args:
            method: the operation method, e.g. `kraken.get_property_measurements`.
            connection: how that operation pages, e.g. `PROPERTY_MEASUREMENTS`.
            page_size: records per page; defaults to the connection's, capped by what Kraken
                accepted before (a refused size falls back and is remembered).
            max_pages: stop with PaginationLoopError beyond this many pages.
            **arguments: the operation's other arguments.

        Raises:
            InvalidArgumentError: a page size or max_pages that is not a whole number >= 1.
            PaginationLoopError: while iterating, when cursors stop advancing.
            MissingPageError, RepeatedPageError: while iterating, when a later page is null or
                repeats nodes already received.

        Example:
            >>> pages = kraken.paginate(kraken.get_property_measurements, PROPERTY_MEASUREMENTS,
            ...                         property_id="308641", start_at=start, end_at=end)
            >>> async for node in pages:
            ...     print(node.start_at, node.value)
        """
        return Paginator(
            method, connection, self.page_sizes, arguments, page_size=page_size, max_pages=max_pages
        )  # checks page_size and max_pages at once, before anything is sent

    def measurements(
        self,
        account_number: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        start_on: date | None = None,
        end_on: date | None = None,
        timezone: str = "Europe/London",
        electricity: ElectricityFilter | None = None,
        gas: GasFilter | None = None,
        property_id: str | None = None,
        page_size: int | None = None,
        concurrency: int | None = None,
        on_total: Callable[[str, int, int], None] | None = None,
        stats: FetchStats | None = None,
        series: Sequence[PropertySeries] | None = None,
        statistics: bool = True,
    ) -> AsyncIterator[Measurement]:
        """Every reading of an account's properties in a range, each exactly once, in order.

        The range is [start, end) (aware datetimes) or the inclusive dates start_on..end_on;
        buckets lie wholly inside it. Readings come property by property, series by series
        (`Measurement.series`: utility, supply point, device, register, direction, frequency,
        quality), each series in time order; a (property, series, start) never repeats. With no
        filter every series of the account is fetched; with `electricity` and/or `gas`, only the
        series they match. Long ranges are fetched as concurrent windows aligned to the
        frequency's buckets in `timezone`, never with more requests than the pages they need. On
        a rate limit the fetch halves its concurrency (not below 1) and grows it back by one
        after a run of successes; `stats` reports what it met, and a debug line sums it up.

        Args:
            account_number: e.g. "A-F523797D".
            start: the first instant of the range (timezone-aware).
            end: the instant after the range (timezone-aware).
            start_on: instead of start, the first day of the range (inclusive).
            end_on: instead of end, the last day of the range (inclusive).
            timezone: an IANA name; bucket boundaries and returned offsets follow it.
            electricity: which electricity series (supply point, device, direction: None is
                any) and how they are read (frequency, register, quality).
            gas: which gas series (supply point, device) and how (frequency, register).
            property_id: only this property of the account.
            page_size: records per request (default 1000, falling back when refused).
            concurrency: windows in flight at once (default `DEFAULT_CONCURRENCY`).
            on_total: called as `on_total(property_id, readings, page_size)` once per property,
                as soon as the first answer says how many readings its range holds (Kraken's
                `totalCount`) and which page size is used: before any of its readings is
                yielded, e.g. to show progress against a known total.
            stats: a `FetchStats` to fill in: requests, rate limits met, the concurrency the
                fetch ended at.
            series: exactly these series (from `account_series`), fetched without discovering
                the account's again; instead of `electricity`, `gas` and `property_id`.
            statistics: False to leave each reading's statistics out of the request
                (`Measurement.statistics` is then empty): Kraken sends about half the bytes,
                and a caller that only needs the values reads pages about twice as fast.

        Raises:
            InvalidArgumentError: a missing or naive end of the range, an unknown timezone, a
                page size or concurrency below 1 (before any request); a filter or property id
                that matches nothing on the account, naming the value and listing the account's
                supply points (before any measurement request).
            NotFoundError: no such account (KT-CT-4178) or property.
            KrakenError: whatever else Kraken answers, after the retry policy.

        Example:
            >>> async for reading in kraken.measurements(
            ...         "A-F523797D", start=start, end=end,
            ...         electricity=ElectricityFilter(frequency=ReadingFrequencyType.DAY_INTERVAL)):
            ...     print(reading.start_at, reading.value)
        """
        from ._measurements import fetch_measurements
        from ._request import plan

        request = plan(
            start, end, start_on, end_on, timezone, electricity, gas, page_size, concurrency,
            statistics,
        )
        if not isinstance(account_number, str):
            raise InvalidArgumentError("account_number", "must be a string such as 'A-F523797D'")
        if series is not None and (electricity, gas, property_id) != (None, None, None):
            raise InvalidArgumentError(
                "series", "give series, or electricity/gas/property_id filters, not both"
            )
        return fetch_measurements(
            self._pipeline,
            self.page_sizes,
            account_number,
            property_id,
            request,
            on_total,
            stats,
            series,
        )

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        require_credentials: bool = True,
        **options: Unpack[ClientOptions],
    ) -> KrakenClient:
        """Build a client from environment variables.

        Reads `KRAKEN_URL` (endpoint), `KRAKEN_BRAND` (preset name), and one credential:
        `KRAKEN_API_KEY`; `KRAKEN_EMAIL` with `KRAKEN_PASSWORD`;
        `KRAKEN_ORGANIZATION_SECRET_KEY`; `KRAKEN_PRE_SIGNED_KEY`; `KRAKEN_TOKEN`; or
        `KRAKEN_CLIENT_ID` with `KRAKEN_CLIENT_SECRET` (and optionally `KRAKEN_AUTH_URL`).
        The other keyword arguments, `ClientOptions` (`http_client`, `timeout`, `retry`,
        `token_cache`), go to the constructor.

        Raises:
            InvalidArgumentError: half a pair, two kinds of credential, or none at all when
                `require_credentials` (the message names the arguments and variables); or an
                option that is not one of `ClientOptions` (the message lists the valid ones).

        Example:
            >>> kraken = KrakenClient.from_env()  # doctest: +SKIP
        """
        unknown = sorted(set(options) - ClientOptions.__optional_keys__)
        if unknown:
            valid = ", ".join(sorted(ClientOptions.__optional_keys__))
            raise InvalidArgumentError(
                "options", f"unknown option {', '.join(map(repr, unknown))}; valid: {valid}"
            )
        values = environment_values(environ)
        credential = credential_from(values)
        if credential is None and require_credentials:
            raise InvalidArgumentError(
                "auth",
                "no credential: set KRAKEN_API_KEY (api_key), KRAKEN_EMAIL and "
                "KRAKEN_PASSWORD (email, password), KRAKEN_ORGANIZATION_SECRET_KEY, "
                "KRAKEN_PRE_SIGNED_KEY, KRAKEN_TOKEN, or KRAKEN_CLIENT_ID and KRAKEN_CLIENT_SECRET",
            )
        return cls(values["url"], auth=credential, brand=values["brand"], **options)

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy every call of this client follows unless given its own."""
        return self._retry

    @property
    def rate_limits_met(self) -> int:
        """How many answers to this client's requests were rate limits (KT-CT-1199, HTTP 429).

        Token requests count (each rate-limited attempt, retried or not); the client's own
        read of the allowance after a rate limit does not.
        """
        tokens = self._auth.rate_limits if isinstance(self._auth, KrakenAuth) else 0
        return self._cooldown.rate_limits + tokens

    def __repr__(self) -> str:
        auth = type(self._auth).__name__ if self._auth is not None else None
        return f"KrakenClient(url={self.url!r}, auth={auth})"  # the URL holds no userinfo

    async def run_operation(
        self,
        operation: Operation[ResultT],
        variables: dict[str, Any],
        *,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | None = None,
        deadline: float | None = None,
    ) -> ResultT:
        """Send one generated operation and return its result model: what every method calls.

        The request goes through the client's pipeline (`kraken_energy._pipeline`). `deadline`
        (seconds) replaces the client's for this call's exchanges.

        Raises:
            InvalidArgumentError: a variable is of the wrong type or breaks Kraken's rules.
            RateLimitedError: still rate limited when the policy's bounds are reached (it says
                when the allowance resets, where known).
            KrakenError: the last attempt's error, once retries are exhausted or not allowed.
        """
        result: ResultT = await self._pipeline.call(
            operation,
            variables,
            result_envelope(operation),
            retry=retry,
            timeout=timeout,
            deadline=deadline,
        )
        return result

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http_client:
            await self.http_client.aclose()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
