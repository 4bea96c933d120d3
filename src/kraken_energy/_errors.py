"""Every error the client raises, and the one place responses and exceptions become them.

    KrakenError
    ├── InvalidArgumentError            a bad argument, refused before any request (a ValueError)
    ├── TransportError                  no usable HTTP answer
    │   ├── ConnectError                the request never reached the server (safe to resend)
    │   ├── RequestTimeoutError         connect, read, write or pool timeout
    │   │   └── DeadlineExceededError       the whole exchange outlasted its deadline
    │   └── ConnectionDroppedError      the connection broke mid-exchange
    ├── HTTPStatusError                 an answer other than 2xx (`status`, `body_excerpt`);
    │                                   a redirect, never followed, names only its target host
    ├── InvalidResponseError            an answer that is not JSON, or not a GraphQL response
    │   └── ResponseTooLargeError           a body past the size limit (stopped while streaming)
    ├── StoreError                      the sync's store cannot be opened, read or written
    ├── AllowanceExhaustedError         a sync stopped: the allowance is spent (`resume_at`)
    └── GraphQLError                    `errors` in the body; class chosen by code, else errorType
        ├── ValidationError             errorType VALIDATION
        │   ├── AuthenticationFailedError   bad credentials: KT-CT-1134..1140
        │   └── PaginationError             KT-CT-1201, 1202, 1203, 1208
        │       └── InconsistentPagesError      pages that would lose or repeat nodes (defined
        │           │                           in `_pagination`; field, property, window, counts)
        │           ├── PaginationLoopError         a cursor that does not advance, too many pages
        │           ├── MissingPageError            a null where a later page was expected
        │           ├── RepeatedPageError           a page repeating nodes already received
        │           └── IncompleteFetchError        fewer nodes than `totalCount` promised
        ├── NotFoundError               errorType NOT_FOUND
        ├── AuthorizationError          errorType AUTHORIZATION
        │   ├── RateLimitedError            KT-CT-1199, or HTTP 429 (`resets_at`, where known)
        │   └── QueryTooComplexError        KT-CT-1188 (complexity), 1189 (node count)
        ├── ApplicationError            errorType APPLICATION
        │   └── TokenExpiredError           KT-CT-1120, 1124; invalidated: 1125-1127, 1162, 1163
        └── ServiceUnavailableError     errorType SERVICE_AVAILABILITY

A `GraphQLError` keeps everything Kraken sent: the first error's code, errorType, message,
description, path and validation errors, every error of the response (`errors`), the partial
`data`, and the operation name. `str()` is one line naming the code. Any error built from an
answer keeps its `Retry-After` (seconds, or an HTTP date turned into seconds) as `retry_after`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

BODY_EXCERPT_CHARS = 200
"""How much of an unexpected body an error keeps (enough to recognise an HTML error page)."""


class KrakenError(Exception):
    """Root of every error raised by kraken_energy."""

    operation_name: str | None = None
    from_token_renewal: bool = False
    """True when obtaining a token for the request failed; the renewal already retried it."""


class InvalidArgumentError(KrakenError, ValueError):
    """An argument was rejected before any request was sent; the message names the argument."""

    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(f"{argument}: {problem}")
        self.argument = argument


class TransportError(KrakenError):
    """No usable HTTP answer: the connection failed, timed out or broke."""

    def __init__(self, message: str, operation_name: str | None) -> None:
        super().__init__(f"{message} ({operation_name or 'request'})")
        self.operation_name = operation_name


class ConnectError(TransportError):
    """The connection could not be made, so the request never reached the server."""


class RequestTimeoutError(TransportError):
    """A connect, read, write or pool timeout."""

    never_sent: bool = False
    """True for connect and pool timeouts: the request provably never reached the server."""


class DeadlineExceededError(RequestTimeoutError):
    """The whole exchange took longer than its deadline.

    The deadline (`DEFAULT_REQUEST_DEADLINE_SECONDS`, or the call's `deadline=`) covers the
    connection, any token renewal and every byte of the answer.
    """

    def __init__(self, seconds: float, host: str, operation_name: str | None) -> None:
        super().__init__(f"no complete answer from {host} within {seconds:g} s", operation_name)
        self.seconds = seconds


class ConnectionDroppedError(TransportError):
    """The connection broke mid-exchange: the server may or may not have acted."""


class HTTPStatusError(KrakenError):
    """Kraken's edge answered with a status other than 2xx (often 502/503 with an HTML page)."""

    def __init__(
        self,
        status: int,
        body_excerpt: str,
        operation_name: str | None,
        retry_after: float | None = None,
        *,
        redirect_host: str | None = None,
    ) -> None:
        if redirect_host is not None:  # never the full target: it may carry anything
            detail = f"redirect to {redirect_host or 'an unnamed host'}, not followed"
        else:
            detail = repr(body_excerpt)
        super().__init__(f"HTTP {status} for {operation_name or 'request'}: {detail}")
        self.status = status
        self.body_excerpt = body_excerpt
        self.operation_name = operation_name
        self.retry_after = retry_after
        self.redirect_host = redirect_host
        """For a 3xx: the host the server redirected to (the library never follows)."""


class InvalidResponseError(KrakenError):
    """The answer was not JSON, not a GraphQL response, or did not fit the operation's types."""

    def __init__(
        self, problem: str, body_excerpt: str, operation_name: str | None, *, transient: bool = True
    ) -> None:
        super().__init__(f"invalid response to {operation_name or 'request'}: {problem}")
        self.problem = problem
        self.body_excerpt = body_excerpt
        self.operation_name = operation_name
        self.transient = transient
        """False when the same answer would fail again (well-formed, but of the wrong types)."""


class ResponseTooLargeError(InvalidResponseError):
    """The answer's body grew past the size limit; reading stopped there.

    The limit is `DEFAULT_MAX_RESPONSE_BYTES`, or the client's `max_response_bytes`. The same
    answer would fail again, so it is not retried.
    """

    def __init__(self, limit: int, operation_name: str | None) -> None:
        super().__init__(
            f"the body is larger than {limit} bytes; stopped reading it",
            "",
            operation_name,
            transient=False,
        )
        self.limit = limit


@dataclass(frozen=True)
class FieldProblem:
    """One of Kraken's `validationErrors`: what was wrong and where in the input."""

    message: str
    input_path: tuple[str | int, ...]


class GraphQLError(KrakenError):
    """Kraken answered with `errors`; the first one chooses the class, all are kept."""

    def __init__(
        self, errors: list[dict[str, Any]], data: dict[str, Any] | None, operation_name: str | None
    ) -> None:
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        extensions = _extensions(first)
        self.code: str | None = _text(extensions.get("errorCode"))
        self.error_type: str | None = _text(extensions.get("errorType"))
        self.message: str = str(first.get("message", ""))
        self.description: str | None = _text(extensions.get("errorDescription"))
        self.path: tuple[str | int, ...] = _path(first.get("path"))
        problems = extensions.get("validationErrors")
        self.validation_errors: tuple[FieldProblem, ...] = tuple(
            FieldProblem(str(item.get("message", "")), _path(item.get("inputPath")))
            for item in (problems if isinstance(problems, list) else ())
            if isinstance(item, dict)
        )
        self.subject: str | None = None
        """What was looked up and not found, e.g. "account 'A-F523797D'" (set by the client)."""
        self.errors = errors
        self.data = data
        self.operation_name = operation_name
        self.retry_after: float | None = None
        """Seconds the answer's `Retry-After` asked to wait, if it had one."""
        super().__init__(self._line())

    def name_subject(self, subject: str) -> None:
        """Say in the message what the request looked up, e.g. "account 'A-F523797D'"."""
        self.subject = subject
        self.args = (self._line(),)

    def _line(self) -> str:
        where = ".".join(str(part) for part in self.path)
        detail = self.description or self.message
        if self.subject is not None:
            detail = f"no {self.subject} found (Kraken: {detail})"
        if self.validation_errors:
            detail += (
                " ["
                + "; ".join(
                    f"{'.'.join(map(str, p.input_path))}: {p.message}"
                    for p in self.validation_errors
                )
                + "]"
            )
        more = f" (+{len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        detail = " ".join(detail.split())  # one line, whatever the server put in the text
        return (
            f"{self.code or self.error_type or 'GraphQL error'}: {detail}"
            f" in {self.operation_name or 'operation'}{f' at {where}' if where else ''}{more}"
        )


class ValidationError(GraphQLError):
    """errorType VALIDATION: the input was refused; resending it changes nothing."""


class AuthenticationFailedError(ValidationError):
    """Bad credentials (wrong key, password, secret or refresh token); never retried."""


class PaginationError(ValidationError):
    """Pagination refused, or pages that would lose or repeat nodes.

    Kraken refuses a missing or too large `first`, or a bad cursor; the client itself raises
    an `InconsistentPagesError` for pages that would lose or repeat nodes.
    """


class NotFoundError(GraphQLError):
    """errorType NOT_FOUND, e.g. KT-CT-4178 for an unknown account number."""


class AuthorizationError(GraphQLError):
    """errorType AUTHORIZATION: missing or invalid credentials, or a limit was hit."""


class RateLimitedError(AuthorizationError):
    """KT-CT-1199 or HTTP 429, too many requests: the client waits, then retries.

    Raised once the retry policy's bounds are reached; `resets_at` then says when the
    allowance resets (from `rateLimitInfo` or `Retry-After`), or is None when unknown.
    """

    resets_at: datetime | None = None

    def set_resets_at(self, unix_time: float | None) -> None:
        """Record when the allowance resets and say so in the message."""
        if unix_time is None:
            return
        try:
            self.resets_at = datetime.fromtimestamp(unix_time, UTC)
        except (OverflowError, OSError, ValueError):  # beyond the calendar: no known reset
            return
        self.args = (self._line(),)

    def _line(self) -> str:
        line = super()._line()
        if self.resets_at is not None:
            line += f"; the allowance resets at {self.resets_at.isoformat(timespec='seconds')}"
        return line


class QueryTooComplexError(AuthorizationError):
    """KT-CT-1188 (complexity over 200) or 1189 (over 10,000 nodes): ask for less."""


class ApplicationError(GraphQLError):
    """errorType APPLICATION: Kraken could not carry out the request."""


class TokenExpiredError(ApplicationError):
    """The token expired or was invalidated: obtain a new one and resend."""


class ServiceUnavailableError(GraphQLError):
    """errorType SERVICE_AVAILABILITY: a Kraken service is down for now."""


TOKEN_EXPIRED_CODES = frozenset(f"KT-CT-{n}" for n in (1120, 1124, 1125, 1126, 1127, 1162, 1163))
"""The token expired or was invalidated: obtain a new one (TokenExpiredError)."""

UNAUTHORIZED_CODES = frozenset({"KT-CT-1111", "KT-CT-1143", "KT-CT-1144"})
"""The Authorization header holds no valid credential."""

_BY_CODE: dict[str, type[GraphQLError]] = {
    **{f"KT-CT-{n}": AuthenticationFailedError for n in range(1134, 1141)},
    **{f"KT-CT-{n}": PaginationError for n in (1201, 1202, 1203, 1208)},
    **dict.fromkeys(TOKEN_EXPIRED_CODES, TokenExpiredError),
    "KT-CT-1188": QueryTooComplexError,
    "KT-CT-1189": QueryTooComplexError,
    "KT-CT-1199": RateLimitedError,
}
_BY_TYPE: dict[str, type[GraphQLError]] = {
    "VALIDATION": ValidationError,
    "NOT_FOUND": NotFoundError,
    "AUTHORIZATION": AuthorizationError,
    "APPLICATION": ApplicationError,
    "SERVICE_AVAILABILITY": ServiceUnavailableError,
}


def _extensions(error: object) -> dict[str, Any]:
    """Return an error entry's `extensions`, or {} when either is not an object."""
    extensions = error.get("extensions") if isinstance(error, dict) else None
    return extensions if isinstance(extensions, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _path(value: object) -> tuple[str | int, ...]:
    """Return a `path` or `inputPath`'s string and integer parts, () for a non-list."""
    if not isinstance(value, list):
        return ()
    return tuple(
        part for part in value if isinstance(part, str | int) and not isinstance(part, bool)
    )


def error_code(error: object) -> str | None:
    """Return the `errorCode` of one entry of `errors`, whatever shape the server gave it."""
    return _text(_extensions(error).get("errorCode"))


def graphql_error(
    errors: list[dict[str, Any]], data: dict[str, Any] | None, operation_name: str | None
) -> GraphQLError:
    """Build the GraphQLError subclass for a response's errors: by code, else by errorType."""
    extensions = _extensions(errors[0] if errors else None)
    cls = _BY_CODE.get(str(extensions.get("errorCode")))
    if cls is None:
        cls = _BY_TYPE.get(str(extensions.get("errorType")), GraphQLError)
    return cls(errors, data, operation_name)


def _excerpt(response: httpx.Response) -> str:
    return " ".join(response.text[:BODY_EXCERPT_CHARS].split())


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds `Retry-After` asks to wait: given as seconds, or as an HTTP date from now."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:  # "1e999" and "nan" are no wait at all
        return max(0.0, seconds) if math.isfinite(seconds) else None
    from email.utils import parsedate_to_datetime  # only for the rare HTTP-date form

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP dates are GMT
    return max(0.0, when.timestamp() - time.time())


def _rate_limited_http(response: httpx.Response, operation_name: str | None) -> RateLimitedError:
    """Build the error for an edge's HTTP 429: the same class as Kraken's own KT-CT-1199."""
    error = RateLimitedError(
        [
            {
                "message": f"HTTP 429 Too Many Requests: {_excerpt(response)}",
                "extensions": {"errorType": "AUTHORIZATION", "errorCode": "HTTP-429"},
            }
        ],
        None,
        operation_name,
    )
    error.retry_after = _retry_after(response)
    return error


def check_response(response: httpx.Response, operation_name: str | None) -> dict[str, Any]:
    """Return the `data` of a successful GraphQL response, or raise the KrakenError it carries.

    Raises:
        RateLimitedError: HTTP 429 (or KT-CT-1199 in the body).
        HTTPStatusError: another status other than 2xx.
        InvalidResponseError: a body that is not JSON or not a GraphQL response.
        GraphQLError: the body has `errors` (the subclass chosen by code or errorType).
    """
    if response.status_code == 429:
        raise _rate_limited_http(response, operation_name)
    if response.is_redirect or 300 <= response.status_code < 400:
        raise HTTPStatusError(
            response.status_code,
            "",
            operation_name,
            _retry_after(response),
            redirect_host=_location_host(response),
        )
    if not response.is_success:
        raise HTTPStatusError(
            response.status_code, _excerpt(response), operation_name, _retry_after(response)
        )
    try:
        body = response.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested past Python's limit
        problem = "empty body" if not response.content else "body is not JSON"
        raise InvalidResponseError(problem, _excerpt(response), operation_name) from None
    if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
        raise InvalidResponseError("not a GraphQL response", _excerpt(response), operation_name)
    data, errors = body.get("data"), body.get("errors")
    if data is not None and not isinstance(data, dict):
        raise InvalidResponseError("`data` is not an object", _excerpt(response), operation_name)
    if errors:
        if not isinstance(errors, list) or not all(isinstance(e, dict) for e in errors):
            raise InvalidResponseError(
                "`errors` is not a list of objects", _excerpt(response), operation_name
            )
        error = graphql_error(errors, data, operation_name)
        error.retry_after = _retry_after(response)
        raise error
    if data is None:
        raise InvalidResponseError("no `data` and no `errors`", _excerpt(response), operation_name)
    return data


def _location_host(response: httpx.Response) -> str:
    """Return the host a redirect points to (its own for a relative one), never the URL."""
    try:
        target = response.request.url.join(response.headers.get("Location", ""))
    except (httpx.InvalidURL, RuntimeError, ValueError, TypeError):
        return ""
    return target.host


TRANSPORT_CAUSE_CHARS = 120
"""How much of the underlying error's text a transport error keeps (one line)."""


def transport_error(exc: httpx.TransportError, operation_name: str | None) -> TransportError:
    """Translate an httpx transport exception: what happened, with which host, and why.

    The cause is the underlying error's own text (e.g. "[Errno 111] Connection refused"),
    one line; the URL is reduced to its host (URLs with credentials are refused beforehand).
    """
    try:
        host = exc.request.url.host or "the server"
    except RuntimeError:  # raised outside a request
        host = "the server"
    cause = " ".join(str(exc).split())[:TRANSPORT_CAUSE_CHARS] or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        waiting = "a connection" if isinstance(exc, httpx.ConnectTimeout) else "a pooled connection"
        timeout = RequestTimeoutError(
            f"timed out waiting for {waiting} to {host} ({cause}); request never sent",
            operation_name,
        )
        timeout.never_sent = True
        return timeout
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeoutError(f"timed out talking to {host} ({cause})", operation_name)
    if isinstance(exc, httpx.ConnectError):
        return ConnectError(
            f"could not connect to {host} ({cause}); request never sent", operation_name
        )
    return ConnectionDroppedError(f"connection to {host} broke ({cause})", operation_name)
