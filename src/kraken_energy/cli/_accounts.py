"""How `kraken accounts` shows accounts: a tree for people, JSON for programs.

The tree names each value by the `kraken measurements` option that takes it (`--property-id`,
`--supply-point`, `--device-id`), so the filters of a fetch can be read straight off it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Final, TextIO

from kraken_energy_gql import AccountDetails, ElectricityPoint, GasPoint
from kraken_energy_gql import ViewerAccountsAccountInterface as OtherViewerAccount
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

FILE_WIDTH: Final = 200
"""Width the tree is drawn at when not on a terminal: wide enough never to wrap a line."""

Account = AccountDetails | OtherViewerAccount
"""What discovery returns: a full account, or one of a type the schema did not know yet."""


def write_json(accounts: Sequence[Account], stream: TextIO) -> None:
    """Write `{"accounts": [...]}` with the API's field names, decimals and dates as strings."""
    dumped = [account.model_dump(mode="json", by_alias=True) for account in accounts]
    stream.write(json.dumps({"accounts": dumped}, indent=2) + "\n")


def write_tree(accounts: Sequence[Account], stream: TextIO) -> None:
    """Draw each account as a tree of properties, meter points, meters, devices and tariffs."""
    terminal = stream.isatty()
    console = Console(
        file=stream,
        width=None if terminal else FILE_WIDTH,
        color_system="auto" if terminal else None,
        highlight=False,
    )
    if not accounts:
        console.print("No accounts.")
    for account in accounts:
        console.print(_account_tree(account))
    if accounts:
        console.print(
            "[dim]Filter a fetch with these: kraken measurements --account A-... "
            "--property-id ID --utility electricity|gas --supply-point MPAN|MPRN "
            "--device-id DEVICE[/dim]"
        )


def _account_tree(account: Account) -> Tree:
    number = escape(account.number or "(no number)")
    if isinstance(account, OtherViewerAccount):
        return Tree(f"[bold]{number}[/bold]  ({escape(account.typename__)}: not shown)")
    details = "  ".join(escape(str(part)) for part in (account.status, account.brand) if part)
    tree = Tree(f"[bold]{number}[/bold]  {details}")
    for prop in account.properties or ():
        if prop is None:
            continue
        address = ", ".join(part for part in (prop.address, prop.postcode) if part)
        branch = tree.add(f"property [bold]{escape(prop.id or '?')}[/bold]  {escape(address)}")
        for point in prop.electricity_meter_points or ():
            if point is not None:
                _add_point(branch, "electricity", "MPAN", point.mpan, point)
        for gas_point in prop.gas_meter_points or ():
            if gas_point is not None:
                _add_point(branch, "gas", "MPRN", gas_point.mprn, gas_point)
    return tree


def _add_point(
    branch: Tree, utility: str, label: str, number: str | None, point: ElectricityPoint | GasPoint
) -> None:
    # An export meter names its import meter: that point's readings are GENERATION (solar).
    export = isinstance(point, ElectricityPoint) and any(
        meter is not None and meter.import_meter is not None for meter in point.meters or ()
    )
    role = "  export (GENERATION)" if export else ""
    node = branch.add(f"{utility}  {label} [bold]{escape(number or '?')}[/bold]{role}")
    for meter in point.meters or ():
        if meter is None:
            continue
        meter_node = node.add(f"meter {escape(meter.serial_number)}")
        for device in meter.smart_devices or ():
            if device is not None:
                kind = ", ".join(str(part) for part in (device.type_, device.status) if part)
                meter_node.add(f"device [bold]{escape(device.device_id)}[/bold]  ({escape(kind)})")
    for agreement in point.agreements or ():
        tariff = agreement.tariff if agreement is not None else None
        if agreement is None or tariff is None:
            continue
        span = f"{_day(agreement.valid_from)} to {_day(agreement.valid_to)}"
        name = tariff.display_name or tariff.product_code or ""
        node.add(f"tariff {escape(tariff.tariff_code or '?')}  {escape(name)}  {span}")


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment is not None else "open"
