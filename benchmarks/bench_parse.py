"""Parse: microseconds per node from response bytes to models, against ariadne's default.

The same 1000-node `getPropertyMeasurements` page (serialised once) is answered by an
`httpx.MockTransport`, so each client goes through its real method and its own parsing path.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import gc
import importlib
import json
import sys
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Final

import httpx
from _harness import (
    ARIADNE_PACKAGE,
    Context,
    Result,
    Sample,
    Settings,
    ratio_at_most,
    scaled,
    time_calls,
)
from kraken_energy_gql.get_property_measurements import GetPropertyMeasurements

from kraken_energy import KrakenClient
from kraken_energy._pages import skim_page

NAME: Final = "parse"
NODES: Final = 1000
URL: Final = "http://127.0.0.1/v1/graphql/"
TARGET_RATIO: Final = 0.45
"""measurements() records (statistics included), at most this fraction of ariadne's default."""
METHOD_TARGET_RATIO: Final = 1.0
"""The generated method's time per node, at most this fraction of ariadne's default."""
CALLS_PER_RUN: Final = 5
US_PER_NODE: Final = 1e6 / NODES  # seconds per page -> microseconds per node

METHOD: Final = f"""
One `getPropertyMeasurements` page of {NODES:,} `IntervalMeasurementType` nodes is built once and
serialised to JSON bytes: values as decimal strings (`"0.123000"`), ISO datetimes with a `+01:00`
offset, `metaData.statistics` with one or two statistics each carrying `costExclTax` and
`costInclTax`, and `metaData.utilityFilters` (the reading's series). An `httpx.MockTransport`
answers every request with those bytes, so each contender is measured end to end, from response
bytes to models, through its real client method:

- **this client, records** (the target row): `KrakenClient(url, http_client=...)`, then
  `[m async for m in kraken.measurements("A-1", property_id="1", start=..., end=...,
  page_size={NODES})]`: the account's series first (one small `getAccount` answer), then
  argument checks, retry policy, error classification, one-pass validation of the bytes (exact
  `Decimal`s, aware `datetime`s, open enums) into `Measurement` records, the statistics skipped
  by that pass and validated from the page's bytes, then built, on first access. This is how
  the client reads measurement pages; a second row also reads `.statistics` of every record (so
  it validates each page again and builds them).
- **this client, generated models**: `await kraken.get_property_measurements(property_id="1",
  first={NODES})`, the generated method, validated in one pass into its pydantic models.
- **ariadne-codegen default**: a client generated at benchmark time into a temporary folder, with
  ariadne-codegen's defaults (no custom scalars, so `Decimal` and `DateTime` stay `Any`; no
  plugins; the default base client) from the full reference GB schema and the same `queries/`,
  called the same way.
- **without statistics**: the same page without `statistics` (what Kraken sends for
  `$withStatistics: false`), read by `measurements(..., statistics=False)` (as the `kraken`
  command and the sync read pages) and by ariadne's default `get_property_measurements(...,
  with_statistics=False)`, interleaved with the others.
- **the records' validate_json alone**: `TypeAdapter.validate_json` of the records path's
  generated TypedDicts (`GetPropertyMeasurementsSkimData`, statistics skipped) on the page
  bytes, interleaved with the others: what that one pydantic-core pass costs without the
  request, the records or anything else.
- **json.loads alone**: the floor any client pays to read the body.
- **validation only**: `GetPropertyMeasurements.model_validate(data)` of each client on the
  already-decoded `data`, to show where the time goes.

Each run makes {CALLS_PER_RUN} calls with the garbage collector paused (as `timeit` does; it runs
between runs); the figure is seconds per call divided by {NODES:,} nodes. The client calls (the
first three contenders) are interleaved: run i of each is taken at about the same moment, in an
order that turns each run, so that load on a shared machine moves their ratios less.
Targets: this client's measurement path (records) at most {TARGET_RATIO}x ariadne's default,
its generated method at most {METHOD_TARGET_RATIO}x.
"""


