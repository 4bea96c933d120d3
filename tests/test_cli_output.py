"""The JSON lines and CSV writers of `kraken measurements` against the plain encoders."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_energy import Measurement, ReadingDirectionType, ReadingFrequencyType, Series
from kraken_energy.cli._output import COLUMNS, CsvWriter, JsonLinesWriter, record

# Ids, units and sources Kraken could send: commas, quotes, backslashes, line breaks, control
# characters and non-ASCII letters, which JSON escapes and CSV quotes.
odd_text = st.text(alphabet=st.sampled_from('a1 ,;"\'\\\n\r\t\x00\x1féü€😀'), max_size=6)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
instants = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    offsets,
)
values = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=6),
    st.sampled_from([Decimal("NaN"), Decimal("-Infinity"), Decimal("1E+3"), Decimal("-0.000")]),
)
series = st.builds(
    Series,
    st.sampled_from(["electricity", "gas"]),
    st.none() | odd_text,
    st.none() | odd_text,
    st.none() | odd_text,
    st.none() | st.sampled_from(list(ReadingDirectionType)),
    st.none() | st.sampled_from(list(ReadingFrequencyType)),
)


units = st.sampled_from(["kwh", "m3"]) | odd_text
sources = st.sampled_from(["SMART_METER"]) | odd_text


@st.composite
def measurements(draw: st.DrawFn) -> list[Measurement]:
    """Readings of a few series, some sharing their series object, some only its value."""
    # Strategies built once, outside the loop: hypothesis validates each new strategy, which
    # cost more than the drawing. Choices among drawn values are drawn as indexes.
    shared = draw(st.lists(series, min_size=1, max_size=3))
    properties = draw(st.lists(odd_text, min_size=1, max_size=2))
    pick_series = st.integers(min_value=0, max_value=len(shared) - 1)
    pick_property = st.integers(min_value=0, max_value=len(properties) - 1)
    readings = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        chosen = shared[draw(pick_series)]
        interval = draw(st.booleans())
        readings.append(
            Measurement(
                property_id=properties[draw(pick_property)],
                series=Series(*chosen) if draw(st.booleans()) else chosen,
                typename="IntervalMeasurementType" if interval else "MeasurementType",
                value=draw(values),
                unit=draw(units),
                read_at=draw(instants),
                source=draw(sources),
                statistics=(),
                kind=None,
                start_at=draw(instants) if interval else None,
                end_at=draw(instants) if interval else None,
                duration_in_seconds=1800 if interval else None,
            )
        )
    return readings


@settings(max_examples=300, deadline=None)
@given(readings=measurements())
def test_json_lines_are_what_json_dumps_writes(readings: list[Measurement]) -> None:
    """Each line is byte for byte `json.dumps` of the reading's record, odd text included."""
    stream = io.StringIO()
    writer = JsonLinesWriter(stream)

    for reading in readings:
        writer.write(reading)

    expected = "".join(json.dumps(record(reading)) + "\n" for reading in readings)
    assert stream.getvalue() == expected


@settings(max_examples=300, deadline=None)
@given(readings=measurements())
def test_csv_rows_are_what_the_csv_module_writes(readings: list[Measurement]) -> None:
    """The CSV is byte for byte `csv.DictWriter`'s, quoting included."""
    stream = io.StringIO()
    writer = CsvWriter(stream)

    for reading in readings:
        writer.write(reading)

    expected = io.StringIO()
    oracle = csv.DictWriter(expected, fieldnames=COLUMNS, lineterminator="\n")
    oracle.writeheader()
    oracle.writerows(record(reading) for reading in readings)
    assert stream.getvalue() == expected.getvalue()
