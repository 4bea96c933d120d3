"""Authentication: obtainKrakenToken, the Authorization header, OAuth client credentials."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from fake_kraken_helpers import LOGIN, gql, in_process, login

from kraken_energy.testing import (
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_EMAIL,
    DEMO_ORGANIZATION_KEY,
    DEMO_PASSWORD,
    DEMO_PRE_SIGNED_KEY,
    FakeKraken,
    FakeKrakenConfig,
    ManualClock,
)

VIEWER = "query getViewerAccounts { viewer { accounts { number } } }"
ACCOUNT = "query getAccount($n: String!) { account(accountNumber: $n) { number } }"


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


@pytest.mark.parametrize(
    "credentials",
    [
        {"APIKey": DEMO_API_KEY},
        {"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        {"organizationSecretKey": DEMO_ORGANIZATION_KEY},
        {"preSignedKey": DEMO_PRE_SIGNED_KEY},
    ],
    ids=["api-key", "email-password", "organization-key", "pre-signed-key"],
)
def test_each_credential_kind_obtains_a_jwt(
    fake: FakeKraken, client: httpx.Client, credentials: dict[str, str]
) -> None:
    """Every credential kind yields a three-part JWT whose payload is its claims, valid an hour."""
    body = gql(client, fake.url, LOGIN, {"input": credentials})
    result = body["data"]["obtainKrakenToken"]
    claims = _claims(result["token"])
    assert len(result["token"].split(".")) == 3
    assert claims == result["payload"]
    assert {"sub", "gty", "iat", "exp", "tokenUse", "iss"} <= claims.keys()
    assert claims["exp"] - claims["iat"] == 3600
    assert result["refreshExpiresIn"] - claims["iat"] == 7 * 24 * 3600


def test_refresh_token_obtains_a_new_token(fake: FakeKraken, client: httpx.Client) -> None:
    """A refresh token from a first login obtains a working token."""
    first = gql(client, fake.url, LOGIN, {"input": {"APIKey": DEMO_API_KEY}})
    refresh = first["data"]["obtainKrakenToken"]["refreshToken"]
    second = gql(client, fake.url, LOGIN, {"input": {"refreshToken": refresh}})
    token = second["data"]["obtainKrakenToken"]["token"]
    assert gql(client, fake.url, VIEWER, token=token)["data"]["viewer"]["accounts"]


@pytest.mark.parametrize(
    ("credentials", "code", "input_path"),
    [
        ({"email": DEMO_EMAIL, "password": "wrong"}, "KT-CT-1138", ["input", "email"]),
        ({"APIKey": "sk_live_nope"}, "KT-CT-1139", ["input", "APIKey"]),
        ({"organizationSecretKey": "nope"}, "KT-CT-1140", ["input", "organizationSecretKey"]),
        ({"preSignedKey": "nope"}, "KT-CT-1141", ["input", "preSignedKey"]),
        ({"refreshToken": "nope"}, "KT-CT-1135", ["input", "refreshToken"]),
        ({"email": DEMO_EMAIL}, "KT-CT-1136", ["input", "password"]),
        ({"APIKey": DEMO_API_KEY, "preSignedKey": "x"}, "KT-CT-1137", ["input"]),
        ({}, "KT-CT-1137", ["input"]),
    ],
)
def test_bad_credentials_get_kraken_validation_errors(
    fake: FakeKraken,
    client: httpx.Client,
    credentials: dict[str, str],
    code: str,
    input_path: list[str],
) -> None:
    """Wrong, missing or mixed credentials fail with Kraken's VALIDATION error shape."""
    body = gql(client, fake.url, LOGIN, {"input": credentials})
    (error,) = body["errors"]
    assert body["data"] == {"obtainKrakenToken": None}
    assert error["message"] == "Invalid data."
    assert error["path"] == ["obtainKrakenToken"]
    assert error["locations"]
    assert error["extensions"]["errorCode"] == code
    assert error["extensions"]["errorType"] == "VALIDATION"
    assert error["extensions"]["errorClass"] == "VALIDATION"
    assert error["extensions"]["validationErrors"][0]["inputPath"] == input_path


