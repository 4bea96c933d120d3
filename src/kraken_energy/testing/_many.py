"""Scenarios with many accounts, for tests and benchmarks of `kraken_energy.sync`."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ._data import (
    DEMO_USER_ID,
    IMPORT_RATE,
    Account,
    Channel,
    Meter,
    MeterDevice,
    MeterPoint,
    Property,
    Scenario,
    SupplyAgreement,
    TariffPlan,
    default_scenario,
)

_TARIFF = TariffPlan("StandardTariff", "E-1R-VAR-22-11-01-C", "VAR-22-11-01", "Flexible Octopus")


def numbered_account(
    n: int, start: dt.datetime, end: dt.datetime, owner_id: str = DEMO_USER_ID
) -> Account:
    """Return account ``A-{n:08X}``: one property, one smart electricity meter, ``[start, end)``.

    Every identifier is derived from ``n`` (property ``9{n:05d}``, MPAN ``19{n:011d}``), so a test
    can name what it expects without building the account.
    """
    device = f"00-00-00-FF-FE-{n // 65536 % 256:02X}-{n // 256 % 256:02X}-{n % 256:02X}"
    serial = f"S{n:08d}"
    point = MeterPoint(
        id=f"8{n:05d}",
        utility="ELECTRICITY",
        supply_point_id=f"19{n:011d}",
        meters=(Meter(f"6{n:05d}", serial, (MeterDevice(device, serial, "ESME"),)),),
        agreements=(SupplyAgreement(n, start, None, _TARIFF),),
        channels=(Channel("CONSUMPTION", device, start, end, 100 + n, *IMPORT_RATE),),
    )
    prop = Property(f"9{n:05d}", f"{n} Sync Street", "SY1 1AA", (point,))
    return Account(f"A-{n:08X}", owner_id, (prop,))


def many_accounts_scenario(count: int, start: dt.datetime, end: dt.datetime) -> Scenario:
    """Return the default scenario's users with ``count`` numbered accounts of the demo user.

    Example:
        >>> import datetime as dt
        >>> start = dt.datetime(2024, 9, 1, tzinfo=dt.UTC)
        >>> scenario = many_accounts_scenario(3, start, start + dt.timedelta(days=60))
        >>> [a.number for a in scenario.accounts]
        ['A-00000001', 'A-00000002', 'A-00000003']
    """
    accounts = tuple(numbered_account(n, start, end) for n in range(1, count + 1))
    return dataclasses.replace(default_scenario(), accounts=accounts)
