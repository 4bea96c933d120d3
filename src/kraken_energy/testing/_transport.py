"""``FakeKrakenTransport``: httpx clients reach the fake's ASGI app in process, without a socket."""

from __future__ import annotations

import asyncio

import httpx

from ._asgi import DroppedConnection


class FakeKrakenTransport(httpx.ASGITransport, httpx.BaseTransport):
    """An ``httpx`` transport into the fake's app, in process, for async and sync clients.

    It is ``httpx.ASGITransport`` with a dropped connection reported as httpx reports one over a
    socket. A synchronous ``httpx.Client`` may use it too (outside a running event loop): each
    request then runs the app in an event loop of its own.

    Example:
        >>> httpx.AsyncClient(transport=fake.transport())  # doctest: +SKIP
        >>> httpx.Client(transport=fake.transport())  # doctest: +SKIP

    """

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request to the app; a dropped connection is ``httpx.RemoteProtocolError``.

        Raises:
            httpx.RemoteProtocolError: when a ``DropConnection`` fault fires.

        """
        try:
            return await super().handle_async_request(request)
        except DroppedConnection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request from a synchronous client and read the whole answer.

        Raises:
            httpx.RemoteProtocolError: when a ``DropConnection`` fault fires.
            RuntimeError: when called inside a running event loop (use an ``AsyncClient``).

        """
        return asyncio.run(self._answer(request))

    async def _answer(self, request: httpx.Request) -> httpx.Response:
        response = await self.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)
