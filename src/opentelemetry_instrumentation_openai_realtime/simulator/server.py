"""A local WebSocket server that speaks the OpenAI Realtime protocol, driven by scripted scenarios.

:class:`RealtimeSimulator` listens on ``127.0.0.1`` (random free port by default) and accepts the real
``openai`` client: build the client with :meth:`RealtimeSimulator.client_options` (``base_url`` and
``websocket_base_url``) and it connects to ``ws://127.0.0.1:PORT/v1/realtime?model=...``. Each accepted
connection runs the *scenario*, an ``async def scenario(conn: SimConnection) -> None``, which sends
server events and waits for client events through the :class:`SimConnection` it is given. The
ready-made scenarios live in :mod:`.scenarios`.

Everything is recorded on the simulator (:attr:`~RealtimeSimulator.received`,
:attr:`~RealtimeSimulator.sent`, :attr:`~RealtimeSimulator.errors` ...) so tests can assert on the exact
traffic. With ``validate=True`` every server event is checked against the installed SDK's models
before it is sent (see :func:`.events.validate_server_event`).

Only the standard library and ``websockets`` (>= 13, ``websockets.asyncio.server``) are needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any, Optional

from websockets.asyncio.server import serve

from .connection import Scenario, SimConnection
from .dialects import Dialect, Event, check_dialect
from .errors import SimulatorDisconnected
from .lenient import respond
from .response import SimMessage, SimResponse
from .validation import warm_up

__all__ = [
    "RealtimeSimulator",
    "Scenario",
    "SimConnection",
    "SimMessage",
    "SimResponse",
    "SimulatorDisconnected",
]


class RealtimeSimulator:
    """A scripted OpenAI Realtime server for tests, demos and benchmarks.

    ::

        sim = RealtimeSimulator(scenarios.voice_turn(), dialect="ga")
        async with sim:
            client = AsyncOpenAI(**sim.client_options())   # api_key, base_url, websocket_base_url
            async with client.realtime.connect(model="gpt-realtime") as conn:
                ...
        assert sim.errors == []

        with sim.run_in_thread():            # for the synchronous client
            client = OpenAI(**sim.client_options())

    ``base_url=sim.http_url`` alone is enough for GA clients of openai >= 2.x; beta clients (and GA
    clients of openai 1.x) always connect with ``wss://`` unless ``websocket_base_url`` is given, which
    :meth:`client_options` does.

    Args:
        scenario: ``async def scenario(conn: SimConnection) -> None``, run once per accepted connection.
            When it returns, the connection is closed normally (1000) unless the scenario closed or
            dropped it already. An exception raised by the scenario is recorded in :attr:`errors` and the
            connection is closed with 1011; a :class:`SimulatorDisconnected` (the client went away) is
            recorded in :attr:`client_disconnects` instead.
        dialect: ``"ga"`` or ``"beta"``: which protocol the server speaks.
        validate: check every server event against the installed ``openai`` SDK before sending it.
        host, port: where to listen (``port=0``: a free port chosen by the OS).
        auto_respond: answer ``session.update`` and ``input_audio_buffer.clear`` automatically (see
            :class:`SimConnection`).
        timeout: default timeout in seconds of :meth:`SimConnection.recv` / ``expect`` /
            ``wait_for_appends`` (``None``: wait forever), so a client that never sends the expected
            event fails the scenario instead of hanging the test.
        shutdown_timeout: on exit, how long to let running scenarios finish before closing their
            connections (1001).
        lenient: answer a client event the scenario does not expect (as :mod:`.lenient` says)
            instead of failing the scenario, and once the scenario is over keep answering whatever
            the client sends until it leaves (:func:`.lenient.respond`).
    """

    def __init__(
        self,
        scenario: Scenario,
        dialect: str = "ga",
        *,
        validate: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        auto_respond: bool = True,
        timeout: Optional[float] = 30.0,
        shutdown_timeout: float = 5.0,
        lenient: bool = False,
    ) -> None:
        self.scenario = scenario
        self.dialect: Dialect = check_dialect(dialect)
        self.validate = validate
        self.host = host
        self._port = port
        self.auto_respond = auto_respond
        self.timeout = timeout
        self.shutdown_timeout = shutdown_timeout
        self.lenient = lenient
        self._received: list[Event] = []
        self._sent: list[Event] = []
        self._errors: list[BaseException] = []
        self._headers: list[Any] = []
        self._paths: list[str] = []
        self._connections: list[SimConnection] = []
        self.client_disconnects: list[int] = []
        """Indexes of connections whose scenario ended because the connection was already closed."""
        self._server: Any = None
        self._handlers: set[asyncio.Task[Any]] = set()

    # -- recorded traffic -------------------------------------------------------------------------------

    @property
    def received(self) -> list[Event]:
        """Every client event received (parsed JSON), across connections, in arrival order."""
        return self._received

    @property
    def sent(self) -> list[Event]:
        """Every server event sent, across connections, in order."""
        return self._sent

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised by scenarios or by validation (tests assert this is empty)."""
        return self._errors

    @property
    def connections(self) -> int:
        """Number of WebSocket connections accepted so far."""
        return len(self._connections)

    @property
    def connection_log(self) -> list[SimConnection]:
        """The :class:`SimConnection` of every accepted connection, in order."""
        return self._connections

    @property
    def request_headers(self) -> list[Any]:
        """The HTTP headers of each connection's handshake request (case-insensitive, dict-like)."""
        return self._headers

    @property
    def request_paths(self) -> list[str]:
        """The request path (with query string) of each connection's handshake."""
        return self._paths

    # -- addresses --------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The listening port (only known once started)."""
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return self._port

    @property
    def http_url(self) -> str:
        """``base_url`` for the openai client: ``http://127.0.0.1:PORT/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def websocket_base_url(self) -> str:
        """``websocket_base_url`` for the openai client: ``ws://127.0.0.1:PORT/v1``.

        Needed by every beta client (``client.beta.realtime`` always switches ``base_url`` to ``wss``)
        and by GA clients older than openai 2.x; harmless for the others.
        """
        return f"ws://{self.host}:{self.port}/v1"

    @property
    def ws_url(self) -> str:
        """The Realtime WebSocket URL: ``ws://127.0.0.1:PORT/v1/realtime``."""
        return f"ws://{self.host}:{self.port}/v1/realtime"

    def client_options(self, api_key: str = "sk-test") -> dict[str, Any]:
        """Keyword arguments for ``OpenAI(...)`` / ``AsyncOpenAI(...)`` that point the client at the
        simulator, for both dialects and every SDK version::

            client = AsyncOpenAI(**sim.client_options())
        """
        return {"api_key": api_key, "base_url": self.http_url, "websocket_base_url": self.websocket_base_url}

    # -- lifecycle --------------------------------------------------------------------------------------

    def _record_error(self, exc: BaseException) -> None:
        if not any(exc is seen for seen in self._errors):
            self._errors.append(exc)

    async def _process_request(self, connection: Any, request: Any) -> Any:
        path = str(request.path)
        if not urllib.parse.urlsplit(path).path.rstrip("/").endswith(("/realtime", "/realtime/translations")):
            self._record_error(AssertionError(f"unexpected WebSocket request path {path!r}"))
            return connection.respond(404, "Not Found: the simulator serves only .../realtime\n")
        return None

    async def _handle(self, websocket: Any) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        request = websocket.request
        path = str(request.path) if request is not None else ""
        headers = request.headers if request is not None else {}
        conn = SimConnection(self, websocket, index=len(self._connections), path=path, headers=headers)
        self._connections.append(conn)
        self._headers.append(headers)
        self._paths.append(path)
        reader = asyncio.ensure_future(conn.inbox.read_loop())
        try:
            await self.scenario(conn)
            if conn.lenient and not conn.closed:
                await respond()(conn)  # keep answering until the client leaves
        except SimulatorDisconnected:
            self.client_disconnects.append(conn.index)
        except Exception as exc:
            self._record_error(exc)
            await conn.close(1011, f"simulator scenario failed: {type(exc).__name__}"[:120])
        finally:
            if not conn.closed:
                await conn.close(1000)
            try:
                await asyncio.wait_for(asyncio.shield(reader), 2.0)
            except (asyncio.TimeoutError, Exception):
                reader.cancel()
            if task is not None:
                self._handlers.discard(task)

    async def start(self) -> RealtimeSimulator:
        """Start listening (called by ``async with``)."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        if self.validate:
            warm_up(self.dialect)  # the first turn must not pay for building the validators
        self._server = await serve(
            self._handle,
            self.host,
            self._port,
            process_request=self._process_request,
            max_size=None,
        )
        sockets = list(self._server.sockets)
        self._port = int(sockets[0].getsockname()[1])
        return self

    async def stop(self, *, graceful: bool = True) -> None:
        """Stop: let running scenarios finish (``graceful``, up to ``shutdown_timeout``), then close
        the remaining connections (1001) and the listening socket."""
        server = self._server
        if server is None:
            return
        if graceful and self._handlers:
            await asyncio.wait(set(self._handlers), timeout=self.shutdown_timeout)
        server.close()
        await server.wait_closed()
        self._server = None

    async def __aenter__(self) -> RealtimeSimulator:
        return await self.start()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        await self.stop(graceful=exc is None)

    @contextlib.contextmanager
    def run_in_thread(self) -> Iterator[RealtimeSimulator]:
        """Run the server in a background thread with its own event loop (for synchronous clients).

        ::

            with sim.run_in_thread():
                client = OpenAI(**sim.client_options())
        """
        ready = threading.Event()
        failure: list[BaseException] = []
        state: dict[str, Any] = {}

        async def main() -> None:
            stop = asyncio.Event()
            state["stop"] = stop
            state["loop"] = asyncio.get_running_loop()
            try:
                await self.start()
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            await stop.wait()
            await self.stop(graceful=state.get("graceful", True))

        def run() -> None:
            try:
                asyncio.run(main())
            except BaseException as exc:  # pragma: no cover - defensive
                failure.append(exc)
                ready.set()

        thread = threading.Thread(target=run, name="realtime-simulator", daemon=True)
        thread.start()
        if not ready.wait(30):
            raise RuntimeError("the simulator thread did not start")
        if failure:
            raise failure[0]
        graceful = True
        try:
            yield self
        except BaseException:
            graceful = False
            raise
        finally:
            state["graceful"] = graceful
            loop: asyncio.AbstractEventLoop = state["loop"]
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(state["stop"].set)
            thread.join(self.shutdown_timeout + 15)
