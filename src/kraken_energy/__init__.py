"""Typed async client for Kraken, the GraphQL API behind Octopus Energy, EDF GB and E.ON Next.

The operations in `queries/` are generated into typed methods of `KrakenClient`; their result
models live in `kraken_energy_gql` (generated, never edited by hand).

Example:
    >>> from kraken_energy import KrakenClient
    >>> async with KrakenClient() as kraken:
    ...     result = await kraken.get_account(account_number="A-F523797D")

Only `__version__` and the defaults of `_constants` load with the package; every other name
loads on first use, through `__getattr__` (PEP 562, as pydantic's own `__init__` does). The
first `from kraken_energy import KrakenClient` loads the client stack (httpx, pydantic, the
generated package) at once, as an eager import would: an async caller pays the same. What this
pays for is the `kraken` command: importing `kraken_energy.cli` runs this module first, and an
eager one would load that stack (about 0.25 s) for `kraken --help`, `--version` and usage
errors, which never talk to Kraken. The measurement pipeline (`_measurements`, `_pages`) and
the sync load on their own first use, after the client.
"""

from typing import TYPE_CHECKING, Any

from ._constants import (
    DEFAULT_CONCURRENCY,
    DEFAULT_CONNECT_TIMEOUT_SECONDS,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MEASUREMENTS_PAGE_SIZE,
    DEFAULT_READ_TIMEOUT_SECONDS,
    DEFAULT_REQUEST_DEADLINE_SECONDS,
    DEFAULT_URL,
)
from ._version import __version__

if TYPE_CHECKING:
    from kraken_energy_gql.enums import (
        ReadingDirectionType,
        ReadingFrequencyType,
        ReadingQualityType,
        ReadingStatisticTypeEnum,
    )

    from ._auth import DEFAULT_REFRESH_MARGIN_SECONDS, KrakenAuth
    from ._client import ClientOptions, KrakenClient
    from ._credentials import (
        BRANDS,
        APIKey,
        Brand,
        Credential,
        EmailPassword,
        OAuthClientCredentials,
        OrganizationSecretKey,
        PreSignedKey,
        RefreshToken,
        Token,
    )
    from ._errors import (
        ApplicationError,
        AuthenticationFailedError,
        AuthorizationError,
        ConnectError,
        ConnectionDroppedError,
        DeadlineExceededError,
        FieldProblem,
        GraphQLError,
        HTTPStatusError,
        InvalidArgumentError,
        InvalidResponseError,
        KrakenError,
        NotFoundError,
        PaginationError,
        QueryTooComplexError,
        RateLimitedError,
        RequestTimeoutError,
        ResponseTooLargeError,
        ServiceUnavailableError,
        TokenExpiredError,
        TransportError,
        ValidationError,
    )
    from ._measurements import PROPERTY_MEASUREMENTS
    from ._pager import Paginator
    from ._pages import Cost, Measurement, MeasurementStatistic, SeriesFilters
    from ._pagination import (
        Connection,
        IncompleteFetchError,
        InconsistentPagesError,
        MissingPageError,
        PaginationLoopError,
        RepeatedPageError,
    )
    from ._ratelimit import FetchStats
    from ._request import ElectricityFilter, GasFilter
    from ._retry import (
        DEFAULT_BACKOFF_INITIAL_SECONDS,
        DEFAULT_BACKOFF_MAX_SECONDS,
        DEFAULT_COOLDOWN_MAX_SECONDS,
        DEFAULT_COOLDOWN_MIN_SECONDS,
        DEFAULT_COOLDOWN_RESET_SECONDS,
        DEFAULT_MAX_ATTEMPTS,
        DEFAULT_MAX_RATE_LIMITED_ATTEMPTS,
        DEFAULT_MAX_RETRY_SECONDS,
        RetryPolicy,
    )
    from ._retry import set_testing as set_retry_testing
    from ._series import PropertySeries, Series, account_series
    from .sync import AllowanceExhaustedError, StoreError

