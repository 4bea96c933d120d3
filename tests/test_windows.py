"""Windows of buckets: computed directly, they equal the bucket-by-bucket definition."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_energy import ReadingFrequencyType as F
from kraken_energy._windows import boundaries, windows

ZONES = ["Europe/London", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Adelaide",
         "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns"]
FREQUENCIES = [F.RAW_INTERVAL, F.FIVE_MIN_INTERVAL, F.FIFTEEN_MIN_INTERVAL, F.THIRTY_MIN_INTERVAL,
               F.HOUR_INTERVAL, F.DAY_INTERVAL, F.WEEK_INTERVAL, F.MONTH_INTERVAL,
               F.QUARTER_INTERVAL]


def by_definition(start, end, frequency, zone, per_window):
    """Every boundary in turn, grouped per_window at a time: the slow, obvious way (in UTC)."""
    cuts = [start, *boundaries(start, end, frequency, zone)]
    edges = [moment.astimezone(UTC) for moment in cuts[::per_window]]
    if edges[-1] != end.astimezone(UTC):
        edges.append(end.astimezone(UTC))
    return [(a.astimezone(zone), b.astimezone(zone)) for a, b in pairwise(edges) if a < b]


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    frequency=st.sampled_from(FREQUENCIES),
    start_minutes=st.integers(min_value=0, max_value=700 * 24 * 60),
    length_minutes=st.integers(min_value=1, max_value=120 * 24 * 60),
    per_window=st.integers(min_value=1, max_value=150),
)
def test_windows_equal_the_definition(zone, frequency, start_minutes, length_minutes,
                                      per_window) -> None:
    """For any zone (half-hour DST shifts included), frequency and range, the shortcut agrees."""
    tz = ZoneInfo(zone)
    start = datetime(2024, 1, 1, tzinfo=tz) + timedelta(minutes=start_minutes)
    end = start + timedelta(minutes=length_minutes)
    got = windows(start, end, frequency, tz, per_window)
    assert got == by_definition(start, end, frequency, tz, per_window)
    # Together the windows cover [start, end) exactly, each after the one before.
    utc = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in got]
    assert utc[0][0] == start.astimezone(UTC) and utc[-1][1] == end.astimezone(UTC)
    assert all(b == c for (_, b), (c, _) in pairwise(utc))


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
