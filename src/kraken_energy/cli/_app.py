"""The click commands of `kraken`, and `run`, which turns every outcome into an exit status."""

from __future__ import annotations

import asyncio
import os
import sys
import traceback
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import httpx
from kraken_energy_gql.enums import ReadingDirectionType, ReadingFrequencyType, ReadingQualityType

from .. import (
    DEFAULT_CONNECT_TIMEOUT_SECONDS,
    DEFAULT_READ_TIMEOUT_SECONDS,
    AuthenticationFailedError,
    ElectricityFilter,
    GasFilter,
    GraphQLError,
    InvalidArgumentError,
    KrakenClient,
    KrakenError,
)
from . import _accounts, _sandbox, _sync
from ._output import FORMATS, Writer, destination, make_writer
from ._progress import FetchProgress
from ._redact import Redactor, enable_debug_logging

EXIT_OK: Final = 0
EXIT_FAILURE: Final = 1
EXIT_USAGE: Final = 2

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _State:
    """What the group's options settle for every command, and what `run` needs afterwards."""

    redact: Redactor
    verbose: bool = False
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))


def run(argv: Sequence[str]) -> int:
    """Run the command line `argv`; print one `error:` line on failure; return the exit status."""
    state = _State(Redactor.from_environment(os.environ))
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
    except click.Abort:
        return _fail(state, None, "interrupted", EXIT_FAILURE)
    except InvalidArgumentError as exc:
        return _fail(state, exc, str(exc), EXIT_FAILURE)
    except GraphQLError as exc:
        return _fail(state, exc, str(exc) + _hint(exc, state), EXIT_FAILURE)
    except KrakenError as exc:
        return _fail(state, exc, f"{type(exc).__name__}: {exc}", EXIT_FAILURE)
    except (OSError, RuntimeError) as exc:
        return _fail(state, exc, f"{type(exc).__name__}: {exc}", EXIT_FAILURE)
    except Exception as exc:  # a defect: still one line, the traceback with -v
        return _fail(state, exc, f"unexpected {type(exc).__name__}: {exc}", EXIT_FAILURE)
    return status if isinstance(status, int) else EXIT_OK


def _fail(state: _State, exc: BaseException | None, message: str, status: int) -> int:
    """Print the traceback when verbose, then the one `error:` line; both redacted."""
    if state.verbose and exc is not None and not isinstance(exc, click.UsageError):
        print(state.redact("".join(traceback.format_exception(exc))), file=sys.stderr, end="")
    print("error: " + state.redact(" ".join(message.split())), file=sys.stderr)
    return status


def _hint(exc: GraphQLError, state: _State) -> str:
    """Point to the fix of the errors a user can fix themselves."""
    if isinstance(exc, AuthenticationFailedError):
        return " (check the credential in KRAKEN_API_KEY, KRAKEN_EMAIL/KRAKEN_PASSWORD, ...)"
    if exc.operation_name == "getViewerAccounts" and exc.error_type == "AUTHORIZATION":
        return " (an organization key has no viewer: pass --account A-...)"
    return ""


# --- Options shared by every command --------------------------------------------------------


def _set_verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    state = ctx.find_object(_State)
    if value and state is not None and not state.verbose:
        state.verbose = True
        enable_debug_logging(state.redact)


