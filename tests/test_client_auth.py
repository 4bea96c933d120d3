"""Authentication over pytest-httpx: every credential, the token lifecycle, brands, secrecy."""

import asyncio
import inspect
import json
import logging
import os
import stat

import httpx
import jwt
import pytest
from pytest_httpx import HTTPXMock

import kraken_energy as kc
from kraken_energy import KrakenAuth, KrakenClient

URL = "https://api.kraken.test/v1/graphql/"
NOW = 1_730_000_000.0
ACCOUNT = {"data": {"account": {"number": "A-1", "status": "ACTIVE", "brand": "OCTOPUS_ENERGY",
                                "properties": []}}}


def jwt_for(sub: str, issued: float, lifetime: float = 3600) -> str:
    claims = {"sub": sub, "iat": int(issued), "exp": int(issued + lifetime)}
    return jwt.encode(claims, "a-test-signing-key-of-at-least-32-bytes", algorithm="HS256")


class Wire:
    """A pytest-httpx callback that answers like Kraken: tokens for good input, data for tokens."""

    def __init__(self, clock: "Clock", good: dict[str, object], lifetime: float = 3600) -> None:
        self.clock, self.good, self.lifetime = clock, good, lifetime
        self.valid: set[str] = set()
        self.refresh_valid: set[str] = set()
        self.token_inputs: list[dict[str, str]] = []
        self.seen_auth: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["operationName"] == "obtainKrakenToken":
            assert "Authorization" not in request.headers  # never a stale header on token calls
            fields = body["variables"]["input"]
            self.token_inputs.append(fields)
            (name, value), = fields.items() if len(fields) == 1 else [("email", fields)]
            if name == "refreshToken" and value in self.refresh_valid:
                return self.token()
            if name != "refreshToken" and self.good.get(name) == value:
                return self.token()
            code = {"APIKey": "KT-CT-1139", "email": "KT-CT-1138",
                    "organizationSecretKey": "KT-CT-1140", "refreshToken": "KT-CT-1135"
                    }.get(name, "KT-CT-1138")
            return httpx.Response(200, json={"data": {"obtainKrakenToken": None}, "errors": [{
                "message": "Invalid data.", "path": ["obtainKrakenToken"], "extensions": {
                    "errorType": "VALIDATION", "errorCode": code, "errorClass": "VALIDATION",
                    "validationErrors": [{"message": "Bad.", "inputPath": ["input", name]}]}}]})
        header = request.headers.get("Authorization")
        self.seen_auth.append(header)
        if header not in self.valid:
            return httpx.Response(200, json={"data": {"account": None}, "errors": [{
                "message": "Signature of the JWT has expired.", "extensions": {
                    "errorType": "APPLICATION", "errorCode": "KT-CT-1124"}}]})
        return httpx.Response(200, json=ACCOUNT)

    def token(self) -> httpx.Response:
        issued = self.clock()
        token = jwt_for(f"u{len(self.valid)}", issued, self.lifetime)
        refresh = f"refresh-{len(self.valid)}"
        self.valid.add(token)
        self.refresh_valid.add(refresh)
        return httpx.Response(200, json={"data": {"obtainKrakenToken": {
            "token": token, "refreshToken": refresh, "refreshExpiresIn": int(issued + 7 * 86400),
            "payload": {"sub": "u", "iat": int(issued), "exp": int(issued + self.lifetime)}}}})


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def client(credential: kc.Credential, clock: Clock, **options: object) -> KrakenClient:
    auth = KrakenAuth(credential, token_url="https://auth.kraken.test/token/", clock=clock,
                      **options)  # type: ignore[arg-type]
    return KrakenClient(URL, auth=auth)


CREDENTIALS = [
    pytest.param(kc.APIKey("sk_live_good"), {"APIKey": "sk_live_good"}, id="api key"),
    pytest.param(kc.EmailPassword("a@b.c", "pw"), {"email": {"email": "a@b.c", "password": "pw"}},
                 id="email and password"),
    pytest.param(kc.OrganizationSecretKey("org"), {"organizationSecretKey": "org"},
                 id="organization secret key"),
    pytest.param(kc.PreSignedKey("pre"), {"preSignedKey": "pre"}, id="pre-signed key"),
]