def test_expired_refresh_token_is_kt_ct_1134() -> None:
    """A refresh token past refreshExpiresIn fails with KT-CT-1134."""
    clock = ManualClock(1_700_000_000)
    fake = FakeKraken(clock=clock)
    with in_process(fake) as client:
        first = gql(client, fake.url, LOGIN, {"input": {"APIKey": DEMO_API_KEY}})
        clock.advance(7 * 24 * 3600)
        body = gql(
            client,
            fake.url,
            LOGIN,
            {"input": {"refreshToken": first["data"]["obtainKrakenToken"]["refreshToken"]}},
        )
    assert body["errors"][0]["extensions"]["errorCode"] == "KT-CT-1134"


def test_missing_header_is_kt_ct_1112(fake: FakeKraken, client: httpx.Client) -> None:
    """An operation without Authorization fails with KT-CT-1112 (AUTHORIZATION), data null."""
    body = gql(client, fake.url, VIEWER)
    assert body["data"] == {"viewer": None}
    assert body["errors"][0]["extensions"]["errorCode"] == "KT-CT-1112"
    assert body["errors"][0]["extensions"]["errorType"] == "AUTHORIZATION"
    assert "validationErrors" not in body["errors"][0]["extensions"]


def test_garbage_header_is_kt_ct_1143(fake: FakeKraken, client: httpx.Client) -> None:
    """A header that is not a token this API issued fails with KT-CT-1143."""
    body = gql(client, fake.url, VIEWER, token="not.a.token")
    assert body["errors"][0]["extensions"]["errorCode"] == "KT-CT-1143"
    assert body["errors"][0]["extensions"]["errorType"] == "AUTHORIZATION"


