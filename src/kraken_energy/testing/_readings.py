"""Deterministic synthetic half-hourly series and their exact aggregation into buckets.

Nothing is stored: a slot's value is a function of the channel's seed and the slot number (the
half-hours since the Unix epoch), so a year of data costs nothing until asked for. A bucket's value
is the exact ``Decimal`` sum of its slots; a page costs O(page size x bucket width).

Buckets follow wall-clock boundaries in the requested timezone: a DAY runs from local midnight to
the next local midnight (23 or 25 hours on DST changes), a WEEK starts on Monday (ISO), MONTH and
QUARTER start on the first of January/April/July/October. Only whole buckets inside
``[start_at, end_at)`` that overlap a channel's data are returned.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from ._data import LONDON_TZ_NAME, Channel, DocumentedDay, MeterPoint, Property, Utility

SLOT_SECONDS: Final = 1800
MICRO: Final = Decimal("0.000001")  # values carry six decimal places, like Kraken's "6.525000"
PENNY: Final = Decimal("0.01")  # amounts carry two, like Kraken's "182.30"
_MASK64: Final = (1 << 64) - 1
_LONDON: Final = ZoneInfo(LONDON_TZ_NAME)

Interval = Literal["HALF_HOUR", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER"]

# Reading frequencies the series cannot be finer than are served half-hourly.
FREQUENCY_TO_INTERVAL: Final[dict[str, Interval]] = {
    "RAW_INTERVAL": "HALF_HOUR",
    "FIVE_MIN_INTERVAL": "HALF_HOUR",
    "FIFTEEN_MIN_INTERVAL": "HALF_HOUR",
    "THIRTY_MIN_INTERVAL": "HALF_HOUR",
    "POINT_IN_TIME": "HALF_HOUR",
    "HOUR_INTERVAL": "HOUR",
    "DAY_INTERVAL": "DAY",
    "DAILY": "DAY",
    "WEEK_INTERVAL": "WEEK",
    "MONTH_INTERVAL": "MONTH",
    "QUARTER_INTERVAL": "QUARTER",
}


def _mix(value: int) -> int:
    """SplitMix64: a cheap, well-spread, platform-independent integer hash."""
    z = (value + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _daylight_split(day: dt.date, total_micro: int) -> dict[int, int]:
    """Spread a day's total over its daylight slots (07:00-18:00 London), exactly.

    Every slot of the local day gets an entry (0 at night). Weights rise and fall like the sun;
    shares are rounded down and the remainder goes to the last daylight slot, so they add up to
    the total to the last micro-kWh.
    """
    midnight = int(dt.datetime.combine(day, dt.time(), tzinfo=_LONDON).timestamp())
    next_midnight = int(
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=_LONDON).timestamp()
    )
    split = dict.fromkeys(range(midnight // SLOT_SECONDS, next_midnight // SLOT_SECONDS), 0)
    sunrise = int(dt.datetime.combine(day, dt.time(7), tzinfo=_LONDON).timestamp())
    count = 22
    weights = [k * (count + 1 - k) for k in range(1, count + 1)]
    shares = [total_micro * w // sum(weights) for w in weights[:-1]]
    shares.append(total_micro - sum(shares))
    split.update({sunrise // SLOT_SECONDS + k: share for k, share in enumerate(shares)})
    return split


@functools.lru_cache(maxsize=256)
def _profile(channel: Channel) -> tuple[int, dict[int, int]]:
    """Return the channel's first slot number and its pinned slot values."""
    pinned: dict[int, int] = {}
    for documented in channel.documented_days:
        pinned.update(_daylight_split(documented.day, int(documented.total / MICRO)))
    return int(channel.start.timestamp()) // SLOT_SECONDS, pinned


