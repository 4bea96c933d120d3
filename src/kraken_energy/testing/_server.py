"""``FakeKraken``: the fake, in process over ``httpx.ASGITransport`` or served on 127.0.0.1.

Until :meth:`FakeKraken.start` it answers in process only (``fake.transport()``, ``fake.client()``);
started, uvicorn serves it on loopback in a background thread for any HTTP client or process.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import httpx

from ._allowance import PointsLedger
from ._asgi import DEFAULT_RESULT_CACHE_SIZE, GRAPHQL_PATH, TOKEN_PATH, FakeKrakenApp
from ._clock import Clock, system_clock
from ._data import DEMO_USER_ID, Scenario, default_scenario
from ._faults import FaultSet
from ._jwt import REFRESH_LIFETIME, TOKEN_LIFETIME, Credentials, Principal, TokenService
from ._log import RequestLog, RequestRecord
from ._schema import build_executable_schema, load_schema_sdl
from ._transport import FakeKrakenTransport

if TYPE_CHECKING:
    import uvicorn

    from kraken_energy import KrakenClient

IN_PROCESS_BASE_URL: Final = "https://fake-kraken.invalid"
"""Where an unstarted fake answers through its transport; the name never resolves (RFC 6761)."""
DEFAULT_MAX_PAGE_SIZE: Final = 1000  # Kraken's documented measurements example asks first: 1000
STARTUP_TIMEOUT: Final = 10.0  # seconds to wait for uvicorn to accept connections
SHUTDOWN_TIMEOUT: Final = 10.0  # seconds to wait for the server thread to finish


@dataclass(frozen=True)
class FakeKrakenConfig:
    """How the fake behaves; every field has a working default.

    Attributes:
        credentials: The credentials ``obtainKrakenToken`` and ``/token/`` accept.
        token_lifetime: Seconds from ``iat`` to ``exp`` of each token.
        refresh_lifetime: Seconds a refresh token lasts (``refreshExpiresIn`` is absolute).
        max_page_size: Largest ``first``/``last`` accepted (KT-CT-1203 above it).
        host: Interface to bind; loopback only by default.
        port: Port to bind; 0 picks a free one.
        points_per_request: Points of the hourly allowance each authenticated request costs
            (Kraken charges about 17 for a measurements page); 0, the default, meters nothing.
            Once a viewer's points for the hour are spent, every request of theirs is answered
            with KT-CT-1199 until the next hour, and ``rateLimitInfo`` says so.
        points_per_hour: The hourly allowance of every viewer when metering, instead of
            Kraken's by kind of viewer (50,000 for an account user).
        result_cache_size: Fault-free query answers kept to answer again without executing
            (least recently used go first); benchmarks raise it so the fake's work is not timed.
            The memo is shared by the process's fakes (it holds the largest size any asked
            for): fakes with the same schema, scenario (compared by ``repr``, exact where
            ``==`` is not) and ``max_page_size`` answer each other's queries at the same
            half-hour of their clocks. Faulted, rate-limited, unauthenticated and erroneous
            answers, mutations and ``rateLimitInfo`` are never memoised. 0 turns it off for
            this fake.

    """

    credentials: Credentials = field(default_factory=Credentials)
    token_lifetime: int = TOKEN_LIFETIME
    refresh_lifetime: int = REFRESH_LIFETIME
    max_page_size: int = DEFAULT_MAX_PAGE_SIZE
    host: str = "127.0.0.1"
    port: int = 0
    points_per_request: int = 0
    points_per_hour: int | None = None
    result_cache_size: int = DEFAULT_RESULT_CACHE_SIZE


class FakeKraken:
    """A schema-driven fake Kraken GraphQL API, in process or over real loopback HTTP.

    In process (fast, no thread, no socket): ``fake.client(auth=...)`` is a ``KrakenClient``
    wired to it, and ``fake.transport()`` an ``httpx`` transport for any ``AsyncClient``. Over
    loopback HTTP: use it as a context manager (or call :meth:`start` and :meth:`stop`); then
    ``url`` is ``http://127.0.0.1:<port>/v1/graphql/`` for any client or process. Dropped
    connections and latency behave like a real server's only over loopback.

    Raises:
        FileNotFoundError: on construction, when no schema SDL is given or found.
        RuntimeError: from :meth:`start`, when the server does not come up in time.

    Example:
        >>> fake = FakeKraken()
        >>> async with fake.client(auth=APIKey(DEMO_API_KEY)) as kraken:  # doctest: +SKIP
        ...     await kraken.get_account(account_number=DEMO_ACCOUNT)
        >>> with FakeKraken() as fake:  # doctest: +SKIP
        ...     httpx.post(fake.url, json={"query": "{ __typename }"}).json()
        {'data': {'__typename': 'Query'}}

    """

    def __init__(
        self,
        config: FakeKrakenConfig | None = None,
        *,
        scenario: Scenario | None = None,
        schema_sdl: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config or FakeKrakenConfig()
        self.scenario = scenario or default_scenario()
        self.clock: Clock = clock or system_clock
        self.faults = FaultSet()
        self._log = RequestLog()
        self.tokens = TokenService(
            self.config.credentials,
            self.scenario,
            self.clock,
            secret=secrets.token_hex(32),
            token_lifetime=self.config.token_lifetime,
            refresh_lifetime=self.config.refresh_lifetime,
        )
        self.app = FakeKrakenApp(
            schema=build_executable_schema(schema_sdl or load_schema_sdl()),
            scenario=self.scenario,
            tokens=self.tokens,
            faults=self.faults,
            log=self._log,
            clock=self.clock,
            max_page_size=self.config.max_page_size,
            allowance=PointsLedger(self.config.points_per_request, self.config.points_per_hour),
            result_cache_size=self.config.result_cache_size,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind the port and serve in a daemon thread until :meth:`stop`.

        Raises:
            RuntimeError: when already running or when the server does not start in time.

        """
        if self._thread is not None:
            raise RuntimeError("FakeKraken is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit this. Without it, Nagle holds the response body (written
        # after the headers) until the client's delayed ACK: about 40 ms on every kept-alive
        # request, which made every benchmark measure the stall instead of the client.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.config.host, self.config.port))
        import uvicorn  # only a served fake needs it

        config = uvicorn.Config(
            self.app, log_level="warning", lifespan="off", http="h11", access_log=False
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="fake-kraken", daemon=True
        )
        self._server, self._thread, self._socket = server, thread, sock
        thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("FakeKraken did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving: return once the port is closed and every connection has ended.

        Safe to call twice. uvicorn closes the listening socket and idle connections as its
        shutdown begins (answers in progress are finished first), then waits a fixed 0.1 s
        before its thread ends: that rest goes on in the background (the thread is a daemon),
        so a suite stopping a fake per test does not wait for it each time. The fake can be
        started again at once, on a new port.
        """
        server, thread, sock = self._server, self._thread, self._socket
        self._server = self._thread = self._socket = None
        if server is not None:
            server.should_exit = True
        if server is not None and thread is not None and sock is not None:
            deadline = time.monotonic() + SHUTDOWN_TIMEOUT
            while thread.is_alive() and time.monotonic() < deadline:
                if sock.fileno() == -1 and not server.server_state.connections:
                    break
                time.sleep(0.002)
        if sock is not None and (thread is None or not thread.is_alive()):
            sock.close()  # the server never took it, or is gone

    @property
    def running(self) -> bool:
        """Whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` while served, else ``IN_PROCESS_BASE_URL``."""
        if self._socket is None:
            return IN_PROCESS_BASE_URL
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The GraphQL endpoint, ``<base_url>/v1/graphql/``."""
        return self.base_url + GRAPHQL_PATH

    @property
    def token_url(self) -> str:
        """The OAuth client-credentials endpoint, ``<base_url>/token/``."""
        return self.base_url + TOKEN_PATH

    # --- in process -----------------------------------------------------------------------------

    def transport(self) -> FakeKrakenTransport:
        """Return an ``httpx`` transport that hands requests to the fake in process.

        It serves ``httpx.AsyncClient`` and (outside a running event loop) ``httpx.Client``. A
        ``DropConnection`` fault surfaces as ``httpx.RemoteProtocolError``, as over a socket.

        Example:
            >>> http = httpx.AsyncClient(transport=fake.transport())  # doctest: +SKIP

        """
        return FakeKrakenTransport(app=self.app)

    def client(self, **options: Any) -> KrakenClient:
        """Return a ``KrakenClient`` for this fake: in process, or over loopback once started.

        Takes ``KrakenClient``'s keyword arguments (``auth``, ``retry``, ...); the URL is the
        fake's. Not yet started, requests go through :meth:`transport` unless ``http_client``
        is given.

        Example:
            >>> async with fake.client(auth=APIKey(DEMO_API_KEY)) as kraken:  # doctest: +SKIP
            ...     await kraken.get_viewer_accounts()

        """
        from kraken_energy import KrakenClient

        if not self.running and options.get("http_client") is None:
            timeout = options.pop("timeout", None)
            options["http_client"] = httpx.AsyncClient(
                transport=self.transport(), timeout=timeout or httpx.Timeout(10.0)
            )
        return KrakenClient(self.url, **options)

    # --- scenario controls ---------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the request log, oldest first."""
        return self._log.snapshot()

    def clear_requests(self) -> None:
        """Forget the request log (request numbering carries on)."""
        self._log.clear()

    def issue_token(self, user_id: str = DEMO_USER_ID) -> str:
        """Return a valid token for a user, without going over HTTP."""
        return str(self.tokens.issue(Principal("user", user_id), "API-KEY")["token"])

    def expire_tokens_after(self, *, uses: int | None = None, seconds: float | None = None) -> None:
        """Expire tokens after ``uses`` requests each, or ``seconds`` after they were issued.

        Expired tokens get KT-CT-1124. Pass nothing to go back to the normal hour.

        Example:
            >>> fake.expire_tokens_after(uses=3)  # doctest: +SKIP

        """
        self.tokens.expire_after(uses=uses, seconds=seconds)

    def expire_all_tokens(self) -> None:
        """Expire every token issued so far; tokens obtained afterwards work."""
        self.tokens.expire_all()
