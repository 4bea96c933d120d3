"""A fake Kraken GraphQL API for tests, demos and benchmarks, and Kraken's answers as JSON.

``FakeKraken`` serves the project's ``schema.graphql`` with graphql-core in a Starlette app:
``/v1/graphql/`` for GraphQL, ``/token/`` for OAuth client credentials. It answers in process
(``fake.client()``, ``fake.transport()``: no thread, no socket) or, started, over real loopback
HTTP (uvicorn in a background thread) for other processes and transport faults. It authenticates
like Kraken (every ``obtainKrakenToken`` credential kind, JWTs signed by pyjwt, Kraken's
``KT-CT-`` codes), serves account discovery and deterministic half-hourly ``measurements``
aggregated exactly in any timezone, paginates with Kraken's offset cursors, injects faults
deterministically and logs every request.

Example:
    >>> from kraken_energy import APIKey
    >>> from kraken_energy.testing import DEMO_ACCOUNT, DEMO_API_KEY, FakeKraken, TooManyRequests
    >>> fake = FakeKraken()
    >>> fake.faults.add(TooManyRequests(on_requests=[2]))  # doctest: +SKIP
    >>> async with fake.client(auth=APIKey(DEMO_API_KEY)) as kraken:  # doctest: +SKIP
    ...     await kraken.get_account(account_number=DEMO_ACCOUNT)  # KT-CT-1199, then retried

Scenario controls:
    - ``FakeKraken(config=FakeKrakenConfig(max_page_size=100, token_lifetime=60))``: page-size cap
      (KT-CT-1203), token and refresh-token lifetimes, the accepted ``Credentials``.
    - ``FakeKraken(scenario=...)``: your own users, accounts and reading channels
      (default: :func:`default_scenario`, which includes Kraken's documented example).
    - ``FakeKraken(clock=ManualClock())``: fake time; ``clock.advance(3600)`` expires tokens.
    - ``fake.faults.add(fault)``: ``Latency``, ``TooManyRequests``, ``ExpiredToken``, ``HttpError``
      (502 HTML by default), ``DropConnection``, ``InvalidJson``, ``UnknownEnumValue``,
      ``UnknownTypename``; each targets ``on_requests``, ``every``, ``operation``, ``during``
      and ``times``.
    - ``rateLimitInfo`` reports the allowance; a ``TooManyRequests`` targeted by ``during`` alone
      makes it report the viewer blocked until the window ends (it is never refused itself).
      ``TooManyRequests(retry_after=...)`` and ``HttpError(headers=...)`` add response headers.
    - ``fake.expire_tokens_after(uses=3)`` / ``(seconds=...)``, ``fake.expire_all_tokens()``.
    - ``fake.requests``: the request log (operation, variables, token, status, error codes).

Answers for HTTP mocks (pytest-httpx): :func:`token_response`, :func:`measurements_response`,
:func:`error_response`, built from the project's own operations and schema.

Run ``python -m kraken_energy.testing`` to serve until Ctrl-C. Installing the ``testing`` extra
registers the pytest fixtures ``fake_kraken`` (served on loopback), ``fake_kraken_env`` (and
``KRAKEN_URL``/``KRAKEN_API_KEY`` set for ``KrakenClient.from_env()``) and
``kraken_no_retry_waits``.

"""

# First: without the `testing` extra, this names the extra to install.
from ._extra import TESTING_EXTRA_HINT

# isort: split
from ._clock import ManualClock
from ._data import (
    DEMO_ACCOUNT,
    DEMO_DEVICE,
    DEMO_EMAIL,
    DEMO_MPAN,
    DEMO_PROPERTY,
    HOMES_ACCOUNT,
    Account,
    Channel,
    DocumentedDay,
    Meter,
    MeterDevice,
    MeterPoint,
    Property,
    Scenario,
    SupplyAgreement,
    TariffPlan,
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
    TooManyRequests,
    UnknownEnumValue,
    UnknownTypename,
)
from ._jwt import (
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_ORGANIZATION_KEY,
    DEMO_PASSWORD,
    DEMO_PRE_SIGNED_KEY,
    Credentials,
)
from ._log import RequestRecord
from ._many import many_accounts_scenario, numbered_account
from ._responses import error_response, measurements_response, token_response
from ._schema import load_schema_sdl
from ._server import IN_PROCESS_BASE_URL, FakeKraken, FakeKrakenConfig
from ._transport import FakeKrakenTransport

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
    "HOMES_ACCOUNT",
    "IN_PROCESS_BASE_URL",
    "TESTING_EXTRA_HINT",
    "Account",
    "Channel",
    "Credentials",
    "DocumentedDay",
    "DropConnection",
    "ExpiredToken",
    "FakeKraken",
    "FakeKrakenConfig",
    "FakeKrakenTransport",
    "Fault",
    "FaultSet",
    "HttpError",
    "InvalidJson",
    "Latency",
    "ManualClock",
    "Meter",
    "MeterDevice",
    "MeterPoint",
    "Property",
    "RequestRecord",
    "Scenario",
    "SupplyAgreement",
    "TariffPlan",
    "TooManyRequests",
    "UnknownEnumValue",
    "UnknownTypename",
    "User",
    "default_scenario",
    "error_response",
    "load_schema_sdl",
    "many_accounts_scenario",
    "measurements_response",
    "numbered_account",
    "token_response",
]
