"""Series: every reading names its series, every series is fetched, filters select exactly."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kraken_energy_gql.input_types import (
    ElectricityFiltersInput,
    GasFiltersInput,
    UtilityFiltersInput,
)

import kraken_energy as kc
from kraken_energy import (
    ElectricityFilter,
    GasFilter,
    ReadingDirectionType,
    ReadingFrequencyType,
    Series,
    account_series,
)
from kraken_energy.testing import DEMO_ACCOUNT, DEMO_API_KEY, DEMO_MPAN, FakeKraken, ManualClock

LONDON = ZoneInfo("Europe/London")
F = ReadingFrequencyType
D = ReadingDirectionType
HOMES = "A-H0MES001"
HOME = "600001"
"""A property with an import MPAN, an export MPAN (solar) and a gas MPRN, each with a device."""
IMPORT_MPAN, EXPORT_MPAN, MPRN = "1960000100001", "2760000100002", "3460000103"
ESME, GSME = "60-00-01-FF-FE-00-00-01", "60-00-01-FF-FE-00-00-02"


@pytest.fixture(scope="module")
def fake() -> FakeKraken:
    return FakeKraken()


async def collect(fake: FakeKraken, account: str = HOMES, **options) -> list[kc.Measurement]:
    async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
        return [m async for m in kraken.measurements(account, **options)]


def test_account_series_lists_import_export_and_gas_with_their_filters() -> None:
    """Discovery finds one series per meter point and device, export points GENERATION."""
    async def discover() -> list[kc.PropertySeries]:
        async with FakeKraken().client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
            account = (await kraken.get_account(account_number=HOMES)).account
        return account_series(account)

    entries = asyncio.run(discover())
    home = [e for e in entries if e.property_id == HOME]
    assert [e.series for e in home] == [
        Series("electricity", IMPORT_MPAN, ESME, None, D.CONSUMPTION, F.RAW_INTERVAL),
        Series("electricity", EXPORT_MPAN, ESME, None, D.GENERATION, F.RAW_INTERVAL),
        Series("gas", MPRN, GSME, None, None, F.RAW_INTERVAL),
    ]
    assert home[1].filter == UtilityFiltersInput(electricityFilters=ElectricityFiltersInput(
        marketSupplyPointId=EXPORT_MPAN, deviceId=ESME, readingDirection=D.GENERATION,
        readingFrequencyType=F.RAW_INTERVAL))
    assert home[2].filter == UtilityFiltersInput(gasFilters=GasFiltersInput(
        marketSupplyPointId=MPRN, deviceId=GSME, readingFrequencyType=F.RAW_INTERVAL))
    assert [e.property_id for e in entries] == [HOME] * 3 + ["600002"] * 3


async def test_every_series_comes_property_by_property_each_in_time_order(
        fake: FakeKraken) -> None:
    """Without a filter: every series of every property, grouped, ordered, each reading once."""
    rows = await collect(fake, start=datetime(2024, 11, 19, tzinfo=LONDON),
                         end=datetime(2024, 11, 22, tzinfo=LONDON))
    groups: list[tuple[str, Series]] = []
    for row in rows:
        if not groups or groups[-1] != (row.property_id, row.series):
            groups.append((row.property_id, row.series))
    assert len(groups) == len(set(groups)) == 6  # no series comes back after another began
    assert [p for p, _ in groups] == [HOME] * 3 + ["600002"] * 3
    for group in groups:
        starts = [r.start_at for r in rows if (r.property_id, r.series) == group]
        assert starts == sorted(starts) and len(starts) == len(set(starts))
    assert len({(r.property_id, r.series, r.start_at) for r in rows}) == len(rows)
    per_group = {g: sum(1 for r in rows if (r.property_id, r.series) == g) for g in groups}
    # The second home's gas meter was fitted on 2024-11-20 at 09:30: its data starts there.
    late_gas = next(g for g in groups if g[0] == "600002" and g[1].utility == "gas")
    assert per_group[late_gas] == 2 * 48 - 19
    assert sorted(set(per_group.values())) == [2 * 48 - 19, 3 * 48]


async def test_electricity_and_gas_together_are_each_alone(fake: FakeKraken) -> None:
    """Both filters at once return what each returns alone, in discovery order."""
    span = {"start_on": date(2024, 10, 1), "end_on": date(2024, 10, 3)}
    electricity = ElectricityFilter(frequency=F.DAY_INTERVAL)
    gas = GasFilter(frequency=F.HOUR_INTERVAL)
    both = await collect(fake, electricity=electricity, gas=gas, **span)
    alone = [*await collect(fake, electricity=electricity, **span),
             *await collect(fake, gas=gas, **span)]
    assert sorted(both) == sorted(alone)
    assert {r.series.frequency for r in both if r.series.utility == "gas"} == {F.HOUR_INTERVAL}


@pytest.mark.parametrize(("options", "named"), [
    ({"electricity": ElectricityFilter(supply_point="1234567890123")}, "1234567890123"),
    ({"gas": GasFilter(device_id="00-00-00-00-00-00-00-00")}, "00-00-00-00-00-00-00-00"),
    ({"electricity": ElectricityFilter(supply_point=EXPORT_MPAN, direction=D.CONSUMPTION)},
     "CONSUMPTION"),
    ({"property_id": "999999"}, "999999"),
])
async def test_a_filter_matching_nothing_fails_before_any_measurement_request(
        fake: FakeKraken, options: dict, named: str) -> None:
    """The error names the value and lists the account's supply points; no page is asked for."""
    fake.clear_requests()
    with pytest.raises(kc.InvalidArgumentError, match=named) as raised:
        await collect(fake, start_on=date(2024, 10, 1), end_on=date(2024, 10, 1), **options)
    assert {r.operation_name for r in fake.requests} <= {"obtainKrakenToken", "getAccount"}
    if "property_id" not in options:
        assert f"{EXPORT_MPAN} (electricity, GENERATION)" in str(raised.value)
        assert f"{MPRN} (gas)" in str(raised.value)


