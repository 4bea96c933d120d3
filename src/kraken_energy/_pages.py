"""The measurements hot path: pages validated straight from JSON into typed dicts, then records.

Pydantic builds a model instance for every object of a page (six per reading); a `TypedDict`
gets the same validation in Rust, exact `Decimal`s and aware datetimes included, without them.
The typed dicts and the statistic records are generated from queries/ with the models
(`kraken_energy_gql.records`), so a change to a fragment changes them too, and any code here
that no longer fits fails the type check. `KrakenClient.measurements` reads its pages this way
and turns each reading into one `Measurement`.
"""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal
from typing import Final, NamedTuple, cast

from kraken_energy_gql.records import (
    EdgeNodeIntervalMeasurementTypeData,
    GetMeasurementsData,
    GetPropertyMeasurementsData,
    MeasurementPageData,
    MoneyRecord,
    StatisticRecord,
    statistic_record,
)
from pydantic import TypeAdapter

from ._validation import Answer

INTERVAL_TYPENAME: Final = "IntervalMeasurementType"

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


class Measurement(NamedTuple):
    """One reading of one property, with exact value and timezone-aware times.

    An immutable, hashable named tuple with fields by name (`reading.value`) and `_asdict()`;
    its statistics are built once, with the reading.

    Example:
        >>> reading.value, reading.statistics[0].cost_incl_tax  # doctest: +SKIP
        (Decimal('0.123000'), Cost(estimated_amount=Decimal('3.1'), cost_currency='GBP'))
    """

    property_id: str
    start_at: datetime | None
    """Start of the interval, with the requested timezone's offset; None for point readings."""
    end_at: datetime | None
    read_at: datetime
    value: Decimal
    """Exact: `str(value)` is the decimal string Kraken sent, e.g. "6.525000"."""
    unit: str
    source: str
    typename: str
    """The node's GraphQL type, e.g. "IntervalMeasurementType" (kept even when unknown)."""
    statistics: tuple[MeasurementStatistic, ...] = ()
    """Costs and other statistics Kraken attached, in the order sent."""


def records(property_id: str, connection: MeasurementPageData) -> list[Measurement]:
    """Build the page's readings as Measurements, in the page's order.

    An interval reading always has its start and end here: the page's validation requires them.
    """
    found: list[Measurement] = []
    append = found.append
    for edge in connection["edges"]:
        if edge is None or (node := edge["node"]) is None:
            continue
        typename = node["__typename"]
        start: datetime | None = None
        end: datetime | None = None
        if typename == INTERVAL_TYPENAME:
            interval = cast(EdgeNodeIntervalMeasurementTypeData, node)
            start, end = interval["startAt"], interval["endAt"]
        meta = node["metaData"]
        statistics = meta["statistics"] if meta is not None else None
        append(
            Measurement(
                property_id,
                start,
                end,
                node["readAt"],
                node["value"],
                node["unit"],
                node["source"],
                typename,
                tuple(statistic_record(s) for s in statistics if s is not None)
                if statistics
                else (),
            )
        )
    return found


def last_end(connection: MeasurementPageData) -> datetime | None:
    """Return the end of the page's last reading when it is an interval reading, else None."""
    last = connection["edges"][-1] if connection["edges"] else None
    node = last["node"] if last is not None else None
    if node is None or node["__typename"] != INTERVAL_TYPENAME:
        return None
    return cast(EdgeNodeIntervalMeasurementTypeData, node)["endAt"]
