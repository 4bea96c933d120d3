"""The request pipeline: one operation, from a method's arguments to its typed result.

Every request the client sends, from a generated method or from the measurement fetch, goes
through `Pipeline.call`, whose steps read top to bottom:

1. `check_arguments`: each variable against the type the generator recorded for it, and
   Kraken's own rules (`_validation`); a bad one is an `InvalidArgumentError` before sending;
2. `Pipeline.prepare`: the JSON payload, the retry policy, the deadline and the retry budget;
3. `call_with_retries` (`_retry`) runs `Pipeline.attempt` until it succeeds, fails for good or
   the policy's bounds are reached (mutations are not repeated unless safe to). One attempt:
   a. holds one slot of the caller's `limiter`, if it gave one (the measurement fetch passes its
      `AdaptiveConcurrency`), while waiting for the cooldown and on the wire, not longer;
   b. `Pipeline.wait_for_cooldown`: no request is sent while the client is rate limited;
   c. `Pipeline.send`: the POST, through `_exchange.exchange` (never following a redirect,
      bounded by a deadline and a size limit). httpx runs the client's auth flow around it:
      `KrakenAuth` (`_auth`) adds a token, obtaining or renewing it first when needed;
   d. `hand_over`: the slot given back (`AdaptiveConcurrency.release`), the request it went to
      is given a few milliseconds to be written (httpcore's trace tells when) before this one
      decodes, since decoding holds the event loop;
   e. `read_answer`: `decode` validates the answer's bytes with the operation's result type
      (`envelope`, a `Decoder`) in one pass; anything else (a non-200 status, GraphQL errors,
      a body that does not fit) is classified by `_errors.check_response` into the
      `KrakenError` tree;
   f. on a failure, `failure` types what httpx raised and makes a not-found error name what was
      looked up; `Pipeline.failed` logs it, tells the `limiter`, and on a rate limit starts the
      client's cooldown (`Pipeline.rate_limited`, which halves the `limiter` and may read the
      allowance once: `Pipeline.read_allowance`). A success is logged and told to the limiter.

One `KrakenClient.measurements()` call, from arguments to records:

1. `KrakenClient.measurements` checks the range, timezone, page size and concurrency
   (`_request.plan`) and returns `_measurements.fetch_measurements(pipeline, ...)`;
2. `fetch_measurements` makes the fetch's limiter (`AdaptiveConcurrency(concurrency)`) and a
   `_Fetch` holding it with this pipeline, then runs `_measurements._batches`;
3. `_batches` calls `_measurements.discover`, which sends `getAccount` through `Pipeline.call`
   (steps 1 to 3 above, without a limiter) and picks the series (`_series.account_series`);
4. `_batches` fetches the first page of every series at once (`_measurements._in_order`): each
   through `_pager.fetch_page` (a refused page size is halved and remembered) and
   `_measurements._Fetch.send`, that is `Pipeline.call(..., limiter=...)`: the
   attempt holds a limiter slot for `wait_for_cooldown` and `send`, then `read_answer` and
   `decode` validate the page into generated typed dicts after the slot is given back (the
   fetch's decoder, `_pages.PageDecoder`, skips the statistics and keeps the page's bytes in a
   `DeferredPage` for them);
5. `_pages.records` turns each first page into `Measurement` records, each reading's
   statistics a `Deferred` read from its page on first access (`check_repeats` guards it,
   `on_total` hears the totals); `_measurements._rest_of_series` fetches the rest of each
   series in windows (`_windows.windows`, `_in_order`) or from its end cursor, each walk by
   `_measurements._pages`, which runs the one pager `_pager.follow`: `fetch_page` and
   `_measurements._Fetch.send` for each page, `_measurements._reader` to decode it, and
   the guards (`RepeatGuard`, `_pager.advance`, `max_pages`);
6. `_batches` checks each series received all `totalCount` promised (`check_complete`) and
   `fetch_measurements` yields the records, property by property, series by series.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from pydantic import ValidationError as PydanticValidationError

from ._codegen_runtime import request_payload
from ._errors import (
    GraphQLError,
    InvalidResponseError,
    KrakenError,
    NotFoundError,
    RateLimitedError,
    check_response,
    transport_error,
)
from ._exchange import checked_deadline, exchange
from ._ratelimit import HANDOVER_WAIT_SECONDS, AdaptiveConcurrency, Cooldown
from ._retry import SAFE_TO_REPEAT_MUTATIONS, RetryPolicy, call_with_retries, waits_enabled
from ._validation import check_variables as check_arguments
from ._validation import result_envelope

if TYPE_CHECKING:
    import asyncio

    from kraken_energy_gql.rate_limit import RateLimit

    from ._codegen_runtime import Operation

logger = logging.getLogger("kraken_energy")


class Decoder(Protocol):
    """What validates an answer's bytes: a pydantic `TypeAdapter` of `{"data", "errors"}`.

    The measurement fetch passes `_pages.PageDecoder`, which skips the statistics.
    """

    def validate_json(self, data: bytes, /) -> Any:
        """Return the answer typed, as a dict with `data` and `errors`."""
        ...



@dataclass(slots=True)
class Call:
    """Everything one call's attempts share, settled once before the first."""

    operation: Operation[Any]
    variables: Mapping[str, Any]
    envelope: Decoder
    payload: dict[str, Any]
    policy: RetryPolicy
    timeout: httpx.Timeout | None
    deadline: float | None
    """The longest one exchange may take (seconds), None for none."""
    ends: float
    """When the call's retry budget ends (the policy's clock): no cooldown is waited past it."""
    attempts: int = 0
    """Attempts made so far (for the log)."""

    @property
    def name(self) -> str:
        """The operation's name, for errors and logs."""
        return self.operation.name


