"""The click commands of `kraken`, and `run`, which turns every outcome into an exit status.

`kraken --help`, `--version` and each command's `--help` load click and the standard library
alone: the client (httpx, pydantic, the generated models) and rich load when a command runs.
`sync` and `export` live in `_sync`, which needs the store and the client at import, so the
group loads that module only when one of them is asked for (`LazyGroup`).
"""

from __future__ import annotations

import importlib
import io
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import click

from .._version import __version__
from . import _sandbox
from ._common import State, open_client, verbose_option
from ._measure import measurements
from ._redact import Redactor, disable_debug_logging

if TYPE_CHECKING:
    from .. import GraphQLError
    from ._accounts import Account

EXIT_OK: Final = 0
EXIT_FAILURE: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130
"""128 + SIGINT, as shells report a command stopped by Ctrl-C."""
EXIT_BROKEN_PIPE: Final = 141
"""128 + SIGPIPE, as shells report a command whose reader went away."""


def run(argv: Sequence[str]) -> int:
    """Run the command line `argv`; print one `error:` line on failure; return the exit status."""
    state = State(Redactor.from_environment(os.environ))
    try:
        return _run(state, argv)
    finally:
        for handler in state.log_handlers:
            disable_debug_logging(handler)


def _run(state: State, argv: Sequence[str]) -> int:
    try:
        status = kraken.main(args=list(argv), prog_name="kraken", standalone_mode=False, obj=state)
    except click.exceptions.NoArgsIsHelpError as exc:  # bare `kraken`: help, then the error
        print(exc.format_message(), file=sys.stderr)
        return _fail(state, None, "missing command (see 'kraken --help')", EXIT_USAGE)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "kraken"
        return _fail(state, exc, f"{exc.format_message()} (see '{where} --help')", EXIT_USAGE)
    except click.ClickException as exc:
        return _fail(state, exc, exc.format_message(), EXIT_FAILURE)
    except (click.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        return _fail(state, None, "interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:  # the reader left (`| head`): stop quietly, as `yes | head` does
        _detach_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        return _fail(state, exc, _describe(exc, state), EXIT_FAILURE)
    return status if isinstance(status, int) else EXIT_OK


def _describe(exc: Exception, state: State) -> str:
    """Say what failed: a Kraken error by its kind, any other by its type (a defect's as such)."""
    # The error tree loads with the client, so it is loaded already when one of its errors
    # was raised; importing it here keeps it out of --help and usage errors.
    from .. import GraphQLError, InvalidArgumentError, KrakenError

    if isinstance(exc, InvalidArgumentError):
        return str(exc)
    if isinstance(exc, GraphQLError):
        return str(exc) + _hint(exc, state)
    if isinstance(exc, KrakenError):
        return f"{type(exc).__name__}: {exc}"
    if isinstance(exc, OSError | RuntimeError):
        return f"{type(exc).__name__}: {exc}"
    return f"unexpected {type(exc).__name__}: {exc}"  # a defect: still one line, traceback with -v


def _detach_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush finds no broken pipe."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (an in-process test's buffer): nothing to flush later


def _fail(state: State, exc: BaseException | None, message: str, status: int) -> int:
    """Print the traceback when verbose, then the one `error:` line; both redacted."""
    if state.verbose and exc is not None and not isinstance(exc, click.UsageError):
        print(state.redact("".join(traceback.format_exception(exc))), file=sys.stderr, end="")
    print("error: " + state.redact(" ".join(message.split())), file=sys.stderr, flush=True)
    return status


def _hint(exc: GraphQLError, state: State) -> str:
    """Point to the fix of the errors a user can fix themselves."""
    from .. import AuthenticationFailedError

    if isinstance(exc, AuthenticationFailedError):
        return " (check the credential in KRAKEN_API_KEY, KRAKEN_EMAIL/KRAKEN_PASSWORD, ...)"
    if exc.operation_name == "getViewerAccounts" and exc.error_type == "AUTHORIZATION":
        return " (an organization key has no viewer: pass --account A-...)"
    return ""


EXAMPLES = """\b
Examples:
  kraken sandbox                  # a fake Kraken to try everything on, in one terminal
  kraken accounts                 # in another: account, MPAN/MPRN and device ids
  kraken measurements --account A-F523797D --start-on 2024-10-01 --end-on 2024-10-06 \\
      --format table
"""


class LazyGroup(click.Group):
    """A group whose `lazy` commands load from their module when first asked for.

    click's documented lazy loading (`list_commands`, `get_command`), and the group's help lists
    a command not loaded yet by its summary, so `kraken --help` loads none of them. A test
    checks each summary against its command's own short help.
    """

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy
        """Command name -> (`module:attribute` of the command, its summary for the help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Name every command, loaded or not, in order."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return the command, loading its module first when it is a lazy one."""
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name][0].partition(":")
            command = getattr(importlib.import_module(module, __package__), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[cmd_name][0]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their short help, as click does, without loading lazy ones."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)  # click's own spacing
        rows = []
        for name in names:
            # A command not loaded yet is shortened as click shortens its loaded help.
            command = self.commands.get(name) or click.Command(name, help=self.lazy[name][1])
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


LAZY_COMMANDS: Final = {
    "sync": (
        "._sync:sync_command",
        "Bring a local store up to date with every series of many accounts.",
    ),
    "export": (
        "._sync:export_command",
        "Write the stored readings in series and time order, streaming, as JSON lines or CSV.",
    ),
}
"""The commands whose module loads the store and the client at import."""


@click.group(
    cls=LazyGroup,
    lazy=LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXAMPLES,
)
@click.version_option(__version__, "--version", prog_name="kraken", message="%(prog)s %(version)s")
@click.option(
    "--url",
    metavar="URL",
    help="GraphQL endpoint, e.g. http://127.0.0.1:8765/v1/graphql/ (default: $KRAKEN_URL, "
    "else the brand's).",
)
@click.option(
    "--brand",
    metavar="NAME",
    help="Brand preset, e.g. edf-gb (default: $KRAKEN_BRAND, else octopus-gb).",
)
@verbose_option
@click.pass_obj
def kraken(state: State, url: str | None, brand: str | None) -> None:
    """Fetch Kraken (Octopus Energy, EDF, E.ON Next) data from the shell.

    The credential comes from the environment, never from an option: KRAKEN_API_KEY;
    KRAKEN_EMAIL and KRAKEN_PASSWORD; KRAKEN_ORGANIZATION_SECRET_KEY; KRAKEN_PRE_SIGNED_KEY;
    KRAKEN_TOKEN; or KRAKEN_CLIENT_ID and KRAKEN_CLIENT_SECRET (with KRAKEN_AUTH_URL).
    KRAKEN_URL and KRAKEN_BRAND choose the endpoint. Try `kraken sandbox` for a local fake.
    Exit status: 0 done, 1 failed, 2 usage error, 130 interrupted (Ctrl-C).
    """
    if url:
        state.environ["KRAKEN_URL"] = url
    if brand:
        state.environ["KRAKEN_BRAND"] = brand


kraken.add_command(measurements)


# --- kraken accounts -------------------------------------------------------------------------


@kraken.command(
    epilog="\b\nExamples:\n  kraken accounts\n  kraken accounts --account A-F523797D --format json"
)
@click.option(
    "--account",
    metavar="A-XXXXXXXX",
    help="Only this account, e.g. A-F523797D (needed with an organization key).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["tree", "json"], case_sensitive=False),
    default="tree",
    show_default=True,
    help="tree for people, json for programs, e.g. json.",
)
@verbose_option
@click.pass_obj
def accounts(state: State, account: str | None, output_format: str) -> None:
    """Show accounts: properties, MPAN/MPRN, meter serials, smart device ids and tariffs.

    Without --account, every account of the credential's user (the viewer).
    """
    if account is None and state.environ.get("KRAKEN_ORGANIZATION_SECRET_KEY"):
        raise click.UsageError("an organization key has no viewer: pass --account A-...")
    # Loaded once the options are good: --help and usage errors need neither asyncio nor rich.
    import asyncio

    from . import _accounts

    found = asyncio.run(_discover(state, account))
    if output_format == "json":
        _accounts.write_json(found, sys.stdout)
    else:
        _accounts.write_tree(found, sys.stdout)


async def _discover(state: State, account: str | None) -> list[Account]:
    async with open_client(state, {}) as kraken:
        if account is not None:
            result = await kraken.get_account(account_number=account)
            return [result.account] if result.account is not None else []
        viewer = (await kraken.get_viewer_accounts()).viewer
        return [a for a in (viewer.accounts if viewer else None) or () if a is not None]


# --- kraken sandbox --------------------------------------------------------------------------


@kraken.command(
    epilog="\b\nExamples:\n  kraken sandbox\n  kraken sandbox --port 9000 --latency 0.05"
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help=f"Port on 127.0.0.1, e.g. 9000; 0 for any free one (default {_sandbox.DEFAULT_PORT}, "
    "or a free one with a note when it is taken).",
)
@click.option(
    "--latency",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Seconds added to every answer, as a real server takes, e.g. 0.05.",
)
@click.option(
    "--rate-limit-every",
    type=click.IntRange(min=2),
    metavar="N",
    help="Answer every Nth request with KT-CT-1199 (too many requests), e.g. 10.",
)
@verbose_option
def sandbox(port: int | None, latency: float, rate_limit_every: int | None) -> None:
    """Serve the fake Kraken on 127.0.0.1 until Ctrl-C, with a demo credential to use.

    It stays in the foreground and prints what to export: run `kraken` in another terminal.
    """
    _sandbox.serve(port, latency=latency, rate_limit_every=rate_limit_every)
