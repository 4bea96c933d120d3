"""The measurements hot path: pages validated straight from JSON into typed dicts, then records.

Pydantic builds a model instance for every object of a page (six per reading); a `TypedDict`
gets the same validation in Rust, exact `Decimal`s and aware datetimes included, without them.
The typed dicts and the records are generated from queries/ with the models
(`kraken_energy_gql.records`), so a change to a fragment changes them too, and any code here
that no longer fits fails the type check. `KrakenClient.measurements` reads its pages this way
and turns each reading into one `Measurement`.

`Measurement` is generated (`[tool.kraken-codegen.flat-records]` in pyproject.toml): one reading
of one property as a frozen, hashable named tuple:
`property_id` (given by this layer), `series` (a `Series`: Kraken's `utilityFilters`
completed from the request's filter where it leaves a field out), `typename` (the node's GraphQL
type, kept even when unknown), `value` (an exact `Decimal`: `str(value)` is the string Kraken
sent), `unit`,
`read_at`, `source`, `statistics` (the `MeasurementStatistic`s, in the order sent), `kind`
(a `SeriesFilters`: the `utilityFilters` exactly as sent, None when Kraken sent none), and
`IntervalReading`'s `start_at`, `end_at` (aware, in the requested timezone's offset) and
`duration_in_seconds`, each None on a point reading.

Statistics are checked with the page (shape, open enum, every number a finite decimal sent as a
string) but built on first access, once: `statistics` is a `Built`, an immutable sequence equal
to (and hashing as) the tuple of its records. Most readers never touch them, and building them
was a fifth of the per-reading cost. The trade-off: the first access (or comparing or hashing
the record) pays for them, and until then each record keeps its page's validated dicts for them.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, Final, cast

from kraken_energy_gql.records import (
    EdgeNodeIntervalMeasurementTypeData,
    GetMeasurementsData,
    GetPropertyMeasurementsData,
    MeasurementPageData,
    MoneyRecord,
    StatisticRecord,
    measurement_record,
    series_filters_record,
)
from kraken_energy_gql.records import Measurement as Measurement
from kraken_energy_gql.records import SeriesFilters as SeriesFilters
from pydantic import TypeAdapter

from ._pagination import IncompleteFetchError, RepeatedPageError, RepeatGuard, Window
from ._series import Series, series_of
from ._validation import Answer

INTERVAL_TYPENAME: Final = "IntervalMeasurementType"

FIELD: Final = "PropertyType.measurements"
"""The paginated field of every measurements page (the key of its remembered page size)."""

Cost = MoneyRecord
"""An estimated amount of money (`fragment Money`): `estimated_amount` in minor units (pence,
possibly fractional) and `cost_currency`."""

MeasurementStatistic = StatisticRecord
"""One statistic Kraken attached to a reading (`fragment Statistic`): `type_` (an open enum: a
type newer than this client keeps its raw name), `label`, `description`, `value`,
`cost_excl_tax` and `cost_incl_tax` (each a `Cost` or None)."""


@functools.cache
def account_page() -> TypeAdapter[Answer[GetMeasurementsData]]:
    """Return the validator of a `getMeasurements` answer (built on first use, not at import)."""
    return TypeAdapter(Answer[GetMeasurementsData])


@functools.cache
def property_page() -> TypeAdapter[Answer[GetPropertyMeasurementsData]]:
    """Return the validator of a `getPropertyMeasurements` answer (built on first use)."""
    return TypeAdapter(Answer[GetPropertyMeasurementsData])


def records(property_id: str, series: Series, connection: MeasurementPageData) -> list[Measurement]:
    """Build the page's readings as Measurements, in the page's order (null edges skipped).

    `series` is the one the request's filter asked for: each reading's own comes from Kraken's
    `utilityFilters` (`kind`), a field Kraken left out taken from `series`. A page holds one or
    two distinct `kind`s, so each is built and completed once per page, not once per reading
    (the readings of a series share one `SeriesFilters` and one `Series`). An interval reading
    always has its start and end here: the page's validation requires them.
    """
    build = measurement_record
    known: dict[tuple[Any, ...], tuple[Series, SeriesFilters]] = {}
    built: list[Measurement] = []
    append = built.append
    for edge in connection["edges"]:
        if edge is None or (node := edge["node"]) is None:
            continue
        meta = node["metaData"]
        kind = meta["kind"] if meta is not None else None
        if kind is None:
            append(build(property_id, series, node, None))
            continue
        key = tuple(kind.values())
        shared = known.get(key)
        if shared is None:
            filters = series_filters_record(kind)
            shared = known[key] = (series_of(cast(dict[str, Any], kind), series), filters)
        append(build(property_id, shared[0], node, shared[1]))
    return built


def last_end(connection: MeasurementPageData) -> datetime | None:
    """Return the end of the page's last reading when it is an interval reading, else None."""
    last = connection["edges"][-1] if connection["edges"] else None
    node = last["node"] if last is not None else None
    if node is None or node["__typename"] != INTERVAL_TYPENAME:
        return None
    return cast(EdgeNodeIntervalMeasurementTypeData, node)["endAt"]


def check_repeats(
    guard: RepeatGuard,
    property_id: str,
    page: MeasurementPageData,
    readings: list[Measurement],
    window: Window,
    number: int,
) -> None:
    """Raise RepeatedPageError when the page holds readings received before in the fetch."""
    cursors = [edge["cursor"] for edge in page["edges"] if edge is not None]
    first, last = (readings[0], readings[-1]) if readings else (None, None)
    if guard.repeated(cursors, first, last):
        raise RepeatedPageError(
            "the page repeats readings already received",
            field=FIELD,
            property_id=property_id,
            window=window,
            page=number,
        )


def check_complete(
    property_id: str, first: MeasurementPageData, received: int, window: Window
) -> None:
    """Raise IncompleteFetchError when a property's pages held fewer readings than promised.

    The promise is the first page's `totalCount`. More is let be: readings may arrive while a
    fetch runs.
    """
    if received < first["totalCount"]:
        raise IncompleteFetchError(
            "the pages ended before every reading Kraken counted",
            field=FIELD,
            property_id=property_id,
            window=window,
            expected=first["totalCount"],
            received=received,
        )
