"""Series: which meter, device and direction a reading belongs to, and how to fetch each one.

A property commonly has an import MPAN, an export MPAN (solar) and a gas MPRN, each read by a
smart meter device. Kraken's measurements filter (`UtilityFiltersInput`) defaults to one series,
electricity CONSUMPTION at RAW_INTERVAL, so a fetch that should return everything sends one
filter per series instead: `account_series` finds them in a `getAccount` (or viewer) answer.

`Series` is what every `Measurement` carries as `series`: Kraken's own `metaData.utilityFilters`
(`Measurement.utility_filters`), each field Kraken left out taken from the filter that fetched it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple

from kraken_energy_gql.enums import ReadingDirectionType, ReadingFrequencyType, ReadingQualityType

from ._errors import InvalidArgumentError

if TYPE_CHECKING:
    from kraken_energy_gql import AccountDetails
    from kraken_energy_gql.input_types import UtilityFiltersInput

    from ._request import ElectricityFilter, GasFilter

Utility = Literal["electricity", "gas"]

_ELECTRICITY_DEVICES: Final = frozenset({"ESME"})
_GAS_DEVICES: Final = frozenset({"GSME"})
_GAS_TYPENAME: Final = "GasFiltersOutput"


class Series(NamedTuple):
    """One series of readings: a frozen, hashable value to group or key readings by.

    `utility` is "electricity" or "gas"; `supply_point` the MPAN or MPRN; `direction` is None
    on gas (which has none); a field neither Kraken nor the request named is None.

    Example:
        >>> by_series = {}
        >>> async for reading in kraken.measurements("A-F523797D", start=start, end=end):
        ...     by_series.setdefault((reading.property_id, reading.series), []).append(reading)
    """

    utility: Utility
    supply_point: str | None = None
    device_id: str | None = None
    register_id: str | None = None
    direction: ReadingDirectionType | None = None
    frequency: ReadingFrequencyType | None = None
    quality: ReadingQualityType | None = None

    def to_input(self) -> UtilityFiltersInput:
        """Build the one-item filter that fetches exactly this series (its None fields left out)."""
        from kraken_energy_gql.input_types import (
            ElectricityFiltersInput,
            GasFiltersInput,
            UtilityFiltersInput,
        )

        fields = {
            "marketSupplyPointId": self.supply_point,
            "deviceId": self.device_id,
            "registerId": self.register_id,
            "readingFrequencyType": self.frequency,
        }
        if self.utility == "gas":
            chosen = {name: value for name, value in fields.items() if value is not None}
            return UtilityFiltersInput(gasFilters=GasFiltersInput.model_validate(chosen))
        fields |= {"readingDirection": self.direction, "readingQuality": self.quality}
        chosen = {name: value for name, value in fields.items() if value is not None}
        return UtilityFiltersInput(
            electricityFilters=ElectricityFiltersInput.model_validate(chosen)
        )

    def label(self) -> str:
        """Name the series for people, e.g. `electricity 2700008749510 GENERATION DAY_INTERVAL`."""
        parts = [self.utility, self.supply_point, self.device_id, self.register_id]
        parts += [str(v.value) if v is not None else None for v in (self.direction, self.frequency)]
        return " ".join(part for part in parts if part)


class PropertySeries(NamedTuple):
    """One series of one property, with the filter that fetches exactly it."""

    property_id: str
    series: Series
    filter: UtilityFiltersInput


def account_series(
    account: AccountDetails,
    *,
    electricity: ElectricityFilter | None = None,
    gas: GasFilter | None = None,
    property_id: str | None = None,
) -> list[PropertySeries]:
    """List an account's series, property by property, each with the filter that fetches it.

    One series per meter point and smart meter device (ESME for electricity, GSME for gas; a
    point without one has a single series with no device). An export meter (one with an
    `importMeter`) makes its point's series GENERATION, any other electricity point's are
    CONSUMPTION. With no filter every series is listed at RAW_INTERVAL; with filters, only the
    series matching a given filter's supply point, device id and direction, at its frequency,
    register and quality.

    Args:
        account: `(await kraken.get_account(account_number=...)).account`, or an account of
            `get_viewer_accounts()`.
        electricity: which electricity series (None: none, unless `gas` is None too).
        gas: which gas series (None: none, unless `electricity` is None too).
        property_id: only this property of the account.

    Raises:
        InvalidArgumentError: a filter (or `property_id`) matches nothing on the account; the
            message names the value and lists the account's supply points.

    Example:
        >>> account = (await kraken.get_account(account_number="A-F523797D")).account
        >>> for entry in account_series(account):
        ...     print(entry.property_id, entry.series.label())
    """
    found: list[tuple[str, Series]] = []
    for prop in account.properties or ():
        if prop is None or (property_id is not None and prop.id != property_id):
            continue
        found += [(prop.id or "", series) for series in _property_series(prop)]
    if property_id is not None and not any(
        p is not None and p.id == property_id for p in account.properties or ()
    ):
        raise InvalidArgumentError(
            "property_id",
            f"no property {property_id} on account {account.number}; its properties: "
            + (", ".join(p.id or "?" for p in account.properties or () if p is not None) or "none"),
        )
    if electricity is None and gas is None:
        chosen = [(p, s._replace(frequency=ReadingFrequencyType.RAW_INTERVAL)) for p, s in found]
    else:
        chosen = []
        pairs: tuple[tuple[Utility, ElectricityFilter | GasFilter | None], ...] = (
            ("electricity", electricity),
            ("gas", gas),
        )
        for name, wanted in pairs:
            if wanted is not None:
                chosen += _matching(name, wanted, found, account.number)
        chosen.sort(key=lambda pair: found.index((pair[0], _discovered(pair[1], found))))
    return [PropertySeries(p, series, series.to_input()) for p, series in chosen]


def _property_series(prop: Any) -> list[Series]:
    """Return the series of one property: its electricity points' then its gas points', as sent."""
    series: list[Series] = []
    for point in prop.electricity_meter_points or ():
        if point is None:
            continue
        meters = [m for m in point.meters or () if m is not None]
        export = any(m.import_meter is not None for m in meters)
        direction = ReadingDirectionType.GENERATION if export else ReadingDirectionType.CONSUMPTION
        for device in _devices(meters, _ELECTRICITY_DEVICES):
            series.append(Series("electricity", point.mpan, device, direction=direction))
    for point in prop.gas_meter_points or ():
        if point is None:
            continue
        meters = [m for m in point.meters or () if m is not None]
        for device in _devices(meters, _GAS_DEVICES):
            series.append(Series("gas", point.mprn, device))
    return series


def _devices(meters: Iterable[Any], kinds: frozenset[str]) -> list[str | None]:
    """Return the distinct smart meter devices of the meters, in order ([None] if none)."""
    devices: list[str | None] = []
    for meter in meters:
        for device in meter.smart_devices or ():
            kind = device.type_.value if device is not None and device.type_ else None
            if device is not None and kind in kinds and device.device_id not in devices:
                devices.append(device.device_id)
    return devices or [None]


def _matching(
    utility: Utility,
    wanted: ElectricityFilter | GasFilter,
    found: Sequence[tuple[str, Series]],
    account_number: str | None,
) -> list[tuple[str, Series]]:
    """Return the discovered series a filter selects, with its frequency, register, quality."""
    direction = getattr(wanted, "direction", None)
    checks = (
        ("supply_point", wanted.supply_point),
        ("device_id", wanted.device_id),
        ("direction", direction),
    )
    candidates = [(p, s) for p, s in found if s.utility == utility]
    for field, value in checks:
        if value is None:
            continue
        narrowed = [(p, s) for p, s in candidates if getattr(s, field) == value]
        if not narrowed:
            shown = value.value if isinstance(value, ReadingDirectionType) else value
            raise InvalidArgumentError(
                f"{utility}.{field}",
                f"{shown} matches no {utility} series on account {account_number}; its supply "
                f"points: {supply_points(found)}",
            )
        candidates = narrowed
    quality = getattr(wanted, "quality", None)
    return [
        (p, s._replace(frequency=wanted.frequency, register_id=wanted.register_id, quality=quality))
        for p, s in candidates
    ]


def _discovered(chosen: Series, found: Sequence[tuple[str, Series]]) -> Series:
    """Return the discovered series a chosen one was completed from (to keep discovery order)."""
    return next(
        s
        for _, s in found
        if (s.utility, s.supply_point, s.device_id, s.direction)
        == (chosen.utility, chosen.supply_point, chosen.device_id, chosen.direction)
    )


def supply_points(found: Sequence[tuple[str, Series]]) -> str:
    """List the supply points for a message, e.g. `2700008749510 (electricity, GENERATION)`."""
    shown: list[str] = []
    for _, series in found:
        kind = (
            series.utility
            if series.direction is None
            else (f"{series.utility}, {series.direction.value}")
        )
        text = f"{series.supply_point or '?'} ({kind})"
        if text not in shown:
            shown.append(text)
    return ", ".join(shown) or "none"


def series_of(node_filters: dict[str, Any] | None, requested: Series) -> Series:
    """Return the series of one reading: Kraken's `utilityFilters`, completed from the request's.

    A kind of filters newer than this client (an unknown `__typename`) keeps the request's
    utility; another utility than the one asked for is another series, completed from nothing.
    """
    if node_filters is None:
        return requested
    typename = node_filters.get("__typename")
    utility: Utility = requested.utility
    if typename == _GAS_TYPENAME:
        utility = "gas"
    elif typename is not None and str(typename).endswith("ElectricityFiltersOutput"):
        utility = "electricity"
    fill = requested if utility == requested.utility else Series(utility)
    return Series(
        utility,
        node_filters.get("supplyPoint") or fill.supply_point,
        node_filters.get("deviceId") or fill.device_id,
        node_filters.get("registerId") or fill.register_id,
        node_filters.get("direction") or fill.direction,
        node_filters.get("frequency") or fill.frequency,
        node_filters.get("quality") or fill.quality,
    )
