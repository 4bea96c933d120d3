"""`kraken sync` and `kraken export`: the store from the shell, with the measurements contract."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from test_cli import environment
from test_sync import NUMBERS, scenario

from kraken_energy.cli import main
from kraken_energy.cli._sync import EXIT_ALLOWANCE, EXPORT_COLUMNS
from kraken_energy.testing import FakeKraken, FakeKrakenConfig, TooManyRequests

RANGE = ["--since", "2024-10-01", "--until", "2024-10-08T00:00", "--timezone", "Europe/London"]


@pytest.fixture(scope="module")
def fake():
    with FakeKraken(config=FakeKrakenConfig(max_page_size=100), scenario=scenario(4)) as f:
        yield f


def kraken(fake: FakeKraken, *args: str) -> tuple[int, str, str]:
    import sys

    from click.testing import CliRunner

    with CliRunner().isolation(env=environment(fake, None)) as (out, err, _):
        status = main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
    return status, out.getvalue().decode(), err.getvalue().decode()


def test_sync_then_export_gives_every_reading_with_its_series(fake: FakeKraken,
                                                               tmp_path: Path) -> None:
    """sync exits 0 with a summary; export writes account_number then the series columns."""
    store = str(tmp_path / "s.db")
    status, _, err = kraken(fake, "sync", "--store", store, "--accounts", ",".join(NUMBERS),
                            *RANGE)
    assert status == 0, err
    assert re.search(r"synced 4 account\(s\), 0 failed: 4 series, 1,344 readings written", err)
    status, out, err = kraken(fake, "export", "--store", store, "--format", "CSV")
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert len(rows) == 4 * 7 * 48
    assert rows[0]["account_number"] == NUMBERS[0] and rows[0]["utility"] == "electricity"
    assert rows[0]["register_id"] == ""  # absent: an empty cell
    status, out, _ = kraken(fake, "export", "--store", store, "--account", NUMBERS[1],
                            "--start", "2024-10-02T00:00", "--end", "2024-10-03T00:00")
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 48 and {line["account_number"] for line in lines} == {NUMBERS[1]}
    assert lines[0]["register_id"] is None  # absent: JSON null


def test_accounts_file_is_read_line_by_line(fake: FakeKraken, tmp_path: Path) -> None:
    """--accounts-file takes one number per line, skipping blanks and comments."""
    listing = tmp_path / "accounts.txt"
    listing.write_text(f"# ours\n{NUMBERS[0]}\n\n{NUMBERS[1]}\n")
    status, _, err = kraken(fake, "sync", "--store", str(tmp_path / "s.db"),
                            "--accounts-file", str(listing), *RANGE)
    assert status == 0, err
    assert "synced 2 account(s)" in err


@pytest.mark.parametrize("sources", [[], ["--accounts", "A-1", "--all-accounts"]])
def test_exactly_one_source_of_accounts(fake: FakeKraken, tmp_path: Path,
                                        sources: list[str]) -> None:
    """No account source, or two, is a usage error naming the three options."""
    status, _, err = kraken(fake, "sync", "--store", str(tmp_path / "s.db"), *sources)
    assert status == 2
    assert "give one of --accounts, --accounts-file or --all-accounts" in err


def test_a_failed_account_exits_1_naming_it(fake: FakeKraken, tmp_path: Path) -> None:
    """An unknown account is named on the error line; the others are stored."""
    status, _, err = kraken(fake, "sync", "--store", str(tmp_path / "s.db"),
                            "--accounts", f"A-NOSUCH00,{NUMBERS[0]}", *RANGE)
    assert status == 1
    assert "synced 1 account(s), 1 failed" in err
    assert re.search(r"^error: 1 account\(s\) failed .*A-NOSUCH00: NotFoundError", err, re.M)


def test_a_spent_allowance_exits_3_saying_to_run_again(fake: FakeKraken, tmp_path: Path) -> None:
    """Rate-limited past --max-wait: exit 3, a line saying to run again; the rerun completes."""
    store = str(tmp_path / "s.db")
    fake.faults.add(TooManyRequests(every=1))
    try:
        status, _, err = kraken(fake, "sync", "--store", store, "--accounts", NUMBERS[0],
                                "--max-wait", "0", *RANGE)
    finally:
        fake.faults.clear()
    assert status == EXIT_ALLOWANCE == 3
    assert "error: the rate-limit allowance is spent; everything fetched is kept" in err
    status, _, err = kraken(fake, "sync", "--store", store, "--accounts", NUMBERS[0], *RANGE)
    assert status == 0 and "336 readings written" in err
