"""Credentials, JWT-shaped tokens and their checks, the way Kraken behaves.

Tokens are real JWTs, signed and checked by pyjwt (HS256 with a secret of the fake's own), carrying
``sub``, ``gty``, ``iat``, ``exp``, ``tokenUse``, ``iss`` and a ``jti``. Expiry is judged by the
fake's clock, not pyjwt's, so tests can fake time. Refresh tokens are opaque strings remembered by
the fake.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

import jwt

from ._clock import Clock
from ._data import DEMO_EMAIL, DEMO_USER_ID, Scenario
from ._kraken_codes import (
    BAD_API_KEY,
    BAD_EMAIL_PASSWORD,
    BAD_ORG_KEY,
    BAD_PRE_SIGNED_KEY,
    HEADER_INVALID,
    HEADER_MISSING,
    PASSWORD_MISSING,
    REFRESH_EXPIRED,
    REFRESH_INCORRECT,
    TOKEN_EXPIRED,
    WRONG_COMBINATION,
    CodedError,
    ErrorSpec,
)

DEMO_API_KEY: Final = "sk_test_fake_kraken_demo"
DEMO_PASSWORD: Final = "fake-kraken-password"
DEMO_ORGANIZATION_KEY: Final = "sk_test_fake_kraken_organization"
DEMO_PRE_SIGNED_KEY: Final = "fake-kraken-pre-signed-key"
DEMO_CLIENT_ID: Final = "fake-kraken-energy"
DEMO_CLIENT_SECRET: Final = "fake-kraken-energy-secret"

TOKEN_LIFETIME: Final = 3600  # seconds; Kraken's tokens last an hour (exp - iat = 3600)
REFRESH_LIFETIME: Final = 7 * 24 * 3600  # seconds; Kraken's refresh tokens last days
ISSUER: Final = "https://fake-kraken.invalid/v1/graphql/"

PrincipalKind = Literal["user", "organization", "oauth"]


@dataclass(frozen=True)
class Credentials:
    """The credentials the fake accepts; every mapping's value names who the credential is.

    Attributes:
        api_keys: API key -> user id.
        passwords: email -> password (the email must belong to a scenario user).
        organization_secret_keys: key -> organization name (sees every account).
        pre_signed_keys: key -> user id.
        oauth_clients: client id -> client secret (sees every account).

    """

    api_keys: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({DEMO_API_KEY: DEMO_USER_ID})
    )
    passwords: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({DEMO_EMAIL: DEMO_PASSWORD})
    )
    organization_secret_keys: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({DEMO_ORGANIZATION_KEY: "fake-organization"})
    )
    pre_signed_keys: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({DEMO_PRE_SIGNED_KEY: DEMO_USER_ID})
    )
    oauth_clients: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({DEMO_CLIENT_ID: DEMO_CLIENT_SECRET})
    )


@dataclass(frozen=True)
class Principal:
    """Who a token speaks for: a user (by id), an organization or an OAuth application."""

    kind: PrincipalKind
    id: str

    @property
    def subject(self) -> str:
        """The ``sub`` claim."""
        label = {"user": "account-user", "organization": "organization", "oauth": "oauth-app"}
        return f"kraken|{label[self.kind]}:{self.id}"


@dataclass(frozen=True)
class AuthState:
    """The outcome of checking a request's ``Authorization`` header."""

    header_sent: bool
    principal: Principal | None = None
    error: ErrorSpec | None = None


ALGORITHM: Final = "HS256"
# The signature and the claims' presence are pyjwt's to check; time is the fake's clock's.
_DECODE_OPTIONS: Final[Any] = {
    "require": ["sub", "exp", "iat"],
    "verify_exp": False,
    "verify_iat": False,
    "verify_nbf": False,
    "verify_iss": False,
    "verify_aud": False,
}


