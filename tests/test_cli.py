"""The `kraken` command's contract, driven in-process as its users drive it.

One fake Kraken serves the whole module; each run gets its URL and a credential through the
environment and runs `main(argv)`, the console script's entry point, inside click's
`CliRunner` isolation (its own stdin, stdout, stderr and environment). A few tests run the
installed command as a process, for what only a process shows: exit statuses from the
interpreter, Ctrl-C delivered as a signal, the sandbox serving until stopped.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner
from rich.console import Console

import kraken_energy
from kraken_energy import Measurement
from kraken_energy.cli import _output, _sandbox, main
from kraken_energy.cli._app import kraken as kraken_group
from kraken_energy.cli._progress import FetchProgress
from kraken_energy.testing import (
    DEMO_ACCOUNT,
    DEMO_API_KEY,
    DEMO_DEVICE,
    DEMO_MPAN,
    DEMO_ORGANIZATION_KEY,
    DropConnection,
    FakeKraken,
    HttpError,
    Latency,
    TooManyRequests,
    default_scenario,
)
from kraken_energy.testing._data import DEMO_USER_ID, SMALL_ACCOUNT, Account

MULTI_ACCOUNT = "A-00MULT1"
"""An account added for these tests, holding the demo property and a small one."""

WEEK = [  # the documented example: daily GENERATION, 2024-10-01 to 2024-10-06, Europe/London
    ("2024-10-01", "6.525000"),
    ("2024-10-02", "8.401000"),
    ("2024-10-03", "11.537000"),
    ("2024-10-04", "11.818000"),
    ("2024-10-05", "10.949000"),
    ("2024-10-06", "5.371000"),
]
FILTERS = [
    "--utility", "electricity", "--frequency", "DAY_INTERVAL", "--direction", "GENERATION",
    "--supply-point", DEMO_MPAN, "--device-id", DEMO_DEVICE,
]  # fmt: skip
CONTRACT = [
    "measurements", "--account", DEMO_ACCOUNT,
    "--start", "2024-10-01T00:00:00", "--end", "2024-10-07T00:00:00",
    "--timezone", "Europe/London", *FILTERS,
]  # fmt: skip
ROOT = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(
    r"^Done: (?P<rows>[\d,]+) rows?, (?P<series>\d+) series, (?P<requests>\d+) requests?, "
    r"(?P<limits>\d+) rate limits? met, (?P<seconds>\d+\.\d) s, written to (?P<where>.+)$"
)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeKraken]:
    """The default scenario plus an account with two properties that both have readings."""
    scenario = default_scenario()
    demo, small = scenario.account(DEMO_ACCOUNT), scenario.account(SMALL_ACCOUNT)
    assert demo is not None and small is not None
    multi = Account(MULTI_ACCOUNT, DEMO_USER_ID, (demo.properties[0], small.properties[0]))
    scenario = dataclasses.replace(scenario, accounts=(*scenario.accounts, multi))
    with FakeKraken(scenario=scenario) as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh(fake: FakeKraken) -> Iterator[None]:
    """Every test starts with no faults and an empty request log."""
    fake.faults.clear()
    fake.clear_requests()
    yield
    fake.faults.clear()


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one run of the command left: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def environment(fake: FakeKraken, credential: dict[str, str] | None) -> dict[str, str | None]:
    """The run's KRAKEN_* variables: the fake's URL and the credential given, nothing else."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("KRAKEN_")}
    env.update({"KRAKEN_URL": fake.url, "COLUMNS": "200"})
    env.update({"KRAKEN_API_KEY": DEMO_API_KEY} if credential is None else credential)
    return env


def kraken(fake: FakeKraken, *args: str, credential: dict[str, str] | None = None) -> Outcome:
    """Run `kraken ARGS` in-process against the fake, with only the given KRAKEN_* set."""
    with CliRunner().isolation(env=environment(fake, credential)) as (out, err, _):
        status = main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
    return Outcome(status, out.getvalue().decode(), err.getvalue().decode())


