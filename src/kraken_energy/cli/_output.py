"""How `kraken measurements` writes readings: JSON lines, CSV or a table, to stdout or a file.

Every format streams: a reading is written as soon as it arrives and memory stays flat, so a
year of half-hourly readings (17,520) is formatted in a fraction of a second whatever the format
(`python3 scripts/dev.py bench --only cli` measures it). JSON lines and CSV share their columns;
the table groups readings by series under a heading per series. A file given with
`--output` appears only when the fetch succeeded: readings go to `PATH.partial` first, which is
renamed over `PATH` at the end and removed on failure.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol, TextIO

if TYPE_CHECKING:
    from .. import Measurement, Series

SeriesKey = tuple[tuple[str, str | None], ...]
"""A series as (name, value) pairs, e.g. `(("property", "308641"), ("utility", "gas"), ...)`."""


def series_key(measurement: Measurement) -> SeriesKey:
    """Return the series of a reading: the groups of the table, progress lines and summary."""
    series = measurement.series
    return (
        ("property", measurement.property_id),
        ("", series.utility),
        ("", series.supply_point),
        ("device", series.device_id),
        ("register", series.register_id),
        ("", _text(series.direction)),
        ("", _text(series.frequency)),
    )


def series_label(key: SeriesKey) -> str:
    """Name a series for people, e.g. `property 308641  electricity  2700008749510  ...`."""
    return "  ".join(
        f"{name} {value}" if name else value for name, value in key if value is not None
    )


COLUMNS: Final = (
    "property_id",
    "utility",
    "supply_point",
    "device_id",
    "register_id",
    "direction",
    "frequency",
    "start_at",
    "end_at",
    "read_at",
    "value",
    "unit",
    "source",
)
"""The fields of every JSON line and the CSV header, in order."""

FORMATS: Final = ("jsonl", "csv", "table")


def record(measurement: Measurement) -> dict[str, str | None]:
    """One reading as strings: ISO 8601 times with their offset, the value exactly as sent."""
    series = measurement.series
    return {
        "property_id": measurement.property_id,
        "utility": series.utility,
        "supply_point": series.supply_point,
        "device_id": series.device_id,
        "register_id": series.register_id,
        "direction": _text(series.direction),
        "frequency": _text(series.frequency),
        "start_at": _iso(measurement.start_at),
        "end_at": _iso(measurement.end_at),
        "read_at": _iso(measurement.read_at),
        "value": str(measurement.value),
        "unit": measurement.unit,
        "source": measurement.source,
    }


def _text(value: Enum | None) -> str | None:
    """Return an enum's wire name (a value newer than this client keeps its raw name), or None."""
    return None if value is None else str(value.value)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class Writer(Protocol):
    """Receives readings one at a time; `finish` is called once, after the last."""

    def write(self, measurement: Measurement) -> None:
        """Write (or keep) one reading."""

    def finish(self) -> None:
        """Write whatever is still pending."""


class JsonLinesWriter:
    """One JSON object per line, keys in `COLUMNS` order; absent values are `null`.

    The line is `json.dumps(record(measurement))`, assembled without building that dict: the
    seven series cells are encoded once per series (see `_SeriesCells`), the unit and source
    once per distinct value, and the times and value are ISO 8601 and decimal text, which JSON
    needs no escaping for.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._series = _SeriesCells(_json_series)
        self._text = _Encoded(json.dumps)

    def write(self, measurement: Measurement) -> None:
        """Write the reading as one line."""
        start, end, text = measurement.start_at, measurement.end_at, self._text
        start_at = "null" if start is None else '"' + start.isoformat() + '"'
        end_at = "null" if end is None else '"' + end.isoformat() + '"'
        self._stream.write(
            f'{self._series.get(measurement)}"start_at": {start_at}, "end_at": {end_at}, '
            f'"read_at": "{measurement.read_at.isoformat()}", "value": "{measurement.value!s}", '
            f'"unit": {text.get(measurement.unit)}, "source": {text.get(measurement.source)}}}\n'
        )

    def finish(self) -> None:
        """Flush the stream."""
        self._stream.flush()


class CsvWriter:
    """A header row of `COLUMNS`, then one row per reading; absent values are empty cells.

    Each row is what `csv.DictWriter` writes for `record(measurement)`, assembled from cells the
    csv module quoted: the seven series cells once per series, the unit and source once per
    distinct value. Times and values hold no delimiter, quote or line break, so need no quoting.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        csv.writer(stream, lineterminator="\n").writerow(COLUMNS)
        self._series = _SeriesCells(_csv_series)
        self._text = _Encoded(_csv_cell)

    def write(self, measurement: Measurement) -> None:
        """Write the reading as one row."""
        start, end, text = measurement.start_at, measurement.end_at, self._text
        start_at = "" if start is None else start.isoformat()
        end_at = "" if end is None else end.isoformat()
        self._stream.write(
            f"{self._series.get(measurement)}{start_at},{end_at},"
            f"{measurement.read_at.isoformat()},{measurement.value!s},"
            f"{text.get(measurement.unit)},{text.get(measurement.source)}\n"
        )

    def finish(self) -> None:
        """Flush the stream."""
        self._stream.flush()


