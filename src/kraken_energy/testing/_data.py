"""The fake's world: users, accounts, properties, meter points and their reading channels.

:func:`default_scenario` builds the built-in data, which includes Kraken's documented measurements
example (account ``A-F523797D``, property ``308641``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Literal

Utility = Literal["ELECTRICITY", "GAS"]
Direction = Literal["CONSUMPTION", "GENERATION"]

UTC: Final = dt.UTC
LONDON_TZ_NAME: Final = "Europe/London"


@dataclass(frozen=True)
class TariffPlan:
    """A tariff as the discovery operations show it; ``typename`` is its GraphQL union member."""

    typename: str
    tariff_code: str
    product_code: str
    display_name: str


@dataclass(frozen=True)
class SupplyAgreement:
    """A supply agreement of a meter point."""

    id: int
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    tariff: TariffPlan


@dataclass(frozen=True)
class MeterDevice:
    """A smart meter device (ESME for electricity, GSME for gas)."""

    device_id: str
    serial_number: str
    type: str
    status: str = "COMMISSIONED"


@dataclass(frozen=True)
class Meter:
    """A physical meter with its smart devices.

    ``import_meter_id`` is set on an export meter only: the id of the import meter it goes with
    (Kraken's ``importMeter``). Its meter point's readings are GENERATION.
    """

    id: str
    serial_number: str
    smart_devices: tuple[MeterDevice, ...] = ()
    import_meter_id: str | None = None


@dataclass(frozen=True)
class DocumentedDay:
    """A local day (``LONDON_TZ_NAME``) whose total and statistics are pinned, not computed.

    ``total`` is spread over the day's daylight slots; a DAY bucket that is exactly this day
    carries ``amount`` (pence) as its GENERATION_VALUE or CONSUMPTION_COST, and
    ``standing_charge`` as its STANDING_CHARGE_COST.
    """

    day: dt.date
    total: Decimal
    amount: Decimal
    standing_charge: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class Channel:
    """One half-hourly series: a direction, a device and a register from ``start`` on.

    Values come from a formula seeded by ``seed``, a function of the time alone (nothing is
    stored); ``documented_days`` pins some local days. Data runs up to ``end``, or when ``end``
    is None up to the fake's present moment (its clock), so recent ranges always have data.
    ``rate_excl_tax`` and ``rate_incl_tax`` are pence per kWh and ``standing_charge`` pence per
    day (excluding tax; including it, scaled as the rates are) for the statistics.
    """

    direction: Direction
    device_id: str | None
    start: dt.datetime
    end: dt.datetime | None
    seed: int
    rate_excl_tax: Decimal
    rate_incl_tax: Decimal
    documented_days: tuple[DocumentedDay, ...] = ()
    register_id: str | None = None
    standing_charge: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class MeterPoint:
    """An electricity (MPAN) or gas (MPRN) meter point and its reading channels."""

    id: str
    utility: Utility
    supply_point_id: str
    meters: tuple[Meter, ...]
    agreements: tuple[SupplyAgreement, ...]
    channels: tuple[Channel, ...] = ()


@dataclass(frozen=True)
class Property:
    """A property (supply address)."""

    id: str
    address: str
    postcode: str
    meter_points: tuple[MeterPoint, ...] = ()


@dataclass(frozen=True)
class Account:
    """An account, owned by one user."""

    number: str
    owner_id: str
    properties: tuple[Property, ...]
    status: str = "ACTIVE"
    brand: str = "OCTOPUS_ENERGY"


@dataclass(frozen=True)
class User:
    """An account user; ``id`` appears in the token's ``sub`` claim."""

    id: str
    email: str


@dataclass(frozen=True)
class Scenario:
    """Everything the fake serves. Build your own or start from :func:`default_scenario`."""

    users: tuple[User, ...]
    accounts: tuple[Account, ...]

    def account(self, number: str) -> Account | None:
        """Return the account with that number, if any."""
        return next((a for a in self.accounts if a.number == number), None)

    def property(self, property_id: str) -> tuple[Account, Property] | None:
        """Return the property with that id and its account, if any."""
        for account in self.accounts:
            for prop in account.properties:
                if prop.id == property_id:
                    return account, prop
        return None

    def user_by_email(self, email: str) -> User | None:
        """Return the user with that email (case-insensitive), if any."""
        return next((u for u in self.users if u.email.lower() == email.lower()), None)

    def accounts_of(self, user_id: str) -> tuple[Account, ...]:
        """Return the accounts a user owns."""
        return tuple(a for a in self.accounts if a.owner_id == user_id)


# --- Built-in data ------------------------------------------------------------------------------

DEMO_USER_ID: Final = "1001"
DEMO_EMAIL: Final = "demo@fake-kraken.example"
DEMO_ACCOUNT: Final = "A-F523797D"
DEMO_PROPERTY: Final = "308641"
DEMO_MPAN: Final = "2700008749510"
DEMO_DEVICE: Final = "30-EB-5A-FF-FF-E0-91-E8"
SMALL_ACCOUNT: Final = "A-0000FA4E"
OTHER_ACCOUNT: Final = "A-0THER001"
HOMES_ACCOUNT: Final = "A-H0MES001"

# The documented example: daily GENERATION of the export MPAN, 2024-10-01 to 2024-10-06 (Europe/
# London): the values and generation amounts (pence) Kraken's measurements guide shows.
DOCUMENTED_WEEK: Final[tuple[DocumentedDay, ...]] = tuple(
    DocumentedDay(dt.date(2024, 10, day), Decimal(total), Decimal(amount))
    for day, total, amount in (
        (1, "6.525000", "182.30"),
        (2, "8.401000", "229.32"),
        (3, "11.537000", "297.89"),
        (4, "11.818000", "293.22"),
        (5, "10.949000", "280.10"),
        (6, "5.371000", "145.75"),
    )
)
DOCUMENTED_DAILY_GENERATION: Final[Mapping[dt.date, Decimal]] = MappingProxyType(
    {day.day: day.total for day in DOCUMENTED_WEEK}
)

_IMPORT_TARIFF = TariffPlan(
    "StandardTariff", "E-1R-VAR-22-11-01-C", "VAR-22-11-01", "Flexible Octopus"
)
_EXPORT_TARIFF = TariffPlan(
    "HalfHourlyTariff",
    "E-1R-OUTGOING-FIX-12M-19-05-13-C",
    "OUTGOING-FIX-12M-19-05-13",
    "Outgoing Octopus",
)
_GAS_TARIFF = TariffPlan("GasTariffType", "G-1R-VAR-22-11-01-C", "VAR-22-11-01", "Flexible Octopus")

IMPORT_RATE: Final = (Decimal("24.00"), Decimal("25.20"))
EXPORT_RATE: Final = (Decimal("15.00"), Decimal("15.00"))
GAS_RATE: Final = (Decimal("6.00"), Decimal("6.30"))
IMPORT_STANDING_CHARGE: Final = Decimal("53.35")
GAS_STANDING_CHARGE: Final = Decimal("29.11")


def _utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=UTC)