class Pipeline:
    """Sends operations to one endpoint: the steps every request of one client takes.

    `auth` is an `httpx.Auth` (a `KrakenAuth` for a credential) or None for anonymous requests.
    One `Cooldown` is shared by every request: a rate limit pauses them all.
    """

    def __init__(
        self,
        url: str,
        http_client: httpx.AsyncClient,
        *,
        auth: httpx.Auth | None,
        retry: RetryPolicy,
        deadline: float | None,
        max_bytes: int,
    ) -> None:
        self.url = url
        self.http_client = http_client
        self.auth = auth
        self.retry = retry
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.cooldown = Cooldown(retry)

    async def call(
        self,
        operation: Operation[Any],
        variables: dict[str, Any],
        envelope: Decoder,
        *,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | None = None,
        deadline: float | None = None,
        limiter: AdaptiveConcurrency | None = None,
    ) -> Any:
        """Send an operation and return its `data`, validated by `envelope` straight from JSON.

        `envelope` validates the whole answer (`{"data": ..., "errors": ...}`): the generated
        models for the methods, generated typed dicts for the measurement pages. `limiter`, when
        given, bounds the requests in flight: each attempt holds one of its slots for its
        exchange alone, and tells it how the answer went.

        Raises:
            InvalidArgumentError: a variable is of the wrong type or breaks Kraken's rules.
            RateLimitedError: still rate limited when the policy's bounds are reached (it says
                when the allowance resets, where known).
            KrakenError: the last attempt's error, once retries are exhausted or not allowed.
        """
        check_arguments(operation, variables)
        call = self.prepare(operation, variables, envelope, retry, timeout, deadline)
        mutation = operation.kind == "mutation" and operation.name not in SAFE_TO_REPEAT_MUTATIONS
        try:
            return await call_with_retries(
                lambda: self.attempt(call, limiter),
                call.policy,
                mutation=mutation,
                cooldown=self.cooldown.remaining,
            )
        except RateLimitedError as exc:
            if exc.resets_at is None:
                exc.set_resets_at(self.cooldown.known_reset())
            raise

    def prepare(
        self,
        operation: Operation[Any],
        variables: dict[str, Any],
        envelope: Decoder,
        retry: RetryPolicy | None,
        timeout: httpx.Timeout | None,
        deadline: float | None,
    ) -> Call:
        """Settle what every attempt of one call shares: payload, policy, deadline, budget.

        Raises:
            InvalidArgumentError: a `deadline` that is not a positive number.
        """
        policy = retry or self.retry
        return Call(
            operation=operation,
            variables=variables,
            envelope=envelope,
            payload=request_payload(operation.text, operation.name, variables),
            policy=policy,
            timeout=timeout,
            deadline=self.deadline if deadline is None else checked_deadline(deadline),
            ends=policy.clock() + policy.max_total_seconds,  # the retry budget, not `deadline`
        )

    async def attempt(self, call: Call, limiter: AdaptiveConcurrency | None) -> Any:
        """Make one attempt: wait for the cooldown, send, then read the answer.

        The limiter's slot is held while waiting for the cooldown and on the wire, and given
        back before the answer is decoded, so another request is sent meanwhile.
        """
        call.attempts += 1
        started = time.perf_counter()
        epoch = self.cooldown.epoch
        sent = False  # a cooldown outlasting the call's budget fails before sending
        try:
            written = await limiter.acquire() if limiter is not None else None
            try:
                await self.wait_for_cooldown(call)
                epoch, sent = self.cooldown.epoch, True
                response = await self.send(call, written)
            finally:
                successor = limiter.release() if limiter is not None else None
                if written is not None:
                    written.set()  # sent or failed: whoever handed us the slot waits no more
            if successor is not None:  # the request given our slot goes out before we decode
                await hand_over(successor)
            data = read_answer(response, call.envelope, call.name)
        except (KrakenError, httpx.TransportError, httpx.DecodingError) as exc:
            if not sent:
                raise
            error = failure(exc, call)
            await self.failed(call, error, epoch, limiter, started)
            if error is exc:
                raise
            raise error from exc
        _log(call, started, None)
        if limiter is not None:
            limiter.succeeded()
        return data

    async def wait_for_cooldown(self, call: Call) -> None:
        """Wait until the client's cooldown ends.

        Raises:
            RateLimitedError: the cooldown ends after the call's retry budget does.
        """
        await self.cooldown.wait(call.policy, call.ends, call.name)

    async def send(self, call: Call, written: asyncio.Event | None = None) -> httpx.Response:
        """POST the call's payload, authenticated by the client's auth flow; return the answer.

        Never follows a redirect, whatever the `http_client` says (`_exchange.exchange`).
        `written`, when given, is set as soon as the request's body is on the wire.

        Raises:
            DeadlineExceededError, ResponseTooLargeError: the exchange's bounds.
            httpx.TransportError, httpx.DecodingError: as httpx raises them (see `failure`).
        """
        http_client = self.http_client
        request = http_client.build_request(
            "POST",
            self.url,
            json=call.payload,
            timeout=httpx.USE_CLIENT_DEFAULT if call.timeout is None else call.timeout,
            extensions=None if written is None else {"trace": _on_written(written)},
        )
        return await exchange(
            http_client,
            request,
            auth=self.auth if self.auth is not None else httpx.USE_CLIENT_DEFAULT,
            deadline=call.deadline,
            max_bytes=self.max_bytes,
            operation_name=call.name,
        )

    async def failed(
        self,
        call: Call,
        error: KrakenError,
        epoch: int,
        limiter: AdaptiveConcurrency | None,
        started: float,
    ) -> None:
        """Log a failed attempt and tell the limiter; a rate limit starts the cooldown."""
        _log(call, started, error)
        if isinstance(error, RateLimitedError):
            await self.rate_limited(error, epoch, limiter)
        elif limiter is not None:
            limiter.failed()

    async def rate_limited(
        self, error: RateLimitedError, epoch: int, limiter: AdaptiveConcurrency | None
    ) -> None:
        """Start or join the client's cooldown; read the allowance once when one starts.

        Not when obtaining a token was rate limited: reading the allowance needs a token.
        """
        started = self.cooldown.trip(epoch, error)
        if limiter is not None:
            limiter.rate_limited(self.cooldown.epoch)
        readable = self.cooldown.allowance_readable and not error.from_token_renewal
        if started and readable and waits_enabled():
            blocked_until = await self.read_allowance()
            if blocked_until is not None:
                self.cooldown.blocked_until(blocked_until)

    async def read_allowance(self) -> float | None:
        """Ask Kraken whether the viewer is blocked; return until when (Unix time), or None.

        One attempt, never retried, not waiting for the cooldown it informs nor for any
        limiter. An endpoint whose schema has no `rateLimitInfo` is not asked again.
        """
        # Imported here, not at the top: code generation imports this package (for its error
        # codes) before the generated client holds RATE_LIMIT.
        from kraken_energy_gql.client import RATE_LIMIT

        call = self.prepare(
            RATE_LIMIT, {}, result_envelope(RATE_LIMIT), RetryPolicy(max_attempts=1), None, None
        )
        call.attempts += 1
        started = time.perf_counter()
        try:
            try:
                result: RateLimit = read_answer(await self.send(call), call.envelope, call.name)
            except (KrakenError, httpx.TransportError, httpx.DecodingError) as exc:
                error = failure(exc, call)
                _log(call, started, error)
                raise error from None
        except GraphQLError as exc:
            if exc.code is None and exc.error_type is None:  # refused as an unknown field
                self.cooldown.allowance_readable = False
            return None
        except KrakenError:
            return None
        _log(call, started, None)
        info = result.rate_limit_info
        allowance = info.points_allowance_rate_limit if info is not None else None
        if allowance is None or not allowance.is_blocked or allowance.ttl is None:
            return None
        return float(allowance.ttl)


