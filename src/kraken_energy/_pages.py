"""The measurements hot path: pages validated straight from JSON into typed dicts, then records.

Pydantic builds a model instance for every object of a page (six per reading); a `TypedDict`
gets the same validation in Rust, exact `Decimal`s and aware datetimes included, without them.
`KrakenClient.measurements` reads its pages this way and turns each reading into one
`Measurement` named tuple. The shapes mirror the fragments in
queries/fragments_measurements.graphql; a test compares them with the generated models, so the
two cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, NamedTuple, NotRequired

from kraken_energy_gql.enums import ReadingStatisticTypeEnum
from pydantic import AwareDatetime, TypeAdapter
from typing_extensions import TypedDict

from ._errors import InvalidResponseError

INTERVAL_TYPENAME: Final = "IntervalMeasurementType"


class MoneyData(TypedDict):
    """`EstimatedMoneyType` as `fragment Money` selects it."""

    estimatedAmount: Decimal
    costCurrency: str


class StatisticData(TypedDict):
    type: ReadingStatisticTypeEnum | None
    label: str | None
    description: str | None
    value: Decimal | None
    costExclTax: MoneyData | None
    costInclTax: MoneyData | None


class MetaData(TypedDict):
    statistics: list[StatisticData | None] | None


NodeData = TypedDict(
    "NodeData",
    {
        "__typename": str,
        "value": Decimal,
        "unit": str,
        "readAt": AwareDatetime,
        "source": str,
        "metaData": MetaData | None,
        "startAt": NotRequired[AwareDatetime],
        "endAt": NotRequired[AwareDatetime],
        "durationInSeconds": NotRequired[int],
    },
)


class EdgeData(TypedDict):
    cursor: str
    node: NodeData | None


class PageInfoData(TypedDict):
    hasNextPage: bool
    hasPreviousPage: bool
    startCursor: str | None
    endCursor: str | None


class ConnectionData(TypedDict):
    totalCount: int
    edgeCount: int
    pageInfo: PageInfoData
    edges: list[EdgeData | None]


class PropertyData(TypedDict):
    id: str | None
    measurements: ConnectionData | None


class AccountData(TypedDict):
    properties: list[PropertyData | None] | None


class AccountPageData(TypedDict):
    account: AccountData | None


class AccountPage(TypedDict):
    data: AccountPageData | None
    errors: NotRequired[list[dict[str, Any]] | None]


class PropertyPageData(TypedDict):
    property: PropertyData | None


class PropertyPage(TypedDict):
    data: PropertyPageData | None
    errors: NotRequired[list[dict[str, Any]] | None]


@functools.cache
def account_page() -> TypeAdapter[AccountPage]:
    """Return the validator of a `getMeasurements` answer (built on first use, not at import)."""
    return TypeAdapter(AccountPage)


@functools.cache
def property_page() -> TypeAdapter[PropertyPage]:
    """Return the validator of a `getPropertyMeasurements` answer (built on first use)."""
    return TypeAdapter(PropertyPage)


class Cost(NamedTuple):
    """An estimated amount of money, in minor units (pence), possibly fractional."""

    amount: Decimal
    currency: str


class MeasurementStatistic(NamedTuple):
    """One statistic Kraken attached to a reading (a cost, a value, a carbon figure ...)."""

    type: ReadingStatisticTypeEnum | None
    """Open enum: a type newer than this client keeps its raw name."""
    label: str | None
    description: str | None
    value: Decimal | None
    cost_excl_tax: Cost | None
    cost_incl_tax: Cost | None


class Measurement(NamedTuple):
    """One reading of one property, with exact value and timezone-aware times.

    An immutable named tuple with fields by name (`reading.value`) and `_asdict()`.
    Building one costs a quarter of a frozen dataclass's, which matters at 17,520 readings per
    meter-year. Its last field holds the validated statistics; read `statistics` for objects.
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
    statistic_data: Sequence[StatisticData | None] = ()
    """The statistics as validated from the wire (exact decimals, open enums)."""

    def __repr__(self) -> str:
        """Show the reading, not the raw statistics it carries."""
        return (
            f"Measurement(property_id={self.property_id!r}, start_at={self.start_at!r}, "
            f"end_at={self.end_at!r}, read_at={self.read_at!r}, value={self.value!r}, "
            f"unit={self.unit!r}, source={self.source!r}, typename={self.typename!r})"
        )

    @property
    def statistics(self) -> tuple[MeasurementStatistic, ...]:
        """Costs and other statistics Kraken attached, built each time this is read.

        They are validated with the page (exact decimals, open enums), but most consumers of
        long series never read them, so readings do not pay for building the objects; keep
        the tuple if you read it more than once.
        """
        statistics = []
        for data in self.statistic_data:
            if data is None:
                continue
            excl, incl = data["costExclTax"], data["costInclTax"]
            costs = (
                None
                if excl is None
                else _new(Cost, (excl["estimatedAmount"], excl["costCurrency"])),
                None
                if incl is None
                else _new(Cost, (incl["estimatedAmount"], incl["costCurrency"])),
            )
            fields = (data["type"], data["label"], data["description"], data["value"])
            statistics.append(_new(MeasurementStatistic, fields + costs))
        return tuple(statistics)


_new: Final = tuple.__new__
"""Builds a named tuple from a tuple of all its fields in one C call; the class's own `__new__`
is a Python function around the same call, and these are built by the thousand."""


def records(property_id: str, connection: ConnectionData) -> list[Measurement]:
    """Build the page's readings as Measurements, in the page's order.

    Raises:
        InvalidResponseError: an interval reading without its start or end.
    """
    found: list[Measurement] = []
    append = found.append
    for edge in connection["edges"]:
        if edge is None or (node := edge["node"]) is None:
            continue
        typename = node["__typename"]
        if typename == INTERVAL_TYPENAME:
            start, end = node.get("startAt"), node.get("endAt")
            if start is None or end is None:
                raise InvalidResponseError(
                    "an IntervalMeasurementType reading lacks startAt or endAt", "", "measurements"
                )
        else:
            start = end = None
        meta = node["metaData"]
        append(
            _new(
                Measurement,
                (
                    property_id,
                    start,
                    end,
                    node["readAt"],
                    node["value"],
                    node["unit"],
                    node["source"],
                    typename,
                    (meta["statistics"] or ()) if meta is not None else (),
                ),
            )
        )
    return found
