"""`kraken sync` and `kraken export`: keep many accounts' readings in a local store.

Registered on the `kraken` group by `register`. `sync` exits 0 when every account is up to
date, 1 when some failed (each named on stderr; the others are stored), 2 on a usage error and
3 when Kraken's allowance ran out (everything fetched so far is kept; run it again later).
"""

from __future__ import annotations

import asyncio
import csv
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Final, TextIO
from zoneinfo import ZoneInfo

import click
from kraken_energy_gql.enums import ReadingFrequencyType

from .. import DEFAULT_MAX_RETRY_SECONDS, KrakenClient, RetryPolicy
from ..sync import (
    DEFAULT_SYNC_CONCURRENCY,
    DEFAULT_SYNC_FREQUENCY,
    AllowanceExhaustedError,
    SqliteStore,
    StoredReading,
    SyncStats,
    sync,
)
from ._common import State, verbose_option
from ._output import COLUMNS, destination
from ._times import instant, zone

EXIT_ALLOWANCE: Final = 3
"""`kraken sync` stopped because the rate-limit allowance was spent."""

EXPORT_COLUMNS: Final = ("account_number", *COLUMNS)
"""The fields of every exported JSON line and the CSV header, in order."""


SYNC_EXAMPLES: Final = """\b
Examples:
  kraken sync --store readings.db --accounts A-F523797D,A-0000FA4E
  kraken sync --store readings.db --all-accounts --requests-per-hour 2800
  kraken sync --store readings.db --accounts-file accounts.txt --since 2024-01-01
"""

EXPORT_EXAMPLES: Final = """\b
Examples:
  kraken export --store readings.db --format csv --output readings.csv
  kraken export --store readings.db --account A-F523797D --start 2024-10-01T00:00
"""