class _SeriesCells:
    """The encoded series cells of readings, computed once per (property, series).

    Readings arrive series by series, and the readings of one page share their `property_id`
    and `series` objects, so the last pair is recognised by identity; other pairs are kept by
    value (a fetch has a handful of series).
    """

    def __init__(self, encode: Callable[[dict[str, str | None]], str]) -> None:
        self._encode = encode
        self._known: dict[tuple[str, Series], str] = {}
        self._last: tuple[str, Series, str] | None = None

    def get(self, measurement: Measurement) -> str:
        """Return the encoded cells of the reading's series, ready for the rest of its row."""
        property_id, series = measurement.property_id, measurement.series
        last = self._last
        if last is not None and last[0] is property_id and last[1] is series:
            return last[2]
        key = (property_id, series)
        encoded = self._known.get(key)
        if encoded is None:
            cells = record(measurement)
            encoded = self._known[key] = self._encode(
                {name: cells[name] for name in SERIES_COLUMNS}
            )
        self._last = (property_id, series, encoded)
        return encoded


class _Encoded:
    """An encoding of strings, remembered for the last few hundred distinct values."""

    def __init__(self, encode: Callable[[str], str]) -> None:
        self._encode = encode
        self._known: dict[str, str] = {}

    def get(self, text: str) -> str:
        """Return `text` encoded."""
        encoded = self._known.get(text)
        if encoded is None:
            if len(self._known) >= REMEMBERED_TEXTS:  # a server inventing units cannot grow memory
                self._known.clear()
            encoded = self._known[text] = self._encode(text)
        return encoded


REMEMBERED_TEXTS: Final = 256
"""Distinct units and sources each writer remembers the encoding of (Kraken sends a few)."""

SERIES_COLUMNS: Final = COLUMNS[:7]
"""The columns every reading of a series shares: `property_id` to `frequency`."""


def _json_series(cells: dict[str, str | None]) -> str:
    """Encode the series cells as the start of a JSON line: `{"property_id": ..., `."""
    return json.dumps(cells)[:-1] + ", "


def _csv_series(cells: dict[str, str | None]) -> str:
    """Encode the series cells as the start of a CSV row, quoted as the csv module does."""
    return "".join(_csv_cell(value or "") + "," for value in cells.values())


def _csv_cell(text: str) -> str:
    """Encode one cell as the csv module does in a row of several (quoted only when needed)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow((text, ""))
    return buffer.getvalue()[:-2]  # the cell, without the empty cell's comma and the newline


class TableWriter:
    """A table for people, streamed: each series under its heading, each row as it arrives.

    Columns have fixed widths (an ISO 8601 time with its offset is 25 characters), so nothing
    waits for the last reading and memory stays flat however many readings come. Interval
    readings show start and end; point readings show when they were read. A last line counts
    the readings and series.
    """

    def __init__(self, stream: TextIO, title: str) -> None:
        self._stream = stream
        self._title = title
        self._style = stream.isatty()
        self._series: SeriesKey | None = None
        self._intervals: bool | None = None
        self._count = 0
        self._series_count = 0

    def write(self, measurement: Measurement) -> None:
        """Write the reading's row, after a heading when its series or kind of reading changes."""
        key = series_key(measurement)
        intervals = measurement.start_at is not None
        if key != self._series:
            self._series, self._intervals = key, None
            self._series_count += 1
            heading = f"{self._title}  {series_label(key)}"
            gap = "\n" if self._count else ""
            self._stream.write(gap + (_bold(heading) if self._style else heading) + "\n")
        if intervals != self._intervals:
            self._intervals = intervals
            header = _INTERVAL_HEADER if intervals else _POINT_HEADER
            self._stream.write((_dim(header) if self._style else header) + "\n")
        value, unit = str(measurement.value), measurement.unit
        if intervals:
            start, end = _iso(measurement.start_at), _iso(measurement.end_at) or ""
            self._stream.write(
                f"  {start:<{TIME_WIDTH}}  {end:<{TIME_WIDTH}}  {value:>{VALUE_WIDTH}}  {unit}\n"
            )
        else:
            read_at = measurement.read_at.isoformat()
            self._stream.write(f"  {read_at:<{TIME_WIDTH}}  {value:>{VALUE_WIDTH}}  {unit}\n")
        self._count += 1

    def finish(self) -> None:
        """Write the count of readings and series, and flush."""
        if self._count:
            series = f"{self._series_count:,} series"
            self._stream.write(f"\n{_plural(self._count, 'reading')} in {series}\n")
        else:
            self._stream.write(f"{self._title}: no readings\n")
        self._stream.flush()


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _bold(text: str) -> str:
    return f"\x1b[1m{text}\x1b[0m"


def _dim(text: str) -> str:
    return f"\x1b[2m{text}\x1b[0m"


TIME_WIDTH: Final = 25
"""`2024-10-01T00:00:00+01:00`: an ISO 8601 time to the second, with its offset."""

VALUE_WIDTH: Final = 12
"""Right-aligned values up to this width line up; a longer one pushes its unit right."""

_INTERVAL_HEADER: Final = (
    f"  {'start':<{TIME_WIDTH}}  {'end':<{TIME_WIDTH}}  {'value':>{VALUE_WIDTH}}  unit"
)
_POINT_HEADER: Final = f"  {'read at':<{TIME_WIDTH}}  {'value':>{VALUE_WIDTH}}  unit"


def make_writer(output_format: str, stream: TextIO, title: str) -> Writer:
    """Return the writer for `output_format` (one of `FORMATS`)."""
    if output_format == "csv":
        return CsvWriter(stream)
    if output_format == "table":
        return TableWriter(stream, title)
    return JsonLinesWriter(stream)


@contextmanager
def destination(path: Path | None, stdout: TextIO) -> Iterator[TextIO]:
    """Yield the stream to write to: `stdout`, or a file that replaces `path` only on success."""
    if path is None:
        yield stdout
        return
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
