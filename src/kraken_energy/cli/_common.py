"""What every `kraken` command shares: the settled state, the client and the -v option."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .._constants import DEFAULT_CONNECT_TIMEOUT_SECONDS, DEFAULT_READ_TIMEOUT_SECONDS
from ._redact import Redactor, enable_debug_logging

if TYPE_CHECKING:
    from .. import KrakenClient

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    """What the group's options settle for every command, and what `run` needs afterwards."""

    redact: Redactor
    verbose: bool = False
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    log_handlers: list[logging.Handler] = field(default_factory=list)
    """Handlers `-v` added, removed when the command ends (it may run again in one process)."""


def _set_verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    state = ctx.find_object(State)
    if value and state is not None and not state.verbose:
        state.verbose = True
        state.log_handlers.append(enable_debug_logging(state.redact))


def verbose_option(function: F) -> F:
    """Add `-v/--verbose`, accepted by the group and by every command."""
    return click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_verbose,
        help="Debug log and tracebacks on stderr (credentials and tokens are still redacted).",
    )(function)


@asynccontextmanager
async def open_client(
    state: State, event_hooks: dict[str, list[Callable[..., Any]]]
) -> AsyncIterator[KrakenClient]:
    """Yield a client for the configured endpoint, with `event_hooks` on its HTTP client."""
    # The client stack loads with the first command that talks to Kraken: not for --help.
    import httpx

    from .. import KrakenClient

    timeout = httpx.Timeout(DEFAULT_READ_TIMEOUT_SECONDS, connect=DEFAULT_CONNECT_TIMEOUT_SECONDS)
    async with httpx.AsyncClient(timeout=timeout, event_hooks=event_hooks) as http:
        yield KrakenClient.from_env(state.environ, http_client=http)
