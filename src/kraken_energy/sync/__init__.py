"""Keep many accounts' readings in a local store: incrementally, resumably, within the allowance.

`sync` brings a `Store` up to date with every series of the given accounts: each series
continues from its last stored reading (less `DEFAULT_REFETCH_MARGIN`, since Kraken revises
recent readings), is written a page per transaction with its resume point, and a run stopped at
any moment loses nothing that was committed. `SqliteStore` is the embedded store (one SQLite
file, WAL mode, versioned schema); another database can implement `Store`.

Example:
    >>> from kraken_energy import KrakenClient
    >>> from kraken_energy.sync import SqliteStore, sync
    >>> async with KrakenClient.from_env() as kraken:  # doctest: +SKIP
    ...     with SqliteStore("readings.db") as store:
    ...         stats = await sync(kraken, store, ["A-F523797D"])
    ...     print(stats.readings_written, stats.requests)
"""

from ._interface import Reading, SeriesRecord, Store, StoredReading, StoreError
from ._pacing import (
    ALLOWANCE_CHECK_EVERY,
    DEFAULT_ALLOWANCE_RESERVE,
    DEFAULT_POINTS_PER_REQUEST,
    AllowanceExhaustedError,
)
from ._store import SCHEMA_VERSION, SqliteStore
from ._sync import (
    DEFAULT_REFETCH_MARGIN,
    DEFAULT_SINCE,
    DEFAULT_SYNC_CONCURRENCY,
    DEFAULT_SYNC_FREQUENCY,
    SyncStats,
    sync,
)

__all__ = [
    "ALLOWANCE_CHECK_EVERY",
    "DEFAULT_ALLOWANCE_RESERVE",
    "DEFAULT_POINTS_PER_REQUEST",
    "DEFAULT_REFETCH_MARGIN",
    "DEFAULT_SINCE",
    "DEFAULT_SYNC_CONCURRENCY",
    "DEFAULT_SYNC_FREQUENCY",
    "SCHEMA_VERSION",
    "AllowanceExhaustedError",
    "Reading",
    "SeriesRecord",
    "SqliteStore",
    "Store",
    "StoreError",
    "StoredReading",
    "SyncStats",
    "sync",
]
