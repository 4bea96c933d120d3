"""`kraken measurements`: every reading of an account in a range, streamed as it is fetched.

This module reads and checks the options with click and the standard library alone; the fetch
(`_fetch`, with the client, httpx and pydantic) loads only once they are good, so `--help` and
usage errors answer without loading the client.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from kraken_energy_gql.enums import ReadingDirectionType, ReadingFrequencyType, ReadingQualityType

from .._constants import DEFAULT_CONCURRENCY, DEFAULT_MEASUREMENTS_PAGE_SIZE
from ._common import State, verbose_option
from ._output import FORMATS
from ._times import day, instant, order_mistake, range_mistake, zone

EXAMPLES = """\b
Examples:
  kraken measurements --account A-F523797D --start-on 2024-10-01 --end-on 2024-10-06 \\
      --frequency day_interval --direction generation --format table
  kraken measurements --account A-F523797D --start 2024-10-01T00:00:00 \\
      --end 2024-10-07T00:00:00 --format csv --output week.csv
"""


def _choice(enum: type[Any]) -> click.Choice[str]:
    return click.Choice([member.value for member in enum], case_sensitive=False)


@click.command(epilog=EXAMPLES)
@click.option(
    "--account",
    required=True,
    metavar="A-XXXXXXXX",
    help="Account number, e.g. A-F523797D (see `kraken accounts`).",
)
@click.option(
    "--start",
    metavar="DATETIME",
    help="First instant, ISO 8601, e.g. 2024-10-01T00:00:00 (read in --timezone) or "
    "2024-10-01T00:00:00+01:00. A local time the clocks skip is refused; a repeated one "
    "(when the clocks go back) means its first occurrence.",
)
@click.option(
    "--end",
    metavar="DATETIME",
    help="Instant after the range (exclusive), e.g. 2024-10-07T00:00:00; read as --start is.",
)
@click.option(
    "--start-on",
    metavar="DATE",
    callback=day,
    help="Instead of --start: first day (inclusive), e.g. 2024-10-01, from local midnight.",
)
@click.option(
    "--end-on",
    metavar="DATE",
    callback=day,
    help="Instead of --end: last day (inclusive), e.g. 2024-10-06, to the next local midnight.",
)
@click.option(
    "--timezone",
    metavar="ZONE",
    default="Europe/London",
    show_default=True,
    callback=zone,
    help="IANA timezone of days, bucket boundaries, returned offsets and offset-less "
    "--start/--end, e.g. UTC.",
)
@click.option(
    "--utility",
    type=click.Choice(["electricity", "gas"], case_sensitive=False),
    help="Which meter the filters below apply to, e.g. gas (electricity when a filter is given).",
)
@click.option(
    "--frequency",
    type=_choice(ReadingFrequencyType),
    help="Reading interval, any case, e.g. day_interval (default: RAW_INTERVAL, as metered).",
)
@click.option(
    "--direction",
    type=_choice(ReadingDirectionType),
    help="Electricity only: imported (CONSUMPTION) or exported (GENERATION), e.g. generation.",
)
@click.option(
    "--quality",
    type=_choice(ReadingQualityType),
    help="Electricity only: actual or estimated readings, e.g. actual.",
)
@click.option(
    "--supply-point",
    metavar="MPAN|MPRN",
    help="Meter point, e.g. 2700008749510 (see `kraken accounts`).",
)
@click.option(
    "--device-id",
    metavar="ID",
    help="Smart meter device, e.g. 30-EB-5A-FF-FF-E0-91-E8 (see `kraken accounts`).",
)
@click.option("--register-id", metavar="ID", help="Meter register, e.g. 1.")
@click.option(
    "--property-id",
    metavar="ID",
    help="Only this property, e.g. 308641 (default: every property of the account).",
)
@click.option(
    "--page-size",
    type=click.IntRange(min=1),
    help=f"Readings per request, e.g. 100 (default {DEFAULT_MEASUREMENTS_PAGE_SIZE}, "
    "smaller when Kraken refuses it).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    help=f"Requests in flight at once, e.g. 2 (default {DEFAULT_CONCURRENCY}).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS, case_sensitive=False),
    default="jsonl",
    show_default=True,
    help="jsonl or csv for programs; table for people (grouped by series), e.g. csv. "
    "All three stream rows as they arrive.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="Write to PATH, not stdout, e.g. week.jsonl; it appears only once the fetch succeeded.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress while fetching, then a summary line, on stderr (default: when stderr is a "
    "terminal; the live display needs one), e.g. --no-progress.",
)
@verbose_option
@click.pass_obj
def measurements(
    state: State,
    account: str,
    start: str | None,
    end: str | None,
    start_on: date | None,
    end_on: date | None,
    timezone: ZoneInfo,
    utility: str | None,
    frequency: str | None,
    direction: str | None,
    quality: str | None,
    supply_point: str | None,
    device_id: str | None,
    register_id: str | None,
    property_id: str | None,
    page_size: int | None,
    concurrency: int | None,
    output_format: str,
    output: Path | None,
    progress: bool | None,
) -> None:
    """Every reading of an account in a range, series by series, as JSON lines, CSV or a table.

    Give --start and --end (ISO 8601; an offset-less value is read in --timezone), or
    --start-on and --end-on (inclusive dates). Without filter options every series of every
    property is fetched (import, export and gas meter points, each smart meter device); each
    row names its series. A filter that matches nothing on the account exits 2, listing its
    supply points; a range with no readings says so on stderr. Readings are written as they
    arrive; on a terminal a progress display shows rows and pages out of the total, the rate
    and the time left, and a summary line follows. Ctrl-C stops with exit status 130 and leaves
    no --output file.
    """
    mistake = range_mistake(start, end, start_on, end_on)
    if mistake is not None:
        raise click.UsageError(mistake)
    first, after = instant("--start", start, timezone), instant("--end", end, timezone)
    mistake = order_mistake(first, after)
    if mistake is not None:
        raise click.UsageError(mistake)
    given = {
        "property_id": property_id, "utility": utility, "frequency": frequency,
        "direction": direction, "quality": quality, "supply_point": supply_point,
        "device_id": device_id, "register_id": register_id,
    }  # fmt: skip
    arguments: dict[str, Any] = {
        "start": first,
        "end": after,
        "start_on": start_on,
        "end_on": end_on,
        "timezone": timezone.key,
        "property_id": property_id,
        "page_size": page_size,
        "concurrency": concurrency,
    }
    if utility == "gas":
        for option, value in (("--direction", direction), ("--quality", quality)):
            if value is not None:
                raise click.UsageError(f"{option} applies to electricity only, not --utility gas")
    show = sys.stderr.isatty() if progress is None else progress
    # Loaded once the options are read and checked: --help and usage errors need no client.
    from ._fetch import fetch, filters

    arguments |= filters(
        utility, frequency, direction, quality, supply_point, device_id, register_id
    )
    count, summary = fetch(state, account, arguments, output_format, output, show=show)
    if count == 0:
        click.echo(_nothing(account, first or start_on, after or end_on, timezone, given), err=True)
    if summary is not None:
        click.echo(summary, err=True)


def _nothing(
    account: str, first: object, last: object, timezone: ZoneInfo, given: dict[str, str | None]
) -> str:
    """Write the note for a fetch that succeeded with no readings: the range and filters."""
    filters = " ".join(
        f"--{name.replace('_', '-')} {value}" for name, value in given.items() if value is not None
    )
    return (
        f"No readings for {account} from {first} to {last} ({timezone.key})"
        f"{'; filters: ' + filters if filters else ''}."
    )