def _sync_command() -> click.Command:
    @click.command("sync", epilog=SYNC_EXAMPLES)
    @click.option(
        "--store",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="SQLite file to keep readings in (created if missing), e.g. readings.db.",
    )
    @click.option(
        "--accounts", metavar="A-1,A-2", help="Comma-separated account numbers, e.g. A-F523797D."
    )
    @click.option(
        "--accounts-file",
        type=click.File("r"),
        help="File with one account number per line ('-' for stdin), read as it goes, e.g. "
        "accounts.txt.",
    )
    @click.option("--all-accounts", is_flag=True, help="Every account of the credential's user.")
    @click.option(
        "--since",
        type=click.DateTime(["%Y-%m-%d"]),
        help="Day a series with nothing stored begins, e.g. 2024-10-01 (default: 30 days "
        "before --until).",
    )
    @click.option(
        "--until",
        metavar="DATETIME",
        help="Instant after the last reading, ISO 8601, e.g. 2024-10-08T00:00 (default: now).",
    )
    @click.option(
        "--frequency",
        type=click.Choice([m.value for m in ReadingFrequencyType], case_sensitive=False),
        default=DEFAULT_SYNC_FREQUENCY.value,
        show_default=True,
        help="Readings to keep, e.g. day_interval.",
    )
    @click.option(
        "--timezone",
        default="Europe/London",
        show_default=True,
        callback=zone,
        help="IANA timezone of bucket boundaries and of offset-less --until, e.g. UTC.",
    )
    @click.option(
        "--concurrency",
        type=click.IntRange(min=1),
        default=DEFAULT_SYNC_CONCURRENCY,
        show_default=True,
        help="Accounts synced at once, e.g. 4.",
    )
    @click.option(
        "--requests-per-hour",
        type=click.FloatRange(min=0, min_open=True),
        help="Pace requests evenly to at most this many per hour, e.g. 2800.",
    )
    @click.option(
        "--max-wait",
        type=click.FloatRange(min=0),
        default=DEFAULT_MAX_RETRY_SECONDS,
        show_default=True,
        help="Seconds to wait out a rate limit before stopping with exit status 3, e.g. 600.",
    )
    @click.option(
        "--progress/--no-progress",
        default=None,
        help="Progress on stderr (default: when stderr is a terminal).",
    )
    @verbose_option
    @click.pass_obj
    def command(
        state: State,
        store: Path,
        accounts: str | None,
        accounts_file: IO[str] | None,
        all_accounts: bool,
        since: datetime | None,
        until: str | None,
        frequency: str,
        timezone: ZoneInfo,
        concurrency: int,
        requests_per_hour: float | None,
        max_wait: float,
        progress: bool | None,
    ) -> int:
        """Bring a local store up to date with every series of many accounts.

        Each series continues from its last stored reading (less a two-day margin, since
        recent readings are revised); a stopped run loses nothing and the next one continues.
        Exit status 3 means the rate-limit allowance ran out: run it again later.
        """
        chosen = [accounts is not None, accounts_file is not None, all_accounts]
        if sum(chosen) != 1:
            raise click.UsageError("give one of --accounts, --accounts-file or --all-accounts")
        numbers: Any = None
        if accounts is not None:
            numbers = [n.strip() for n in accounts.split(",") if n.strip()]
            if not numbers:
                raise click.UsageError("--accounts holds no account number")
        elif accounts_file is not None:
            numbers = _lines(accounts_file)
        end = instant("--until", until, timezone)
        day = since.date() if since is not None else None
        show = sys.stderr.isatty() if progress is None else progress
        retry = RetryPolicy(max_total_seconds=max_wait)
        stats, stopped = asyncio.run(
            _run(state, store, numbers, end, day, frequency, timezone, concurrency,
                 requests_per_hour, retry, show)
        )
        print(_summary(stats, store), file=sys.stderr)
        if stopped is not None:
            when = stopped.resume_at.isoformat() if stopped.resume_at else "a while"
            print(
                f"error: the rate-limit allowance is spent; everything fetched is kept: run "
                f"the same command again after {when}",
                file=sys.stderr,
            )
            return EXIT_ALLOWANCE
        if stats.failures:
            shown = "; ".join(f"{n}: {why}" for n, why in stats.failures[:5])
            more = len(stats.failures) - 5
            extra = f"; and {more} more" if more > 0 else ""
            print(
                f"error: {len(stats.failures)} account(s) failed (the others are stored): "
                f"{shown}{extra}",
                file=sys.stderr,
            )
            return 1
        return 0

    return command


def _lines(stream: IO[str]) -> Iterator[str]:
    for line in stream:
        number = line.strip()
        if number and not number.startswith("#"):
            yield number


async def _run(
    state: State,
    path: Path,
    numbers: Any,
    until: datetime | None,
    since: date | None,
    frequency: str,
    zone: ZoneInfo,
    concurrency: int,
    requests_per_hour: float | None,
    retry: RetryPolicy,
    show: bool,
) -> tuple[SyncStats, AllowanceExhaustedError | None]:
    report = _Progress(show)
    async with KrakenClient.from_env(state.environ, retry=retry) as kraken:
        with SqliteStore(path) as store, report:
            try:
                stats = await sync(
                    kraken,
                    store,
                    numbers,
                    until=until,
                    since=since,
                    frequency=ReadingFrequencyType(frequency.upper()),
                    timezone=zone.key,
                    concurrency=concurrency,
                    requests_per_hour=requests_per_hour,
                    max_wait=retry.max_total_seconds,
                    on_progress=report.update,
                )
            except AllowanceExhaustedError as exc:
                return exc.stats, exc
    return stats, None


class _Progress:
    """A rich progress line on stderr (only when asked): accounts, readings, requests, ETA."""

    def __init__(self, show: bool) -> None:
        self._progress: Any = None
        self._task: Any = None
        if show:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("accounts"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeRemainingColumn(),
                transient=True,
            )

    def __enter__(self) -> _Progress:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task("sync", total=None, detail="")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, stats: SyncStats) -> None:
        if self._progress is None:
            return
        done = stats.accounts_done + stats.accounts_failed
        detail = (
            f"{stats.readings_written:,} readings · {stats.requests:,} requests · "
            f"{stats.rate_limits} rate limits"
            + ("" if stats.allowance_left is None else f" · {stats.allowance_left:,} points left")
        )
        self._progress.update(self._task, completed=done, total=stats.accounts_total, detail=detail)


