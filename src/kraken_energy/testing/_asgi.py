"""The ASGI application: Kraken's GraphQL endpoint and the OAuth token endpoint.

Starlette routes the two paths and parses the OAuth form; graphql-core executes the schema. The
same app serves over loopback HTTP (uvicorn, ``FakeKraken.start``) and in process
(``FakeKrakenTransport``, an ``httpx.ASGITransport``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import itertools
import json
import threading
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Final

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    execute,
    get_operation_ast,
    parse,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from ._allowance import PointsLedger
from ._clock import Clock
from ._data import Scenario
from ._faults import (
    DropConnection,
    ExpiredToken,
    Fault,
    FaultSet,
    HttpError,
    InvalidJson,
    Latency,
    TooManyRequests,
    rewrite_response,
)
from ._jwt import TokenService, token_fingerprint
from ._log import RequestLog, RequestRecord
from ._memo import SHARED_ANSWERS, validation_errors
from ._readings import SLOT_SECONDS
from ._schema import RequestContext

GRAPHQL_PATH: Final = "/v1/graphql/"
TOKEN_PATH: Final = "/token/"
NO_QUERY: Final = "Must provide query string."
# Every method reaches the endpoints, so that a GET gets Kraken's answer rather than a 405.
_METHODS: Final = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_SERVER_SEND: Final = "fake_kraken.server_send"
"""Scope key holding the server's own ``send``, which a dropped connection needs."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class DroppedConnection(Exception):  # noqa: N818 (an event, not a mistake)
    """Raised in process where a real server would close the socket without answering."""


