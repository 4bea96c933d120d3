"""Defaults of the client, named once: endpoints, timeouts and the measurement fetch.

Standard library only: the `kraken` command shows these defaults in `--help` without loading
the client.
"""

from typing import Final

DEFAULT_URL: Final = "https://api.octopus.energy/v1/graphql/"
"""Octopus Energy GB's GraphQL endpoint, used when no URL is given."""

DEFAULT_CONNECT_TIMEOUT_SECONDS: Final = 10.0
"""How long to wait for a TCP and TLS connection to Kraken."""

DEFAULT_READ_TIMEOUT_SECONDS: Final = 60.0
"""How long to wait for an answer: a 1000-node measurements page can take tens of seconds."""

LOOPBACK_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
"""Hosts that may be reached over plain http:// (the fake Kraken in tests and demos)."""

DEFAULT_REQUEST_DEADLINE_SECONDS: Final = 120.0
"""The longest one HTTP exchange may take from start to the answer's last byte, token renewal
included: timeouts bound each wait for a byte, this bounds a server that drips them slowly.
Twice the read timeout, so a slow but steady 1000-reading page still arrives."""

DEFAULT_MAX_RESPONSE_BYTES: Final = 32 * 1024 * 1024
"""The largest answer body read (decoded). A 1000-reading measurements page with statistics
is a few megabytes; an account page holds one per property. Reading stops past this."""

DEFAULT_MEASUREMENTS_PAGE_SIZE: Final = 1000
"""First page size tried: Kraken's documented measurements example asks for 1000; a refusal
(KT-CT-1202/1203) falls back to 100 and is remembered by the client."""

DEFAULT_CONCURRENCY: Final = 8
"""Windows fetched at once. Each request costs the same rate-limit points whatever its size."""