async def test_the_last_seven_days_have_data_up_to_the_present() -> None:
    """Data runs up to the fake's present moment, whatever the year."""
    now = datetime(2031, 5, 6, 14, 10, tzinfo=UTC)
    fake = FakeKraken(clock=ManualClock(now.timestamp()))
    rows = await collect(fake, DEMO_ACCOUNT, start=now - timedelta(days=7), end=now,
                         electricity=ElectricityFilter(supply_point=DEMO_MPAN))
    assert len(rows) == 7 * 48 - 1  # whole half-hours in the range, the last ending 14:00
    assert rows[-1].end_at == datetime(2031, 5, 6, 14, 0, tzinfo=UTC)
    assert {r.series.supply_point for r in rows} == {DEMO_MPAN}


# --- The fake's filters, on the wire: together is the union of each alone -----------------------

ELECTRICITY_FIELDS = {
    "marketSupplyPointId": [IMPORT_MPAN, EXPORT_MPAN, "1900000000000"],
    "deviceId": [ESME, "00-00-00-00-00-00-00-00"],
    "readingDirection": [D.CONSUMPTION, D.GENERATION],
    "readingFrequencyType": [F.RAW_INTERVAL, F.HOUR_INTERVAL, F.DAY_INTERVAL],
    "registerId": ["1"],
}
GAS_FIELDS = {
    "marketSupplyPointId": [MPRN, "3400000000"],
    "deviceId": [GSME, ESME],
    "readingFrequencyType": [F.RAW_INTERVAL, F.DAY_INTERVAL],
}


def _filters(fields: dict) -> st.SearchStrategy[dict]:
    """Any subset of the fields, each with any of its values (Kraken's defaults otherwise)."""
    return st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in fields.items()})


FILTER = st.one_of(
    _filters(ELECTRICITY_FIELDS).map(
        lambda f: UtilityFiltersInput(electricityFilters=ElectricityFiltersInput(**f))),
    _filters(GAS_FIELDS).map(lambda f: UtilityFiltersInput(gasFilters=GasFiltersInput(**f))),
)


def _selects(item: UtilityFiltersInput, node) -> bool:
    """The oracle: whether a reading's series (its utilityFilters) fits the filter's fields."""
    asked = item.electricity_filters or item.gas_filters
    kind = node.meta_data.kind
    expected_type = "ElectricityFiltersOutput" if item.electricity_filters else "GasFiltersOutput"
    checks = [(asked.market_supply_point_id, kind.supply_point),
              (asked.device_id, kind.device_id), (asked.register_id, kind.register_id)]
    frequency = asked.reading_frequency_type or F.RAW_INTERVAL
    if item.electricity_filters:
        checks.append((item.electricity_filters.reading_direction or D.CONSUMPTION,
                       kind.direction))
    return (kind.typename__ == expected_type and kind.frequency == frequency
            and all(want is None or want == got for want, got in checks))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters=st.lists(FILTER, min_size=1, max_size=4))
def test_filters_together_return_the_union_of_each_alone(
        fake: FakeKraken, filters: list[UtilityFiltersInput]) -> None:
    """On the multi-meter property, a list of filters returns exactly the readings each returns
    alone, and every reading's series fits the filter that selected it."""
    async def fetch(items: list[UtilityFiltersInput]) -> list:
        async with fake.client(auth=kc.APIKey(DEMO_API_KEY)) as kraken:
            result = await kraken.get_property_measurements(
                property_id=HOME, first=1000, utility_filters=items,
                start_at=datetime(2024, 10, 5, 22, tzinfo=UTC),
                end_at=datetime(2024, 10, 6, 2, tzinfo=UTC))
        return [edge.node for edge in result.property_.measurements.edges]

    def identity(node) -> tuple:
        return (*node.meta_data.kind.model_dump().values(), node.start_at, node.value)

    together = asyncio.run(fetch(filters))
    alone = [asyncio.run(fetch([item])) for item in filters]
    assert {identity(n) for n in together} == {identity(n) for nodes in alone for n in nodes}
    assert len({identity(n) for n in together}) == len(together)
    for item, nodes in zip(filters, alone, strict=True):
        assert all(_selects(item, node) for node in nodes)