def home(
    prefix: str,
    seed: int,
    start: dt.datetime,
    *,
    export_start: dt.datetime | None = None,
    gas_start: dt.datetime | None = None,
    export_days: tuple[DocumentedDay, ...] = (),
    export_mpan: str | None = None,
    export_device: str | None = None,
) -> tuple[MeterPoint, ...]:
    """Return the meter points of a GB home with solar panels and gas, numbered by ``prefix``.

    An import MPAN and an export MPAN read by one smart electricity meter (ESME), the export
    meter pointing at its import meter, and a gas MPRN read by a GSME. Every series runs from
    its start (``start``, or ``export_start`` / ``gas_start`` for a meter fitted later) to the
    fake's present moment.
    """
    esme = export_device or f"{prefix[:2]}-{prefix[2:4]}-{prefix[4:6]}-FF-FE-00-00-01"
    gsme = f"{prefix[:2]}-{prefix[2:4]}-{prefix[4:6]}-FF-FE-00-00-02"
    since = start - dt.timedelta(days=31)
    import_point = MeterPoint(
        id=f"{prefix}1",
        utility="ELECTRICITY",
        supply_point_id=f"19{prefix}00001",
        meters=(
            Meter(f"{prefix}11", f"21E{prefix}1", (MeterDevice(esme, f"21E{prefix}1", "ESME"),)),
        ),
        agreements=(SupplyAgreement(int(f"{prefix}1"), since, None, _IMPORT_TARIFF),),
        channels=(
            Channel("CONSUMPTION", esme, start, None, seed, *IMPORT_RATE,
                    standing_charge=IMPORT_STANDING_CHARGE),
        ),
    )  # fmt: skip
    export_point = MeterPoint(
        id=f"{prefix}2",
        utility="ELECTRICITY",
        supply_point_id=export_mpan or f"27{prefix}00002",
        meters=(
            Meter(f"{prefix}12", f"21E{prefix}1", (MeterDevice(esme, f"21E{prefix}1", "ESME"),),
                  import_meter_id=f"{prefix}11"),
        ),
        agreements=(SupplyAgreement(int(f"{prefix}2"), since, None, _EXPORT_TARIFF),),
        channels=(
            Channel("GENERATION", esme, export_start or start, None, seed + 1, *EXPORT_RATE,
                    documented_days=export_days),
        ),
    )  # fmt: skip
    gas_point = MeterPoint(
        id=f"{prefix}3",
        utility="GAS",
        supply_point_id=f"34{prefix}03",
        meters=(
            Meter(f"{prefix}13", f"G4A{prefix}3", (MeterDevice(gsme, f"G4A{prefix}3", "GSME"),)),
        ),
        agreements=(SupplyAgreement(int(f"{prefix}3"), since, None, _GAS_TARIFF),),
        channels=(
            Channel("CONSUMPTION", gsme, gas_start or start, None, seed + 2, *GAS_RATE,
                    standing_charge=GAS_STANDING_CHARGE),
        ),
    )  # fmt: skip
    return import_point, export_point, gas_point


