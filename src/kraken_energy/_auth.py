"""`KrakenAuth`: Kraken's token lifecycle as an `httpx.Auth` flow.

For every request the flow:
1. makes sure a token is held that will not expire within `refresh_margin_seconds` (the JWT's
   `exp`), obtaining one when needed: with the refresh token while Kraken's `refreshExpiresIn`
   says it is valid, otherwise (or when Kraken refuses it) with the original credential;
2. attaches the raw token as `Authorization`;
3. if Kraken answers that the token expired or was invalidated (KT-CT-1120, 1124, 1125-1127,
   1162, 1163), obtains a new token once and replays the request.

Token requests (`obtainKrakenToken`, or the OAuth `/token/` endpoint) are sent without any
`Authorization` header: a stale one makes even them fail. When many requests find the token
stale at once, exactly one token request is made (single flight) and all proceed with its token.
Bad credentials raise `AuthenticationFailedError` at once, never retried.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import httpx
from kraken_energy_gql.client import OBTAIN_KRAKEN_TOKEN_OPERATION

from ._credentials import Credential, OAuthClientCredentials, Token
from ._errors import (
    AuthenticationFailedError,
    InvalidArgumentError,
    InvalidResponseError,
    TokenExpiredError,
    check_response,
)

if TYPE_CHECKING:
    import asyncio

DEFAULT_REFRESH_MARGIN_SECONDS: Final = 120.0
"""Renew a token this long before its `exp`, so no request leaves with a token about to lapse."""

TOKEN_ERROR_CODES: Final = frozenset(
    f"KT-CT-{n}" for n in (1120, 1124, 1125, 1126, 1127, 1162, 1163)
)
"""Answers meaning "this token is no good any more": obtain a new one and replay once."""


@dataclass(frozen=True)
class _Tokens:
    token: str
    expires_at: float | None
    refresh_token: str | None = None
    refresh_expires_at: float | None = None


class KrakenAuth(httpx.Auth):
    """Authenticates requests to Kraken with any `Credential`, renewing tokens as needed.

    Args:
        credential: an `APIKey`, `EmailPassword`, `OrganizationSecretKey`, `PreSignedKey`,
            `RefreshToken`, `Token` or `OAuthClientCredentials`.
        token_url: the OAuth `/token/` endpoint, for `OAuthClientCredentials` without one.
        refresh_margin_seconds: renew this long before the token's expiry.
        token_cache: a file to keep tokens in between runs (written with mode 0600); nothing is
            written to disk unless this is given.
        clock: the time in Unix seconds (tests pass a fake).

    Raises:
        InvalidArgumentError: OAuth credentials without any token URL.

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
    ) -> None:
        self._credential = credential
        self._token_url = token_url
        if isinstance(credential, OAuthClientCredentials):
            self._token_url = credential.token_url or token_url
            if not self._token_url:
                raise InvalidArgumentError(
                    "token_url", "OAuth client credentials need the brand's /token/ URL"
                )
        self._margin = refresh_margin_seconds
        self._cache = Path(token_cache) if token_cache is not None else None
        self._clock = clock
        self._lock: asyncio.Lock | None = None  # made on first use: asyncio loads then
        self._tokens: _Tokens | None = None
        self._attempt = "credential"  # what the token request in flight is: refresh, oauth, ...
        if isinstance(credential, Token):
            self._tokens = _Tokens(credential.token, _jwt_expiry(credential.token))
        elif self._cache is not None:
            self._tokens = self._read_cache()

    def __repr__(self) -> str:
        return f"KrakenAuth({self._credential!r})"

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Attach a fresh token; on a token error, renew once and replay the request."""
        tokens = self._tokens
        if tokens is None or self._stale(tokens):
            async with contextlib.aclosing(self._renew(tokens, request.url)) as renewals:
                async for token_request in renewals:
                    await self._accept((yield token_request))
            tokens = self._tokens
        assert tokens is not None
        request.headers["Authorization"] = tokens.token
        response = yield request
        await response.aread()  # this flow replaces httpx's, which would have read it
        if _token_error(response) and not isinstance(self._credential, Token):
            async with contextlib.aclosing(self._renew(tokens, request.url)) as renewals:
                async for token_request in renewals:
                    await self._accept((yield token_request))
            assert self._tokens is not None
            request.headers["Authorization"] = self._tokens.token
            yield request

    def sync_auth_flow(self, request: httpx.Request) -> Any:
        raise RuntimeError("KrakenAuth works with httpx.AsyncClient only")

    # --- obtaining tokens ------------------------------------------------------------------------

    def _renewal_lock(self) -> asyncio.Lock:
        """Return the lock that makes concurrent renewals one (single flight), made on first use."""
        if self._lock is None:
            import asyncio

            self._lock = asyncio.Lock()
        return self._lock

    def _stale(self, tokens: _Tokens) -> bool:
        return tokens.expires_at is not None and tokens.expires_at - self._margin <= self._clock()

    async def _renew(
        self, stale: _Tokens | None, endpoint: httpx.URL
    ) -> AsyncGenerator[httpx.Request, None]:
        """Yield the token requests that replace `stale`, one flight at a time.

        A flow that waited while another renewed finds new tokens and asks for nothing. The
        caller sends each request and hands the answer to `_accept` before asking for the next.
        """
        async with self._renewal_lock():
            if self._tokens is not None and self._tokens is not stale:
                return
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
            refresh = self._usable_refresh_token(stale)
            if refresh is not None:
                self._attempt = "refresh"
                yield _obtain_request(endpoint, {"refreshToken": refresh})
                if self._tokens is not stale:
                    return
            # No refresh token, or Kraken refused it: fall back to the original credential.
            if isinstance(self._credential, OAuthClientCredentials):
                self._attempt = "oauth"
                assert self._token_url is not None
                yield httpx.Request(
                    "POST",
                    self._token_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self._credential.client_id,
                        "client_secret": self._credential.client_secret,
                    },
                )
            else:
                fields = self._credential.input()
                assert fields is not None
                self._attempt = "credential"
                yield _obtain_request(endpoint, fields)

    def _usable_refresh_token(self, stale: _Tokens | None) -> str | None:
        if stale is None or not stale.refresh_token:
            return None
        if stale.refresh_expires_at is not None and stale.refresh_expires_at <= self._clock():
            return None  # Kraken's own expiry for it has passed: go straight to the credential
        return stale.refresh_token

    async def _accept(self, response: httpx.Response) -> None:
        """Store the tokens a token response carries, or raise what it says went wrong."""
        await response.aread()
        if self._attempt == "oauth":
            self._tokens = self._oauth_tokens(response)
        else:
            try:
                data = check_response(response, "obtainKrakenToken")
            except AuthenticationFailedError:
                if self._attempt == "refresh":
                    return  # refused refresh token: _renew falls back to the credential
                raise
            self._tokens = _kraken_tokens(data)
        self._write_cache()

    def _oauth_tokens(self, response: httpx.Response) -> _Tokens:
        if response.status_code in (400, 401, 403):
            raise AuthenticationFailedError(
                [
                    {
                        "message": "The OAuth client credentials were refused.",
                        "extensions": {
                            "errorType": "VALIDATION",
                            "errorCode": f"HTTP-{response.status_code}",
                        },
                    }
                ],
                None,
                "oauth/token",
            )
        if not response.is_success:
            check_response(response, "oauth/token")  # raises the HTTP status error
        try:
            body = response.json()
            token, lifetime = str(body["access_token"]), float(body["expires_in"])
        except (ValueError, KeyError, TypeError):
            raise InvalidResponseError("not an OAuth token response", "", "oauth/token") from None
        return _Tokens(token, self._clock() + lifetime)

    # --- optional cache on disk ------------------------------------------------------------------

    def _fingerprint(self) -> str:
        secret = json.dumps([type(self._credential).__name__, vars(self._credential)], default=str)
        return hashlib.sha256(secret.encode()).hexdigest()

    def _read_cache(self) -> _Tokens | None:
        assert self._cache is not None
        try:
            stored = json.loads(self._cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(stored, dict) or stored.get("credential") != self._fingerprint():
            return None  # a cache written for another credential is never used
        return _Tokens(
            stored["token"],
            stored.get("expires_at"),
            stored.get("refresh_token"),
            stored.get("refresh_expires_at"),
        )

    def _write_cache(self) -> None:
        if self._cache is None or self._tokens is None:
            return
        record = {
            "credential": self._fingerprint(),
            "token": self._tokens.token,
            "expires_at": self._tokens.expires_at,
            "refresh_token": self._tokens.refresh_token,
            "refresh_expires_at": self._tokens.refresh_expires_at,
        }
        descriptor = os.open(self._cache, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # also when the file existed with wider permissions
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(record, file)


def _obtain_request(endpoint: httpx.URL, fields: dict[str, str]) -> httpx.Request:
    """Build an `obtainKrakenToken` request: never with an Authorization header."""
    return httpx.Request(
        "POST",
        endpoint,
        json={
            "query": OBTAIN_KRAKEN_TOKEN_OPERATION,
            "operationName": "obtainKrakenToken",
            "variables": {"input": fields},
        },
    )


def _kraken_tokens(data: dict[str, Any]) -> _Tokens:
    from kraken_energy_gql.obtain_kraken_token import (
        ObtainKrakenToken,  # its models build on first use
    )

    result = ObtainKrakenToken.model_validate(data).obtain_kraken_token
    if result is None:
        raise InvalidResponseError("obtainKrakenToken returned null", "", "obtainKrakenToken")
    payload = result.payload if isinstance(result.payload, dict) else {}
    expires = payload.get("exp")
    return _Tokens(
        result.token,
        float(expires) if isinstance(expires, int | float) else _jwt_expiry(result.token),
        result.refresh_token,
        float(result.refresh_expires_in) if result.refresh_expires_in is not None else None,
    )


def _jwt_expiry(token: str) -> float | None:
    """Read the `exp` claim of a JWT without verifying it (only Kraken can verify it)."""
    import jwt  # only ready-made tokens need it; PyJWT costs ~40 ms of imports (urllib, http)

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    expires = claims.get("exp")
    return float(expires) if isinstance(expires, int | float) else None


def _token_error(response: httpx.Response) -> bool:
    """Whether Kraken answered that the token attached to the request is no good any more."""
    if response.status_code != 200 or b'"errors"' not in response.content:
        return False  # no errors at all: skip parsing the (possibly large) body
    try:
        body = response.json()
    except ValueError:
        return False
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return False
    return any(
        isinstance(error, dict)
        and (error.get("extensions") or {}).get("errorCode") in TOKEN_ERROR_CODES
        for error in errors
    )
