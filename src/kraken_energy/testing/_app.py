"""The ASGI application: Kraken's GraphQL endpoint and the OAuth token endpoint."""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import itertools
import json
import threading
import urllib.parse
from collections import OrderedDict
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
    validate,
)

from ._auth import TokenService, token_fingerprint
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
    RateLimit,
    rewrite_response,
)
from ._log import RequestLog, RequestRecord
from ._schema import RequestContext

GRAPHQL_PATH: Final = "/v1/graphql/"
TOKEN_PATH: Final = "/token/"
NO_QUERY: Final = "Must provide query string."

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: str = "application/json",
    extra_headers: tuple[tuple[str, str], ...] = (),
) -> None:
    headers = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(body)).encode("latin-1")),
        *((name.encode("latin-1"), value.encode("latin-1")) for name, value in extra_headers),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _respond_json(send: Send, status: int, payload: Any) -> None:
    await _respond(send, status, json.dumps(payload).encode())


async def _drop_connection(send: Send) -> None:
    """Close the socket without a response (uvicorn's h11 protocol; else answer nothing)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("fake-kraken dropped the connection")
    transport.close()
    if cycle is not None and hasattr(cycle, "disconnected"):
        cycle.disconnected = True  # so uvicorn does not try to send a 500 afterwards
    await asyncio.sleep(0)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


_DOCUMENT_CACHE_SIZE = 256
"""Distinct query texts whose parse and validation are kept."""
_RESULT_CACHE_SIZE = 512
"""Fault-free query results kept (a page of 100 readings is about 60 kB)."""


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
    ) -> None:
        self.schema = schema
        self.scenario = scenario
        self.tokens = tokens
        self.faults = faults
        self.log = log
        self.clock = clock
        self.max_page_size = max_page_size
        self.started_at = clock()
        self._counter = itertools.count(1)
        self._counter_lock = threading.Lock()
        self._validated: dict[str, list[dict[str, Any]]] = {}
        self._results: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], bytes]] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].removeprefix("lifespan.")
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        if scope["type"] != "http":
            return
        if scope["path"] == GRAPHQL_PATH:
            await self._graphql(scope, receive, send)
        elif scope["path"] == TOKEN_PATH:
            await self._oauth(scope, receive, send)
        else:
            await _respond_json(send, 404, {"detail": "Not found."})

    # --- GraphQL -------------------------------------------------------------------------------

    async def _graphql(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = asyncio.get_running_loop().time()
        with self._counter_lock:
            number = next(self._counter)
        header = _header(scope, b"authorization")
        raw_token = header.split()[-1] if header and header.split() else None
        record = {
            "number": number,
            "path": GRAPHQL_PATH,
            "token": raw_token,
            "token_fingerprint": token_fingerprint(raw_token) if raw_token else None,
        }
        body = await _read_body(receive)
        if scope["method"] != "POST":
            self._log(record, None, {}, 400)
            await _respond_json(send, 400, {"errors": [{"message": NO_QUERY}]})
            return
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        parsed = _parse_request(payload) if isinstance(payload, dict) else None
        if parsed is None:
            self._log(record, None, {}, 400)
            await _respond_json(send, 400, {"errors": [{"message": NO_QUERY}]})
            return
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
            await self._terminal(terminal, send, record, parsed, names)
            return
        codes = tuple(
            str(e.get("extensions", {}).get("errorCode"))
            for e in result.get("errors", [])
            if e.get("extensions", {}).get("errorCode")
        )
        self._log(record, parsed, {"error_codes": codes, "faults": names}, 200)
        retry_after = tuple(
            ("Retry-After", f.retry_after)
            for f in fired
            if isinstance(f, RateLimit) and f.retry_after is not None
        )
        await _respond(send, 200, body, extra_headers=retry_after[:1])

    async def _terminal(
        self,
        fault: Fault,
        send: Send,
        record: dict[str, Any],
        parsed: _Parsed,
        names: tuple[str, ...],
    ) -> None:
        if isinstance(fault, DropConnection):
            self._log(record, parsed, {"faults": names}, 0)
            await _drop_connection(send)
        elif isinstance(fault, HttpError):
            self._log(record, parsed, {"faults": names}, fault.status)
            await _respond(
                send, fault.status, fault.body.encode(), fault.content_type, fault.headers
            )
        elif isinstance(fault, InvalidJson):
            self._log(record, parsed, {"faults": names}, 200)
            await _respond(send, 200, fault.body.encode())

    def _execute(
        self, parsed: _Parsed, header: str | None, fired: list[Fault]
    ) -> tuple[dict[str, Any], bytes]:
        """Answer one parsed request: the result and its JSON body (memoised when it can be)."""
        if parsed.document is None:
            assert parsed.syntax_error is not None
            return _encoded({"errors": [parsed.syntax_error.formatted]})
        errors = self._validation_errors(parsed.query, parsed.document)
        if errors:
            return _encoded({"errors": errors})
        auth = self.tokens.authenticate(
            header, force_expired=any(isinstance(f, ExpiredToken) for f in fired)
        )
        # The scenario never changes, so a query's result depends only on what is in this key.
        # Mutations (tokens) and requests whose answer a fault reshapes are never cached, nor
        # results with errors.
        key = None
        reshaping = [f for f in fired if not isinstance(f, Latency)]  # latency changes no answer
        if not reshaping and auth.error is None and _is_query(parsed) and _cacheable(parsed):
            key = (
                parsed.query,
                json.dumps(parsed.variables, sort_keys=True, default=str),
                parsed.operation_name,
                auth.principal,
                self.max_page_size,
            )
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
                return cached  # the result and its encoded body
        now = self.clock()
        blocked_for = self.faults.blocked_until(now - self.started_at)
        context = RequestContext(
            scenario=self.scenario,
            tokens=self.tokens,
            auth=auth,
            max_page_size=self.max_page_size,
            rate_limited=any(isinstance(f, RateLimit) for f in fired),
            now=now,
            blocked_until=None if blocked_for is None else self.started_at + blocked_for,
        )
        result = execute(
            self.schema,
            parsed.document,
            variable_values=parsed.variables if isinstance(parsed.variables, dict) else None,
            operation_name=parsed.operation_name,
            context_value=context,
        )
        assert not isinstance(result, Awaitable)
        formatted: dict[str, Any] = {}
        if result.errors:
            formatted["errors"] = [error.formatted for error in result.errors]
        formatted["data"] = rewrite_response(result.data, fired)
        answer = _encoded(formatted)
        if key is not None and not result.errors:
            self._results[key] = answer
            if len(self._results) > _RESULT_CACHE_SIZE:
                self._results.popitem(last=False)
        return answer

    def _validation_errors(self, query: str, document: DocumentNode) -> list[dict[str, Any]]:
        """Return the formatted validation errors of a query text, computed once per text."""
        errors = self._validated.get(query)
        if errors is None:
            errors = [dict(error.formatted) for error in validate(self.schema, document)]
            if len(self._validated) < _DOCUMENT_CACHE_SIZE:
                self._validated[query] = errors
        return errors

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

    async def _oauth(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        if scope["method"] != "POST":
            await _respond_json(send, 405, {"error": "invalid_request"})
            return
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("latin-1")).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = _header(scope, b"authorization")
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
        elif client_id is None or client_secret is None:
            status, answer = 401, {"error": "invalid_client"}
        else:
            answer = self.tokens.oauth_token(client_id, client_secret)
            if answer is None:
                status, answer = 401, {"error": "invalid_client"}
        self.log.append(RequestRecord(0, TOKEN_PATH, None, {}, None, None, status))
        await _respond_json(send, status, answer)