def page_bytes(nodes: int = NODES, with_statistics: bool = True) -> bytes:
    """Build a realistic `getPropertyMeasurements` response of `nodes` half-hourly readings.

    `with_statistics=False`: the page Kraken sends for `$withStatistics: false` (no `statistics`
    key in any `metaData`).
    """
    london_summer = dt.timezone(dt.timedelta(hours=1))
    start = dt.datetime(2024, 7, 1, tzinfo=london_summer)
    edges = []
    for index in range(nodes):
        slot_start = start + dt.timedelta(minutes=30 * index)
        slot_end = slot_start + dt.timedelta(minutes=30)
        value = Decimal(((index * 7919) % 1000) + 1) / 1000
        statistics = [_statistic("CONSUMPTION_COST", "Cost of electricity", value, Decimal(24))]
        if index % 2 == 0:
            statistics.append(
                _statistic("STANDING_CHARGE_COST", "Standing charge", Decimal(1), Decimal("0.98"))
            )
        edges.append(
            {
                "cursor": _cursor(index),
                "node": {
                    "__typename": "IntervalMeasurementType",
                    "value": f"{value:.6f}",
                    "unit": "kwh",
                    "readAt": slot_end.isoformat(),
                    "source": "SMART_METER",
                    "metaData": (
                        {"statistics": statistics, "kind": SERIES}
                        if with_statistics
                        else {"kind": SERIES}
                    ),
                    "startAt": slot_start.isoformat(),
                    "endAt": slot_end.isoformat(),
                    "durationInSeconds": 1800,
                },
            }
        )
    body = {
        "data": {
            "property": {
                "id": "1",
                "measurements": {
                    "totalCount": nodes * 10,
                    "edgeCount": nodes,
                    "pageInfo": {
                        "hasNextPage": True,
                        "hasPreviousPage": False,
                        "startCursor": _cursor(0),
                        "endCursor": _cursor(nodes - 1),
                    },
                    "edges": edges,
                },
            }
        }
    }
    return json.dumps(body).encode()


SERIES: Final = {
    "__typename": "ElectricityFiltersOutput",
    "supplyPoint": "2700008749510",
    "deviceId": "30-EB-5A-FF-FF-E0-91-E8",
    "registerId": None,
    "direction": "CONSUMPTION",
    "frequency": "THIRTY_MIN_INTERVAL",
    "quality": "COMBINED",
}
"""Each node's `metaData.utilityFilters` (selected as `kind`): the series it belongs to."""

ACCOUNT: Final = json.dumps(
    {
        "data": {
            "account": {
                "number": "A-1",
                "status": "ACTIVE",
                "brand": "OCTOPUS_ENERGY",
                "properties": [
                    {
                        "id": "1",
                        "address": "1 Road",
                        "postcode": "AB1 2CD",
                        "electricityMeterPoints": [
                            {
                                "id": "11",
                                "mpan": "2700008749510",
                                "meters": [
                                    {
                                        "id": "111",
                                        "serialNumber": "S1",
                                        "importMeter": None,
                                        "smartDevices": [
                                            {
                                                "deviceId": "30-EB-5A-FF-FF-E0-91-E8",
                                                "serialNumber": "S1",
                                                "type": "ESME",
                                                "status": "COMMISSIONED",
                                            }
                                        ],
                                    }
                                ],
                                "agreements": [],
                            }
                        ],
                        "gasMeterPoints": [],
                    }
                ],
            }
        }
    }
).encode()
"""The `getAccount` answer measurements() reads first: one property with one series."""


def _cursor(offset: int) -> str:
    return base64.b64encode(f"arrayconnection:{offset}".encode()).decode()


def _statistic(kind: str, label: str, value: Decimal, pence_per_unit: Decimal) -> dict[str, Any]:
    excl = value * pence_per_unit
    return {
        "type": kind,
        "label": label,
        "description": f"{label}, estimated, in pence.",
        "value": f"{value:.6f}",
        "costExclTax": {"estimatedAmount": f"{excl:.8f}", "costCurrency": "GBP"},
        "costInclTax": {"estimatedAmount": f"{excl * Decimal('1.05'):.8f}", "costCurrency": "GBP"},
    }