def failure(exc: KrakenError | httpx.HTTPError, call: Call) -> KrakenError:
    """Return the `KrakenError` for what an attempt raised (httpx's errors are translated).

    A not-found error is made to name what was looked up, instead of Kraken's generic words.
    """
    if isinstance(exc, httpx.TransportError):
        return transport_error(exc, call.name)
    if not isinstance(exc, KrakenError):  # httpx.DecodingError: a body that is not what it says
        return InvalidResponseError("body could not be decoded", "", call.name)
    if isinstance(exc, NotFoundError):
        _name_subject(exc, call.variables)
    return exc


def read_answer(response: httpx.Response, envelope: Decoder, operation: str) -> Any:
    """Return the answer's `data`, decoded and typed in one pass by the envelope type.

    Anything unusual (errors, a status other than 2xx, a body that does not fit the types) goes
    through `check_response`, the one classifier of answers. A well-formed answer whose values do
    not fit the types is an InvalidResponseError naming where, and is not retried. Any 2xx answer
    is decoded, so what is returned is always typed (a 204 holding `data` is read as a 200 is).
    """
    try:
        if response.is_success:
            answer = decode(response, envelope, operation)
            if not answer.get("errors") and answer.get("data") is not None:
                return answer["data"]
        check_response(response, operation)  # raises what the answer carries
    except KrakenError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError, OverflowError):
        pass  # raised below, outside the handler: the parser's error quotes the body
    raise InvalidResponseError("the answer could not be read", "", operation, transient=False)


