"""Type-level checks, run by mypy --strict (pyproject lists this folder), never by pytest.

Each `type: ignore[...]` below must stay needed: strict mode warns about an unused one, so a
signature that stopped rejecting the call fails the type check.
"""

import httpx

from kraken_energy import KrakenClient, RetryPolicy


def from_env_takes_the_constructor_options() -> KrakenClient:
    """Each ClientOptions key is accepted with its own type."""
    return KrakenClient.from_env(timeout=httpx.Timeout(5), retry=RetryPolicy(), token_cache="t")


def from_env_rejects_a_misspelt_option() -> KrakenClient:
    """A misspelt option is a type error, not a silently ignored keyword."""
    return KrakenClient.from_env(timout=5)  # type: ignore[call-arg]


def from_env_rejects_a_wrong_type() -> KrakenClient:
    """An option of the wrong type is a type error."""
    return KrakenClient.from_env(timeout=5)  # type: ignore[arg-type]
