"""The progress display of long fetches, on stderr: pages fetched, rows written, rows a second.

It is on when stderr is a terminal (`--progress`/`--no-progress` override), and shows only
counts: never a URL, a variable or a header, so nothing secret can reach it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import TracebackType
from typing import Any, Final

import httpx
from rich.console import Console
from rich.progress import (
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

PAGE_OPERATIONS: Final = frozenset({"getMeasurements", "getPropertyMeasurements"})
"""The operations whose answers are pages of readings."""


class _RateColumn(ProgressColumn):
    """Rows per second since the fetch started."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:,.0f} rows/s")


class FetchProgress:
    """Counts pages (from the HTTP client's responses) and rows (from the caller).

    Used as a context manager around the fetch; does nothing when `enabled` is false.
    """

    def __init__(self, enabled: bool, description: str) -> None:
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.fields[pages]:,} pages"),
                TextColumn("{task.completed:,.0f} rows"),
                _RateColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True, highlight=False),
            )
            self._task = self._progress.add_task(description, total=None, pages=0)
        self._pages = 0

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
        if self._progress is not None:
            self._progress.stop()

    @property
    def event_hooks(self) -> dict[str, list[Callable[..., Any]]]:
        """The `httpx.AsyncClient(event_hooks=...)` that count pages (none when disabled)."""
        return {"response": [self._on_response]} if self._progress is not None else {}

    async def _on_response(self, response: httpx.Response) -> None:
        if _operation(response.request) in PAGE_OPERATIONS and response.is_success:
            self._pages += 1
            if self._progress is not None:
                self._progress.update(self._task, pages=self._pages)

    def row(self) -> None:
        """Count one row written."""
        if self._progress is not None:
            self._progress.advance(self._task)


def _operation(request: httpx.Request) -> str | None:
    """Return the GraphQL operation name of a request (None for `/token/` and unreadable bodies)."""
    try:
        body = json.loads(request.content)
    except (ValueError, httpx.RequestNotRead):
        return None
    name = body.get("operationName") if isinstance(body, dict) else None
    return name if isinstance(name, str) else None