# Where each name lives: `__getattr__` imports it from there on first use.
_LAZY = {
    **dict.fromkeys(("DEFAULT_REFRESH_MARGIN_SECONDS", "KrakenAuth"), "kraken_energy._auth"),
    **dict.fromkeys(("ClientOptions", "KrakenClient"), "kraken_energy._client"),
    **dict.fromkeys(
        (
            "BRANDS",
            "APIKey",
            "Brand",
            "Credential",
            "EmailPassword",
            "OAuthClientCredentials",
            "OrganizationSecretKey",
            "PreSignedKey",
            "RefreshToken",
            "Token",
        ),
        "kraken_energy._credentials",
    ),
    **dict.fromkeys(
        (
            "ApplicationError",
            "AuthenticationFailedError",
            "AuthorizationError",
            "ConnectError",
            "ConnectionDroppedError",
            "DeadlineExceededError",
            "FieldProblem",
            "GraphQLError",
            "HTTPStatusError",
            "InvalidArgumentError",
            "InvalidResponseError",
            "KrakenError",
            "NotFoundError",
            "PaginationError",
            "QueryTooComplexError",
            "RateLimitedError",
            "RequestTimeoutError",
            "ResponseTooLargeError",
            "ServiceUnavailableError",
            "TokenExpiredError",
            "TransportError",
            "ValidationError",
        ),
        "kraken_energy._errors",
    ),
    **dict.fromkeys(("Paginator",), "kraken_energy._pager"),
    **dict.fromkeys(
        (
            "Connection",
            "IncompleteFetchError",
            "InconsistentPagesError",
            "MissingPageError",
            "PaginationLoopError",
            "RepeatedPageError",
        ),
        "kraken_energy._pagination",
    ),
    **dict.fromkeys(("FetchStats",), "kraken_energy._ratelimit"),
    **dict.fromkeys(
        (
            "DEFAULT_BACKOFF_INITIAL_SECONDS",
            "DEFAULT_BACKOFF_MAX_SECONDS",
            "DEFAULT_COOLDOWN_MAX_SECONDS",
            "DEFAULT_COOLDOWN_MIN_SECONDS",
            "DEFAULT_COOLDOWN_RESET_SECONDS",
            "DEFAULT_MAX_ATTEMPTS",
            "DEFAULT_MAX_RATE_LIMITED_ATTEMPTS",
            "DEFAULT_MAX_RETRY_SECONDS",
            "RetryPolicy",
        ),
        "kraken_energy._retry",
    ),
    "set_retry_testing": "kraken_energy._retry",  # its `set_testing`
    "PROPERTY_MEASUREMENTS": "kraken_energy._measurements",
    **dict.fromkeys(("ElectricityFilter", "GasFilter"), "kraken_energy._request"),
    **dict.fromkeys(
        ("Cost", "Measurement", "MeasurementStatistic", "SeriesFilters"), "kraken_energy._pages"
    ),
    **dict.fromkeys(("PropertySeries", "Series", "account_series"), "kraken_energy._series"),
    # The sync's errors belong to the one tree; the sync itself loads with its first use.
    **dict.fromkeys(("AllowanceExhaustedError", "StoreError"), "kraken_energy.sync"),
    **dict.fromkeys(
        (
            "ReadingDirectionType",
            "ReadingFrequencyType",
            "ReadingQualityType",
            "ReadingStatisticTypeEnum",
        ),
        "kraken_energy_gql.enums",
    ),
}
_RENAMED = {"set_retry_testing": "set_testing"}
"""Names exported under another name than their module's."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kraken_energy' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "BRANDS",
    "DEFAULT_BACKOFF_INITIAL_SECONDS",
    "DEFAULT_BACKOFF_MAX_SECONDS",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_CONNECT_TIMEOUT_SECONDS",
    "DEFAULT_COOLDOWN_MAX_SECONDS",
    "DEFAULT_COOLDOWN_MIN_SECONDS",
    "DEFAULT_COOLDOWN_RESET_SECONDS",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_RATE_LIMITED_ATTEMPTS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRY_SECONDS",
    "DEFAULT_MEASUREMENTS_PAGE_SIZE",
    "DEFAULT_READ_TIMEOUT_SECONDS",
    "DEFAULT_REFRESH_MARGIN_SECONDS",
    "DEFAULT_REQUEST_DEADLINE_SECONDS",
    "DEFAULT_URL",
    "PROPERTY_MEASUREMENTS",
    "APIKey",
    "AllowanceExhaustedError",
    "ApplicationError",
    "AuthenticationFailedError",
    "AuthorizationError",
    "Brand",
    "ClientOptions",
    "ConnectError",
    "Connection",
    "ConnectionDroppedError",
    "Cost",
    "Credential",
    "DeadlineExceededError",
    "ElectricityFilter",
    "EmailPassword",
    "FetchStats",
    "FieldProblem",
    "GasFilter",
    "GraphQLError",
    "HTTPStatusError",
    "IncompleteFetchError",
    "InconsistentPagesError",
    "InvalidArgumentError",
    "InvalidResponseError",
    "KrakenAuth",
    "KrakenClient",
    "KrakenError",
    "Measurement",
    "MeasurementStatistic",
    "MissingPageError",
    "NotFoundError",
    "OAuthClientCredentials",
    "OrganizationSecretKey",
    "PaginationError",
    "PaginationLoopError",
    "Paginator",
    "PreSignedKey",
    "PropertySeries",
    "QueryTooComplexError",
    "RateLimitedError",
    "ReadingDirectionType",
    "ReadingFrequencyType",
    "ReadingQualityType",
    "ReadingStatisticTypeEnum",
    "RefreshToken",
    "RepeatedPageError",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "Series",
    "SeriesFilters",
    "ServiceUnavailableError",
    "StoreError",
    "Token",
    "TokenExpiredError",
    "TransportError",
    "ValidationError",
    "__version__",
    "account_series",
    "set_retry_testing",
]
