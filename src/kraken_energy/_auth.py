"""`KrakenAuth`: Kraken's token lifecycle as an `httpx.Auth` flow.

For every request the flow:
1. makes sure a token is held that will not expire within `refresh_margin_seconds` (the JWT's
   `exp`), obtaining one when needed: with the refresh token while Kraken's `refreshExpiresIn`
   says it is valid, otherwise (or when Kraken refuses it) with the original credential;
2. attaches the raw token as `Authorization`;
3. if Kraken answers that the token expired or was invalidated (KT-CT-1120, 1124, 1125-1127,
   1162, 1163): when a newer token has been obtained since the request left, replays it with
   that token; otherwise renews and replays. A request renews at most
   `MAX_RENEWALS_PER_REQUEST` times; the next rejection is its `TokenExpiredError`.

Token requests (`obtainKrakenToken`, or the OAuth `/token/` endpoint) are sent without any
`Authorization` header: a stale one makes even them fail.

Renewal is single flight, whatever its outcome. Tokens carry a generation (1 for the first, 2
for the next ...). The first request to find the generation it holds stale leads the renewal:
it sends the token request, retried by the client's `RetryPolicy` (502s, rate limits ...), and
every request that finds the same generation stale meanwhile waits for that outcome: the new
token, or the one failure, which then reaches each of them and is not retried again. Bad
credentials fail at once, never retried. The flight's outcome is a thread-safe
`concurrent.futures.Future` that any event loop can await, so clients in different loops (or
threads) may share one `KrakenAuth`: no lock or future is bound to a loop.

A token is renewed `refresh_margin_seconds` before its expiry, but never earlier than a tenth
of its lifetime before it. A token whose lifetime is missing, zero, negative or not finite is
used until Kraken rejects it (logged at debug level).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, replace
from typing import Any, Final

import httpx

from ._constants import DEFAULT_MAX_RESPONSE_BYTES
from ._credentials import Credential, OAuthClientCredentials, Token
from ._errors import (
    AuthenticationFailedError,
    InvalidArgumentError,
    InvalidResponseError,
    KrakenError,
    RateLimitedError,
    TokenExpiredError,
    check_response,
)
from ._exchange import checked_size_limit, read_limited
from ._retry import RetryPolicy, retrying
from ._token_cache import TokenCache
from ._tokens import (
    Tokens,
    is_token_error,
    jwt_expiry,
    kraken_tokens,
    oauth_tokens,
    obtain_request,
)
from ._urls import checked_url

DEFAULT_REFRESH_MARGIN_SECONDS: Final = 120.0
"""Renew a token this long before its `exp`, so no request leaves with a token about to lapse."""

MAX_RENEWALS_PER_REQUEST: Final = 3
"""Token renewals one request may cause or wait for before its rejection is final."""

_MARGIN_SHARE_OF_LIFETIME: Final = 0.1
"""The refresh margin never exceeds this share of a token's lifetime (short-lived tokens)."""


@dataclass
class _Flight:
    """One renewal in progress, for the tokens of generation `stale`; awaitable from any loop."""

    stale: int
    outcome: concurrent.futures.Future[None]