def data_end(channel: Channel, now: dt.datetime) -> dt.datetime:
    """Where the channel's data ends: its ``end``, else the last whole half-hour before ``now``."""
    if channel.end is not None:
        return channel.end
    return dt.datetime.fromtimestamp(int(now.timestamp()) // SLOT_SECONDS * SLOT_SECONDS, dt.UTC)


def _formula_micro(channel: Channel, utility: Utility, slot: int) -> int:
    noise = _mix((channel.seed << 40) ^ slot)
    if channel.direction == "GENERATION":
        slot_of_day = slot % 48
        if not 14 <= slot_of_day < 36:  # daylight, 07:00-18:00 UTC
            return 0
        return (noise % 3000) * (slot_of_day - 13) * (36 - slot_of_day)
    if utility == "GAS":
        return 20_000 + noise % 980_000
    return 40_000 + noise % 360_000


def sum_micro(
    channel: Channel, utility: Utility, first_slot: int, end_slot: int, stop: dt.datetime
) -> int:
    """Return the sum of slots ``[first_slot, end_slot)`` in micro-kWh (0 outside the data).

    ``stop`` is where the data ends (`data_end`).
    """
    start, pinned = _profile(channel)
    end = -(-int(stop.timestamp()) // SLOT_SECONDS)
    total = 0
    for slot in range(max(first_slot, start), min(end_slot, end)):
        value = pinned.get(slot)
        total += _formula_micro(channel, utility, slot) if value is None else value
    return total


@dataclass(frozen=True)
class Bucket:
    """One aggregation bucket ``[start, end)``; both ends are UTC datetimes."""

    start: dt.datetime
    end: dt.datetime


def _floor_day(moment: dt.datetime, interval: Interval, tz: ZoneInfo) -> dt.date:
    day = moment.astimezone(tz).date()
    if interval == "WEEK":
        day -= dt.timedelta(days=day.weekday())
    elif interval == "MONTH":
        day = day.replace(day=1)
    elif interval == "QUARTER":
        day = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day


def _next_day(day: dt.date, interval: Interval) -> dt.date:
    if interval == "DAY":
        return day + dt.timedelta(days=1)
    if interval == "WEEK":
        return day + dt.timedelta(days=7)
    index = day.year * 12 + day.month - 1 + (1 if interval == "MONTH" else 3)
    return dt.date(index // 12, index % 12 + 1, 1)


def _midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """Local midnight of ``day`` as a UTC datetime (compared and subtracted as instants)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


class BucketPlan:
    """The buckets of one channel in a requested range, addressable by index."""

    def __init__(self, count: int, bucket_at: Callable[[int], Bucket]) -> None:
        self.count = count
        self._bucket_at = bucket_at

    def __getitem__(self, index: int) -> Bucket:
        return self._bucket_at(index)


def _fixed_plan(
    width: int,
    start_at: dt.datetime,
    end_at: dt.datetime,
    channel: Channel,
    tz: ZoneInfo,
    stop: dt.datetime,
) -> BucketPlan:
    # Half-hours follow the UTC grid. Hours start where the local clock shows minute 0, taking the
    # offset where the data starts (DST shifts are whole hours, so it holds all along).
    origin = 0
    if width > SLOT_SECONDS:
        offset = max(start_at, channel.start).astimezone(tz).utcoffset() or dt.timedelta()
        origin = int(-offset.total_seconds()) % width // SLOT_SECONDS * SLOT_SECONDS

    def floor_grid(seconds: int) -> int:
        return seconds - (seconds - origin) % width

    def ceil_grid(seconds: int) -> int:
        return seconds + (origin - seconds) % width

    lo = max(math.ceil(start_at.timestamp()), floor_grid(int(channel.start.timestamp())))
    first = ceil_grid(lo)
    last_end = min(
        floor_grid(math.floor(end_at.timestamp())), ceil_grid(math.ceil(stop.timestamp()))
    )
    count = max(0, (last_end - first) // width)

    def bucket_at(index: int) -> Bucket:
        begin = first + index * width
        return Bucket(
            dt.datetime.fromtimestamp(begin, dt.UTC),
            dt.datetime.fromtimestamp(begin + width, dt.UTC),
        )

    return BucketPlan(count, bucket_at)


def _calendar_plan(
    interval: Interval,
    start_at: dt.datetime,
    end_at: dt.datetime,
    channel: Channel,
    tz: ZoneInfo,
    stop: dt.datetime,
) -> BucketPlan:
    data_start = _midnight(_floor_day(channel.start, interval, tz), tz)
    lo = max(start_at, data_start)
    day = _floor_day(lo, interval, tz)
    if _midnight(day, tz) < lo:
        day = _next_day(day, interval)
    end_day = _floor_day(stop, interval, tz)
    if _midnight(end_day, tz) < stop:
        end_day = _next_day(end_day, interval)
    hi = min(end_at, _midnight(end_day, tz))
    boundaries = [_midnight(day, tz)]
    while True:
        day = _next_day(day, interval)
        following = _midnight(day, tz)
        if following > hi:
            break
        boundaries.append(following)
    return BucketPlan(len(boundaries) - 1, lambda i: Bucket(boundaries[i], boundaries[i + 1]))


def bucket_plan(
    interval: Interval,
    start_at: dt.datetime,
    end_at: dt.datetime,
    channel: Channel,
    tz: ZoneInfo,
    stop: dt.datetime,
) -> BucketPlan:
    """Return the whole buckets inside ``[start_at, end_at)`` that overlap the channel's data.

    The data runs from the channel's start to ``stop`` (`data_end`).
    """
    if start_at >= end_at or channel.start >= stop:
        return BucketPlan(0, lambda i: Bucket(start_at, start_at))
    if interval in ("HALF_HOUR", "HOUR"):
        width = SLOT_SECONDS if interval == "HALF_HOUR" else 2 * SLOT_SECONDS
        return _fixed_plan(width, start_at, end_at, channel, tz, stop)
    return _calendar_plan(interval, start_at, end_at, channel, tz, stop)


def bucket_value(channel: Channel, utility: Utility, bucket: Bucket, stop: dt.datetime) -> Decimal:
    """Return the exact sum of the channel's slots in the bucket, with six decimal places."""
    first = int(bucket.start.timestamp()) // SLOT_SECONDS
    end = int(bucket.end.timestamp()) // SLOT_SECONDS
    return Decimal(sum_micro(channel, utility, first, end, stop)) * MICRO


@dataclass(frozen=True)
class Stream:
    """The measurements of one channel at one interval in one range: what one filter selects."""

    meter_point: MeterPoint
    channel: Channel
    interval: Interval
    plan: BucketPlan
    tz: ZoneInfo
    stop: dt.datetime
    filters: dict[str, Any]
    """The node's ``metaData.utilityFilters``: one object, shared by every node of the stream."""

    def node(self, index: int) -> dict[str, Any]:
        """Return the ``IntervalMeasurementType`` object of bucket ``index``."""
        bucket = self.plan[index]
        value = bucket_value(self.channel, self.meter_point.utility, bucket, self.stop)
        start, end = bucket.start.astimezone(self.tz), bucket.end.astimezone(self.tz)
        return {
            "__typename": "IntervalMeasurementType",
            "source": "SMART_METER",
            "unit": "kwh",
            "value": value,
            "readAt": end,
            "startAt": start,
            "endAt": end,
            # Both ends are UTC, so this counts real seconds (82800 or 90000 on DST days).
            "durationInSeconds": int((bucket.end - bucket.start).total_seconds()),
            "metaData": {
                "statistics": self._statistics(value, bucket),
                "utilityFilters": self.filters,
            },
        }

    def _documented(self, bucket: Bucket) -> DocumentedDay | None:
        """Return the pinned day this bucket is exactly (a DAY bucket in London time), if any."""
        if self.interval != "DAY" or not self.channel.documented_days:
            return None
        for documented in self.channel.documented_days:
            if bucket.start == _midnight(documented.day, _LONDON) and bucket.end == _midnight(
                documented.day + dt.timedelta(days=1), _LONDON
            ):
                return documented
        return None

    def _statistics(self, value: Decimal, bucket: Bucket) -> list[dict[str, Any]]:
        """Return a DAY bucket's standing charge, then its energy's cost (or export value)."""
        channel = self.channel
        generation = channel.direction == "GENERATION"
        documented = self._documented(bucket)
        tax = channel.rate_incl_tax / channel.rate_excl_tax if channel.rate_excl_tax else 1
        statistics: list[dict[str, Any]] = []
        if self.interval == "DAY":
            charge = channel.standing_charge if documented is None else documented.standing_charge
            statistics.append({
                "type": "STANDING_CHARGE_COST",
                "label": None,
                "description": "Standing charge for the day, in pence.",
                "value": None,
                "costExclTax": _money(charge),
                "costInclTax": _money(charge * tax),
            })  # fmt: skip
        amount = value * channel.rate_excl_tax if documented is None else documented.amount
        utility = self.meter_point.utility.lower()
        statistics.append({
            "type": "GENERATION_VALUE" if generation else "CONSUMPTION_COST",
            "label": "GENERATION" if generation else "CONSUMPTION",
            "description": (
                "Estimated payment for the exported energy, in pence."
                if generation
                else f"Estimated cost of the {utility} used, in pence."
            ),
            "value": None,
            "costExclTax": _money(amount),
            "costInclTax": _money(amount * tax),
        })  # fmt: skip
        return statistics


def _money(amount: Decimal) -> dict[str, Any]:
    return {"estimatedAmount": amount.quantize(PENNY, ROUND_HALF_EVEN), "costCurrency": "GBP"}


@dataclass(frozen=True)
class Selection:
    """What one utility filter asks for, with Kraken's defaults for the fields it leaves out.

    ``frequency`` is the ``ReadingFrequencyType`` asked for; ``direction`` and ``quality`` are
    None on gas, which has neither.
    """

    utility: Utility
    frequency: str = "RAW_INTERVAL"
    supply_point_id: str | None = None
    device_id: str | None = None
    register_id: str | None = None
    direction: str | None = "CONSUMPTION"
    quality: str | None = "COMBINED"

    def selects(self, point: MeterPoint, channel: Channel) -> bool:
        """Whether this filter selects the channel of this meter point, as Kraken's does."""
        return (
            point.utility == self.utility
            and self.supply_point_id in (None, point.supply_point_id)
            and self.device_id in (None, channel.device_id)
            and self.register_id in (None, channel.register_id)
            and (self.direction is None or channel.direction == self.direction)
        )

    def filters(self, point: MeterPoint, channel: Channel) -> dict[str, Any]:
        """Return the ``utilityFilters`` of the readings this filter selects from a channel."""
        if self.utility == "GAS":
            return {
                "__typename": "GasFiltersOutput",
                "marketSupplyPointId": point.supply_point_id,
                "deviceId": channel.device_id,
                "registerId": channel.register_id,
                "readingFrequencyType": self.frequency,
            }
        return {
            "__typename": "ElectricityFiltersOutput",
            "marketSupplyPointId": point.supply_point_id,
            "deviceId": channel.device_id,
            "registerId": channel.register_id,
            "readingDirection": channel.direction,
            "readingFrequencyType": self.frequency,
            "readingQuality": self.quality,
        }


def select_streams(
    prop: Property,
    selections: Sequence[Selection],
    start_at: dt.datetime,
    end_at: dt.datetime,
    tz: ZoneInfo,
    now: dt.datetime,
) -> list[Stream]:
    """Return the streams the selections pick from a property, in filter order.

    With no selection, Kraken's defaults: electricity CONSUMPTION at RAW_INTERVAL, of every
    electricity meter point. A series two filters select is served once, for the first.
    """
    if not selections:
        selections = [Selection("ELECTRICITY")]
    streams: list[Stream] = []
    taken: set[tuple[str, int, str, str | None]] = set()
    for selection in selections:
        interval = FREQUENCY_TO_INTERVAL.get(selection.frequency, "HALF_HOUR")
        for point in prop.meter_points:
            for number, channel in enumerate(point.channels):
                key = (point.id, number, selection.frequency, selection.quality)
                if not selection.selects(point, channel) or key in taken:
                    continue
                taken.add(key)
                stop = data_end(channel, now)
                plan = bucket_plan(interval, start_at, end_at, channel, tz, stop)
                filters = selection.filters(point, channel)
                streams.append(Stream(point, channel, interval, plan, tz, stop, filters))
    return streams


def nodes_in_window(streams: Sequence[Stream], start: int, end: int) -> list[dict[str, Any]]:
    """Return the nodes at offsets ``[start, end)`` of the streams laid end to end."""
    nodes: list[dict[str, Any]] = []
    base = 0
    for stream in streams:
        lo, hi = max(start - base, 0), min(end - base, stream.plan.count)
        nodes.extend(stream.node(i) for i in range(lo, hi))
        base += stream.plan.count
    return nodes