@pytest.mark.parametrize(("credential", "good"), CREDENTIALS)
async def test_each_credential_obtains_a_token_then_calls(
        httpx_mock: HTTPXMock, clock: Clock, credential, good) -> None:
    """A credential is exchanged once for a token, then the raw token is the header."""
    wire = Wire(clock, good)
    httpx_mock.add_callback(wire, is_reusable=True)
    async with client(credential, clock) as kraken:
        await kraken.get_account(account_number="A-1")
        await kraken.get_account(account_number="A-1")
    assert len(wire.token_inputs) == 1
    assert wire.seen_auth[0] in wire.valid and not wire.seen_auth[0].startswith(("JWT", "Bearer"))


async def test_refresh_token_credential(httpx_mock: HTTPXMock, clock: Clock) -> None:
    """A refresh token given as the credential obtains a token with it."""
    wire = Wire(clock, {})
    wire.refresh_valid.add("r0")
    httpx_mock.add_callback(wire, is_reusable=True)
    async with client(kc.RefreshToken("r0"), clock) as kraken:
        await kraken.get_account(account_number="A-1")
    assert wire.token_inputs == [{"refreshToken": "r0"}]


async def test_ready_made_token_is_sent_as_is(httpx_mock: HTTPXMock, clock: Clock) -> None:
    """A ready-made token needs no token request; the header carries it raw."""
    token = jwt_for("u", NOW)
    wire = Wire(clock, {})
    wire.valid.add(token)
    httpx_mock.add_callback(wire, is_reusable=True)
    async with client(kc.Token(token), clock) as kraken:
        await kraken.get_account(account_number="A-1")
    assert wire.token_inputs == [] and wire.seen_auth == [token]


async def test_expired_ready_made_token_fails_without_requests(clock: Clock) -> None:
    """A ready-made token past its exp cannot be renewed: TokenExpiredError, nothing sent."""
    async with client(kc.Token(jwt_for("u", NOW - 7200)), clock) as kraken:
        with pytest.raises(kc.TokenExpiredError, match="KT-CT-1124"):
            await kraken.get_account(account_number="A-1")


@pytest.mark.parametrize(("credential", "code"), [
    (kc.APIKey("wrong"), "KT-CT-1139"),
    (kc.EmailPassword("a@b.c", "wrong"), "KT-CT-1138"),
    (kc.OrganizationSecretKey("wrong"), "KT-CT-1140"),
])
async def test_bad_credentials_make_one_token_request(
        httpx_mock: HTTPXMock, clock: Clock, credential, code: str) -> None:
    """Bad credentials raise AuthenticationFailedError naming the code after one token request."""
    wire = Wire(clock, {"APIKey": "sk_live_good"})
    httpx_mock.add_callback(wire, is_reusable=True)
    async with client(credential, clock) as kraken:
        with pytest.raises(kc.AuthenticationFailedError, match=code):
            await kraken.get_account(account_number="A-1")
    assert len(wire.token_inputs) == 1 and wire.seen_auth == []


async def test_token_is_renewed_before_expiry(httpx_mock: HTTPXMock, clock: Clock) -> None:
    """Near the JWT's exp the refresh token is used, before any request fails."""
    wire = Wire(clock, {"APIKey": "k"})
    httpx_mock.add_callback(wire, is_reusable=True)
    async with client(kc.APIKey("k"), clock) as kraken:
        await kraken.get_account(account_number="A-1")
        clock.now += 3600 - 60  # within the refresh margin
        await kraken.get_account(account_number="A-1")
    assert wire.token_inputs == [{"APIKey": "k"}, {"refreshToken": "refresh-0"}]
    assert len(wire.seen_auth) == 2  # no failed request on the way


async def test_server_side_expiry_renews_once_and_replays(
        httpx_mock: HTTPXMock, clock: Clock) -> None:
    """KT-CT-1124 from the server makes one renewal and one replay of the same request."""
    wire = Wire(clock, {"APIKey": "k"})
    httpx_mock.add_callback(wire, is_reusable=True)
    async with client(kc.APIKey("k"), clock) as kraken:
        await kraken.get_account(account_number="A-1")
        wire.valid.clear()  # the server invalidates every token it issued
        result = await kraken.get_account(account_number="A-1")
    assert result.account.number == "A-1"
    assert len(wire.token_inputs) == 2 and len(wire.seen_auth) == 3


async def test_refused_refresh_token_falls_back_to_the_credential(
        httpx_mock: HTTPXMock, clock: Clock) -> None:
    """When Kraken refuses the refresh token, the original credential is used instead."""
    wire = Wire(clock, {"APIKey": "k"})
    httpx_mock.add_callback(wire, is_reusable=True)
    async with client(kc.APIKey("k"), clock) as kraken:
        await kraken.get_account(account_number="A-1")
        wire.refresh_valid.clear()
        clock.now += 3600
        await kraken.get_account(account_number="A-1")
    assert wire.token_inputs == [{"APIKey": "k"}, {"refreshToken": "refresh-0"}, {"APIKey": "k"}]


