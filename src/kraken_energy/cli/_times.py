"""The range options of `kraken measurements`, read plainly: dates, instants and DST.

A local time without an offset is read in `--timezone`. One the clocks skip (the hour lost when
they go forward) does not exist and is refused, naming the gap; one they repeat (the hour when
they go back) is read as its first occurrence, as `datetime` does with `fold=0`. Each way of
misusing the four range options gets a message naming that mistake.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

EXAMPLE_INSTANT: Final = "2024-10-01T00:00:00"
EXAMPLE_DAY: Final = "2024-10-01"


def day(_ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """Read a calendar date written YYYY-MM-DD (a click callback).

    Raises:
        click.BadParameter: any other form.
    """
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date such as {EXAMPLE_DAY} (YYYY-MM-DD)", param=param
        ) from None


def zone(_ctx: click.Context, _param: click.Parameter, value: str) -> ZoneInfo:
    """Read an IANA timezone name (a click callback).

    Raises:
        click.BadParameter: not a timezone this machine knows.
    """
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(
            f"unknown timezone {value!r} (an IANA name such as Europe/London)"
        ) from None


def instant(option: str, text: str | None, zone: ZoneInfo) -> datetime | None:
    """Read an ISO 8601 instant; without an offset, as wall-clock time in `zone`.

    Raises:
        click.BadParameter: not ISO 8601, or a local time that does not exist in `zone`.
    """
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not ISO 8601, e.g. {EXAMPLE_INSTANT} or {EXAMPLE_INSTANT}+01:00",
            param_hint=option,
        ) from None
    if moment.tzinfo is not None:
        return moment
    gap = skipped_span(moment, zone)
    if gap is not None:
        first, after = gap
        raise click.BadParameter(
            f"{moment.isoformat()} does not exist in {zone.key}: the clocks go forward from "
            f"{first:%H:%M} to {after:%H:%M} on {first:%Y-%m-%d}, skipping it "
            f"(give {after.isoformat()}, or an explicit offset)",
            param_hint=option,
        )
    return moment.replace(tzinfo=zone, fold=0)  # a repeated local time: its first occurrence


def skipped_span(naive: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """Return the local times (first skipped, first after) of the gap holding `naive`, or None.

    A local time exists when it survives a round trip through UTC. In a gap, `fold=0` reads it
    with the offset from before the change and `fold=1` with the one after; the change itself
    lies between those two readings, and is found to the second by bisection.
    """
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
        return None
    before = naive.replace(tzinfo=zone, fold=0).utcoffset()
    after = naive.replace(tzinfo=zone, fold=1).utcoffset()
    assert before is not None and after is not None
    # The two UTC readings of `naive` bracket the change: the earlier is before it.
    low, high = sorted(((naive - before).replace(tzinfo=UTC), (naive - after).replace(tzinfo=UTC)))
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    change = high.replace(microsecond=0)  # zone changes fall on whole seconds
    return (change + before).replace(tzinfo=None), (change + after).replace(tzinfo=None)


def range_mistake(
    start: str | None, end: str | None, start_on: date | None, end_on: date | None
) -> str | None:
    """Name what is wrong with the combination of range options given, or None when it is fine."""
    instants = {"--start": start, "--end": end}
    days = {"--start-on": start_on, "--end-on": end_on}
    given_instants = [name for name, value in instants.items() if value is not None]
    given_days = [name for name, value in days.items() if value is not None]
    if not given_instants and not given_days:
        return (
            "no range: give --start and --end (instants), or --start-on and --end-on "
            "(inclusive dates)"
        )
    if given_instants and given_days:
        return (
            f"{' and '.join(given_instants)} (instants) cannot be combined with "
            f"{' and '.join(given_days)} (dates): use --start with --end, or --start-on with "
            "--end-on"
        )
    if given_instants == ["--start"]:
        return "--start needs --end, the instant after the range"
    if given_instants == ["--end"]:
        return "--end needs --start, the first instant of the range"
    if given_days == ["--start-on"]:
        return "--start-on needs --end-on, the last day of the range (inclusive)"
    if given_days == ["--end-on"]:
        return "--end-on needs --start-on, the first day of the range"
    if start_on is not None and end_on is not None and end_on < start_on:
        return f"--end-on {end_on} is before --start-on {start_on} (both days are inclusive)"
    return None


def order_mistake(start: datetime | None, end: datetime | None) -> str | None:
    """Name the mistake when --end is not after --start, or None."""
    if start is None or end is None or end.astimezone(UTC) > start.astimezone(UTC):
        return None
    same = "is the same instant as" if end.astimezone(UTC) == start.astimezone(UTC) else "is before"
    return f"--end {end.isoformat()} {same} --start {start.isoformat()}: --end is exclusive"
