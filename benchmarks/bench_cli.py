"""CLI formatting: seconds to write 10,000 readings in each `kraken measurements --format`.

The command's writers are timed alone (no network): each reading goes through the same
`make_writer(...)` object the command uses, into an in-memory text stream.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Final

from _harness import Context, Result, at_most, scaled, time_calls

from kraken_energy import Measurement, ReadingDirectionType, ReadingFrequencyType, Series
from kraken_energy.cli._output import FORMATS, make_writer

NAME: Final = "cli"
ROWS: Final = 10_000
TARGET_SECONDS: Final = 1.0
"""The issue's bound: at most one second of formatting per 10,000 rows, whatever the format."""

METHOD: Final = f"""
{ROWS:,} half-hourly `Measurement` records of two properties (built once, with `+01:00` offsets and
six-decimal values, as Kraken sends them) are written through the command's own writer for each
`--format` (`make_writer(format, stream, account)`, then `write` per reading and `finish`) into an
`io.StringIO`. The figure is seconds per {ROWS:,} rows; the target, at most {TARGET_SECONDS:g} s for
every format, is the issue's bound on formatting. The table streams fixed-width rows under a
heading per series, so its cost grows linearly and nothing waits for the last reading.
"""


SERIES = Series(
    "electricity",
    "2700008749510",
    "30-EB-5A-FF-FF-E0-91-E8",
    direction=ReadingDirectionType.CONSUMPTION,
    frequency=ReadingFrequencyType.RAW_INTERVAL,
)


def readings(count: int = ROWS) -> list[Measurement]:
    """Build `count` interval readings, the second half on another property."""
    zone = dt.timezone(dt.timedelta(hours=1))
    first = dt.datetime(2024, 7, 1, tzinfo=zone)
    step = dt.timedelta(minutes=30)
    return [
        Measurement(
            property_id="308641" if index < count // 2 else "400001",
            series=SERIES,
            kind=None,
            typename="IntervalMeasurementType",
            value=Decimal(f"{(index % 997) / 1000:.6f}"),
            unit="kwh",
            read_at=first + (index + 1) * step,
            source="SMART_METER",
            statistics=(),
            start_at=first + index * step,
            end_at=first + (index + 1) * step,
            duration_in_seconds=1800,
        )
        for index in range(count)
    ]


def run(context: Context) -> list[Result]:
    """Time each format's writer over the same readings."""
    rows = readings(ROWS // 10 if context.settings.quick else ROWS)
    scale = ROWS / len(rows)
    results = []
    for output_format in FORMATS:

        def write_all(output_format: str = output_format) -> None:
            writer = make_writer(output_format, io.StringIO(), "A-F523797D")
            for reading in rows:
                writer.write(reading)
            writer.finish()

        sample = time_calls(write_all, context.settings)
        per_10k = scaled(sample, scale)
        results.append(
            at_most(
                NAME, f"--format {output_format}, per {ROWS:,} rows", per_10k, "s", TARGET_SECONDS
            )
        )
    return results
