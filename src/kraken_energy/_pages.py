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

Statistics are read on first access, once: `statistics` is a `Deferred`, an immutable sequence
equal to (and hashing as) the tuple of its records. A page's first validation skips them in Rust
(`GetPropertyMeasurementsSkimData` leaves them out: they were half of each page's validation)
and the first access to any reading's statistics validates the page's bytes again, whole
(shape, open enum, every number a finite decimal sent as a string), then builds that reading's.
Most readers never touch them. The trade-offs: until then each reading keeps its page's bytes
(one shared reference per page); the first access (or comparing or hashing the record) pays a
second validation of the page; and statistics that do not fit the types raise
`InvalidResponseError` there, on access, not when the page was fetched (the readings themselves
were checked with the page). A fetch with `statistics=False` asks for none and keeps no bytes.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, Final, cast

from kraken_energy_gql.records import (
    EdgeNodeIntervalMeasurementTypeSkimData,
    GetPropertyMeasurementsData,
    GetPropertyMeasurementsSkimData,
    MeasurementPageSkimData,
    MoneyRecord,
    StatisticRecord,
    measurement_record,
    series_filters_record,
    statistic_record,
)
from kraken_energy_gql.records import Measurement as Measurement
from kraken_energy_gql.records import SeriesFilters as SeriesFilters
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from ._pagination import IncompleteFetchError, RepeatedPageError, RepeatGuard, Window
from ._pipeline import unfit
from ._record_runtime import Deferred, DeferredPage
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
def skim_page() -> TypeAdapter[Answer[GetPropertyMeasurementsSkimData]]:
    """Return the first validator of a `getPropertyMeasurements` answer: statistics skipped.

    Built on first use, not at import.
    """
    return TypeAdapter(Answer[GetPropertyMeasurementsSkimData])


@functools.cache
def whole_page() -> TypeAdapter[Answer[GetPropertyMeasurementsData]]:
    """Return the validator of a whole `getPropertyMeasurements` answer, statistics included."""
    return TypeAdapter(Answer[GetPropertyMeasurementsData])


SkimPage = tuple[GetPropertyMeasurementsSkimData, DeferredPage]
"""A page's data validated without its statistics, and the page to read them from."""


class PageDecoder:
    """How `Pipeline.call` decodes a measurements page: `validate_json` as a TypeAdapter's.

    The answer's `data` is a `SkimPage`: the page validated by `skim_page`, and its bytes kept
    in a `DeferredPage` for the statistics.
    """

    def validate_json(self, raw: bytes) -> dict[str, Any]:
        """Validate an answer's bytes, statistics skipped; keep the bytes for them.

        Raises:
            pydantic.ValidationError: the answer does not fit (the pipeline classifies it).
        """
        answer = skim_page().validate_json(raw)
        data = answer["data"]
        return {
            "data": None if data is None else (data, DeferredPage(_statistics, raw)),
            "errors": answer.get("errors"),
        }


PAGE_DECODER: Final = PageDecoder()


def _statistics(raw: bytes) -> list[Any]:
    """Validate a page's bytes whole; return each edge's statistics (None where none).

    Raises:
        InvalidResponseError: the statistics do not fit the operation's types (naming where).
    """
    try:
        answer = whole_page().validate_json(raw)
    except PydanticValidationError as exc:
        raise unfit(exc, "getPropertyMeasurements") from None
    data = answer["data"]
    connection = data["property"]["measurements"] if data and data["property"] else None
    parts: list[Any] = []
    for edge in connection["edges"] if connection else ():
        node = edge["node"] if edge is not None else None
        meta = node["metaData"] if node is not None else None
        parts.append(meta.get("statistics") if meta is not None else None)
    return parts


def records(
    property_id: str,
    series: Series,
    connection: MeasurementPageSkimData,
    page: DeferredPage | None,
) -> list[Measurement]:
    """Build the page's readings as Measurements, in the page's order (null edges skipped).

    `page`: where each reading's statistics are read from on first access; None when the
    request asked for none (each reading's statistics is then empty).

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
    for index, edge in enumerate(connection["edges"]):
        if edge is None or (node := edge["node"]) is None:
            continue
        statistics = () if page is None else Deferred(statistic_record, page, index)
        meta = node["metaData"]
        kind = meta["kind"] if meta is not None else None
        if kind is None:
            append(build(property_id, series, node, None, statistics))
            continue
        key = tuple(kind.values())
        shared = known.get(key)
        if shared is None:
            filters = series_filters_record(kind)
            shared = known[key] = (series_of(cast(dict[str, Any], kind), series), filters)
        append(build(property_id, shared[0], node, shared[1], statistics))
    return built


def last_end(connection: MeasurementPageSkimData) -> datetime | None:
    """Return the end of the page's last reading when it is an interval reading, else None."""
    last = connection["edges"][-1] if connection["edges"] else None
    node = last["node"] if last is not None else None
    if node is None or node["__typename"] != INTERVAL_TYPENAME:
        return None
    return cast(EdgeNodeIntervalMeasurementTypeSkimData, node)["endAt"]


def bound(reading: Measurement) -> tuple[Any, ...]:
    """Key a page's first or last reading for the repeat guard: its series, times and value.

    Not the whole record: hashing that would read its statistics (a second validation of the
    page, for a key).
    """
    return (reading.series, reading.start_at, reading.read_at, reading.value)


def check_repeats(
    guard: RepeatGuard,
    property_id: str,
    page: MeasurementPageSkimData,
    readings: list[Measurement],
    window: Window,
    number: int,
) -> None:
    """Raise RepeatedPageError when the page holds readings received before in the fetch."""
    cursors = [edge["cursor"] for edge in page["edges"] if edge is not None]
    first, last = (bound(readings[0]), bound(readings[-1])) if readings else (None, None)
    if guard.repeated(cursors, first, last):
        raise RepeatedPageError(
            "the page repeats readings already received",
            field=FIELD,
            property_id=property_id,
            window=window,
            page=number,
        )


def check_complete(
    property_id: str, first: MeasurementPageSkimData, received: int, window: Window
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
