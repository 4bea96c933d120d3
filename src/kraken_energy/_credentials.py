"""The credentials Kraken accepts, brand presets, and reading both from the environment.

A credential's secret never appears in its `repr`, and never in an error message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ._errors import InvalidArgumentError


@dataclass(frozen=True)
class Brand:
    """One Kraken: its GraphQL endpoint and its OAuth token endpoint."""

    name: str
    url: str
    auth_url: str


def _brand(name: str, host: str) -> Brand:
    # The auth server follows `auth.<brand domain>` (FACTS: endpoints).
    domain = host.removeprefix("api.")
    return Brand(name, f"https://{host}/v1/graphql/", f"https://auth.{domain}/token/")


BRANDS: Final[Mapping[str, Brand]] = {
    brand.name: brand
    for brand in (
        _brand("octopus-gb", "api.octopus.energy"),
        _brand("octopus-de", "api.oeg-kraken.energy"),
        _brand("octopus-es", "api.oees-kraken.energy"),
        _brand("octopus-fr", "api.oefr-kraken.energy"),
        _brand("octopus-it", "api.oeit-kraken.energy"),
        _brand("octopus-jp", "api.oejp-kraken.energy"),
        _brand("octopus-us", "api.oeus-kraken.energy"),
        _brand("octopus-nz", "api.oenz-kraken.energy"),
        _brand("edf-gb", "api.edfgb-kraken.energy"),
        _brand("eon-next", "api.eonnext-kraken.energy"),
    )
}
"""Every Kraken in FACTS.md, by the name `KrakenClient(brand=...)` and `KRAKEN_BRAND` take."""


def brand(name: str) -> Brand:
    """Look a brand up by name.

    Raises:
        InvalidArgumentError: the name is not a known brand (the message lists them).
    """
    try:
        return BRANDS[name]
    except KeyError:
        known = ", ".join(sorted(BRANDS))
        raise InvalidArgumentError("brand", f"unknown brand {name!r}; known: {known}") from None


class Credential:
    """Base of every credential; `input()` is its `obtainKrakenToken` input, if it has one."""

    kind: str = "credential"

    def input(self) -> dict[str, str] | None:
        """Return the `ObtainJSONWebTokenInput` fields this credential sends, or None."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(***)"


@dataclass(frozen=True, repr=False)
class APIKey(Credential):
    """A Kraken API key (the dashboard's `sk_live_...`)."""

    key: str
    kind = "api-key"

    def input(self) -> dict[str, str]:
        return {"APIKey": self.key}


@dataclass(frozen=True, repr=False)
class EmailPassword(Credential):
    """An account user's email and password (sent together)."""

    email: str
    password: str
    kind = "email-password"

    def input(self) -> dict[str, str]:
        return {"email": self.email, "password": self.password}


@dataclass(frozen=True, repr=False)
class OrganizationSecretKey(Credential):
    """An organisation's secret key (third parties acting for many accounts)."""

    key: str
    kind = "organization-secret-key"

    def input(self) -> dict[str, str]:
        return {"organizationSecretKey": self.key}


@dataclass(frozen=True, repr=False)
class PreSignedKey(Credential):
    """A pre-signed key (short-lived, scoped access handed out by Kraken)."""

    key: str
    kind = "pre-signed-key"

    def input(self) -> dict[str, str]:
        return {"preSignedKey": self.key}


@dataclass(frozen=True, repr=False)
class RefreshToken(Credential):
    """A refresh token from an earlier `obtainKrakenToken`; valid for days."""

    token: str
    kind = "refresh-token"

    def input(self) -> dict[str, str]:
        return {"refreshToken": self.token}


@dataclass(frozen=True, repr=False)
class Token(Credential):
    """A ready-made Kraken token (JWT). It cannot be renewed: when it expires, calls fail."""

    token: str
    kind = "token"


@dataclass(frozen=True, repr=False)
class OAuthClientCredentials(Credential):
    """An OAuth application's client id and secret, exchanged at the brand's `/token/`."""

    client_id: str
    client_secret: str
    token_url: str | None = field(default=None)
    kind = "oauth-client-credentials"


# (argument of KrakenClient.from_env, environment variable) pairs, in the order they are tried.
ENVIRONMENT: Final = (
    ("url", "KRAKEN_URL"),
    ("brand", "KRAKEN_BRAND"),
    ("api_key", "KRAKEN_API_KEY"),
    ("email", "KRAKEN_EMAIL"),
    ("password", "KRAKEN_PASSWORD"),
    ("organization_secret_key", "KRAKEN_ORGANIZATION_SECRET_KEY"),
    ("pre_signed_key", "KRAKEN_PRE_SIGNED_KEY"),
    ("token", "KRAKEN_TOKEN"),
    ("client_id", "KRAKEN_CLIENT_ID"),
    ("client_secret", "KRAKEN_CLIENT_SECRET"),
    ("auth_url", "KRAKEN_AUTH_URL"),
)


def credential_from(values: Mapping[str, str | None]) -> Credential | None:
    """Build the one credential that `values` (argument name -> value) describe, if any.

    Raises:
        InvalidArgumentError: half a pair (email without password, client id without secret),
            or more than one kind of credential; the message names arguments and variables.
    """
    given = {name: value for name, value in values.items() if value}
    variable = dict(ENVIRONMENT)

    def name(argument: str) -> str:
        return f"{argument} ({variable[argument]})"

    for first, second in (("email", "password"), ("client_id", "client_secret")):
        if (first in given) != (second in given):
            missing, present = (second, first) if first in given else (first, second)
            raise InvalidArgumentError(
                missing, f"{name(missing)} is required together with {name(present)}"
            )
    candidates: list[Credential] = []
    if "api_key" in given:
        candidates.append(APIKey(given["api_key"]))
    if "email" in given:
        candidates.append(EmailPassword(given["email"], given["password"]))
    if "organization_secret_key" in given:
        candidates.append(OrganizationSecretKey(given["organization_secret_key"]))
    if "pre_signed_key" in given:
        candidates.append(PreSignedKey(given["pre_signed_key"]))
    if "token" in given:
        candidates.append(Token(given["token"]))
    if "client_id" in given:
        candidates.append(
            OAuthClientCredentials(
                given["client_id"], given["client_secret"], given.get("auth_url")
            )
        )
    if len(candidates) > 1:
        kinds = ", ".join(c.kind for c in candidates)
        raise InvalidArgumentError("credentials", f"give one kind of credential, not {kinds}")
    return candidates[0] if candidates else None


def environment_values(environ: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """Read the from_env arguments from the environment (argument name -> value)."""
    source: Mapping[str, Any] = os.environ if environ is None else environ
    return {argument: source.get(variable) for argument, variable in ENVIRONMENT}