def _summary(stats: SyncStats, store: Path) -> str:
    size = store.stat().st_size if store.exists() else 0
    return (
        f"synced {stats.accounts_done:,} account(s), {stats.accounts_failed} failed: "
        f"{stats.series:,} series, {stats.readings_written:,} readings written, "
        f"{stats.requests:,} requests, {stats.rate_limits} rate limits, "
        + ("" if stats.allowance_left is None else f"{stats.allowance_left:,} points left, ")
        + f"{stats.elapsed:.1f} s; store {store} ({size / 1e6:.1f} MB)"
    )


def _export_command() -> click.Command:
    @click.command("export", epilog=EXPORT_EXAMPLES)
    @click.option(
        "--store",
        required=True,
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="The SQLite file `kraken sync` wrote, e.g. readings.db.",
    )
    @click.option("--account", metavar="A-XXXXXXXX", help="Only this account, e.g. A-F523797D.")
    @click.option(
        "--start", metavar="DATETIME", help="First instant, ISO 8601, e.g. 2024-10-01T00:00."
    )
    @click.option(
        "--end", metavar="DATETIME", help="Instant after the last, ISO 8601, e.g. 2024-10-08T00:00."
    )
    @click.option(
        "--timezone",
        default="Europe/London",
        show_default=True,
        callback=zone,
        help="IANA timezone of offset-less --start/--end, e.g. UTC.",
    )
    @click.option(
        "--format",
        "output_format",
        type=click.Choice(["jsonl", "csv"], case_sensitive=False),
        default="jsonl",
        show_default=True,
        help="JSON lines or CSV, with the measurements columns after account_number, e.g. csv.",
    )
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to PATH (replaced only when the export succeeds), not stdout, e.g. out.csv.",
    )
    @verbose_option
    def command(
        store: Path,
        account: str | None,
        start: str | None,
        end: str | None,
        timezone: ZoneInfo,
        output_format: str,
        output: Path | None,
    ) -> None:
        """Write the stored readings in series and time order, streaming, as JSON lines or CSV."""
        low = instant("--start", start, timezone)
        high = instant("--end", end, timezone)
        with SqliteStore(store) as opened, destination(output, sys.stdout) as stream:
            write_export(opened.readings(account, low, high), stream, output_format.lower())

    return command


def export_row(reading: StoredReading) -> dict[str, str | None]:
    """One stored reading as the export's columns; absent values are None."""
    series = reading.series
    return {
        "account_number": reading.account_number,
        "property_id": reading.property_id,
        "utility": series.utility,
        "supply_point": series.supply_point,
        "device_id": series.device_id,
        "register_id": series.register_id,
        "direction": None if series.direction is None else series.direction.value,
        "frequency": None if series.frequency is None else series.frequency.value,
        "start_at": reading.start_at,
        "end_at": reading.end_at,
        "read_at": reading.read_at,
        "value": reading.value,
        "unit": reading.unit,
        "source": reading.source,
    }


def write_export(readings: Iterator[StoredReading], stream: TextIO, output_format: str) -> None:
    """Stream `readings` to `stream` as JSON lines or CSV (absent values: null / empty)."""
    if output_format == "csv":
        writer = csv.DictWriter(stream, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for reading in readings:
            writer.writerow(export_row(reading))
    else:
        for reading in readings:
            stream.write(json.dumps(export_row(reading)) + "\n")
    stream.flush()


sync_command: Final = _sync_command()
"""`kraken sync`."""
export_command: Final = _export_command()
"""`kraken export`."""
