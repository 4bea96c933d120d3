"""The `kraken` command's contract, driven as other tools drive it: a subprocess per run.

One fake Kraken serves the whole module; each run gets its URL and a credential through the
environment, as `python -m kraken_energy ...`. Usage errors that never reach the network are
also checked in-process through `main(argv)`, the console script's entry point (fast and
table-driven); one of them runs as a subprocess too, for the process's exit status.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from kraken_energy.cli import main
from kraken_energy.testing import (
    DEMO_ACCOUNT,
    DEMO_API_KEY,
    DEMO_DEVICE,
    DEMO_MPAN,
    DEMO_ORGANIZATION_KEY,
    DropConnection,
    FakeKraken,
    HttpError,
    RateLimit,
    default_scenario,
)
from kraken_energy.testing._data import DEMO_USER_ID, SMALL_ACCOUNT, Account

MULTI_ACCOUNT = "A-00MULT1"
"""An account added for these tests, holding the demo property and a small one."""

WEEK = [  # the documented example: daily GENERATION, 2024-10-01 to 2024-10-06, Europe/London
    ("2024-10-01", "6.525000"),
    ("2024-10-02", "3.212000"),
    ("2024-10-03", "7.048000"),
    ("2024-10-04", "2.846000"),
    ("2024-10-05", "4.915000"),
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


def kraken(
    fake: FakeKraken, *args: str, credential: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m kraken_energy ARGS` against the fake, with only the given KRAKEN_* set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRAKEN_")}
    env.update({"KRAKEN_URL": fake.url, "COLUMNS": "200"})
    env.update({"KRAKEN_API_KEY": DEMO_API_KEY} if credential is None else credential)
    return subprocess.run(
        [sys.executable, "-m", "kraken_energy", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, str | None]]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def assert_one_error_line(result: subprocess.CompletedProcess[str], status: int, text: str) -> None:
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
        "property_id", "start_at", "end_at", "read_at", "value", "unit", "source",
    ]  # fmt: skip
    assert [(r["property_id"], r["start_at"][:10], r["value"]) for r in rows] == [
        ("308641", day, value) for day, value in WEEK
    ]
    assert list(tmp_path.iterdir()) == [target]  # no `.partial` left behind


def test_table_shows_every_reading_with_its_exact_value(fake: FakeKraken) -> None:
    """--format table prints one row per reading, values as sent, titled with the count."""
    result = kraken(fake, *CONTRACT, "--format", "table")

    assert result.returncode == 0, result.stderr
    assert f"{DEMO_ACCOUNT}: 6 readings" in result.stdout
    rows = [line.split() for line in result.stdout.splitlines() if line.strip()[:6] == "308641"]
    assert [(row[1], row[3], row[4]) for row in rows] == [
        (f"{day}T00:00:00+01:00", value, "kwh") for day, value in WEEK
    ]


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
    sent = [r.variables for r in fake.requests if r.operation_name == "getMeasurements"]
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

    assert [r["property_id"] for r in every] == ["308641"] * 48 + ["400001"] * 48  # half-hours
    assert paged == every
    assert len(paged_requests) >= 12  # 14 pages of 7 in all: the small pages were really used
    assert one == every[48:]


@pytest.mark.parametrize(
    ("fault", "name"),
    [
        (RateLimit(operation="getMeasurements", times=2), "RateLimit"),
        (DropConnection(operation="getMeasurements", times=1), "DropConnection"),
        (HttpError(operation="getMeasurements", times=1), "HttpError"),
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
    bad = kraken(fake, *CONTRACT, "-v", credential={"KRAKEN_API_KEY": "sk_wrong_but_secret"})

    tokens = {r.token for r in fake.requests if r.token}
    assert tokens  # the fetch did use tokens, so their absence below means something
    assert ok.returncode == 0 and "6 rows" in ok.stderr and "attempt 1: ok" in ok.stderr
    assert bad.returncode == 1 and "Traceback" in bad.stderr and "KT-CT-1139" in bad.stderr
    assert bad.stderr.splitlines()[-1].startswith("error: KT-CT-1139")
    for output in (ok.stdout, ok.stderr, bad.stdout, bad.stderr):
        for secret in (DEMO_API_KEY, "sk_wrong_but_secret", *tokens):
            assert secret not in output


def test_usage_error_exits_2_as_a_process(fake: FakeKraken) -> None:
    """A usage error exits 2 from the real process, with one `error:` line and no request."""
    result = kraken(fake, "measurements", "--account", DEMO_ACCOUNT, "--start", "2024-10-01")

    assert_one_error_line(result, 2, "--end")
    assert fake.requests == []


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["measurements", "--start-on", "2024-10-01", "--end-on", "2024-10-02"], "--account"),
        (["measurements", "--account", "A-1", "--start-on", "2024-10-01"], "both ends"),
        (["measurements", "--account", "A-1", "--start", "2024-10-01", "--end", "2024-10-02",
          "--start-on", "2024-10-01", "--end-on", "2024-10-02"], "not both"),
        (["measurements", "--account", "A-1", "--start", "yesterday", "--end", "2024-10-02"],
         "ISO 8601"),
        (["measurements", "--account", "A-1", "--start", "2024-10-02", "--end", "2024-10-01"],
         "after start"),
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


def test_accounts_show_the_filter_values(fake: FakeKraken) -> None:
    """`kraken accounts` lists accounts, properties, MPAN, MPRN, meter serial and device id."""
    result = kraken(fake, "accounts")

    assert result.returncode == 0, result.stderr
    for value in (DEMO_ACCOUNT, SMALL_ACCOUNT, "308641", DEMO_MPAN, "3456789012", "21L4381234",
                  DEMO_DEVICE, "E-1R-VAR-22-11-01-C"):  # fmt: skip
        assert value in result.stdout


def test_organization_key_needs_an_account(fake: FakeKraken) -> None:
    """With an organization key, --account shows that account as JSON; without it, exit 2."""
    org = {"KRAKEN_ORGANIZATION_SECRET_KEY": DEMO_ORGANIZATION_KEY}

    shown = kraken(fake, "accounts", "--account", DEMO_ACCOUNT, "--format", "json", credential=org)
    refused = kraken(fake, "accounts", credential=org)

    assert shown.returncode == 0, shown.stderr
    (account,) = json.loads(shown.stdout)["accounts"]
    point = account["properties"][0]["electricityMeterPoints"][0]
    assert (account["number"], point["mpan"]) == (DEMO_ACCOUNT, DEMO_MPAN)
    assert point["meters"][0]["smartDevices"][0]["deviceId"] == DEMO_DEVICE
    assert_one_error_line(refused, 2, "--account")


def test_sandbox_serves_until_interrupted() -> None:
    """`kraken sandbox` prints a working URL and the demo key, and exits 0 on Ctrl-C."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRAKEN_")}
    with subprocess.Popen(
        [sys.executable, "-m", "kraken_energy", "sandbox", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        printed = [process.stdout.readline() for _ in range(4)]
        url = printed[2].split("=", 1)[1].strip()
        answer = httpx.post(url, json={"query": "{ __typename }"}, timeout=10)
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=20)

    assert answer.json() == {"data": {"__typename": "Query"}}
    assert f"KRAKEN_API_KEY={DEMO_API_KEY}" in printed[3]
    assert process.returncode == 0, err
    assert "stopped" in rest


def test_missing_cli_extra_names_the_install_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without click or rich, the command says which extra to install and exits 1."""
    for name in [m for m in sys.modules if m.startswith("kraken_energy.cli.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "rich", None)

    status = main(["--help"])

    assert status == 1
    assert "pip install 'kraken-energy[cli]'" in capsys.readouterr().err


def test_help_lists_the_commands() -> None:
    """`python -m kraken_energy --help` exits 0 and lists the three commands."""
    result = subprocess.run(
        [sys.executable, "-m", "kraken_energy", "--help"],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip

    assert result.returncode == 0
    assert all(name in result.stdout for name in ("measurements", "accounts", "sandbox"))


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