def decode(response: httpx.Response, envelope: Decoder, operation: str) -> Any:
    """Validate the answer's bytes with the operation's result type, straight from JSON.

    Raises:
        KrakenError: the body does not fit the types: what `check_response` finds wrong when
            it is a known fault, else an InvalidResponseError naming where it does not fit.
    """
    try:
        return envelope.validate_json(response.content)
    except PydanticValidationError as exc:
        check_response(response, operation)  # raises what is wrong if it is a known fault
        raise unfit(exc, operation) from None


def unfit(exc: PydanticValidationError, operation: str) -> InvalidResponseError:
    """Return the error for an answer that does not fit the operation's types, naming where."""
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    return InvalidResponseError(
        f"the answer does not fit the operation's types at {where}: {error['msg']}",
        "",
        operation,
        transient=False,
    )


NOT_FOUND_SUBJECTS: dict[str, str] = {"accountNumber": "account", "propertyId": "property"}
"""The variables that name what an operation looks up, by what a not-found error calls it."""


def _name_subject(error: NotFoundError, variables: Mapping[str, Any]) -> None:
    """Make a not-found error name what was looked up, instead of Kraken's generic words."""
    for variable, subject in NOT_FOUND_SUBJECTS.items():
        value = variables.get(variable)
        if isinstance(value, str) and error.subject is None:
            error.name_subject(f"{subject} {value!r}")


def _log(call: Call, started: float, error: KrakenError | None) -> None:
    """One debug line per attempt: operation, attempt, duration, outcome and error code."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    outcome = "ok" if error is None else type(error).__name__
    code = f" {error.code}" if isinstance(error, GraphQLError) and error.code else ""
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.debug(
        "%s attempt %d: %s%s in %.0f ms", call.name, call.attempts, outcome, code, elapsed_ms
    )


def _on_written(written: asyncio.Event) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """Make an httpcore trace callback that sets `written` once the request's body is sent."""

    async def trace(event: str, _info: dict[str, Any]) -> None:
        if event.endswith("send_request_body.complete"):
            written.set()

    return trace


async def hand_over(successor: asyncio.Event) -> None:
    """Wait, at most `HANDOVER_WAIT_SECONDS`, for the request given our slot to be written."""
    import asyncio

    if not successor.is_set():
        try:
            async with asyncio.timeout(HANDOVER_WAIT_SECONDS):
                await successor.wait()
        except TimeoutError:
            pass