def token_fingerprint(token: str) -> str:
    """Return a short, stable digest of a token, for logs and assertions."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


@dataclass
class _Refresh:
    principal: Principal
    grant: str
    expires_at: int


class TokenService:
    """Issues and checks tokens; thread-safe."""

    def __init__(
        self,
        credentials: Credentials,
        scenario: Scenario,
        clock: Clock,
        *,
        secret: str,
        token_lifetime: int = TOKEN_LIFETIME,
        refresh_lifetime: int = REFRESH_LIFETIME,
    ) -> None:
        self.credentials = credentials
        self.scenario = scenario
        self.clock = clock
        self.token_lifetime = token_lifetime
        self.refresh_lifetime = refresh_lifetime
        self._secret = secret.encode()
        self._lock = threading.Lock()
        self._uses: dict[str, int] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._max_uses: int | None = None
        self._max_age: float | None = None
        self._issued: set[str] = set()
        self._revoked: set[str] = set()

    # --- issuing -------------------------------------------------------------------------------

    def issue(self, principal: Principal, grant: str) -> dict[str, Any]:
        """Return a fresh token, refresh token and payload, as ``obtainKrakenToken`` does."""
        now = int(self.clock())
        payload: dict[str, Any] = {
            "sub": principal.subject,
            "gty": grant,
            "tokenUse": "access",
            "iss": ISSUER,
            "iat": now,
            "exp": now + self.token_lifetime,
            "origIat": now,
            "jti": secrets.token_hex(8),
        }
        refresh = secrets.token_urlsafe(24)
        refresh_expires = now + self.refresh_lifetime
        with self._lock:
            self._refresh[refresh] = _Refresh(principal, grant, refresh_expires)
            self._issued.add(payload["jti"])
        return {
            "token": self._sign(payload),
            "payload": payload,
            "refreshToken": refresh,
            "refreshExpiresIn": refresh_expires,
        }

    def _sign(self, payload: Mapping[str, Any]) -> str:
        return jwt.encode(dict(payload), self._secret, algorithm=ALGORITHM)

    def obtain(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Exchange one credential for a token, as ``obtainKrakenToken`` does.

        Raises:
            CodedError: KT-CT-1134 to KT-CT-1141 for missing, mixed or wrong credentials.

        """
        given = {key for key, value in data.items() if value not in (None, "")}
        email, password = data.get("email"), data.get("password")
        kinds = given - {"email", "password"}
        if given & {"email", "password"}:
            kinds.add("email/password")
        if len(kinds) != 1:
            raise CodedError(WRONG_COMBINATION, input_path=["input"])
        if kinds == {"email/password"}:
            if not email or not password:
                missing = "password" if email else "email"
                raise CodedError(PASSWORD_MISSING, input_path=["input", missing])
            user = self.scenario.user_by_email(email)
            expected = self.credentials.passwords.get(user.email) if user else None
            if user is None or expected is None or not hmac.compare_digest(expected, password):
                raise CodedError(BAD_EMAIL_PASSWORD, input_path=["input", "email"])
            return self.issue(Principal("user", user.id), "EMAIL-AND-PASSWORD")
        (kind,) = kinds
        value = str(data[kind])
        if kind == "APIKey":
            user_id = self.credentials.api_keys.get(value)
            if user_id is None:
                raise CodedError(BAD_API_KEY, input_path=["input", "APIKey"])
            return self.issue(Principal("user", user_id), "API-KEY")
        if kind == "organizationSecretKey":
            name = self.credentials.organization_secret_keys.get(value)
            if name is None:
                raise CodedError(BAD_ORG_KEY, input_path=["input", kind])
            return self.issue(Principal("organization", name), "ORGANIZATION-SECRET-KEY")
        if kind == "preSignedKey":
            user_id = self.credentials.pre_signed_keys.get(value)
            if user_id is None:
                raise CodedError(BAD_PRE_SIGNED_KEY, input_path=["input", kind])
            return self.issue(Principal("user", user_id), "PRE-SIGNED-KEY")
        return self._use_refresh_token(value)

    def _use_refresh_token(self, value: str) -> dict[str, Any]:
        with self._lock:
            record = self._refresh.get(value)
        if record is None:
            raise CodedError(REFRESH_INCORRECT, input_path=["input", "refreshToken"])
        if self.clock() >= record.expires_at:
            raise CodedError(REFRESH_EXPIRED, input_path=["input", "refreshToken"])
        return self.issue(record.principal, record.grant)

    def oauth_token(self, client_id: str, client_secret: str) -> dict[str, Any] | None:
        """Return an OAuth client-credentials answer, or None when the client is not recognised."""
        expected = self.credentials.oauth_clients.get(client_id)
        if expected is None or not hmac.compare_digest(expected, client_secret):
            return None
        issued = self.issue(Principal("oauth", client_id), "CLIENT-CREDENTIALS")
        return {
            "access_token": issued["token"],
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
        }

    # --- checking ------------------------------------------------------------------------------

    def authenticate(self, header: str | None, *, force_expired: bool = False) -> AuthState:
        """Check an ``Authorization`` header and count one use of its token."""
        if not header or not header.strip():
            return AuthState(header_sent=False, error=HEADER_MISSING)
        token = header.strip()
        for prefix in ("JWT ", "Bearer "):
            if token.startswith(prefix):
                token = token[len(prefix) :].strip()
        payload = self._verify(token)
        if payload is None:
            return AuthState(header_sent=True, error=HEADER_INVALID)
        with self._lock:
            uses = self._uses.get(token, 0) + 1
            self._uses[token] = uses
            expired = force_expired or self._expired(payload, uses)
        if expired:
            return AuthState(header_sent=True, error=TOKEN_EXPIRED)
        kind, _, ident = str(payload["sub"]).removeprefix("kraken|").partition(":")
        kinds: dict[str, PrincipalKind] = {
            "account-user": "user",
            "organization": "organization",
            "oauth-app": "oauth",
        }
        return AuthState(header_sent=True, principal=Principal(kinds.get(kind, "user"), ident))

    def _verify(self, token: str) -> dict[str, Any] | None:
        try:
            payload: dict[str, Any] = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], options=_DECODE_OPTIONS
            )
        except jwt.InvalidTokenError:
            return None
        return payload

    def _expired(self, payload: Mapping[str, Any], uses: int) -> bool:
        now = self.clock()
        iat = float(payload.get("iat", 0))
        if now >= float(payload.get("exp", 0)):
            return True
        if self._max_uses is not None and uses > self._max_uses:
            return True
        if self._max_age is not None and now >= iat + self._max_age:
            return True
        return payload.get("jti") in self._revoked

    def expire_after(self, *, uses: int | None = None, seconds: float | None = None) -> None:
        """Make every token expire after ``uses`` requests or ``seconds`` after issue."""
        with self._lock:
            self._max_uses, self._max_age = uses, seconds

    def expire_all(self) -> None:
        """Expire every token issued so far (KT-CT-1124 from now on); new tokens still work."""
        with self._lock:
            self._revoked |= self._issued
