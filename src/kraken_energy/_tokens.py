"""What Kraken's token answers hold, and how a rejected token looks on the wire."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Final

import httpx
from kraken_energy_gql.client import OBTAIN_KRAKEN_TOKEN_OPERATION

from ._errors import AuthenticationFailedError, InvalidResponseError, check_response, error_code

logger = logging.getLogger("kraken_energy")

TOKEN_ERROR_CODES: Final = frozenset(
    f"KT-CT-{n}" for n in (1120, 1124, 1125, 1126, 1127, 1162, 1163)
)
"""Answers meaning "this token is no good any more": obtain a new one and replay."""


@dataclass(frozen=True, slots=True, repr=False)
class Tokens:
    """A token with its expiry and refresh token, as one token request obtained them.

    Its `repr` shows the expiries only, and it has no `__dict__` (`vars()` shows nothing), so
    neither a traceback's locals nor a debugger's dump of its holder reveals a token.
    """

    token: str
    expires_at: float | None
    refresh_token: str | None = None
    refresh_expires_at: float | None = None
    lifetime: float | None = None
    """Seconds from issue to expiry, when known: it caps the refresh margin."""
    generation: int = 0
    """Which renewal of this `KrakenAuth` produced them (0: given or read from the cache)."""

    def __repr__(self) -> str:
        return (
            f"Tokens(token=***, expires_at={self.expires_at!r}, refresh_token="
            f"{'***' if self.refresh_token else None}, generation={self.generation})"
        )


def obtain_request(endpoint: httpx.URL, fields: dict[str, str]) -> httpx.Request:
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


def kraken_tokens(data: dict[str, Any], now: float) -> Tokens:
    """Return the tokens of an `obtainKrakenToken` answer's `data`, received at `now`.

    The lifetime is `exp - iat` from the payload (or the JWT), else `exp - now`.
    """
    from kraken_energy_gql.obtain_kraken_token import (
        ObtainKrakenToken,  # its models build on first use
    )

    result = ObtainKrakenToken.model_validate(data).obtain_kraken_token
    if result is None:
        raise InvalidResponseError("obtainKrakenToken returned null", "", "obtainKrakenToken")
    payload = result.payload if isinstance(result.payload, dict) else {}
    expires = payload.get("exp")
    expires_at = float(expires) if isinstance(expires, int | float) else jwt_expiry(result.token)
    issued = payload.get("iat")
    start = float(issued) if isinstance(issued, int | float) and math.isfinite(issued) else now
    lifetime = usable_lifetime(expires_at - start if expires_at is not None else None)
    return Tokens(
        result.token,
        expires_at if lifetime is not None else None,
        result.refresh_token,
        float(result.refresh_expires_in) if result.refresh_expires_in is not None else None,
        lifetime=lifetime,
    )


def usable_lifetime(seconds: object) -> float | None:
    """Return a token's lifetime in seconds, or None (debug log) when it is no usable number.

    Without one the token is used until Kraken rejects it, rather than renewed before every
    request.
    """
    usable = isinstance(seconds, int | float) and not isinstance(seconds, bool)
    if usable and math.isfinite(seconds) and seconds > 0:  # type: ignore[arg-type,operator]
        return float(seconds)  # type: ignore[arg-type]
    logger.debug("token lifetime %r is not usable: renewing only when Kraken rejects it", seconds)
    return None


def oauth_tokens(response: httpx.Response, now: float) -> Tokens:
    """Return the tokens of an OAuth `/token/` answer, or raise what it says went wrong."""
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
        token, lifetime = body["access_token"], body.get("expires_in")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise InvalidResponseError("not an OAuth token response", "", "oauth/token") from None
    if not isinstance(token, str) or not token:
        raise InvalidResponseError("not an OAuth token response", "", "oauth/token")
    usable = usable_lifetime(lifetime)
    return Tokens(token, now + usable if usable else None, lifetime=usable)


def jwt_expiry(token: str) -> float | None:
    """Read the `exp` claim of a JWT without verifying it (only Kraken can verify it)."""
    import jwt  # only ready-made tokens need it; PyJWT costs ~40 ms of imports (urllib, http)

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    expires = claims.get("exp")
    return float(expires) if isinstance(expires, int | float) else None


def is_token_error(response: httpx.Response) -> bool:
    """Whether Kraken answered that the token attached to the request is no good any more."""
    if response.status_code != 200 or b'"errors"' not in response.content:
        return False  # no errors at all: skip parsing the (possibly large) body
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return False
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return False
    return any(error_code(error) in TOKEN_ERROR_CODES for error in errors)