def test_jwt_prefix_is_accepted(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """`Authorization: JWT <token>` works as well as the raw token."""
    body = gql(client, fake.url, VIEWER, token=f"JWT {token}")
    assert "errors" not in body


def test_token_expires_after_an_hour() -> None:
    """An hour after issue the token fails with KT-CT-1124 "Signature of the JWT has expired."."""
    clock = ManualClock(1_700_000_000)
    fake = FakeKraken(clock=clock)
    with in_process(fake) as client:
        token = login(client, fake.url)
        fresh = gql(client, fake.url, VIEWER, token=token)
        clock.advance(3600)
        stale = gql(client, fake.url, VIEWER, token=token)
    assert "errors" not in fresh
    (error,) = stale["errors"]
    assert error["message"] == "Signature of the JWT has expired."
    assert error["extensions"]["errorCode"] == "KT-CT-1124"
    assert error["extensions"]["errorType"] == "APPLICATION"


def test_token_lifetime_is_configurable() -> None:
    """FakeKrakenConfig(token_lifetime=60) issues tokens with exp - iat = 60."""
    fake = FakeKraken(FakeKrakenConfig(token_lifetime=60, refresh_lifetime=600))
    with in_process(fake) as client:
        body = gql(client, fake.url, LOGIN, {"input": {"APIKey": DEMO_API_KEY}})
    result = body["data"]["obtainKrakenToken"]
    assert result["payload"]["exp"] - result["payload"]["iat"] == 60
    assert result["refreshExpiresIn"] - result["payload"]["iat"] == 600


def test_stale_header_breaks_obtain_token() -> None:
    """obtainKrakenToken sent with an expired token in the header fails with KT-CT-1124."""
    clock = ManualClock(1_700_000_000)
    fake = FakeKraken(clock=clock)
    with in_process(fake) as client:
        token = login(client, fake.url)
        clock.advance(4000)
        body = gql(client, fake.url, LOGIN, {"input": {"APIKey": DEMO_API_KEY}}, token=token)
    assert body["data"] == {"obtainKrakenToken": None}
    assert body["errors"][0]["extensions"]["errorCode"] == "KT-CT-1124"


def test_expire_tokens_after_uses(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """expire_tokens_after(uses=2) lets a token through twice, then KT-CT-1124."""
    fake.expire_tokens_after(uses=2)
    answers = [gql(client, fake.url, VIEWER, token=token) for _ in range(3)]
    codes = [a.get("errors", [{}])[0].get("extensions", {}).get("errorCode") for a in answers]
    assert codes == [None, None, "KT-CT-1124"]


def test_expire_tokens_after_seconds() -> None:
    """expire_tokens_after(seconds=10) expires tokens ten seconds after issue."""
    clock = ManualClock(1_700_000_000)
    fake = FakeKraken(clock=clock)
    with in_process(fake) as client:
        fake.expire_tokens_after(seconds=10)
        token = login(client, fake.url)
        clock.advance(9)
        before = gql(client, fake.url, VIEWER, token=token)
        clock.advance(1)
        after = gql(client, fake.url, VIEWER, token=token)
    assert "errors" not in before
    assert after["errors"][0]["extensions"]["errorCode"] == "KT-CT-1124"


def test_expire_all_tokens_spares_new_ones(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """expire_all_tokens() expires existing tokens while a new login still works."""
    fake.expire_all_tokens()
    old = gql(client, fake.url, VIEWER, token=token)
    new = gql(client, fake.url, VIEWER, token=login(client, fake.url))
    assert old["errors"][0]["extensions"]["errorCode"] == "KT-CT-1124"
    assert "errors" not in new


def test_oauth_form_token_works_on_graphql(fake: FakeKraken, client: httpx.Client) -> None:
    """A client-credentials token from /token/ is accepted by the GraphQL endpoint."""
    form = {
        "grant_type": "client_credentials",
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
    }
    answer = client.post(fake.token_url, data=form)
    token = answer.json()["access_token"]
    body = gql(client, fake.url, ACCOUNT, {"n": "A-F523797D"}, token=token)
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
    assert answer.json()["expires_in"] == 3600
    assert body["data"] == {"account": {"number": "A-F523797D"}}


def test_oauth_basic_auth_is_accepted(fake: FakeKraken, client: httpx.Client) -> None:
    """HTTP Basic client authentication works on /token/."""
    answer = client.post(
        fake.token_url,
        data={"grant_type": "client_credentials"},
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
    )
    assert answer.status_code == 200
    assert answer.json()["access_token"].count(".") == 2


def test_oauth_bad_client_is_401(fake: FakeKraken, client: httpx.Client) -> None:
    """A wrong client secret answers HTTP 401 invalid_client."""
    form = {"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID, "client_secret": "x"}
    answer = client.post(fake.token_url, data=form)
    assert answer.status_code == 401
    assert answer.json() == {"error": "invalid_client"}


def test_organization_sees_any_account_but_has_no_viewer(
    fake: FakeKraken, client: httpx.Client
) -> None:
    """An organization token reads any account; viewer is refused with KT-CT-1111."""
    token = login(client, fake.url, organizationSecretKey=DEMO_ORGANIZATION_KEY)
    account = gql(client, fake.url, ACCOUNT, {"n": "A-0THER001"}, token=token)
    viewer = gql(client, fake.url, VIEWER, token=token)
    assert account["data"] == {"account": {"number": "A-0THER001"}}
    assert viewer["errors"][0]["extensions"]["errorCode"] == "KT-CT-1111"


def test_user_cannot_read_another_users_account(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """A user's token reading someone else's account gets KT-CT-1111."""
    body = gql(client, fake.url, ACCOUNT, {"n": "A-0THER001"}, token=token)
    assert body["data"] == {"account": None}
    assert body["errors"][0]["extensions"]["errorCode"] == "KT-CT-1111"