START: Final = dt.datetime(2024, 7, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
"""The range asked of measurements(): its page is the mock's, whatever the range."""
END: Final = START + dt.timedelta(days=30)


def _mock_client(raw: bytes) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        discovery = b'"operationName":"getAccount"' in request.content.replace(b" ", b"")
        body = ACCOUNT if discovery else raw
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def _time_interleaved(
    calls: dict[str, Callable[[], Awaitable[object]]], settings: Settings
) -> dict[str, Sample]:
    """Seconds per awaited call of each contender, their runs interleaved.

    Run i of every contender happens at about the same moment (the order turns each run), so
    a burst of load on the shared machine lands on all of them and their ratio holds steady.
    Each run makes `CALLS_PER_RUN` calls with the garbage collector paused; warm-up runs are
    discarded.
    """
    timings: dict[str, list[float]] = {key: [] for key in calls}
    order = list(calls)
    for index in range(settings.warmup + settings.runs):
        turn = index % len(order)
        for key in order[turn:] + order[:turn]:
            gc.collect()
            gc.disable()  # as timeit does: a collection landing in one run only is noise
            start = time.perf_counter()
            for _ in range(CALLS_PER_RUN):
                await calls[key]()
            elapsed = time.perf_counter() - start
            gc.enable()
            if index >= settings.warmup:
                timings[key].append(elapsed / CALLS_PER_RUN)
    return {key: Sample(tuple(values)) for key, values in timings.items()}


def _time_sync(call: Callable[[], object], settings: Settings) -> Sample:
    return time_calls(call, settings, inner=CALLS_PER_RUN)


def _last(raw: bytes) -> bytes:
    """Mark the page as the last one, counting only its own readings.

    The records path follows hasNextPage, and a last page short of totalCount is an incomplete
    fetch.
    """
    return raw.replace(b'"hasNextPage": true', b'"hasNextPage": false').replace(
        f'"totalCount": {NODES * 10}'.encode(), f'"totalCount": {NODES}'.encode()
    )


async def _measure(
    raw: bytes, lean: bytes, ariadne: Any, settings: Settings
) -> dict[str, Sample]:
    data = json.loads(raw)["data"]
    calls: dict[str, Callable[[], Awaitable[object]]] = {}
    async with (
        KrakenClient(URL, http_client=_mock_client(raw)) as kraken,
        KrakenClient(URL, http_client=_mock_client(_last(raw))) as paging,
        KrakenClient(URL, http_client=_mock_client(_last(lean))) as paging_lean,
    ):
        page = await kraken.get_property_measurements(property_id="1", first=NODES)
        edges = (
            page.property_.measurements.edges
            if page.property_ and page.property_.measurements
            else []
        )
        if len(edges) != NODES:
            raise RuntimeError(f"this client returned {len(edges)} nodes, expected {NODES}")

        async def ours() -> object:
            return await kraken.get_property_measurements(property_id="1", first=NODES)

        async def records() -> list[object]:
            return [
                reading
                async for reading in paging.measurements(
                    "A-1", property_id="1", start=START, end=END, page_size=NODES
                )
            ]

        async def records_with_statistics() -> list[object]:
            return [
                (reading, reading.statistics[0])  # built on first access
                async for reading in paging.measurements(
                    "A-1", property_id="1", start=START, end=END, page_size=NODES
                )
            ]

        async def records_lean() -> list[object]:
            return [
                reading
                async for reading in paging_lean.measurements(
                    "A-1", property_id="1", start=START, end=END, page_size=NODES, statistics=False
                )
            ]

        if len(await records()) != NODES or len(await records_lean()) != NODES:
            raise RuntimeError("this client's measurements() did not return every node")
        validator = skim_page()

        async def records_validation() -> object:
            return validator.validate_json(raw)

        calls |= {
            "records-validation": records_validation,
            "ours": ours,
            "records": records,
            "records-statistics": records_with_statistics,
            "records-lean": records_lean,
        }
        client: Any = None
        client_lean: Any = None
        if ariadne is not None:
            client = ariadne.Client(url=URL, http_client=_mock_client(raw))
            client_lean = ariadne.Client(url=URL, http_client=_mock_client(lean))
            theirs_page = await client.get_property_measurements(property_id="1", first=NODES)
            if len(theirs_page.property_.measurements.edges) != NODES:
                raise RuntimeError("ariadne's default client did not return every node")

            async def theirs() -> object:
                return await client.get_property_measurements(property_id="1", first=NODES)

            async def theirs_lean() -> object:
                return await client_lean.get_property_measurements(
                    property_id="1", first=NODES, with_statistics=False
                )

            calls["ariadne"] = theirs
            calls["ariadne-lean"] = theirs_lean
        try:
            samples = await _time_interleaved(calls, settings)
        finally:
            for opened in (client, client_lean):
                if opened is not None:
                    await opened.http_client.aclose()
    if ariadne is not None:
        their_model = ariadne.get_property_measurements.GetPropertyMeasurements
        samples["ariadne-validate"] = _time_sync(lambda: their_model.model_validate(data), settings)
    samples["json"] = _time_sync(lambda: json.loads(raw), settings)
    samples["ours-validate"] = _time_sync(
        lambda: GetPropertyMeasurements.model_validate(data), settings
    )
    return samples


def run(context: Context) -> list[Result]:
    """Measure the four contenders and compare this client with ariadne's default."""
    raw = page_bytes()
    lean = page_bytes(with_statistics=False)
    folder = context.ariadne_default()
    ariadne: Any = None
    if folder is not None:
        sys.path.insert(0, str(folder))
        ariadne = importlib.import_module(ARIADNE_PACKAGE)
    samples = {
        key: scaled(sample, US_PER_NODE)
        for key, sample in asyncio.run(_measure(raw, lean, ariadne, context.settings)).items()
    }
    unit = "µs/node"
    results: list[Result] = []
    if "ariadne" in samples:
        reference = samples["ariadne"].median
        results.append(
            ratio_at_most(
                NAME,
                "this client, bytes → typed records (measurements())",
                samples["records"],
                unit,
                reference,
                TARGET_RATIO,
                "ariadne default",
            )
        )
        results.append(
            Result(
                NAME,
                "this client, records with every `.statistics` read",
                samples["records-statistics"],
                unit,
                ratio=samples["records-statistics"].median / reference,
                note="statistics are validated from the page and built on first access: "
                "this row reads them",
            )
        )
        results.append(
            ratio_at_most(
                NAME,
                "this client, bytes → generated typed models",
                samples["ours"],
                unit,
                reference,
                METHOD_TARGET_RATIO,
                "ariadne default",
            )
        )
        results.append(Result(NAME, "ariadne default, bytes → models", samples["ariadne"], unit))
        results.append(
            Result(
                NAME,
                "this client, the records' validate_json alone",
                samples["records-validation"],
                unit,
                ratio=samples["records-validation"].median / reference,
                note="the one pydantic-core pass the records path makes over the bytes, "
                "nothing else: a floor under any records path that validates the whole page",
            )
        )
        results.append(
            Result(
                NAME,
                "this client, records without statistics (statistics=False)",
                samples["records-lean"],
                unit,
                ratio=samples["records-lean"].median / samples["ariadne-lean"].median,
                note="the page Kraken sends for `$withStatistics: false`, as the `kraken` "
                "command and the sync ask; ratio to ariadne default on the same page",
            )
        )
        results.append(
            Result(
                NAME,
                "ariadne default, bytes → models, without statistics",
                samples["ariadne-lean"],
                unit,
            )
        )
    else:
        results.append(
            Result(
                NAME,
                "this client, bytes → typed records (measurements())",
                samples["records"],
                unit,
                f"≤ {TARGET_RATIO:g}x ariadne default",
                None,
                "n.a.",
                f"ariadne default skipped: {context.ariadne_error}",
            )
        )
    results.append(Result(NAME, "json.loads alone", samples["json"], unit))
    validate_ratio = (
        samples["ours-validate"].median / samples["ariadne-validate"].median
        if "ariadne-validate" in samples
        else None
    )
    results.append(
        Result(
            NAME,
            "this client, model_validate only",
            samples["ours-validate"],
            unit,
            ratio=validate_ratio,
            note="ratio to ariadne default's model_validate only" if validate_ratio else "",
        )
    )
    if "ariadne-validate" in samples:
        results.append(
            Result(NAME, "ariadne default, model_validate only", samples["ariadne-validate"], unit)
        )
    return results