async def test_expired_refresh_token_is_not_sent(httpx_mock: HTTPXMock, clock: Clock) -> None:
    """Past refreshExpiresIn the refresh token is skipped and the credential used directly."""
    wire = Wire(clock, {"APIKey": "k"})
    httpx_mock.add_callback(wire, is_reusable=True)
    async with client(kc.APIKey("k"), clock) as kraken:
        await kraken.get_account(account_number="A-1")
        clock.now += 8 * 86400
        await kraken.get_account(account_number="A-1")
    assert wire.token_inputs == [{"APIKey": "k"}, {"APIKey": "k"}]


async def test_fifty_concurrent_requests_make_one_token_request(
        httpx_mock: HTTPXMock, clock: Clock) -> None:
    """Single flight: 50 requests finding the token expired share one renewal."""
    wire = Wire(clock, {"APIKey": "k"})
    httpx_mock.add_callback(wire, is_reusable=True)
    async with client(kc.APIKey("k"), clock) as kraken:
        await kraken.get_account(account_number="A-1")
        clock.now += 7200
        results = await asyncio.gather(
            *(kraken.get_account(account_number="A-1") for _ in range(50)))
    assert all(r.account.number == "A-1" for r in results)
    assert len(wire.token_inputs) == 2


async def test_oauth_client_credentials(httpx_mock: HTTPXMock, clock: Clock) -> None:
    """OAuth apps get a token from the /token/ endpoint, form-encoded, then use it raw."""
    httpx_mock.add_response(url="https://auth.kraken.test/token/",
                            json={"access_token": "oauth-token", "expires_in": 3600})
    httpx_mock.add_response(url=URL, json=ACCOUNT)
    async with client(kc.OAuthClientCredentials("id", "secret"), clock) as kraken:
        await kraken.get_account(account_number="A-1")
    token_request, call = httpx_mock.get_requests()
    assert dict(httpx.QueryParams(token_request.content.decode())) == {
        "grant_type": "client_credentials", "client_id": "id", "client_secret": "secret"}
    assert call.headers["Authorization"] == "oauth-token"


async def test_oauth_refusal_is_authentication_failure(httpx_mock: HTTPXMock, clock: Clock) -> None:
    """A 401 from /token/ raises AuthenticationFailedError and nothing else is sent."""
    httpx_mock.add_response(url="https://auth.kraken.test/token/", status_code=401,
                            json={"error": "invalid_client"})
    async with client(kc.OAuthClientCredentials("id", "bad"), clock) as kraken:
        with pytest.raises(kc.AuthenticationFailedError):
            await kraken.get_account(account_number="A-1")
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize("name", sorted(kc.BRANDS))
def test_brand_presets(name: str) -> None:
    """Every brand has an https GraphQL endpoint and an auth server on auth.<domain>."""
    brand = kc.BRANDS[name]
    assert brand.url.startswith("https://api.") and brand.url.endswith("/v1/graphql/")
    assert brand.auth_url == brand.url.replace("https://api.", "https://auth.").replace(
        "/v1/graphql/", "/token/")
    assert KrakenClient(brand=name).url == brand.url


def test_unknown_brand_lists_the_known_ones() -> None:
    """An unknown brand name is refused with the list of presets."""
    with pytest.raises(kc.InvalidArgumentError, match="brand: unknown brand 'octopus-xx'; known: "):
        KrakenClient(brand="octopus-xx")


def test_from_env_builds_the_credential() -> None:
    """from_env reads the brand and credential variables."""
    kraken = KrakenClient.from_env({"KRAKEN_BRAND": "edf-gb", "KRAKEN_API_KEY": "sk_live_x"})
    assert kraken.url == kc.BRANDS["edf-gb"].url
    assert "sk_live_x" not in repr(kraken) and "sk_live_x" not in repr(kraken._auth)