def _demo_property() -> Property:
    points = home(
        "870865", 11, _utc(2024, 1, 1), export_mpan=DEMO_MPAN, export_device=DEMO_DEVICE,
        export_days=DOCUMENTED_WEEK,
    )  # fmt: skip
    return Property(DEMO_PROPERTY, "1 Fake Street, London", "SW1A 1AA", points)


def _small_property() -> Property:
    device = "44-55-66-FF-FE-AA-BB-CC"
    point = MeterPoint(
        id="9003",
        utility="ELECTRICITY",
        supply_point_id="1900000000011",
        meters=(Meter("7003", "22K0000011", (MeterDevice(device, "22K0000011", "ESME"),)),),
        agreements=(SupplyAgreement(5004, _utc(2024, 9, 1), None, _IMPORT_TARIFF),),
        channels=(
            Channel("CONSUMPTION", device, _utc(2024, 10, 1), _utc(2024, 10, 4), 21, *IMPORT_RATE),
        ),
    )
    return Property("400001", "2 Fake Street, Leeds", "LS1 1AA", (point,))


def _empty_property() -> Property:
    point = MeterPoint(
        id="9004",
        utility="ELECTRICITY",
        supply_point_id="1900000000022",
        meters=(Meter("7004", "S99A000022"),),
        agreements=(SupplyAgreement(5005, _utc(2024, 9, 1), None, _IMPORT_TARIFF),),
    )
    return Property("400002", "3 Fake Street, York", "YO1 1AA", (point,))


def _other_property() -> Property:
    device = "77-88-99-FF-FE-DD-EE-FF"
    point = MeterPoint(
        id="9005",
        utility="ELECTRICITY",
        supply_point_id="1900000000033",
        meters=(Meter("7005", "23M0000033", (MeterDevice(device, "23M0000033", "ESME"),)),),
        agreements=(SupplyAgreement(5006, _utc(2024, 1, 1), None, _IMPORT_TARIFF),),
        channels=(
            Channel("CONSUMPTION", device, _utc(2024, 6, 1), _utc(2024, 7, 1), 31, *IMPORT_RATE),
        ),
    )
    return Property("500001", "4 Fake Street, Bath", "BA1 1AA", (point,))


def _homes() -> tuple[Property, ...]:
    """Return the homes of ``HOMES_ACCOUNT``: the second's solar panels and gas meter came later."""
    return (
        Property(
            "600001", "10 Solar Road, Bristol", "BS1 1AA", home("600001", 41, _utc(2023, 6, 1))
        ),
        Property(
            "600002",
            "12 Solar Road, Bristol",
            "BS1 1AB",
            home("600002", 51, _utc(2023, 9, 1), export_start=_utc(2024, 3, 15),
                 gas_start=dt.datetime(2024, 11, 20, 9, 30, tzinfo=UTC)),
        ),
    )  # fmt: skip


def default_scenario() -> Scenario:
    """Return the built-in data.

    The demo user owns ``A-F523797D`` (property ``308641``: an import MPAN, the export MPAN
    ``2700008749510`` of the documented example and a gas MPRN, from 2024-01-01 to the present),
    ``A-0000FA4E`` (property ``400001`` with three days of readings and property ``400002`` with
    none) and ``A-H0MES001`` (two homes like the first; the second's export and gas meters started
    later). Another user owns ``A-0THER001``.
    """
    return Scenario(
        users=(User(DEMO_USER_ID, DEMO_EMAIL), User("1002", "other@fake-kraken.example")),
        accounts=(
            Account(DEMO_ACCOUNT, DEMO_USER_ID, (_demo_property(),)),
            Account(SMALL_ACCOUNT, DEMO_USER_ID, (_small_property(), _empty_property())),
            Account(HOMES_ACCOUNT, DEMO_USER_ID, _homes()),
            Account(OTHER_ACCOUNT, "1002", (_other_property(),)),
        ),
    )
