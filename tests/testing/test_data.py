"""Account discovery: viewer, account, property and the documented example's identifiers."""

from __future__ import annotations

import httpx
from fake_kraken_helpers import gql

from kraken_energy.testing import DEMO_ACCOUNT, DEMO_DEVICE, DEMO_MPAN, DEMO_PROPERTY, FakeKraken

DISCOVERY = """
query getViewerAccounts {
  viewer { accounts { __typename number ... on AccountType { status brand properties {
    id address postcode
    electricityMeterPoints {
      id mpan meters { id serialNumber smartDevices { deviceId type status } }
      agreements { id validFrom validTo tariff {
        __typename ... on TariffType { tariffCode productCode displayName } } }
    }
    gasMeterPoints { id mprn meters { serialNumber smartDevices { deviceId } }
      agreements { tariff { __typename tariffCode } } }
  } } } }
}
"""


def test_viewer_lists_the_demo_users_accounts(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """The demo user's viewer holds its three accounts, with the documented identifiers."""
    body = gql(client, fake.url, DISCOVERY, token=token)
    accounts = body["data"]["viewer"]["accounts"]
    demo = accounts[0]
    prop = demo["properties"][0]
    imported, exported = prop["electricityMeterPoints"]
    point = exported
    assert [a["number"] for a in accounts] == [DEMO_ACCOUNT, "A-0000FA4E", "A-H0MES001"]
    assert demo["__typename"] == "AccountType"
    assert prop["id"] == DEMO_PROPERTY
    assert point["mpan"] == DEMO_MPAN
    assert point["meters"][0]["smartDevices"][0]["deviceId"] == DEMO_DEVICE
    assert imported["meters"][0]["smartDevices"][0]["deviceId"] == DEMO_DEVICE  # one ESME
    assert [a["tariff"]["__typename"] for a in imported["agreements"]] == ["StandardTariff"]
    assert [a["tariff"]["__typename"] for a in point["agreements"]] == ["HalfHourlyTariff"]
    assert prop["gasMeterPoints"][0]["agreements"][0]["tariff"]["__typename"] == "GasTariffType"
    assert point["agreements"][0]["validFrom"].endswith("+00:00")


def test_unknown_account_is_kt_ct_4178(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """An unknown account number gives KT-CT-4178 (NOT_FOUND) beside data {"account": null}."""
    query = "query getAccount($n: String!) { account(accountNumber: $n) { number } }"
    body = gql(client, fake.url, query, {"n": "A-00000000"}, token=token)
    (error,) = body["errors"]
    assert body["data"] == {"account": None}
    assert error["path"] == ["account"]
    assert error["extensions"]["errorCode"] == "KT-CT-4178"
    assert error["extensions"]["errorType"] == "NOT_FOUND"


def test_property_by_id(fake: FakeKraken, client: httpx.Client, token: str) -> None:
    """property(id) returns the property with its meter points."""
    query = "query($id: ID!) { property(id: $id) { id postcode electricityMeterPoints { mpan } } }"
    body = gql(client, fake.url, query, {"id": DEMO_PROPERTY}, token=token)
    assert body["data"]["property"]["electricityMeterPoints"] == [
        {"mpan": "1987086500001"},
        {"mpan": DEMO_MPAN},
    ]


def test_an_export_meter_names_its_import_meter(
    fake: FakeKraken, client: httpx.Client, token: str
) -> None:
    """The export MPAN's meter points at the import meter; the import meter has no importMeter."""
    query = (
        "query($id: ID!) { property(id: $id) { electricityMeterPoints { mpan meters { id "
        "importMeter { id } } } } }"
    )
    body = gql(client, fake.url, query, {"id": DEMO_PROPERTY}, token=token)
    imported, exported = body["data"]["property"]["electricityMeterPoints"]
    assert imported["meters"][0]["importMeter"] is None
    assert exported["meters"][0]["importMeter"] == {"id": imported["meters"][0]["id"]}