def kraken_process(
    fake: FakeKraken, *args: str, credential: dict[str, str] | None = None
) -> Outcome:
    """Run `python -m kraken_energy ARGS` as a process against the fake."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRAKEN_")}
    env.update({k: v for k, v in environment(fake, credential).items() if v is not None})
    result = subprocess.run(
        [sys.executable, "-m", "kraken_energy", *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return Outcome(result.returncode, result.stdout, result.stderr)


def lines(result: Outcome) -> list[dict[str, str | None]]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def assert_one_error_line(result: Outcome, status: int, text: str) -> None:
    assert result.returncode == status, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert text in result.stderr
    assert "Traceback" not in result.stderr


def test_contract_command_writes_the_documented_week_as_json_lines(fake: FakeKraken) -> None:
    """The issue's command prints six readings with exact values and offsets, and exits 0."""
    result = kraken(fake, *CONTRACT, "--format", "jsonl")

    rows = lines(result)
    assert result.stderr == ""
    assert [(r["start_at"], r["value"]) for r in rows] == [
        (f"{day}T00:00:00+01:00", value) for day, value in WEEK
    ]
    assert rows[0] == {
        "property_id": "308641",
        "utility": "electricity",
        "supply_point": DEMO_MPAN,
        "device_id": DEMO_DEVICE,
        "register_id": None,
        "direction": "GENERATION",
        "frequency": "DAY_INTERVAL",
        "start_at": "2024-10-01T00:00:00+01:00",
        "end_at": "2024-10-02T00:00:00+01:00",
        "read_at": "2024-10-02T00:00:00+01:00",
        "value": "6.525000",
        "unit": "kwh",
        "source": "SMART_METER",
    }


def test_csv_to_output_file_has_the_json_columns(fake: FakeKraken, tmp_path: Path) -> None:
    """--format csv --output PATH writes the same columns to PATH, nothing to stdout."""
    target = tmp_path / "week.csv"

    result = kraken(fake, *CONTRACT, "--format", "csv", "--output", str(target))

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    with target.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == [
        "property_id", "utility", "supply_point", "device_id", "register_id", "direction",
        "frequency", "start_at", "end_at", "read_at", "value", "unit", "source",
    ]  # fmt: skip
    assert rows[0]["register_id"] == "" and rows[0]["supply_point"] == DEMO_MPAN
    assert [(r["property_id"], r["start_at"][:10], r["value"]) for r in rows] == [
        ("308641", day, value) for day, value in WEEK
    ]
    assert list(tmp_path.iterdir()) == [target]  # no `.partial` left behind


def test_table_shows_every_reading_under_its_series(fake: FakeKraken) -> None:
    """--format TABLE (any case) prints a heading per series, one row per reading, a count."""
    result = kraken(fake, *CONTRACT, "--format", "TABLE")

    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0] == (
        f"{DEMO_ACCOUNT}  property 308641  electricity  {DEMO_MPAN}  device {DEMO_DEVICE}  "
        "GENERATION  DAY_INTERVAL"
    )
    assert out[1].split() == ["start", "end", "value", "unit"]
    assert [line.split() for line in out[2:8]] == [
        [f"{day}T00:00:00+01:00", f"{day[:8]}{int(day[8:]) + 1:02d}T00:00:00+01:00", value, "kwh"]
        for day, value in WEEK
    ]
    assert out[-1] == "6 readings in 1 series"


def test_table_groups_each_series_and_counts_with_separators(fake: FakeKraken) -> None:
    """Each series of each property is a headed group, in fetch order; the count has commas."""
    day = ["--account", MULTI_ACCOUNT, "--start-on", "2024-10-01", "--end-on", "2024-10-06"]

    result = kraken(fake, "measurements", *day, "--format", "table")
    count = len(lines(kraken(fake, "measurements", *day)))

    headings = [line for line in result.stdout.splitlines() if line.startswith(MULTI_ACCOUNT)]
    assert [heading.split("  ")[1:4] for heading in headings] == [
        ["property 308641", "electricity", "1987086500001"],
        ["property 308641", "electricity", DEMO_MPAN],
        ["property 308641", "gas", "3487086503"],
        ["property 400001", "electricity", "1900000000011"],
    ]
    assert count > 1000
    assert result.stdout.splitlines()[-1] == f"{count:,} readings in 4 series"


def test_dates_and_naive_times_are_read_in_the_timezone(fake: FakeKraken) -> None:
    """--start-on/--end-on give the same week; a naive --start is read in --timezone (UTC here)."""
    by_dates = kraken(
        fake, "measurements", "--account", DEMO_ACCOUNT, *FILTERS,
        "--start-on", "2024-10-01", "--end-on", "2024-10-06",
    )  # fmt: skip
    in_utc = kraken(
        fake, "measurements", "--account", DEMO_ACCOUNT, *FILTERS, "--timezone", "UTC",
        "--start", "2024-10-01T00:00:00", "--end", "2024-10-03T00:00:00",
    )  # fmt: skip

    assert [(r["start_at"], r["value"]) for r in lines(by_dates)] == [
        (f"{day}T00:00:00+01:00", value) for day, value in WEEK
    ]
    assert [r["start_at"] for r in lines(in_utc)] == [
        "2024-10-01T00:00:00+00:00",
        "2024-10-02T00:00:00+00:00",
    ]
    sent = [r.variables for r in fake.requests if r.operation_name == "getPropertyMeasurements"]
    assert datetime.fromisoformat(sent[-1]["startAt"]) == datetime(2024, 10, 1, tzinfo=UTC)
    assert sent[-1]["timezone"] == "UTC"


