"""Typed async client for Kraken, the GraphQL API behind Octopus Energy, EDF GB and E.ON Next.

The operations in `queries/` are generated into typed methods of `KrakenClient`; their result
models live in `kraken_gql` (generated, never edited by hand).

Example:
    >>> from kraken_client import KrakenClient
    >>> async with KrakenClient() as kraken:
    ...     result = await kraken.get_account(account_number="A-F523797D")

"""

from ._client import KrakenClient
from ._constants import (
    DEFAULT_CONNECT_TIMEOUT_SECONDS,
    DEFAULT_READ_TIMEOUT_SECONDS,
    DEFAULT_URL,
)

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT_SECONDS",
    "DEFAULT_READ_TIMEOUT_SECONDS",
    "DEFAULT_URL",
    "KrakenClient",
]
