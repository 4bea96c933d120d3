"""Windows of buckets equal a brute-force enumeration that shares no code with `_windows`.

The oracle knows only what a bucket is: the instants whose local wall clock, read in the zone,
carries the same label. A sub-day bucket's label is the wall clock floored to the width together
with the UTC offset (so the repeated hour of a 25-hour day is its own buckets); a day's, week's
(ISO, from Monday), month's or quarter's label is the local date floored to it. A boundary is an
instant where the label changes. The oracle finds them by trying every wall-clock grid time of
every local day in the range (both folds) and every change of UTC offset, keeping those where
the label differs from a second earlier.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_energy import ReadingFrequencyType as F
from kraken_energy._windows import windows

# Half-hour shifts (Lord Howe), odd offsets (Kathmandu, St John's, Adelaide), transitions at
# midnight (Havana, Santiago) and none at all (UTC, Kolkata).
ZONES = ["Europe/London", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Adelaide",
         "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns", "America/Havana",
         "America/Santiago"]
MINUTES = {F.RAW_INTERVAL: 30, F.FIVE_MIN_INTERVAL: 5, F.FIFTEEN_MIN_INTERVAL: 15,
           F.THIRTY_MIN_INTERVAL: 30, F.HOUR_INTERVAL: 60}
CALENDAR = [F.DAY_INTERVAL, F.DAILY, F.WEEK_INTERVAL, F.MONTH_INTERVAL, F.QUARTER_INTERVAL]
FREQUENCIES = [*MINUTES, *CALENDAR]
SECOND = timedelta(seconds=1)


def label(instant: datetime, frequency: F, zone: ZoneInfo) -> tuple:
    """What every instant of one bucket shares."""
    local = instant.astimezone(zone)
    if frequency in MINUTES:
        floored = (local.hour * 60 + local.minute) // MINUTES[frequency]
        return local.date(), floored, local.utcoffset()
    day = local.date()
    if frequency is F.WEEK_INTERVAL:
        return (day - timedelta(days=day.weekday()),)
    if frequency is F.MONTH_INTERVAL:
        return day.year, day.month
    if frequency is F.QUARTER_INTERVAL:
        return day.year, (day.month - 1) // 3
    return (day,)


@cache
def offset_changes(zone: ZoneInfo, year: int) -> tuple[datetime, ...]:
    """Every instant of `year` (UTC) at which the zone's UTC offset changes, to the minute."""
    found, moment, end = [], datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    while moment < end:
        after = moment + timedelta(hours=6)
        if moment.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            low, high = moment, after  # the offset at `low` differs from the one at `high`
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) // 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high)
        moment = after
    return tuple(found)


def brute_force_boundaries(start: datetime, end: datetime, frequency: F,
                           zone: ZoneInfo) -> list[datetime]:
    """Every instant strictly inside (start, end) where the bucket label changes, in UTC."""
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    step = MINUTES.get(frequency, 24 * 60)
    candidates = set()
    day = first_day
    while day <= last_day:
        for minute in range(0, 24 * 60, step):
            wall = datetime.combine(day, time(minute // 60, minute % 60))
            for fold in (0, 1):
                candidates.add(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC))
        day += timedelta(days=1)
    for year in range(first_day.year, last_day.year + 1):
        candidates.update(offset_changes(zone, year))
    low, high = start.astimezone(UTC), end.astimezone(UTC)
    return sorted(moment for moment in candidates if low < moment < high
                  and label(moment, frequency, zone) != label(moment - SECOND, frequency, zone))


def brute_force_windows(start: datetime, end: datetime, frequency: F, zone: ZoneInfo,
                        per_window: int) -> list[tuple[datetime, datetime]]:
    """The range cut at every boundary into pieces, then `per_window` pieces to a window."""
    cuts = [start.astimezone(UTC), *brute_force_boundaries(start, end, frequency, zone),
            end.astimezone(UTC)]
    pieces = list(pairwise(cuts))
    groups = [pieces[i:i + per_window] for i in range(0, len(pieces), per_window)]
    return [(group[0][0], group[-1][1]) for group in groups]


def in_utc(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    return [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in spans]


@st.composite
def ranges(draw: st.DrawFn) -> tuple[datetime, datetime, F, ZoneInfo]:
    """A zone, a frequency and a range; most ranges straddle one of the zone's offset changes."""
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    frequency = draw(st.sampled_from(FREQUENCIES))
    changes = offset_changes(zone, 2024) + offset_changes(zone, 2025)
    # Long enough for many buckets, short enough for the brute force: 5-minute buckets over
    # three days, hours over three weeks, calendar buckets over up to two years.
    longest = {5: 3, 15: 6, 30: 10, 60: 21}.get(MINUTES.get(frequency, 0), 730) * 24 * 60
    length = timedelta(minutes=draw(st.integers(min_value=1, max_value=longest)))
    if changes and draw(st.integers(min_value=0, max_value=3)):  # three in four straddle one
        change = draw(st.sampled_from(changes))
        start = change - length * draw(st.floats(min_value=0.0, max_value=1.0))
        start = start.replace(second=0, microsecond=0).astimezone(UTC)
    else:
        start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(
            minutes=draw(st.integers(min_value=0, max_value=700 * 24 * 60)))
    # Added in UTC: aware arithmetic in Python is wall-clock arithmetic.
    return start.astimezone(zone), (start + length).astimezone(zone), frequency, zone


@settings(max_examples=300, deadline=None)
@given(case=ranges(), per_window=st.integers(min_value=1, max_value=40))
def test_windows_equal_the_brute_force_enumeration(case, per_window) -> None:
    """For any zone, frequency and range (most across an offset change), windows() agrees."""
    start, end, frequency, zone = case
    got = windows(start, end, frequency, zone, per_window)
    assert in_utc(got) == brute_force_windows(start, end, frequency, zone, per_window)
    assert all(a.tzinfo is zone and b.tzinfo is zone for a, b in got)


def test_the_oracle_knows_london_days_and_half_hours() -> None:
    """The oracle itself: London's 25-hour day has 50 half-hours, its 23-hour day 46, and a
    month of days in October has 31 buckets."""
    london = ZoneInfo("Europe/London")

    def count(first: date, after: date, frequency: F) -> int:
        start = datetime.combine(first, time(), tzinfo=london)
        end = datetime.combine(after, time(), tzinfo=london)
        return len(brute_force_boundaries(start, end, frequency, london)) + 1

    assert count(date(2024, 10, 27), date(2024, 10, 28), F.THIRTY_MIN_INTERVAL) == 50
    assert count(date(2024, 3, 31), date(2024, 4, 1), F.THIRTY_MIN_INTERVAL) == 46
    assert count(date(2024, 10, 1), date(2024, 11, 1), F.DAY_INTERVAL) == 31
    assert count(date(2024, 1, 1), date(2025, 1, 1), F.QUARTER_INTERVAL) == 4


def test_a_dst_day_has_its_own_number_of_half_hours() -> None:
    """London's 25-hour day holds 50 half-hour buckets, its 23-hour day 46."""
    london = ZoneInfo("Europe/London")
    for first, after, count in ((datetime(2024, 10, 27, tzinfo=london),
                                 datetime(2024, 10, 28, tzinfo=london), 50),
                                (datetime(2024, 3, 31, tzinfo=london),
                                 datetime(2024, 4, 1, tzinfo=london), 46)):
        spans = windows(first, after, F.THIRTY_MIN_INTERVAL, london, 1)
        assert len(spans) == count
        assert all(b.astimezone(UTC) - a.astimezone(UTC) == timedelta(minutes=30)
                   for a, b in spans)