def test_every_property_unless_one_is_chosen(fake: FakeKraken) -> None:
    """Without --property-id every property's readings come; small pages change nothing."""
    day = ["--account", MULTI_ACCOUNT, "--start-on", "2024-10-02", "--end-on", "2024-10-02"]

    every = lines(kraken(fake, "measurements", *day))
    fake.clear_requests()
    paged = lines(kraken(fake, "measurements", *day, "--page-size", "7", "--concurrency", "3"))
    paged_requests = [r for r in fake.requests if r.operation_name == "getPropertyMeasurements"]
    one = lines(kraken(fake, "measurements", *day, "--property-id", "400001"))

    # Half-hours of the import, export and gas series of one property, then the other's one.
    assert [r["property_id"] for r in every] == ["308641"] * 3 * 48 + ["400001"] * 48
    assert paged == every
    assert len(paged_requests) >= 24  # 28 pages of 7 in all: the small pages were really used
    assert one == every[3 * 48 :]


@pytest.mark.parametrize(
    ("fault", "name"),
    [
        (TooManyRequests(operation="getPropertyMeasurements", times=2), "TooManyRequests"),
        (DropConnection(operation="getPropertyMeasurements", times=1), "DropConnection"),
        (HttpError(operation="getPropertyMeasurements", times=1), "HttpError"),
    ],
)
def test_transient_failures_are_recovered(fake: FakeKraken, fault: object, name: str) -> None:
    """Rate limiting, a dropped connection and a 502 are retried; the output is unchanged."""
    fake.faults.add(fault)  # type: ignore[arg-type]

    result = kraken(fake, *CONTRACT)

    assert [r["value"] for r in lines(result)] == [value for _, value in WEEK]
    assert any(name in r.faults for r in fake.requests)


@pytest.mark.parametrize(
    ("credential", "args", "text"),
    [
        ({"KRAKEN_API_KEY": "sk_not_a_real_key"}, CONTRACT, "KT-CT-1139"),
        (None, ["measurements", "--account", "A-NOPE0000", "--start-on", "2024-10-01",
                "--end-on", "2024-10-01"], "KT-CT-4178"),
        (None, ["accounts", "--account", "A-NOPE0000"], "KT-CT-4178"),
        ({}, CONTRACT, "KRAKEN_API_KEY"),
        ({"KRAKEN_API_KEY": DEMO_API_KEY, "KRAKEN_URL": "http://example.com/v1/graphql/"},
         CONTRACT, "plain http:// is refused"),
    ],
    ids=["bad-key", "unknown-account", "unknown-account-discovery", "no-credential", "plain-http"],
)  # fmt: skip
def test_failures_exit_1_with_one_error_line(
    fake: FakeKraken, credential: dict[str, str] | None, args: list[str], text: str
) -> None:
    """A failure exits 1 with one `error:` line naming the Kraken code, and no traceback."""
    result = kraken(fake, *args, credential=credential)

    assert_one_error_line(result, 1, text)
    assert result.stdout == ""


def test_nothing_secret_is_printed_even_verbose(fake: FakeKraken) -> None:
    """With -v and progress forced on, neither the API key nor any token reaches the output."""
    ok = kraken(fake, "-v", *CONTRACT, "--progress", "--format", "table")
    ok_process = kraken_process(fake, "-v", *CONTRACT, "--progress")
    bad = kraken(fake, *CONTRACT, "-v", credential={"KRAKEN_API_KEY": "sk_wrong_but_secret"})

    tokens = {r.token for r in fake.requests if r.token}
    assert tokens  # the fetch did use tokens, so their absence below means something
    assert ok.returncode == 0 and "Done: 6 rows" in ok.stderr and "attempt 1: ok" in ok.stderr
    assert ok_process.returncode == 0 and "attempt 1: ok" in ok_process.stderr
    assert bad.returncode == 1 and "Traceback" in bad.stderr and "KT-CT-1139" in bad.stderr
    assert bad.stderr.splitlines()[-1].startswith("error: KT-CT-1139")
    for output in (ok.stdout, ok.stderr, ok_process.stderr, bad.stdout, bad.stderr):
        for secret in (DEMO_API_KEY, "sk_wrong_but_secret", *tokens):
            assert secret not in output


