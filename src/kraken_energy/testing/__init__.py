"""A fake Kraken GraphQL API for tests, demos and benchmarks.

``FakeKraken`` serves the project's ``schema.graphql`` with graphql-core over real HTTP on
127.0.0.1 (uvicorn in a background thread): ``/v1/graphql/`` for GraphQL, ``/token/`` for OAuth
client credentials. It authenticates like Kraken (every ``obtainKrakenToken`` credential kind,
JWT-shaped tokens, Kraken's ``KT-CT-`` codes), serves account discovery and deterministic
half-hourly ``measurements`` aggregated exactly in any timezone, paginates with Kraken's offset
cursors, injects faults deterministically and logs every request.

Example:
    >>> import httpx
    >>> from kraken_energy.testing import DEMO_API_KEY, FakeKraken, RateLimit
    >>> with FakeKraken() as fake:  # doctest: +SKIP
    ...     fake.faults.add(RateLimit(on_requests=range(2, 4)))  # requests 2 and 3 get KT-CT-1199
    ...     login = "mutation($k: String) { obtainKrakenToken(input: {APIKey: $k}) { token } }"
    ...     answer = httpx.post(fake.url, json={"query": login, "variables": {"k": DEMO_API_KEY}})
    ...     token = answer.json()["data"]["obtainKrakenToken"]["token"]
    ...     httpx.post(fake.url, json={"query": "{ viewer { accounts { number } } }"},
    ...                headers={"Authorization": token})

Scenario controls:
    - ``FakeKraken(config=FakeKrakenConfig(max_page_size=100, token_lifetime=60))``: page-size cap
      (KT-CT-1203), token and refresh-token lifetimes, the accepted ``Credentials``.
    - ``FakeKraken(scenario=...)``: your own users, accounts and reading channels
      (default: :func:`default_scenario`, which includes Kraken's documented example).
    - ``FakeKraken(clock=ManualClock())``: fake time; ``clock.advance(3600)`` expires tokens.
    - ``fake.faults.add(fault)``: ``Latency``, ``RateLimit``, ``ExpiredToken``, ``HttpError``
      (502 HTML by default), ``DropConnection``, ``InvalidJson``, ``UnknownEnumValue``,
      ``UnknownTypename``; each targets ``on_requests``, ``every``, ``operation``, ``during``
      and ``times``.
    - ``rateLimitInfo`` reports the allowance; a ``RateLimit`` targeted by ``during`` alone makes
      it report the viewer blocked until the window ends (it is never refused itself).
      ``RateLimit(retry_after=...)`` and ``HttpError(headers=...)`` add response headers.
    - ``fake.expire_tokens_after(uses=3)`` / ``(seconds=...)``, ``fake.expire_all_tokens()``.
    - ``fake.requests``: the request log (operation, variables, token, status, error codes).

Run ``python -m kraken_energy.testing`` to serve until Ctrl-C. Enable the ``fake_kraken`` pytest
fixture with ``pytest_plugins = ["kraken_energy.testing.pytest_plugin"]``.

"""

# First: without the `testing` extra, this names the extra to install.
from ._extra import TESTING_EXTRA_HINT

# isort: split
from ._auth import (
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_ORGANIZATION_KEY,
    DEMO_PASSWORD,
    DEMO_PRE_SIGNED_KEY,
    Credentials,
)
from ._clock import ManualClock
from ._data import (
    DEMO_ACCOUNT,
    DEMO_DEVICE,
    DEMO_EMAIL,
    DEMO_MPAN,
    DEMO_PROPERTY,
    Account,
    Agreement,
    Channel,
    Meter,
    MeterPoint,
    Property,
    Scenario,
    SmartDevice,
    Tariff,
    User,
    default_scenario,
)
from ._faults import (
    DropConnection,
    ExpiredToken,
    Fault,
    FaultSet,
    HttpError,
    InvalidJson,
    Latency,
    RateLimit,
    UnknownEnumValue,
    UnknownTypename,
)
from ._log import RequestRecord
from ._schema import load_schema_sdl
from ._server import FakeKraken, FakeKrakenConfig

__all__ = [
    "DEMO_ACCOUNT",
    "DEMO_API_KEY",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_DEVICE",
    "DEMO_EMAIL",
    "DEMO_MPAN",
    "DEMO_ORGANIZATION_KEY",
    "DEMO_PASSWORD",
    "DEMO_PRE_SIGNED_KEY",
    "DEMO_PROPERTY",
    "TESTING_EXTRA_HINT",
    "Account",
    "Agreement",
    "Channel",
    "Credentials",
    "DropConnection",
    "ExpiredToken",
    "FakeKraken",
    "FakeKrakenConfig",
    "Fault",
    "FaultSet",
    "HttpError",
    "InvalidJson",
    "Latency",
    "ManualClock",
    "Meter",
    "MeterPoint",
    "Property",
    "RateLimit",
    "RequestRecord",
    "Scenario",
    "SmartDevice",
    "Tariff",
    "UnknownEnumValue",
    "UnknownTypename",
    "User",
    "default_scenario",
    "load_schema_sdl",
]
