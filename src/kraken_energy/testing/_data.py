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
    """A physical meter with its smart devices."""

    id: str
    serial_number: str
    smart_devices: tuple[MeterDevice, ...] = ()


@dataclass(frozen=True)
class Channel:
    """One half-hourly series: a utility, a direction and a device over ``[start, end)``.

    Values come from a formula seeded by ``seed``; ``daily_totals`` pins the totals of some local
    days (in ``LONDON_TZ_NAME``), spread over the day's daylight slots. ``rate_excl_tax`` and
    ``rate_incl_tax`` are pence per kWh for the statistics.
    """

    direction: Direction
    device_id: str
    start: dt.datetime
    end: dt.datetime
    seed: int
    rate_excl_tax: Decimal
    rate_incl_tax: Decimal
    daily_totals: tuple[tuple[dt.date, Decimal], ...] = ()


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

# Daily GENERATION totals of the documented example, 2024-10-01 to 2024-10-06 (Europe/London).
# The first (6.525000) and last (5.371000) are Kraken's documented values. The four middle values
# could not be retrieved from the public guide when this was written: they are plausible stand-ins.
DOCUMENTED_DAILY_GENERATION: Final[Mapping[dt.date, Decimal]] = MappingProxyType(
    {
        dt.date(2024, 10, 1): Decimal("6.525000"),
        dt.date(2024, 10, 2): Decimal("3.212000"),
        dt.date(2024, 10, 3): Decimal("7.048000"),
        dt.date(2024, 10, 4): Decimal("2.846000"),
        dt.date(2024, 10, 5): Decimal("4.915000"),
        dt.date(2024, 10, 6): Decimal("5.371000"),
    }
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


def _utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=UTC)


def _demo_property() -> Property:
    start, end = _utc(2024, 1, 1), _utc(2025, 3, 1)
    electricity = MeterPoint(
        id="9001",
        utility="ELECTRICITY",
        supply_point_id=DEMO_MPAN,
        meters=(Meter("7001", "21L4381234", (MeterDevice(DEMO_DEVICE, "21L4381234", "ESME"),)),),
        agreements=(
            SupplyAgreement(5001, _utc(2023, 12, 1), None, _IMPORT_TARIFF),
            SupplyAgreement(5002, _utc(2023, 12, 1), _utc(2025, 12, 1), _EXPORT_TARIFF),
        ),
        channels=(
            Channel("CONSUMPTION", DEMO_DEVICE, start, end, 11, *IMPORT_RATE),
            Channel(
                "GENERATION",
                DEMO_DEVICE,
                start,
                end,
                12,
                *EXPORT_RATE,
                daily_totals=tuple(DOCUMENTED_DAILY_GENERATION.items()),
            ),
        ),
    )
    gas_device = "1C-2B-3A-FF-FE-00-11-22"
    gas = MeterPoint(
        id="9002",
        utility="GAS",
        supply_point_id="3456789012",
        meters=(
            Meter("7002", "G4A12345678901", (MeterDevice(gas_device, "G4A12345678901", "GSME"),)),
        ),
        agreements=(SupplyAgreement(5003, _utc(2023, 12, 1), None, _GAS_TARIFF),),
        channels=(Channel("CONSUMPTION", gas_device, start, end, 13, *GAS_RATE),),
    )
    return Property(DEMO_PROPERTY, "1 Fake Street, London", "SW1A 1AA", (electricity, gas))


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


def default_scenario() -> Scenario:
    """Return the built-in data.

    The demo user owns ``A-F523797D`` (property ``308641``: electricity import and export and gas,
    2024-01-01 to 2025-03-01) and ``A-0000FA4E`` (property ``400001`` with three days of readings
    and property ``400002`` with none). Another user owns ``A-0THER001``.
    """
    return Scenario(
        users=(User(DEMO_USER_ID, DEMO_EMAIL), User("1002", "other@fake-kraken.example")),
        accounts=(
            Account(DEMO_ACCOUNT, DEMO_USER_ID, (_demo_property(),)),
            Account(SMALL_ACCOUNT, DEMO_USER_ID, (_small_property(), _empty_property())),
            Account(OTHER_ACCOUNT, "1002", (_other_property(),)),
        ),
    )
