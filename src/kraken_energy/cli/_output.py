"""How `kraken measurements` writes readings: JSON lines, CSV or a table, to stdout or a file.

JSON lines and CSV stream (one reading at a time, memory stays flat) and share their columns;
the table is for people, so it is drawn once every reading has arrived. A file given with
`--output` appears only when the fetch succeeded: readings go to `PATH.partial` first, which is
renamed over `PATH` at the end and removed on failure.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Final, Protocol, TextIO

from rich import box
from rich.console import Console
from rich.table import Table

from .. import Measurement

COLUMNS: Final = ("property_id", "start_at", "end_at", "read_at", "value", "unit", "source")
"""The fields of every JSON line and the CSV header, in order."""

FORMATS: Final = ("jsonl", "csv", "table")

FILE_TABLE_WIDTH: Final = 200
"""Width a table is drawn at when not on a terminal: wide enough never to wrap a value."""


def record(measurement: Measurement) -> dict[str, str | None]:
    """One reading as strings: ISO 8601 times with their offset, the value exactly as sent."""
    return {
        "property_id": measurement.property_id,
        "start_at": _iso(measurement.start_at),
        "end_at": _iso(measurement.end_at),
        "read_at": _iso(measurement.read_at),
        "value": str(measurement.value),
        "unit": measurement.unit,
        "source": measurement.source,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class Writer(Protocol):
    """Receives readings one at a time; `finish` is called once, after the last."""

    def write(self, measurement: Measurement) -> None:
        """Write (or keep) one reading."""

    def finish(self) -> None:
        """Write whatever is still pending."""


class JsonLinesWriter:
    """One JSON object per line, keys in `COLUMNS` order; absent times are `null`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, measurement: Measurement) -> None:
        """Write the reading as one line."""
        self._stream.write(json.dumps(record(measurement)) + "\n")

    def finish(self) -> None:
        """Flush the stream."""
        self._stream.flush()


class CsvWriter:
    """A header row of `COLUMNS`, then one row per reading; absent times are empty cells."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._csv = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
        self._csv.writeheader()

    def write(self, measurement: Measurement) -> None:
        """Write the reading as one row."""
        self._csv.writerow(record(measurement))

    def finish(self) -> None:
        """Flush the stream."""
        self._stream.flush()


class TableWriter:
    """A rich table of every reading, drawn at the end (plain text when not on a terminal)."""

    def __init__(self, stream: TextIO, title: str) -> None:
        self._stream = stream
        self._title = title
        self._rows: list[dict[str, str | None]] = []

    def write(self, measurement: Measurement) -> None:
        """Keep the reading for the table."""
        self._rows.append(record(measurement))

    def finish(self) -> None:
        """Draw the table; a `read at` column appears only when some reading is not an interval."""
        points = any(row["start_at"] is None for row in self._rows)
        count = len(self._rows)
        table = Table(
            title=f"{self._title}: {count} reading{'' if count == 1 else 's'}",
            box=box.SIMPLE_HEAD,
        )
        table.add_column("property", overflow="fold")
        table.add_column("start", overflow="fold")
        table.add_column("end", overflow="fold")
        if points:
            table.add_column("read at", overflow="fold")
        table.add_column("value", justify="right", overflow="fold")
        table.add_column("unit")
        for row in self._rows:
            cells = [row["property_id"], row["start_at"], row["end_at"]]
            cells += [row["read_at"]] if points else []
            table.add_row(*(cell or "" for cell in [*cells, row["value"], row["unit"]]))
        terminal = self._stream.isatty()
        console = Console(
            file=self._stream,
            width=None if terminal else FILE_TABLE_WIDTH,
            color_system="auto" if terminal else None,
            highlight=False,
        )
        console.print(table)
        self._stream.flush()


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
