"""One HTTP exchange with Kraken, bounded: no redirect followed, a deadline, a size limit.

Every request the library sends (GraphQL operations, and the token requests `KrakenAuth`
yields from inside them) goes through `exchange`, which:
1. never follows a redirect, whatever the caller's `http_client` says: a 307/308 would re-post
   the body (an API key, an OAuth client secret) to wherever the server points. A 3xx becomes
   an `HTTPStatusError` naming only the target's host;
2. bounds the whole exchange, token renewal and every byte of the answer included, by a
   deadline (`DeadlineExceededError`): timeouts bound each wait, not a server that drips bytes;
3. reads the body while streaming it and stops past a size limit (`ResponseTooLargeError`),
   counting decoded bytes, so neither a huge body nor a compressed bomb is held in memory.
"""

from __future__ import annotations

import math
from typing import Any

import httpx

from ._errors import (
    DeadlineExceededError,
    InvalidArgumentError,
    RequestTimeoutError,
    ResponseTooLargeError,
)


def checked_deadline(seconds: object, argument: str = "deadline") -> float | None:
    """Return a deadline in seconds (None: no deadline), or refuse a bad one.

    Raises:
        InvalidArgumentError: not a number, not positive, or not finite.
    """
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise InvalidArgumentError(argument, f"must be a number of seconds, got {seconds!r}")
    if not (math.isfinite(seconds) and seconds > 0):
        raise InvalidArgumentError(argument, f"must be a positive finite number, got {seconds}")
    return float(seconds)


def checked_size_limit(limit: object, argument: str = "max_response_bytes") -> int:
    """Return a response size limit in bytes, or refuse a bad one.

    Raises:
        InvalidArgumentError: not an integer, or below 1.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidArgumentError(argument, f"must be a whole number of bytes >= 1, got {limit!r}")
    return limit


async def read_limited(response: httpx.Response, limit: int, operation_name: str | None) -> None:
    """Read the body of a streamed response into it (as `aread` does), up to `limit` bytes.

    A body read already is only measured.

    Raises:
        ResponseTooLargeError: the declared length, or the bytes received, exceed `limit`.
    """
    try:
        size = len(response.content)  # read already (by the auth flow, or an earlier call)
    except httpx.ResponseNotRead:
        pass
    else:
        if size > limit:
            raise ResponseTooLargeError(limit, operation_name)
        return
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        await response.aclose()
        raise ResponseTooLargeError(limit, operation_name)
    chunks: list[bytes] = []
    received = 0
    try:
        async for chunk in response.aiter_bytes():
            received += len(chunk)
            if received > limit:
                raise ResponseTooLargeError(limit, operation_name)
            chunks.append(chunk)
    finally:
        await response.aclose()
    # What `Response.aread` does with the bytes it reads; httpx has no read with a limit.
    response._content = b"".join(chunks)


async def exchange(
    http_client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    auth: Any,
    deadline: float | None,
    max_bytes: int,
    operation_name: str | None,
) -> httpx.Response:
    """Send `request` without following redirects; return the answer with its body read.

    `auth` is an `httpx.Auth`, or httpx's `USE_CLIENT_DEFAULT`.

    Raises:
        DeadlineExceededError: the exchange took longer than `deadline` seconds.
        ResponseTooLargeError: the body is larger than `max_bytes`.
        httpx.TransportError: as httpx raises it (the caller classifies it).
    """
    import asyncio  # loaded already whenever a request is sent

    timer = asyncio.timeout(deadline)
    try:
        async with timer:
            response = await http_client.send(
                request, auth=auth, follow_redirects=False, stream=True
            )
            try:
                await read_limited(response, max_bytes, operation_name)
            finally:
                await response.aclose()
    except TimeoutError:
        host = request.url.host
        if deadline is None or not timer.expired():  # a timeout below httpx, not translated
            raise RequestTimeoutError(f"timed out talking to {host}", operation_name) from None
        raise DeadlineExceededError(deadline, host, operation_name) from None
    return response
