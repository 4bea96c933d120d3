"""What `kraken` loads before a command runs: help, version and usage errors stay light."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from kraken_energy.cli._app import LAZY_COMMANDS
from kraken_energy.cli._app import kraken as kraken_group

HEAVY = ("httpx", "pydantic", "rich", "asyncio", "kraken_energy._client", "kraken_energy.sync")
"""What a command loads when it runs, and `--help` must not."""

PROBE = """
import sys
from kraken_energy.cli import main
status = main(sys.argv[1:])
heavy = sorted(name for name in {heavy!r} if name in sys.modules)
print(status, heavy, file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["measurements", "--help"],
        ["accounts", "--help"],
        ["sandbox", "--help"],
        ["measurements", "--account", "A-1", "--start-on", "2024-10-02", "--end-on", "2024-10-01"],
    ],
)
def test_help_version_and_usage_errors_load_no_client(args: list[str]) -> None:
    """In a fresh interpreter, help, the version and a usage error load no client or rich."""
    probe = PROBE.format(heavy=HEAVY)

    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True
    )

    status, _, heavy = done.stderr.strip().splitlines()[-1].partition(" ")
    assert status in ("0", "2")
    assert heavy == "[]"


def test_lazy_commands_are_listed_with_their_own_short_help() -> None:
    """Each lazily loaded command's summary in `kraken --help` is its own first sentence."""
    context = click.Context(kraken_group)

    for name, (_where, summary) in LAZY_COMMANDS.items():
        command = kraken_group.get_command(context, name)

        assert command is not None
        assert command.get_short_help_str(limit=1000) == summary
