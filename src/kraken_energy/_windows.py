"""Bucket boundaries of Kraken's reading frequencies, in a timezone, and windows built on them.

A window is a run of whole buckets: [start, end) where both ends are bucket boundaries (or the
range's own ends). Kraken returns only buckets lying within [startAt, endAt), so windows that
meet at boundaries split a range's buckets exactly, each bucket in one window.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kraken_energy_gql.enums import ReadingFrequencyType

_FIXED_WIDTHS = {
    ReadingFrequencyType.RAW_INTERVAL: timedelta(minutes=30),  # half-hourly settlement periods
    ReadingFrequencyType.FIVE_MIN_INTERVAL: timedelta(minutes=5),
    ReadingFrequencyType.FIFTEEN_MIN_INTERVAL: timedelta(minutes=15),
    ReadingFrequencyType.THIRTY_MIN_INTERVAL: timedelta(minutes=30),
    ReadingFrequencyType.HOUR_INTERVAL: timedelta(hours=1),
}
_EPOCH = datetime(1970, 1, 1)
_CALENDAR = {
    ReadingFrequencyType.DAY_INTERVAL,
    ReadingFrequencyType.DAILY,
    ReadingFrequencyType.WEEK_INTERVAL,
    ReadingFrequencyType.MONTH_INTERVAL,
    ReadingFrequencyType.QUARTER_INTERVAL,
}


def has_buckets(frequency: ReadingFrequencyType) -> bool:
    """Whether readings of this frequency come in buckets whose boundaries can be computed."""
    return frequency in _FIXED_WIDTHS or frequency in _CALENDAR


def next_boundary(moment: datetime, frequency: ReadingFrequencyType, zone: ZoneInfo) -> datetime:
    """Return the first bucket boundary strictly after `moment` (an aware datetime)."""
    width = _FIXED_WIDTHS.get(frequency)
    if width is not None:
        # Sub-day buckets align to the wall clock. Measure how far the wall clock is past the
        # last multiple of the width, then step in UTC (aware arithmetic in Python is wall-clock
        # arithmetic, which would be wrong across a DST change).
        wall = (moment.astimezone(zone).replace(tzinfo=None) - _EPOCH).total_seconds()
        step = width.total_seconds() - wall % width.total_seconds()
        return (moment.astimezone(UTC) + timedelta(seconds=step)).astimezone(zone)
    day = moment.astimezone(zone).date()
    following = _next_calendar_start(day, frequency)
    return datetime.combine(following, time(0), tzinfo=zone)


def _next_calendar_start(day: date, frequency: ReadingFrequencyType) -> date:
    if frequency in (ReadingFrequencyType.DAY_INTERVAL, ReadingFrequencyType.DAILY):
        return day + timedelta(days=1)
    if frequency is ReadingFrequencyType.WEEK_INTERVAL:
        return day + timedelta(days=7 - day.weekday())  # ISO weeks start on Monday
    months = 1 if frequency is ReadingFrequencyType.MONTH_INTERVAL else 3
    first_month = day.month - (day.month - 1) % months  # the bucket's first month
    month = first_month + months
    return date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def boundaries(
    start: datetime, end: datetime, frequency: ReadingFrequencyType, zone: ZoneInfo
) -> Iterator[datetime]:
    """Every bucket boundary strictly between `start` and `end`, in order."""
    # Compared in UTC: Python compares two datetimes sharing a tzinfo by wall clock, which puts
    # 01:30 BST after 01:00 GMT in the repeated hour of a 25-hour day.
    limit = end.astimezone(UTC)
    moment = next_boundary(start, frequency, zone)
    while moment.astimezone(UTC) < limit:
        yield moment
        moment = next_boundary(moment, frequency, zone)


def _shifts_keep_alignment(
    start: datetime, end: datetime, zone: ZoneInfo, width: timedelta
) -> bool:
    """Whether every UTC offset the zone uses in [start, end) differs by whole bucket widths.

    Then stepping in UTC keeps wall-clock alignment (London's one-hour DST shift does; Lord Howe
    Island's half-hour shift does not for hourly buckets). Offsets are sampled monthly: zones
    change them at most a few times a year.
    """
    reference = start.astimezone(zone).utcoffset() or timedelta()
    moment = start
    while True:
        offset = moment.astimezone(zone).utcoffset() or timedelta()
        if (offset - reference) % width:
            return False
        if moment >= end:
            return True
        moment = min(moment + timedelta(days=28), end)


def windows(
    start: datetime,
    end: datetime,
    frequency: ReadingFrequencyType,
    zone: ZoneInfo,
    buckets_per_window: int,
) -> list[tuple[datetime, datetime]]:
    """Split [start, end) at bucket boundaries into windows of at most `buckets_per_window`.

    The first window may begin, and the last end, inside a bucket (the range's own ends); a
    window never splits a bucket, so every whole bucket of the range is in exactly one window.
    Edges are built and compared in UTC (see `boundaries`) and returned in `zone`.
    """
    first, last = start.astimezone(UTC), end.astimezone(UTC)
    width = _FIXED_WIDTHS.get(frequency)
    if width is not None and _shifts_keep_alignment(start, end, zone, width):
        # Boundary i (1-based) lies (i - 1) widths after the first, counted in UTC: window edges
        # follow directly, without visiting every bucket of a long range.
        step = width * buckets_per_window
        edges = [first]
        moment = next_boundary(start, frequency, zone).astimezone(UTC) + width * (
            buckets_per_window - 1
        )
        while moment < last:
            edges.append(moment)
            moment += step
    else:
        cuts = [first, *(b.astimezone(UTC) for b in boundaries(start, end, frequency, zone))]
        # cuts[i]..cuts[i+1] holds at most one whole bucket; group them by buckets_per_window.
        edges = cuts[::buckets_per_window]
    if edges[-1] != last:
        edges.append(last)
    return [
        (edges[i].astimezone(zone), edges[i + 1].astimezone(zone))
        for i in range(len(edges) - 1)
        if edges[i] < edges[i + 1]
    ]
