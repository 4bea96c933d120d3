"""The `kraken` command: measurements, account discovery and a local sandbox, from the shell.

Installed as the console script `kraken` (and `python -m kraken_energy`) with the `cli` extra
(`pip install 'kraken-energy[cli]'`, which brings click and rich). The endpoint and the
credential come from the same environment variables as `KrakenClient.from_env`; credentials are
never taken as options, so they stay out of shell history and process lists.

Exit status: 0 on success, 2 on a usage error, 1 on any other failure, 130 when interrupted
by Ctrl-C, 141 when the reader of stdout went away. A failure prints one line
on stderr starting with `error:` (naming the Kraken error code when there is one); `-v` adds the
traceback and debug logs, with every credential and token redacted.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence

__all__ = ["main"]

CLI_EXTRA = ("click", "rich")
"""The packages the `cli` extra brings."""

CLI_EXTRA_HINT = "pip install 'kraken-energy[cli]'"
"""What to run when click or rich is missing."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `kraken` command with `argv` (default: `sys.argv[1:]`); return its exit status."""
    # rich loads only when a command draws something, so the extra is checked here, up front.
    missing = next((name for name in CLI_EXTRA if importlib.util.find_spec(name) is None), None)
    try:
        if missing is None:
            from ._app import run
    except ImportError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in CLI_EXTRA:
            raise  # a defect, not a missing extra
    if missing is not None:
        print(f"error: the kraken command needs {missing}: {CLI_EXTRA_HINT}", file=sys.stderr)
        return 1
    return run(list(sys.argv[1:] if argv is None else argv))