@pytest.mark.parametrize(("environ", "message"), [
    ({"KRAKEN_EMAIL": "a@b.c"}, "^password: password \\(KRAKEN_PASSWORD\\) is required together "
                                "with email \\(KRAKEN_EMAIL\\)"),
    ({"KRAKEN_CLIENT_SECRET": "s"}, "^client_id: client_id \\(KRAKEN_CLIENT_ID\\) is required"),
    ({"KRAKEN_API_KEY": "k", "KRAKEN_TOKEN": "t"}, "give one kind of credential"),
    ({}, "^auth: no credential: set KRAKEN_API_KEY \\(api_key\\)"),
])
def test_from_env_errors_name_argument_and_variable(environ: dict, message: str) -> None:
    """A missing or conflicting credential names both the argument and the variable."""
    with pytest.raises(kc.InvalidArgumentError, match=message):
        KrakenClient.from_env(environ)


def test_plain_http_to_a_real_host_is_refused() -> None:
    """Credentials never travel over plain http except to loopback."""
    with pytest.raises(kc.InvalidArgumentError, match="plain http:// is refused"):
        KrakenClient("http://api.octopus.energy/v1/graphql/", auth=kc.APIKey("k"))


def test_secrets_never_appear_in_reprs() -> None:
    """No credential's repr shows its secret."""
    for credential in (kc.APIKey("S1"), kc.EmailPassword("e", "S1"), kc.OrganizationSecretKey("S1"),
                       kc.PreSignedKey("S1"), kc.RefreshToken("S1"), kc.Token("S1"),
                       kc.OAuthClientCredentials("id", "S1")):
        assert "S1" not in repr(credential)
        assert "S1" not in repr(KrakenAuth(credential, token_url="https://a.test/token/"))


async def test_secrets_never_appear_in_logs_or_errors(
        httpx_mock: HTTPXMock, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    """Debug logs and error messages carry neither the key nor any token."""
    wire = Wire(clock, {"APIKey": "sk_live_good"})
    httpx_mock.add_callback(wire, is_reusable=True)
    caplog.set_level(logging.DEBUG)
    async with client(kc.APIKey("sk_live_good"), clock) as kraken:
        await kraken.get_account(account_number="A-1")
    async with client(kc.APIKey("sk_live_bad"), clock) as kraken:
        with pytest.raises(kc.AuthenticationFailedError) as caught:
            await kraken.get_account(account_number="A-1")
    for secret in ("sk_live_good", "sk_live_bad", *wire.valid):
        assert secret not in caplog.text and secret not in str(caught.value)


async def test_token_cache_is_written_0600_and_reused(
        httpx_mock: HTTPXMock, clock: Clock, tmp_path) -> None:
    """Opting in to a token cache writes it with mode 0600; a new client reuses the token."""
    cache = tmp_path / "tokens.json"
    wire = Wire(clock, {"APIKey": "sk_live_cached"})
    httpx_mock.add_callback(wire, is_reusable=True)
    async with client(kc.APIKey("sk_live_cached"), clock, token_cache=cache) as kraken:
        await kraken.get_account(account_number="A-1")
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
    assert "sk_live_cached" not in cache.read_text()  # the credential is kept as a digest only
    async with client(kc.APIKey("sk_live_cached"), clock, token_cache=cache) as kraken:
        await kraken.get_account(account_number="A-1")
    assert len(wire.token_inputs) == 1
    async with client(kc.APIKey("other"), clock, token_cache=cache) as kraken:
        with pytest.raises(kc.AuthenticationFailedError):
            await kraken.get_account(account_number="A-1")  # another credential's cache unused
    assert len(wire.token_inputs) == 2


def test_from_env_passes_the_constructor_options() -> None:
    """from_env hands each of ClientOptions to the constructor."""
    policy = kc.RetryPolicy(max_attempts=2)
    kraken = KrakenClient.from_env({"KRAKEN_API_KEY": "sk_live_x"}, retry=policy)
    assert kraken._retry is policy


def test_from_env_names_the_valid_options_for_a_misspelt_one() -> None:
    """An option the constructor does not take fails at once, listing the valid ones."""
    with pytest.raises(kc.InvalidArgumentError) as caught:
        KrakenClient.from_env({"KRAKEN_API_KEY": "sk_live_x"}, timout=5)  # type: ignore[call-arg]
    assert str(caught.value) == (
        "options: unknown option 'timout'; valid: deadline, http_client, max_response_bytes, "
        "retry, timeout, token_cache"
    )


def test_client_options_are_the_constructors_keyword_arguments() -> None:
    """ClientOptions lists exactly the constructor's keywords that the environment does not give."""
    parameters = inspect.signature(KrakenClient.__init__).parameters
    keywords = {name for name, p in parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert kc.ClientOptions.__optional_keys__ == keywords - {"auth", "brand"}
