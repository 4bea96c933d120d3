"""The run of `kraken measurements` once its options are read: filters, client, writer, progress.

`_measure` imports this module only when the command runs, so `--help` and usage errors never
load the client (httpx, pydantic, the generated models) or rich.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import click
from kraken_energy_gql.enums import ReadingDirectionType, ReadingFrequencyType, ReadingQualityType

from .. import ElectricityFilter, GasFilter, InvalidArgumentError
from ._common import State, open_client
from ._output import Writer, destination, make_writer
from ._progress import FetchProgress


def fetch(
    state: State,
    account: str,
    arguments: dict[str, Any],
    output_format: str,
    output: Path | None,
    *,
    show: bool,
) -> tuple[int, str | None]:
    """Write every reading `arguments` select to `output` (or stdout) as `output_format`.

    Return the number of readings and, when `show`, the summary line for stderr. The live
    display needs a terminal on stderr; without `show`, nothing is counted beyond the rows.
    """
    tracker = FetchProgress(account, show and sys.stderr.isatty(), account_level=False)
    with destination(output, sys.stdout) as stream, _fewer_cycle_collections():
        writer = make_writer(output_format, stream, account)
        count = asyncio.run(_fetch(state, account, arguments, writer, tracker, counted=show))
        writer.finish()
    summary = tracker.stats.summary(str(output) if output else "stdout") if show else None
    return count, summary


CYCLE_COLLECTION_EVERY: Final = 20_000
"""Allocations between two collections of the youngest generation while readings stream.

Python's default, 700, suits programs that make many reference cycles; a page's records and
output lines are acyclic and freed by reference counting, so the default collector scans each
page's objects in vain: about a tenth of the command's CPU over a year of half-hourly readings.
The one cycle per request (httpx's response and its stream refer to each other, holding the
answer's bytes until a collection) waits a few pages longer at most: a page makes thousands of
allocations, so the youngest generation is still collected every few pages and memory stays flat.
"""


@contextmanager
def _fewer_cycle_collections() -> Iterator[None]:
    """Collect reference cycles less often for the duration, then restore the thresholds."""
    thresholds = gc.get_threshold()
    gc.set_threshold(CYCLE_COLLECTION_EVERY, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


async def _fetch(
    state: State,
    account: str,
    arguments: dict[str, Any],
    writer: Writer,
    tracker: FetchProgress,
    *,
    counted: bool,
) -> int:
    count = 0
    # The requests, pages and rate limits are counted from the HTTP client's event hooks, which
    # read each answer early: only worth it when the counts are shown.
    hooks = tracker.event_hooks if counted else {}
    with tracker:
        async with open_client(state, hooks) as kraken:
            try:
                # No format writes statistics: leaving them out of the request halves the bytes
                # Kraken sends and the decoding.
                readings = kraken.measurements(
                    account, on_total=tracker.total, statistics=False, **arguments
                )
                async for reading in readings:
                    writer.write(reading)
                    tracker.row(reading)
                    count += 1
            except InvalidArgumentError as exc:
                # Checked before any measurement request: the arguments, or a filter that
                # matches none of the account's series (the message lists its supply points).
                raise click.UsageError(str(exc)) from exc
    return count


def filters(
    utility: str | None,
    frequency: str | None,
    direction: str | None,
    quality: str | None,
    supply_point: str | None,
    device_id: str | None,
    register_id: str | None,
) -> dict[str, ElectricityFilter | GasFilter]:
    """Build the `electricity=` and `gas=` arguments the filter options describe (or none).

    No option: every series. `--frequency` alone: every series, at that frequency. Any other
    option narrows to one utility (electricity unless `--utility gas`, which takes neither
    `--direction` nor `--quality`: the command refuses those first).
    """
    narrowing = (direction, quality, supply_point, device_id, register_id)
    if utility is None and all(value is None for value in narrowing):
        if frequency is None:
            return {}
        every = ReadingFrequencyType(frequency)
        return {
            "electricity": ElectricityFilter(frequency=every),
            "gas": GasFilter(frequency=every),
        }
    common: dict[str, Any] = {
        "supply_point": supply_point,
        "device_id": device_id,
        "register_id": register_id,
    }
    if frequency is not None:
        common["frequency"] = ReadingFrequencyType(frequency)
    if utility == "gas":
        return {"gas": GasFilter(**common)}
    return {
        "electricity": ElectricityFilter(
            direction=ReadingDirectionType(direction) if direction else None,
            quality=ReadingQualityType(quality) if quality else None,
            **common,
        )
    }
