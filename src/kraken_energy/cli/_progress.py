"""The progress display of a fetch and its closing summary, both on stderr.

The display is drawn only on a terminal: one line per property and one for the whole account,
each with rows and pages done out of the total Kraken announced (every property's `totalCount`
arrives with the first answer), a bar, the percentage, the rate and the time left. It clears
itself when the fetch ends; then one summary line says what was done and where it went. It
shows only counts and the account and property ids: never a URL, a variable or a header, so
nothing secret can reach it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text

from .. import Measurement, Series
from ._output import SeriesKey, series_key

PAGE_OPERATIONS: Final = frozenset({"getMeasurements", "getPropertyMeasurements"})
"""The operations whose answers are pages of readings."""

RATE_LIMITED_CODE: Final = "KT-CT-1199"
RATE_LIMITED_STATUS: Final = 429

PUSH_EVERY_ROWS: Final = 250
"""Rows counted between two updates of the display: cheap per row, still smooth on screen."""


@dataclass
class FetchStats:
    """What one fetch did, for the summary line."""

    rows: int = 0
    series: set[SeriesKey] = field(default_factory=set)
    requests: int = 0
    rate_limits: int = 0
    pages: int = 0
    started: float = field(default_factory=time.monotonic)

    def summary(self, where: str) -> str:
        """One line: rows, series, requests, rate limits met, elapsed time and the output."""
        elapsed = time.monotonic() - self.started
        return (
            f"Done: {_count(self.rows, 'row')}, {_count(len(self.series), 'series', 'series')}, "
            f"{_count(self.requests, 'request')}, "
            f"{_count(self.rate_limits, 'rate limit')} met, {elapsed:.1f} s, written to {where}"
        )


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


class _Fraction(ProgressColumn):
    """`done/total unit` from a task field pair; blank until the total is known."""

    def __init__(self, done: str, total: str, unit: str) -> None:
        super().__init__()
        self._done, self._total, self._unit = done, total, unit

    def render(self, task: Task) -> Text:
        total = task.fields.get(self._total)
        if total is None:
            return Text("")
        done = task.fields[self._done] if self._done else task.completed
        total = max(total, done)  # a page more than estimated (a window's short page)
        return Text(f"{done:,.0f}/{total:,.0f} {self._unit}", style="progress.download")


class _Percent(ProgressColumn):
    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{task.percentage:3.0f}%", style="progress.percentage")


class _Rate(ProgressColumn):
    """Rows a second over the last few seconds (rich's estimate)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


class _Eta(ProgressColumn):
    def render(self, task: Task) -> Text:
        remaining = task.time_remaining
        if task.total is None or remaining is None:
            return Text("")
        minutes, seconds = divmod(math.ceil(remaining), 60)
        return Text(f"ETA {minutes}:{seconds:02d}", style="progress.remaining")


class FetchProgress:
    """Counts requests, rate limits, pages and rows; draws them when `live`.

    Used as a context manager around the fetch: `event_hooks` go on the HTTP client, `total`
    is `KrakenClient.measurements(on_total=...)`, `row` is called for every reading written.
    """

    def __init__(
        self,
        account: str,
        live: bool,
        *,
        account_level: bool = True,
        console: Console | None = None,
    ) -> None:
        self.stats = FetchStats()
        self._account_level = account_level
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._pages: dict[str, int] = {}
        self._pending: dict[str, int] = {}
        self._current: str | None = None
        self._last_series: Series | None = None
        self._last_property: str | None = None
        if live:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(bar_width=24),
                _Percent(),
                _Fraction("", "rows_total", "rows"),
                _Fraction("pages", "pages_total", "pages"),
                _Rate(),
                _Eta(),
                console=console or Console(stderr=True, highlight=False),
                transient=True,
            )
            self._overall = self._progress.add_task(
                f"{account}: waiting for the first answer", total=None, pages=0, rows_total=None
            )
            self._account = account

    def __enter__(self) -> FetchProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._push()
        if self._progress is not None:
            self._progress.stop()

    @property
    def event_hooks(self) -> dict[str, list[Callable[..., Any]]]:
        """The `httpx.AsyncClient(event_hooks=...)` that count requests, pages and rate limits."""
        return {"request": [self._on_request], "response": [self._on_response]}

    async def _on_request(self, _request: httpx.Request) -> None:
        self.stats.requests += 1

    async def _on_response(self, response: httpx.Response) -> None:
        await response.aread()  # httpx's way to see the body in a hook; it is kept for the client
        errors = _error_codes(response)
        if response.status_code == RATE_LIMITED_STATUS or RATE_LIMITED_CODE in errors:
            self.stats.rate_limits += 1
        operation, property_id = _operation(response.request)
        if operation not in PAGE_OPERATIONS or response.status_code != 200 or errors:
            return
        self.stats.pages += 1
        if operation == "getPropertyMeasurements" and property_id is not None:
            self._pages[property_id] = self._pages.get(property_id, 0) + 1
            if self._progress is not None and property_id in self._tasks:
                self._progress.update(self._tasks[property_id], pages=self._pages[property_id])
        if self._progress is not None:
            self._progress.update(self._overall, pages=self.stats.pages)

    def total(self, property_id: str, readings: int, page_size: int) -> None:
        """Learn a property's number of readings and page size (`on_total` of the fetch)."""
        pages = max(1, math.ceil(readings / page_size))
        if self._account_level:  # its first page came with the account's first answer
            self._pages[property_id] = self._pages.get(property_id, 0) + 1
        if self._progress is None:
            return
        self._tasks[property_id] = self._progress.add_task(
            f"  property {property_id}",
            total=readings,
            pages=self._pages.get(property_id, 0),
            rows_total=readings,
            pages_total=pages,
        )
        overall = self._progress.tasks[self._overall]
        rows_total = (overall.fields.get("rows_total") or 0) + readings
        # One account-level answer brings every property's first page.
        first_pages = 1 if self._account_level else 0
        pages_total = (overall.fields.get("pages_total") or first_pages) + pages - first_pages
        self._progress.update(
            self._overall,
            description=self._account,
            total=rows_total,
            rows_total=rows_total,
            pages_total=pages_total,
        )

    def row(self, measurement: Measurement) -> None:
        """Count one reading written.

        Called for every reading, so without a display it only counts: a reading's series is
        looked at only when its `property_id` or `series` object differs from the previous
        reading's (the readings of a page share both objects).
        """
        self.stats.rows += 1
        if measurement.series is not self._last_series or measurement.property_id is not (
            self._last_property
        ):
            self._last_series, self._last_property = measurement.series, measurement.property_id
            self.stats.series.add(series_key(measurement))
        if self._progress is None:
            return
        property_id = measurement.property_id
        if property_id != self._current:
            self._finish_current()
            self._current = property_id
        self._pending[property_id] = self._pending.get(property_id, 0) + 1
        if self.stats.rows % PUSH_EVERY_ROWS == 0:
            self._push()

    def _finish_current(self) -> None:
        """Mark the property whose readings just ended as complete (its last page may be short)."""
        self._push()
        if self._progress is None or self._current not in self._tasks:
            return
        task_id = self._tasks[self._current]
        task = self._progress.tasks[task_id]
        self._progress.update(task_id, total=task.completed, pages_total=task.fields["pages"])

    def _push(self) -> None:
        if self._progress is None:
            self._pending.clear()
            return
        for property_id, rows in self._pending.items():
            if property_id in self._tasks:
                self._progress.advance(self._tasks[property_id], rows)
            self._progress.advance(self._overall, rows)
        self._pending.clear()


def _error_codes(response: httpx.Response) -> set[str]:
    """Return the `KT-CT-` codes of a GraphQL error answer (none for a page of readings).

    A page holds no `"errors"` key, so the body is parsed only when the key is there.
    """
    if b'"errors"' not in response.content:
        return set()
    try:
        body = json.loads(response.content)
    except ValueError:
        return set()
    errors = body.get("errors") if isinstance(body, dict) else None
    codes = set()
    for error in errors if isinstance(errors, list) else ():
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("errorCode") if isinstance(extensions, dict) else None
        codes.add(code if isinstance(code, str) else "")
    return codes


def _operation(request: httpx.Request) -> tuple[str | None, str | None]:
    """Return the GraphQL operation name and `propertyId` variable of a request, when there."""
    try:
        body = json.loads(request.content)
    except (ValueError, httpx.RequestNotRead):
        return None, None
    if not isinstance(body, dict):
        return None, None
    name, variables = body.get("operationName"), body.get("variables")
    property_id = variables.get("propertyId") if isinstance(variables, dict) else None
    return (
        name if isinstance(name, str) else None,
        property_id if isinstance(property_id, str) else None,
    )