def test_usage_error_exits_2_as_a_process(fake: FakeKraken) -> None:
    """A usage error exits 2 from the real process, with one `error:` line and no request."""
    result = kraken_process(
        fake, "measurements", "--account", DEMO_ACCOUNT, "--start", "2024-10-01"
    )

    assert_one_error_line(result, 2, "--start needs --end")
    assert fake.requests == []


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["measurements", "--start-on", "2024-10-01", "--end-on", "2024-10-02"], "--account"),
        (["measurements", "--account", "A-1", "--start-on", "20241001x", "--end-on",
          "2024-10-02"], "not a date such as 2024-10-01"),
        (["measurements", "--account", "A-1", "--start", "yesterday", "--end", "2024-10-02"],
         "ISO 8601"),
        (["measurements", "--account", "A-1", "--start", "2024-10-02", "--end", "2024-10-01"],
         "--end 2024-10-01T00:00:00+01:00 is before --start 2024-10-02T00:00:00+01:00"),
        (["measurements", "--account", "A-1", "--start-on", "2024-10-01", "--end-on",
          "2024-10-02", "--timezone", "Mars/Olympus"], "unknown timezone"),
        (["measurements", "--account", "A-1", "--start-on", "2024-10-01", "--end-on",
          "2024-10-02", "--frequency", "FORTNIGHTLY"], "--frequency"),
        (["measurements", "--account", "A-1", "--start-on", "2024-10-01", "--end-on",
          "2024-10-02", "--utility", "gas", "--direction", "GENERATION"], "electricity only"),
        (["measurements", "--account", "A-1", "--start-on", "2024-10-01", "--end-on",
          "2024-10-02", "--page-size", "0"], "--page-size"),
        (["measurements", "--account", "A-1", "--start-on", "2024-10-01", "--end-on",
          "2024-10-02", "--format", "xml"], "--format"),
        (["measurements", "--account", "A-1", "--start", "2024-03-31T01:30:00", "--end",
          "2024-04-01T00:00:00"], "does not exist in Europe/London: the clocks go forward from "
                                  "01:00 to 02:00 on 2024-03-31"),
        (["measurements", "--account", "A-1", "--start", "2024-03-10T02:30:00", "--end",
          "2024-03-11T00:00:00", "--timezone", "America/New_York"],
         "from 02:00 to 03:00 on 2024-03-10"),
        (["measurements", "--account", "A-1", "--start-on", "2024-10-01", "--end-on",
          "2024-10-02", "--concurrency", "0"], "--concurrency"),
        (["sandbox", "--port", "70000"], "--port"),
        (["measurements", "--bogus"], "--bogus"),
        (["frobnicate"], "frobnicate"),
        ([], "missing command"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(
    args: list[str], text: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each kind of usage error exits 2 and ends with one `error:` line naming the problem."""
    monkeypatch.setenv("KRAKEN_URL", "http://127.0.0.1:9/v1/graphql/")  # never contacted
    monkeypatch.setenv("KRAKEN_API_KEY", "sk_unused")

    status = main(args)

    err = capsys.readouterr().err
    assert status == 2
    assert err.splitlines()[-1].startswith("error: ") and text in err.splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ([], "no range: give --start and --end (instants), or --start-on and --end-on"),
        (["--start", "2024-10-01T00:00:00"], "--start needs --end, the instant after the range"),
        (["--end", "2024-10-01T00:00:00"], "--end needs --start, the first instant"),
        (["--start-on", "2024-10-01"], "--start-on needs --end-on, the last day"),
        (["--end-on", "2024-10-01"], "--end-on needs --start-on, the first day"),
        (["--start", "2024-10-01T00:00:00", "--start-on", "2024-10-01"],
         "--start (instants) cannot be combined with --start-on (dates)"),
        (["--start", "2024-10-01T00:00:00", "--end", "2024-10-02T00:00:00", "--end-on",
          "2024-10-02"], "--start and --end (instants) cannot be combined with --end-on (dates)"),
        (["--start-on", "2024-10-02", "--end-on", "2024-10-01"],
         "--end-on 2024-10-01 is before --start-on 2024-10-02 (both days are inclusive)"),
        (["--start", "2024-10-01T00:00:00Z", "--end", "2024-10-01T01:00:00+01:00"],
         "is the same instant as --start"),
        (["--start", "2024-10-27T01:30:00", "--end", "2024-03-31T02:00:00"], "is before --start"),
    ],
)  # fmt: skip
def test_each_range_mistake_is_named(fake: FakeKraken, args: list[str], text: str) -> None:
    """Each misuse of the four range options exits 2 with a message naming that mistake."""
    result = kraken(fake, "measurements", "--account", DEMO_ACCOUNT, *args)

    assert_one_error_line(result, 2, text)
    assert fake.requests == []


def test_repeated_local_time_is_its_first_occurrence(fake: FakeKraken) -> None:
    """01:30 on the day British clocks go back is read as BST (+01:00), the first 01:30."""
    result = kraken(
        fake, "measurements", "--account", DEMO_ACCOUNT, "--direction", "consumption",
        "--start", "2024-10-27T01:30:00", "--end", "2024-10-27T03:00:00",
    )  # fmt: skip

    assert [r["start_at"] for r in lines(result)] == [
        "2024-10-27T01:30:00+01:00",  # the first 01:30
        "2024-10-27T01:00:00+00:00",
        "2024-10-27T01:30:00+00:00",  # the second
        "2024-10-27T02:00:00+00:00",
        "2024-10-27T02:30:00+00:00",
    ]


def test_summary_line_says_what_went_where(fake: FakeKraken, tmp_path: Path) -> None:
    """With progress on, one closing stderr line counts rows, series, requests, rate limits."""
    target = tmp_path / "week.jsonl"
    fake.faults.add(TooManyRequests(operation="getPropertyMeasurements", times=2))

    result = kraken(fake, *CONTRACT, "--progress", "--output", str(target))

    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.splitlines()
    summary = SUMMARY.match(line)
    assert summary is not None, line
    assert summary["rows"] == "6" and summary["series"] == "1"
    # The token, the account's series, then 2 refused and 1 answered page.
    assert summary["requests"] == str(len(fake.requests)) == "5"
    assert summary["limits"] == "2"
    assert summary["where"] == str(target)


def test_nothing_on_stderr_of_a_pipe_unless_asked(fake: FakeKraken) -> None:
    """Not on a terminal, the command prints neither progress nor summary by default."""
    result = kraken(fake, *CONTRACT, "--format", "csv")

    assert result.returncode == 0
    assert result.stderr == ""
    assert SUMMARY.match(kraken(fake, *CONTRACT, "--progress").stderr.strip())


def test_ctrl_c_exits_130_and_leaves_no_file(
    fake: FakeKraken, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT while readings are written exits 130 with one line; no file, no `.partial`."""
    target = tmp_path / "week.jsonl"
    write = _output.JsonLinesWriter.write

    def interrupted(self: _output.JsonLinesWriter, measurement: Measurement) -> None:
        write(self, measurement)
        signal.raise_signal(signal.SIGINT)  # as a Ctrl-C arriving mid-fetch

    monkeypatch.setattr(_output.JsonLinesWriter, "write", interrupted)

    result = kraken(fake, *CONTRACT, "--output", str(target))

    assert result.returncode == 130
    assert result.stderr.strip() == "error: interrupted"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_to_the_process_exits_130(fake: FakeKraken, tmp_path: Path) -> None:
    """The real process, sent SIGINT mid-fetch, exits 130 and leaves no output file."""
    target = tmp_path / "slow.jsonl"
    fake.faults.add(Latency(seconds=2, operation="getPropertyMeasurements"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRAKEN_")}
    env.update({k: v for k, v in environment(fake, None).items() if v is not None})
    with subprocess.Popen(
        [sys.executable, "-m", "kraken_energy", *CONTRACT, "--output", str(target)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        deadline = time.monotonic() + 30
        while not any(r.operation_name == "obtainKrakenToken" for r in fake.requests):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)  # waiting for the process to log in; its fetch then waits 2 s
        assert target.with_name(target.name + ".partial").exists()
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=20)

    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "error: interrupted"
    assert list(tmp_path.iterdir()) == []


def test_a_reader_that_leaves_ends_the_command_quietly(
    fake: FakeKraken, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When stdout's reader goes away (`| head`), exit 141 without an error line."""

    def broken(self: _output.JsonLinesWriter, measurement: Measurement) -> None:
        raise BrokenPipeError

    monkeypatch.setattr(_output.JsonLinesWriter, "write", broken)

    result = kraken(fake, *CONTRACT)

    assert (result.returncode, result.stderr) == (141, "")


def _reading(start: str, value: str, property_id: str = "308641") -> Measurement:
    begin = datetime.fromisoformat(start)
    return Measurement(
        property_id=property_id, series=kraken_energy.Series("electricity", DEMO_MPAN), kind=None,
        typename="IntervalMeasurementType", value=Decimal(value),
        unit="kwh", read_at=begin, source="SMART_METER", statistics=(), start_at=begin,
        end_at=begin.replace(hour=begin.hour + 1), duration_in_seconds=3600,
    )  # fmt: skip


def test_table_rows_appear_before_the_fetch_ends() -> None:
    """A table row is written when its reading arrives, not when the last one has."""
    stream = io.StringIO()
    table = _output.TableWriter(stream, DEMO_ACCOUNT)

    table.write(_reading("2024-10-01T00:00:00+01:00", "0.25"))
    shown = stream.getvalue()
    table.write(_reading("2024-10-01T00:00:00+01:00", "1.5", property_id="400001"))
    table.finish()

    assert shown.splitlines()[-1].split() == [
        "2024-10-01T00:00:00+01:00", "2024-10-01T01:00:00+01:00", "0.25", "kwh",
    ]  # fmt: skip
    assert f"{DEMO_ACCOUNT}  property 400001  electricity  {DEMO_MPAN}" in stream.getvalue()
    assert stream.getvalue().endswith("\n2 readings in 2 series\n")


def test_progress_shows_rows_and_pages_out_of_the_total() -> None:
    """Once the totals are known, each line shows done/total rows and pages and a percentage."""
    console = Console(file=io.StringIO(), force_terminal=True, width=150, color_system=None)
    tracker = FetchProgress(DEMO_ACCOUNT, True, console=console)
    assert tracker._progress is not None

    answer = httpx.Response(
        200, json={"data": {"account": None}},
        request=httpx.Request("POST", "http://x/", json={"operationName": "getMeasurements"}),
    )  # fmt: skip
    asyncio.run(tracker._on_response(answer))  # as the HTTP client calls it
    tracker.total("308641", 96, 48)
    tracker.total("400001", 48, 48)
    for _ in range(48):
        tracker.row(_reading("2024-10-01T00:00:00+01:00", "1"))
    tracker._push()
    console.print(tracker._progress.get_renderable())

    drawn = console.file.getvalue()  # type: ignore[attr-defined]
    account, first, second = (line for line in drawn.splitlines() if line.strip())
    assert account.startswith(DEMO_ACCOUNT) and "48/144 rows" in account and "33%" in account
    assert "1/2 pages" in account  # one account answer, then the second page of 308641
    assert "property 308641" in first and "48/96 rows" in first and "1/2 pages" in first
    assert "property 400001" in second and "0/48 rows" in second and "1/1 pages" in second


def test_measurements_reports_each_property_total_first(fake: FakeKraken) -> None:
    """`on_total` hears every property's totalCount and page size before any reading."""
    heard: list[tuple[str, int, int]] = []
    seen_before: list[int] = []

    async def fetch() -> int:
        client = kraken_energy.KrakenClient(fake.url, auth=kraken_energy.APIKey(DEMO_API_KEY))
        async with client:
            readings = client.measurements(
                MULTI_ACCOUNT, start_on=datetime(2024, 10, 2).date(),
                end_on=datetime(2024, 10, 2).date(), page_size=10,
                on_total=lambda *total: (heard.append(total), seen_before.append(count)),
            )  # fmt: skip
            count = 0
            async for _ in readings:
                count += 1
            return count

    count = asyncio.run(fetch())

    # The demo property's total counts its three series (import, export, gas).
    assert heard == [("308641", 3 * 48, 10), ("400001", 48, 10)]
    assert seen_before == [0, 0] and count == 4 * 48


def test_accounts_show_the_filter_values(fake: FakeKraken) -> None:
    """`kraken accounts` lists accounts, properties, MPAN, MPRN, meter serial and device id."""
    result = kraken(fake, "accounts")

    assert result.returncode == 0, result.stderr
    for value in (DEMO_ACCOUNT, SMALL_ACCOUNT, "308641", DEMO_MPAN, "3487086503", "21E8708651",
                  DEMO_DEVICE, "E-1R-VAR-22-11-01-C"):  # fmt: skip
        assert value in result.stdout
    assert f"MPAN {DEMO_MPAN}  export (GENERATION)" in result.stdout
    assert "MPAN 1987086500001  export" not in result.stdout


def test_organization_key_needs_an_account(fake: FakeKraken) -> None:
    """With an organization key, --account shows that account as JSON; without it, exit 2."""
    org = {"KRAKEN_ORGANIZATION_SECRET_KEY": DEMO_ORGANIZATION_KEY}

    shown = kraken(fake, "accounts", "--account", DEMO_ACCOUNT, "--format", "json", credential=org)
    refused = kraken(fake, "accounts", credential=org)

    assert shown.returncode == 0, shown.stderr
    (account,) = json.loads(shown.stdout)["accounts"]
    point = account["properties"][0]["electricityMeterPoints"][1]  # the export MPAN
    assert (account["number"], point["mpan"]) == (DEMO_ACCOUNT, DEMO_MPAN)
    assert point["meters"][0]["smartDevices"][0]["deviceId"] == DEMO_DEVICE
    assert_one_error_line(refused, 2, "--account")


def test_sandbox_serves_until_interrupted() -> None:
    """`kraken sandbox` prints working exports, says to use another terminal, exits 0 on Ctrl-C."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRAKEN_")}
    with subprocess.Popen(
        [sys.executable, "-m", "kraken_energy", "sandbox", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        printed = [process.stdout.readline() for _ in range(5)]
        exports = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in printed
            if line.strip().startswith("export ")
        )
        answer = httpx.post(exports["KRAKEN_URL"], json={"query": "{ __typename }"}, timeout=10)
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=20)

    assert answer.json() == {"data": {"__typename": "Query"}}
    assert exports["KRAKEN_API_KEY"] == DEMO_API_KEY
    assert "another terminal" in printed[1]
    assert process.returncode == 0, err
    assert "stopped" in rest


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port with a listener on it, for as long as the test runs."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_sandbox_default_port_falls_back_with_a_note(
    taken_port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """When the default port is taken, the sandbox says so and serves on a free port."""
    monkeypatch.setattr(_sandbox, "DEFAULT_PORT", taken_port)

    fake = _sandbox.open_fake(None)
    try:
        port = httpx.URL(fake.url).port
    finally:
        fake.stop()

    assert port not in (None, taken_port)
    assert f"note: port {taken_port} is taken" in capsys.readouterr().err


def test_sandbox_port_asked_for_and_taken_is_an_error(taken_port: int) -> None:
    """An explicit --port that is taken fails naming it, rather than moving elsewhere."""
    with pytest.raises(click.ClickException, match=f"port {taken_port} is taken"):
        _sandbox.open_fake(taken_port)


def test_sandbox_has_a_fixed_documented_default_port() -> None:
    """The default port is fixed and the README names it, so the exports stay the same."""
    readme = (ROOT / "README.md").read_text()

    assert _sandbox.DEFAULT_PORT == 8765
    assert f"127.0.0.1:{_sandbox.DEFAULT_PORT}" in readme


def test_missing_cli_extra_names_the_install_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without click or rich, the command says which extra to install and exits 1."""
    for name in [m for m in sys.modules if m.startswith("kraken_energy.cli.")]:
        monkeypatch.delitem(sys.modules, name)
    for name in [m for m in sys.modules if m == "rich" or m.startswith("rich.")]:
        monkeypatch.setitem(sys.modules, name, None)

    status = main(["--help"])

    assert status == 1
    assert "pip install 'kraken-energy[cli]'" in capsys.readouterr().err


def test_installed_command_help_and_version() -> None:
    """`python -m kraken_energy --help` lists the commands; `--version` prints the version."""
    run = {"capture_output": True, "text": True, "timeout": 60, "check": False, "cwd": ROOT}
    help_ = subprocess.run([sys.executable, "-m", "kraken_energy", "--help"], **run)  # type: ignore[call-overload]
    # In process: the real process's start-up is proven above and in test_cli_startup.py.
    version = CliRunner().invoke(kraken_group, ["--version"])

    assert help_.returncode == 0
    assert all(name in help_.stdout for name in ("measurements", "accounts", "sandbox"))
    assert (version.exit_code, version.output) == (0, f"kraken {kraken_energy.__version__}\n")


def _options() -> list[tuple[str, click.Option]]:
    context = click.Context(kraken_group)  # every command, the lazily loaded ones too
    commands: dict[str, click.Command] = {"kraken": kraken_group}
    for name in kraken_group.list_commands(context):
        command = kraken_group.get_command(context, name)
        assert command is not None, name
        commands[name] = command
    return [
        (f"{name} {param.opts[0]}", param)
        for name, command in commands.items()
        for param in command.params
        if isinstance(param, click.Option)
    ]


@pytest.mark.parametrize(("name", "option"), _options(), ids=[name for name, _ in _options()])
def test_every_option_has_help_with_an_example(name: str, option: click.Option) -> None:
    """Each option has help text; each that takes a value shows an example of one."""
    assert option.help or option.opts[0] in ("--version", "--help"), name
    if not option.is_flag and option.help:
        assert "e.g. " in option.help, name


@pytest.mark.parametrize("command", ["measurements", "accounts", "sandbox", None])
def test_every_help_page_ends_with_examples(command: str | None) -> None:
    """`kraken [COMMAND] --help` exits 0 and shows examples of whole commands."""
    with CliRunner().isolation() as (out, _err, _):
        status = main([command, "--help"] if command else ["--help"])
        sys.stdout.flush()

    assert status == 0
    assert re.search(r"Examples:\n +kraken ", out.getvalue().decode())


def test_redactor_masks_secrets_and_jwts() -> None:
    """Known secrets and JWT-shaped tokens are masked; short values and plain text are kept."""
    from kraken_energy.cli._redact import Redactor

    redact = Redactor(["sk_live_abcdef", "ab"])

    text = redact("key sk_live_abcdef token eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl ab")

    assert text == "key *** token *** ab"


def test_verbose_log_sums_up_the_fetch(fake: FakeKraken) -> None:
    """With -v, the fetch's requests, rate limits met and final concurrency are logged."""
    result = kraken(fake, "-v", *CONTRACT)
    assert result.returncode == 0, result.stderr
    assert f"measurements of {DEMO_ACCOUNT}: 1 request(s), 0 rate limit(s), " \
           "concurrency ended at 8 of 8" in result.stderr


@pytest.mark.parametrize(
    ("args", "value"),
    [
        (["--supply-point", "1234567890123"], "1234567890123"),
        (["--utility", "gas", "--device-id", "00-11"], "00-11"),
        (["--supply-point", DEMO_MPAN, "--direction", "consumption"], "CONSUMPTION"),
    ],
)
def test_a_filter_matching_nothing_exits_2_listing_the_supply_points(
    fake: FakeKraken, args: list[str], value: str
) -> None:
    """A filter value not on the account exits 2 before any measurement request, naming it."""
    fake.clear_requests()
    result = kraken(
        fake, "measurements", "--account", DEMO_ACCOUNT, "--start-on", "2024-10-01",
        "--end-on", "2024-10-01", *args,
    )  # fmt: skip

    assert_one_error_line(result, 2, value)
    assert f"{DEMO_MPAN} (electricity, GENERATION)" in result.stderr
    assert "3487086503 (gas)" in result.stderr
    # (A page of an earlier test, interrupted mid-latency, may still be logged: not this range.)
    pages = [r for r in fake.requests if r.operation_name == "getPropertyMeasurements"]
    assert not [r for r in pages if str(r.variables.get("endAt", "")).startswith("2024-10-02")]


def test_no_readings_is_a_note_on_stderr_naming_range_and_filters(fake: FakeKraken) -> None:
    """A successful fetch with nothing in range exits 0 with one note naming range and filters."""
    result = kraken(
        fake, "measurements", "--account", SMALL_ACCOUNT, "--start-on", "2023-01-01",
        "--end-on", "2023-01-02", "--frequency", "day_interval",
    )  # fmt: skip

    assert (result.returncode, result.stdout) == (0, "")
    (note,) = result.stderr.splitlines()
    assert note.startswith(f"No readings for {SMALL_ACCOUNT} from 2023-01-01 to 2023-01-02")
    assert note.endswith("filters: --frequency DAY_INTERVAL.")


def test_frequency_alone_reads_every_series_at_that_frequency(fake: FakeKraken) -> None:
    """--frequency without other filters keeps every series, import, export and gas."""
    result = kraken(
        fake, "measurements", "--account", DEMO_ACCOUNT, "--start-on", "2024-10-01",
        "--end-on", "2024-10-02", "--frequency", "day_interval", "--format", "csv",
    )  # fmt: skip

    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["utility"], r["supply_point"], r["direction"], r["frequency"]) for r in rows] == [
        ("electricity", "1987086500001", "CONSUMPTION", "DAY_INTERVAL"),
    ] * 2 + [("electricity", DEMO_MPAN, "GENERATION", "DAY_INTERVAL")] * 2 + [
        ("gas", "3487086503", "", "DAY_INTERVAL"),
    ] * 2
    assert {(r["start_at"], r["property_id"]) for r in rows[:2]} == {
        ("2024-10-01T00:00:00+01:00", "308641"), ("2024-10-02T00:00:00+01:00", "308641")}