class _Drop(Response):
    """A response that closes the connection instead of answering."""

    def __init__(self) -> None:
        super().__init__(status_code=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server_send = scope.get(_SERVER_SEND)
        cycle = getattr(server_send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is None:  # no socket: in process
            raise DroppedConnection("fake-kraken dropped the connection")
        transport.close()
        if cycle is not None and hasattr(cycle, "disconnected"):
            cycle.disconnected = True  # so uvicorn does not send a 500 afterwards
        await asyncio.sleep(0)


def _never_awaitable(_value: Any) -> bool:
    """Every resolver is synchronous: graphql-core need not inspect each field's value.

    Its own check costs about a tenth of executing a measurements page (it runs for every
    field of every node); with `utilityFilters` on each node that saving pays for most of it.
    """
    return False


def _json(status: int, payload: Any) -> Response:
    return Response(json.dumps(payload).encode(), status, media_type="application/json")


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        await _json(404, {"detail": "Not found."})(scope, receive, send)


_DOCUMENT_CACHE_SIZE = 256
"""Distinct query texts whose parse is kept (validations are kept in ``_memo``)."""
DEFAULT_RESULT_CACHE_SIZE = 512
"""Fault-free query results kept by default (a page of 100 readings is about 60 kB); the memo
is shared by the process's fakes (see ``_memo``)."""


@dataclass
class _Parsed:
    query: str
    variables: dict[str, Any]
    operation_name: str | None
    document: DocumentNode | None
    syntax_error: GraphQLError | None


@functools.lru_cache(maxsize=_DOCUMENT_CACHE_SIZE)
def _parse_cached(query: str) -> DocumentNode | GraphQLError:
    """Parse a query text once; clients send the same few texts over and over.

    Documents are immutable, so sharing one between requests is safe.
    """
    try:
        return parse(query)
    except GraphQLError as error:
        return error


def _parse_request(payload: dict[str, Any]) -> _Parsed | None:
    query = payload.get("query")
    if not isinstance(query, str) or not query.strip():
        return None
    variables = payload.get("variables") or {}
    operation_name = payload.get("operationName") or None
    parsed = _parse_cached(query)
    if isinstance(parsed, GraphQLError):
        return _Parsed(query, variables, operation_name, None, parsed)
    document: DocumentNode | None = parsed
    if operation_name is None and document is not None:
        operation = get_operation_ast(document)
        operation_name = operation.name.value if operation and operation.name else None
    return _Parsed(query, variables, operation_name, document, None)


def _encoded(result: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    return result, json.dumps(result).encode()


def _is_query(parsed: _Parsed) -> bool:
    """Whether the operation sent is a query (mutations change state and are never cached)."""
    if parsed.document is None:
        return False
    operation = get_operation_ast(parsed.document, parsed.operation_name)
    return operation is not None and operation.operation is OperationType.QUERY


_TIME_DEPENDENT_FIELDS: Final = ("rateLimitInfo",)
"""Root fields whose answers change with time and faults, so are never served from the cache."""


def _cacheable(parsed: _Parsed) -> bool:
    return not any(name in parsed.query for name in _TIME_DEPENDENT_FIELDS)


class FakeKrakenApp:
    """An ASGI app serving ``/v1/graphql/`` and ``/token/``; usable with any ASGI server."""

    def __init__(
        self,
        *,
        schema: GraphQLSchema,
        scenario: Scenario,
        tokens: TokenService,
        faults: FaultSet,
        log: RequestLog,
        clock: Clock,
        max_page_size: int,
        allowance: PointsLedger | None = None,
        result_cache_size: int = DEFAULT_RESULT_CACHE_SIZE,
    ) -> None:
        self.schema = schema
        self.allowance = allowance or PointsLedger()
        self.scenario = scenario
        self.tokens = tokens
        self.faults = faults
        self.log = log
        self.clock = clock
        self.max_page_size = max_page_size
        self.result_cache_size = result_cache_size
        self.started_at = clock()
        self._counter = itertools.count(1)
        self._counter_lock = threading.Lock()
        # Answers depend on these and on the request and the time alone (see ``_memo``).
        self._answers_identity = SHARED_ANSWERS.identity(schema, scenario, max_page_size)
        SHARED_ANSWERS.reserve(result_cache_size)
        self._router = Router(
            routes=[
                Route(GRAPHQL_PATH, self._graphql, methods=_METHODS),
                Route(TOKEN_PATH, self._oauth, methods=_METHODS),
            ],
            default=_not_found,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[_SERVER_SEND] = send
        await self._router(scope, receive, send)

    # --- GraphQL -------------------------------------------------------------------------------

    async def _graphql(self, request: Request) -> Response:
        arrived = asyncio.get_running_loop().time()
        with self._counter_lock:
            number = next(self._counter)
        header = request.headers.get("authorization")
        raw_token = header.split()[-1] if header and header.split() else None
        record = {
            "number": number,
            "path": GRAPHQL_PATH,
            "token": raw_token,
            "token_fingerprint": token_fingerprint(raw_token) if raw_token else None,
        }
        body = await request.body()
        if request.method != "POST":
            self._log(record, None, {}, 400)
            return _json(400, {"errors": [{"message": NO_QUERY}]})
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        parsed = _parse_request(payload) if isinstance(payload, dict) else None
        if parsed is None:
            self._log(record, None, {}, 400)
            return _json(400, {"errors": [{"message": NO_QUERY}]})
        elapsed = self.clock() - self.started_at
        fired = self.faults.select(number, parsed.operation_name, elapsed)
        names = tuple(type(f).__name__ for f in fired)
        terminal = next(
            (f for f in fired if isinstance(f, DropConnection | HttpError | InvalidJson)), None
        )
        if terminal is None:
            result, body = self._execute(parsed, header, fired)
        # Latency is the time to answer, counted from arrival, as a server's response time is:
        # the fake's own work happens inside it rather than on top of it.
        delay = sum(f.seconds for f in fired if isinstance(f, Latency))
        remaining = delay - (asyncio.get_running_loop().time() - arrived)
        if remaining > 0:
            await asyncio.sleep(remaining)
        if terminal is not None:
            return self._terminal(terminal, record, parsed, names)
        codes = tuple(
            str(e.get("extensions", {}).get("errorCode"))
            for e in result.get("errors", [])
            if e.get("extensions", {}).get("errorCode")
        )
        self._log(record, parsed, {"error_codes": codes, "faults": names}, 200)
        retry_after = [
            f.retry_after
            for f in fired
            if isinstance(f, TooManyRequests) and f.retry_after is not None
        ]
        headers = {"Retry-After": retry_after[0]} if retry_after else None
        return Response(body, 200, headers=headers, media_type="application/json")

    def _terminal(
        self, fault: Fault, record: dict[str, Any], parsed: _Parsed, names: tuple[str, ...]
    ) -> Response:
        if isinstance(fault, DropConnection):
            self._log(record, parsed, {"faults": names}, 0)
            return _Drop()
        if isinstance(fault, HttpError):
            self._log(record, parsed, {"faults": names}, fault.status)
            return Response(
                fault.body.encode(),
                fault.status,
                headers=dict(fault.headers),
                media_type=fault.content_type,
            )
        assert isinstance(fault, InvalidJson)
        self._log(record, parsed, {"faults": names}, 200)
        return Response(fault.body.encode(), 200, media_type="application/json")

    def _execute(
        self, parsed: _Parsed, header: str | None, fired: list[Fault]
    ) -> tuple[dict[str, Any], bytes]:
        """Answer one parsed request: the result and its JSON body (memoised when it can be)."""
        if parsed.document is None:
            assert parsed.syntax_error is not None
            return _encoded({"errors": [parsed.syntax_error.formatted]})
        errors = validation_errors(self.schema, parsed.query, parsed.document)
        if errors:
            return _encoded({"errors": list(errors)})
        auth = self.tokens.authenticate(
            header, force_expired=any(isinstance(f, ExpiredToken) for f in fired)
        )
        now = self.clock()
        spent = False  # the viewer's points for this hour are used up: KT-CT-1199, not an answer
        if self.allowance.metered and auth.principal is not None and _cacheable(parsed):
            spent = not self.allowance.charge(auth.principal, now)
        # The scenario never changes, so a query's result depends only on what is in this key,
        # shared with every fake of the same identity. Mutations (tokens) and requests whose
        # answer a fault reshapes are never cached, nor results with errors.
        key = None
        reshaping = [f for f in fired if not isinstance(f, Latency)]  # latency changes no answer
        cacheable = self.result_cache_size > 0 and not spent and _cacheable(parsed)
        if not reshaping and auth.error is None and _is_query(parsed) and cacheable:
            key = (
                self._answers_identity,  # schema, scenario and max_page_size
                parsed.query,
                json.dumps(parsed.variables, sort_keys=True, default=str),
                parsed.operation_name,
                auth.principal,
                # Data runs up to the fake's present moment: an answer holds for its half-hour.
                int(self.tokens.clock()) // SLOT_SECONDS,
            )
            cached = SHARED_ANSWERS.get(key)
            if cached is not None:
                return cached  # the result and its encoded body
        blocked_for = self.faults.blocked_until(now - self.started_at)
        viewer = auth.principal if self.allowance.metered else None
        context = RequestContext(
            scenario=self.scenario,
            tokens=self.tokens,
            auth=auth,
            max_page_size=self.max_page_size,
            rate_limited=spent or any(isinstance(f, TooManyRequests) for f in fired),
            now=now,
            blocked_until=None if blocked_for is None else self.started_at + blocked_for,
            allowance=self.allowance.state(viewer, now) if viewer is not None else None,
        )
        result = execute(
            self.schema,
            parsed.document,
            variable_values=parsed.variables if isinstance(parsed.variables, dict) else None,
            operation_name=parsed.operation_name,
            context_value=context,
            is_awaitable=_never_awaitable,
        )
        assert not isinstance(result, Awaitable)
        formatted: dict[str, Any] = {}
        if result.errors:
            formatted["errors"] = [error.formatted for error in result.errors]
        formatted["data"] = rewrite_response(result.data, fired)
        answer = _encoded(formatted)
        if key is not None and not result.errors:
            SHARED_ANSWERS.put(key, answer)
        return answer

    def _log(
        self, record: dict[str, Any], parsed: _Parsed | None, extra: dict[str, Any], status: int
    ) -> None:
        variables = parsed.variables if parsed and isinstance(parsed.variables, dict) else {}
        self.log.append(
            RequestRecord(
                operation_name=parsed.operation_name if parsed else None,
                variables=dict(variables),
                status=status,
                **record,
                **extra,
            )
        )

    # --- OAuth ---------------------------------------------------------------------------------

    async def _oauth(self, request: Request) -> Response:
        if request.method != "POST":
            await request.body()
            return _json(405, {"error": "invalid_request"})
        form = await request.form()
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization")
        if basic and basic.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(basic[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeError):
                decoded = ""
            user, _, password = decoded.partition(":")
            client_id = urllib.parse.unquote(user)
            client_secret = urllib.parse.unquote(password)
        status, answer = 200, None
        if form.get("grant_type") != "client_credentials":
            status, answer = 400, {"error": "unsupported_grant_type"}
        elif not isinstance(client_id, str) or not isinstance(client_secret, str):
            status, answer = 401, {"error": "invalid_client"}
        else:
            answer = self.tokens.oauth_token(client_id, client_secret)
            if answer is None:
                status, answer = 401, {"error": "invalid_client"}
        self.log.append(RequestRecord(0, TOKEN_PATH, None, {}, None, None, status))
        return _json(status, answer)