def _verbose_option(function: F) -> F:
    return click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_verbose,
        help="Debug log and tracebacks on stderr (credentials and tokens are still redacted).",
    )(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--url", metavar="URL", help="GraphQL endpoint (default: $KRAKEN_URL, the brand's).")
@click.option(
    "--brand", metavar="NAME", help="Brand preset, e.g. octopus-gb (default: $KRAKEN_BRAND)."
)
@_verbose_option
@click.pass_obj
def kraken(state: _State, url: str | None, brand: str | None) -> None:
    """Fetch Kraken (Octopus Energy, EDF, E.ON Next) data from the shell.

    The credential comes from the environment, never from an option: KRAKEN_API_KEY;
    KRAKEN_EMAIL and KRAKEN_PASSWORD; KRAKEN_ORGANIZATION_SECRET_KEY; KRAKEN_PRE_SIGNED_KEY;
    KRAKEN_TOKEN; or KRAKEN_CLIENT_ID and KRAKEN_CLIENT_SECRET (with KRAKEN_AUTH_URL).
    KRAKEN_URL and KRAKEN_BRAND choose the endpoint. Try `kraken sandbox` for a local fake.
    """
    if url:
        state.environ["KRAKEN_URL"] = url
    if brand:
        state.environ["KRAKEN_BRAND"] = brand


@asynccontextmanager
async def _client(
    state: _State, event_hooks: dict[str, list[Callable[..., Any]]]
) -> AsyncIterator[KrakenClient]:
    """Yield a client for the configured endpoint, with `event_hooks` on its HTTP client."""
    timeout = httpx.Timeout(DEFAULT_READ_TIMEOUT_SECONDS, connect=DEFAULT_CONNECT_TIMEOUT_SECONDS)
    async with httpx.AsyncClient(timeout=timeout, event_hooks=event_hooks) as http:
        yield KrakenClient.from_env(state.environ, http_client=http)


# --- kraken measurements ---------------------------------------------------------------------


def _zone(_ctx: click.Context, _param: click.Parameter, value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(
            f"unknown timezone {value!r} (an IANA name such as Europe/London)"
        ) from None


def _names(enum: type[Any]) -> list[str]:
    return [member.value for member in enum]


@kraken.command()
@click.option("--account", required=True, metavar="A-XXXXXXXX", help="Account number.")
@click.option(
    "--start", metavar="DATETIME", help="First instant, ISO 8601 (no offset: --timezone)."
)
@click.option("--end", metavar="DATETIME", help="Instant after the range, ISO 8601.")
@click.option("--start-on", type=click.DateTime(["%Y-%m-%d"]), help="First day (inclusive).")
@click.option("--end-on", type=click.DateTime(["%Y-%m-%d"]), help="Last day (inclusive).")
@click.option(
    "--timezone",
    default="Europe/London",
    show_default=True,
    callback=_zone,
    help="IANA timezone of bucket boundaries, returned offsets and offset-less --start/--end.",
)
@click.option(
    "--utility",
    type=click.Choice(["electricity", "gas"], case_sensitive=False),
    help="Readings to filter (electricity when any filter below is given).",
)
@click.option("--frequency", type=click.Choice(_names(ReadingFrequencyType), case_sensitive=False))
@click.option("--direction", type=click.Choice(_names(ReadingDirectionType), case_sensitive=False))
@click.option("--quality", type=click.Choice(_names(ReadingQualityType), case_sensitive=False))
@click.option("--supply-point", metavar="MPAN|MPRN", help="Meter point (see `kraken accounts`).")
@click.option("--device-id", metavar="ID", help="Smart meter device (see `kraken accounts`).")
@click.option("--register-id", metavar="ID", help="Meter register.")
@click.option("--property-id", metavar="ID", help="Only this property (default: every one).")
@click.option("--page-size", type=click.IntRange(min=1), help="Readings per request.")
@click.option("--concurrency", type=click.IntRange(min=1), help="Requests in flight at once.")
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="jsonl", show_default=True
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to PATH, not stdout."
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress on stderr (default: when stderr is a terminal).",
)
@_verbose_option
@click.pass_obj
def measurements(
    state: _State,
    account: str,
    start: str | None,
    end: str | None,
    start_on: datetime | None,
    end_on: datetime | None,
    timezone: ZoneInfo,
    utility: str | None,
    frequency: str | None,
    direction: str | None,
    quality: str | None,
    supply_point: str | None,
    device_id: str | None,
    register_id: str | None,
    property_id: str | None,
    page_size: int | None,
    concurrency: int | None,
    output_format: str,
    output: Path | None,
    progress: bool | None,
) -> None:
    """Every reading of an account in a range, for each property, as JSON lines, CSV or a table.

    Give --start and --end (ISO 8601; an offset-less value is read in --timezone), or
    --start-on and --end-on (inclusive dates).
    """
    if (start is None) != (end is None) or (start_on is None) != (end_on is None):
        raise click.UsageError(
            "give both ends of the range: --start with --end, or --start-on with --end-on"
        )
    if (start is None) == (start_on is None):
        raise click.UsageError("give --start and --end, or --start-on and --end-on (not both)")
    filters = _filters(utility, frequency, direction, quality, supply_point, device_id, register_id)
    arguments: dict[str, Any] = {
        "start": _instant("--start", start, timezone),
        "end": _instant("--end", end, timezone),
        "start_on": _day(start_on),
        "end_on": _day(end_on),
        "timezone": timezone.key,
        "property_id": property_id,
        "page_size": page_size,
        "concurrency": concurrency,
        **filters,
    }
    show = sys.stderr.isatty() if progress is None else progress
    with destination(output, sys.stdout) as stream:
        writer = make_writer(output_format, stream, account)
        asyncio.run(_fetch(state, account, arguments, writer, show))
        writer.finish()


async def _fetch(
    state: _State, account: str, arguments: dict[str, Any], writer: Writer, show: bool
) -> None:
    with FetchProgress(show, f"{account} measurements") as progress:
        async with _client(state, progress.event_hooks) as kraken_energy:
            try:
                readings = kraken_energy.measurements(account, **arguments)
            except InvalidArgumentError as exc:  # checked before any request is sent
                raise click.UsageError(str(exc)) from exc
            async for reading in readings:
                writer.write(reading)
                progress.row()


def _instant(option: str, text: str | None, zone: ZoneInfo) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not ISO 8601, e.g. 2024-10-01T00:00:00 or 2024-10-01T00:00:00+01:00",
            param_hint=option,
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _filters(
    utility: str | None,
    frequency: str | None,
    direction: str | None,
    quality: str | None,
    supply_point: str | None,
    device_id: str | None,
    register_id: str | None,
) -> dict[str, ElectricityFilter | GasFilter]:
    """Build the `electricity=` or `gas=` argument the filter options describe (or none)."""
    given = (frequency, direction, quality, supply_point, device_id, register_id)
    if utility is None and all(value is None for value in given):
        return {}
    common: dict[str, Any] = {
        "supply_point": supply_point,
        "device_id": device_id,
        "register_id": register_id,
    }
    if frequency is not None:
        common["frequency"] = ReadingFrequencyType(frequency)
    if (utility or "electricity") == "gas":
        for option, value in (("--direction", direction), ("--quality", quality)):
            if value is not None:
                raise click.UsageError(f"{option} applies to electricity only, not --utility gas")
        return {"gas": GasFilter(**common)}
    return {
        "electricity": ElectricityFilter(
            direction=ReadingDirectionType(direction) if direction else None,
            quality=ReadingQualityType(quality) if quality else None,
            **common,
        )
    }


# --- kraken accounts -------------------------------------------------------------------------


@kraken.command()
@click.option(
    "--account", metavar="A-XXXXXXXX", help="Only this account (needed with an organization key)."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["tree", "json"]),
    default="tree",
    show_default=True,
)
@_verbose_option
@click.pass_obj
def accounts(state: _State, account: str | None, output_format: str) -> None:
    """Show accounts: properties, MPAN/MPRN, meter serials, smart device ids and tariffs.

    Without --account, every account of the credential's user (the viewer).
    """
    if account is None and state.environ.get("KRAKEN_ORGANIZATION_SECRET_KEY"):
        raise click.UsageError("an organization key has no viewer: pass --account A-...")
    found = asyncio.run(_discover(state, account))
    if output_format == "json":
        _accounts.write_json(found, sys.stdout)
    else:
        _accounts.write_tree(found, sys.stdout)


async def _discover(state: _State, account: str | None) -> list[_accounts.Account]:
    async with _client(state, {}) as kraken_energy:
        if account is not None:
            result = await kraken_energy.get_account(account_number=account)
            return [result.account] if result.account is not None else []
        viewer = (await kraken_energy.get_viewer_accounts()).viewer
        return [a for a in (viewer.accounts if viewer else None) or () if a is not None]


# --- kraken sandbox --------------------------------------------------------------------------


@kraken.command()
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="Port (default: a free one)."
)
@_verbose_option
def sandbox(port: int) -> None:
    """Serve the fake Kraken on 127.0.0.1 until Ctrl-C, with a demo credential to use."""
    _sandbox.serve(port)


# --- kraken sync, kraken export ---------------------------------------------------------------

_sync.register(kraken, _State, _verbose_option)