class KrakenAuth(httpx.Auth):
    """Authenticates requests to Kraken with any `Credential`, renewing tokens as needed.

    Args:
        credential: an `APIKey`, `EmailPassword`, `OrganizationSecretKey`, `PreSignedKey`,
            `RefreshToken`, `Token` or `OAuthClientCredentials`.
        token_url: the OAuth `/token/` endpoint, for `OAuthClientCredentials` without one.
        refresh_margin_seconds: renew this long before the token's expiry.
        token_cache: a file to keep tokens in between runs (written atomically with mode 0600,
            read without following links; see `kraken_energy._token_cache`); nothing is
            written to disk unless this is given.
        clock: the time in Unix seconds (tests pass a fake).
        retry: how a token request is retried (once, by the renewal that sends it); defaults
            to `RetryPolicy()`. `KrakenClient` passes its own.
        max_response_bytes: the largest answer this flow reads (`ResponseTooLargeError`).

    Raises:
        InvalidArgumentError: OAuth credentials without any token URL; a token URL that is
            not https (plain http only to loopback) or holds credentials; a token cache in a
            folder other users can write to.

    Example:
        >>> auth = KrakenAuth(APIKey("sk_live_..."))
        >>> client = KrakenClient(auth=auth)
    """

    def __init__(
        self,
        credential: Credential,
        *,
        token_url: str | None = None,
        refresh_margin_seconds: float = DEFAULT_REFRESH_MARGIN_SECONDS,
        token_cache: str | os.PathLike[str] | None = None,
        clock: Callable[[], float] = time.time,
        retry: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._credential = credential
        self._token_url = checked_url(token_url, "token_url") if token_url is not None else None
        if isinstance(credential, OAuthClientCredentials):
            if credential.token_url:
                self._token_url = checked_url(credential.token_url, "token_url")
            if not self._token_url:
                raise InvalidArgumentError(
                    "token_url", "OAuth client credentials need the brand's /token/ URL"
                )
        self._margin = refresh_margin_seconds
        self._max_bytes = checked_size_limit(max_response_bytes)
        self._cache = TokenCache(token_cache) if token_cache is not None else None
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._state = threading.Lock()  # guards `_tokens` and `_flight`, never held across await
        self._flight: _Flight | None = None
        self._tokens: Tokens | None = None
        self._generation = 0  # of the last tokens obtained; given or cached ones are 0
        self.rate_limits = 0
        """Token answers that were rate limits (KT-CT-1199, HTTP 429), retried ones included."""
        if isinstance(credential, Token):
            self._tokens = Tokens(credential.token, jwt_expiry(credential.token))
        elif self._cache is not None:
            self._tokens = self._cache.load(self._fingerprint())

    def __repr__(self) -> str:
        return f"KrakenAuth({self._credential!r})"

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Attach a fresh token; on a token error, replay with a newer one or renew first."""
        tokens = self._tokens
        renew = tokens is None or self._stale(tokens)
        renewals = replays = 0
        while True:
            if renew:
                renewal = self._renewal(tokens, request.url)
                try:
                    token_request = await anext(renewal, None)
                    while token_request is not None:
                        response = yield token_request
                        token_request = await _asend(renewal, response)
                finally:
                    await renewal.aclose()
                tokens = self._tokens
            assert tokens is not None
            request.headers["Authorization"] = tokens.token
            response = yield request
            # This flow replaces httpx's reading of the body, within the size limit.
            await read_limited(response, self._max_bytes, None)
            if not is_token_error(response) or isinstance(self._credential, Token):
                return
            current = self._tokens
            if current is not None and current is not tokens:
                replays += 1  # renewed since this request left: replay, no new token needed
                if replays > MAX_RENEWALS_PER_REQUEST:
                    return
                tokens, renew = current, False
                continue
            if renewals == MAX_RENEWALS_PER_REQUEST:
                return  # the caller turns this rejection into TokenExpiredError
            renewals += 1
            renew = True

    def sync_auth_flow(self, request: httpx.Request) -> Any:
        raise RuntimeError("KrakenAuth works with httpx.AsyncClient only")

    # --- obtaining tokens ------------------------------------------------------------------------

    def _stale(self, tokens: Tokens) -> bool:
        if tokens.expires_at is None:
            return False
        margin = self._margin
        if tokens.lifetime is not None:
            margin = min(margin, tokens.lifetime * _MARGIN_SHARE_OF_LIFETIME)
        return tokens.expires_at - margin <= self._clock()

    async def _renewal(
        self, stale: Tokens | None, endpoint: httpx.URL
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Replace `stale`: lead the renewal (yielding its token requests) or wait for it.

        Returns without yielding when the tokens were renewed already. The caller sends each
        yielded request and hands its response back with `asend`.

        Raises:
            KrakenError: the renewal's failure, the same for every request waiting on it.
        """
        import asyncio

        generation = stale.generation if stale is not None else -1
        while True:
            with self._state:
                current = self._tokens
                if current is not None and current is not stale:
                    return  # renewed meanwhile (or loaded before the first request)
                flight = self._flight
                leading = flight is None or flight.stale != generation
                if leading:
                    flight = _Flight(generation, concurrent.futures.Future())
                    self._flight = flight
                assert flight is not None
            if leading:
                break
            try:
                await asyncio.shield(asyncio.wrap_future(flight.outcome))
                return
            except _AbandonedError:
                continue  # the leader went away (cancelled, or its connection failed): lead
        try:
            async with contextlib.aclosing(self._obtain(stale, endpoint)) as requests:
                token_request = await anext(requests, None)
                while token_request is not None:
                    token_request = await _asend(requests, (yield token_request))
        except Exception as failure:
            if isinstance(failure, KrakenError):
                failure.from_token_renewal = True  # retried already: never again by a caller
            _settle(flight, failure)
            raise
        except BaseException:
            _settle(flight, _AbandonedError())
            raise
        else:
            _settle(flight, None)
        finally:
            with self._state:
                if self._flight is flight:
                    self._flight = None

    async def _obtain(
        self, stale: Tokens | None, endpoint: httpx.URL
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Yield the token requests that replace `stale`, each retried by the policy; store.

        With the refresh token while Kraken's expiry for it has not passed; when Kraken
        refuses it, or without one, with the original credential.
        """
        if isinstance(self._credential, Token):
            raise TokenExpiredError(
                [
                    {
                        "message": "The ready-made token has expired and cannot be renewed.",
                        "extensions": {"errorCode": "KT-CT-1124", "errorType": "APPLICATION"},
                    }
                ],
                None,
                "obtainKrakenToken",
            )
        steps: list[tuple[str, Callable[[], httpx.Request]]] = []
        refresh = self._usable_refresh_token(stale)
        if refresh is not None:
            steps.append(("refresh", lambda: obtain_request(endpoint, {"refreshToken": refresh})))
        if isinstance(self._credential, OAuthClientCredentials):
            steps.append(("oauth", self._oauth_request))
        else:
            fields = self._credential.input()
            assert fields is not None
            steps.append(("credential", lambda: obtain_request(endpoint, fields)))
        for kind, build in steps:
            tokens: Tokens | None = None
            async for attempt in retrying(self._retry, mutation=False):
                response = yield build()  # outside `attempt`: closing the flow is no failure
                with attempt:
                    try:
                        tokens = await self._accept(kind, response)
                    except RateLimitedError:
                        self.rate_limits += 1
                        raise
            if tokens is not None:
                with self._state:
                    self._generation += 1
                    self._tokens = replace(tokens, generation=self._generation)
                self._write_cache()
                return
        raise AssertionError("the credential step either stores tokens or raises")

    def _oauth_request(self) -> httpx.Request:
        assert isinstance(self._credential, OAuthClientCredentials) and self._token_url
        return httpx.Request(
            "POST",
            self._token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self._credential.client_id,
                "client_secret": self._credential.client_secret,
            },
        )

    def _usable_refresh_token(self, stale: Tokens | None) -> str | None:
        if stale is None or not stale.refresh_token:
            return None
        if stale.refresh_expires_at is not None and stale.refresh_expires_at <= self._clock():
            return None  # Kraken's own expiry for it has passed: go straight to the credential
        return stale.refresh_token

    async def _accept(self, kind: str, response: httpx.Response) -> Tokens | None:
        """Return the tokens a token response carries; None when Kraken refused the refresh token.

        Raises:
            KrakenError: what the response says went wrong (bad credentials, 502, 1199 ...).
        """
        operation = "oauth/token" if kind == "oauth" else "obtainKrakenToken"
        await read_limited(response, self._max_bytes, operation)
        try:
            return self._tokens_of(kind, response, operation)
        except KrakenError:
            raise
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError, OverflowError):
            pass  # raised below, outside the handler: the parser's error quotes the answer
        raise InvalidResponseError("the token answer could not be read", "", operation)

    def _tokens_of(self, kind: str, response: httpx.Response, operation: str) -> Tokens | None:
        if kind == "oauth":
            return oauth_tokens(response, self._clock())
        try:
            data = check_response(response, operation)
        except AuthenticationFailedError:
            if kind == "refresh":
                return None  # refused refresh token: fall back to the credential
            raise
        return kraken_tokens(data, self._clock())

    # --- optional cache on disk ------------------------------------------------------------------

    def _fingerprint(self) -> str:
        secret = json.dumps([type(self._credential).__name__, vars(self._credential)], default=str)
        return hashlib.sha256(secret.encode()).hexdigest()

    def _write_cache(self) -> None:
        if self._cache is not None and self._tokens is not None:
            self._cache.save(self._fingerprint(), self._tokens)


class _AbandonedError(Exception):
    """The leader of a renewal went away without an outcome; a waiting request leads anew."""


def _settle(flight: _Flight, failure: BaseException | None) -> None:
    """Give a flight its outcome, which every request waiting on it receives, in any loop."""
    if flight.outcome.done():
        return
    if failure is None:
        flight.outcome.set_result(None)
    else:
        flight.outcome.set_exception(failure)


async def _asend(
    generator: AsyncGenerator[httpx.Request, httpx.Response], response: httpx.Response
) -> httpx.Request | None:
    """Send `response` into a token-request generator; None when it has finished."""
    try:
        return await generator.asend(response)
    except StopAsyncIteration:
        return None
