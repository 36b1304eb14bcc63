"""The ``websockets`` adapter: Realtime sessions that apps and frameworks (openai-agents, Pipecat,
phone relays) open with the ``websockets`` library themselves.

Every client of ``websockets`` 13+ passes one handshake method per connection, whatever way the
app connected (``websockets.connect``, ``websockets.asyncio.client.connect``, ``reconnect``,
``async with``, plain ``await``, ``async for`` reconnection loops, ``websockets.sync.client.connect``,
the legacy ``websockets.legacy.client.connect`` / ``websockets.client.connect``):

- ``websockets.asyncio.client.ClientConnection.handshake`` (asyncio, 13+);
- ``websockets.sync.client.ClientConnection.handshake`` (threads, 13+);
- ``websockets.legacy.client.WebSocketClientProtocol.handshake`` (the legacy asyncio client).

Only that method is wrapped (and the asyncio ``connect`` objects' ``__aexit__``, to see an app
exception leave the block). When the URL is a Realtime endpoint (``_endpoints.py``) the session
starts before the handshake, and once connected the connection gets a subclass of its class
(same name) whose ``recv``, ``recv_streaming``, iteration (which calls ``recv``), ``send``,
``close`` and ``__exit__``/``__aexit__`` record frames; any other socket keeps its class and
pays nothing per message. A connection the openai SDK opens is traced by the SDK adapter and left
alone here.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from opentelemetry_instrumentation_openai_realtime.adapters import _sockets
from opentelemetry_instrumentation_openai_realtime.adapters._patching import app_error, on_import, wrap
from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession

NAME = "websockets"

_logger = logging.getLogger(__name__)

_received, _sending, _closed = _sockets.received, _sockets.sending, _sockets.closed


def install() -> None:
    on_import("websockets.asyncio.client", _patch_asyncio)
    on_import("websockets.sync.client", _patch_sync)
    on_import("websockets.legacy.client", _patch_legacy)


def _patch_asyncio(module: Any) -> None:
    wrap(module, "ClientConnection", "handshake", _handshake_async)
    # before 17, ``async with connect(...)`` closes the connection without its ``__aexit__``
    wrap(module, "connect", "__aexit__", _connect_exit)


def _patch_sync(module: Any) -> None:
    wrap(module, "ClientConnection", "handshake", _handshake_sync)


def _patch_legacy(module: Any) -> None:
    wrap(module, "WebSocketClientProtocol", "handshake", _handshake_legacy)
    wrap(module, "Connect", "__aexit__", _connect_exit)


async def _connect_exit(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    """``connect(...).__aexit__``: an app exception leaving the block fails the session (the
    connection's own ``__aexit__`` is not called by every version)."""
    exc = args[1] if len(args) > 1 else kwargs.get("exc_value")
    connection = instance.__dict__.get("connection") or instance.__dict__.get("protocol")
    if connection is not None and isinstance(exc, BaseException):
        _sockets.app_failed(connection, app_error(exc))
    return await wrapped(*args, **kwargs)


# ---------------------------------------------------------------------------- handshakes


def _start(uri: Any, headers: Any) -> Optional[RealtimeSession]:
    """The session of a socket about to shake hands with ``uri`` (a ``WebSocketURI``), if it is
    a Realtime endpoint."""
    try:
        if uri is None:
            return None
        return _sockets.open_session(uri.host, uri.port, uri.path or "/", uri.query or "", headers)
    except Exception:
        _logger.debug("cannot start a session for a websocket", exc_info=True)
        return None


def _uri(connection: Any) -> Any:
    protocol = getattr(connection, "protocol", None)
    return getattr(protocol, "uri", None) or getattr(protocol, "wsuri", None)


def _headers(args: Any, kwargs: Any, name: str, index: int) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


async def _handshake_async(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    session = _start(_uri(instance), _headers(args, kwargs, "additional_headers", 0))
    if session is None:
        return await wrapped(*args, **kwargs)
    try:
        result = await wrapped(*args, **kwargs)
    except BaseException as exc:
        _sockets.failed(session, exc)
        raise
    _sockets.opened(instance, session, "asyncio", _async_methods)
    return result


def _handshake_sync(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    session = _start(_uri(instance), _headers(args, kwargs, "additional_headers", 0))
    if session is None:
        return wrapped(*args, **kwargs)
    try:
        result = wrapped(*args, **kwargs)
    except BaseException as exc:
        _sockets.failed(session, exc)
        raise
    _sockets.opened(instance, session, "sync", _sync_methods)
    return result


async def _handshake_legacy(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    uri = args[0] if args else kwargs.get("wsuri")
    session = _start(uri, _headers(args, kwargs, "extra_headers", 4))
    if session is None:
        return await wrapped(*args, **kwargs)
    try:
        result = await wrapped(*args, **kwargs)
    except BaseException as exc:
        _sockets.failed(session, exc)
        raise
    _sockets.opened(instance, session, "legacy", _async_methods)
    return result


# ---------------------------------------------------------------------------- the traced connection


def _recv_failed(connection: Any, exc: BaseException) -> None:
    """A receive raised: a closed connection ends the session (normally for a clean close)."""
    try:
        from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

        if isinstance(exc, ConnectionClosed):
            frame = exc.rcvd or exc.sent
            code = frame.code if frame is not None else 1006
            _closed(connection, code, None if isinstance(exc, ConnectionClosedOK) else exc)
    except Exception:
        _logger.debug("cannot record a websocket's close", exc_info=True)


def _close_code(connection: Any) -> Optional[int]:
    code = getattr(connection, "close_code", None)
    return code if isinstance(code, int) else None


def _joined(parts: list[Any]) -> Any:
    if not parts:
        return None
    return "".join(parts) if isinstance(parts[0], str) else b"".join(bytes(p) for p in parts)


def _async_methods(base: type) -> dict[str, Any]:
    """The recording methods of an asyncio connection class (``ClientConnection`` or the legacy
    ``WebSocketClientProtocol``), each calling ``base``'s own."""
    recv0, send0, close0 = base.recv, base.send, base.close  # type: ignore[attr-defined]

    async def recv(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            data = await recv0(self, *args, **kwargs)
        except BaseException as exc:
            _recv_failed(self, exc)
            raise
        _received(self, data)
        return data

    async def send(self: Any, message: Any, *args: Any, **kwargs: Any) -> Any:
        session = _sending(self, message)
        if session is None:
            return await send0(self, message, *args, **kwargs)
        try:
            return await send0(self, message, *args, **kwargs)
        except Exception:
            _sockets.unsent(session, message)
            raise

    async def close(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await close0(self, *args, **kwargs)
        finally:
            _closed(self, _close_code(self))

    methods: dict[str, Any] = {"recv": recv, "send": send, "close": close}
    stream0 = getattr(base, "recv_streaming", None)
    if stream0 is not None:

        async def recv_streaming(self: Any, *args: Any, **kwargs: Any) -> Any:
            parts: list[Any] = []
            inner = stream0(self, *args, **kwargs)
            try:
                async for fragment in inner:
                    parts.append(fragment)
                    yield fragment
            except BaseException as exc:
                _recv_failed(self, exc)
                raise
            finally:
                await inner.aclose()
            _received(self, _joined(parts))

        methods["recv_streaming"] = recv_streaming
    aexit0 = base.__dict__.get("__aexit__") or getattr(base, "__aexit__", None)
    if aexit0 is not None:

        async def __aexit__(self: Any, exc_type: Any, exc: Any, tb: Any) -> Any:
            _sockets.app_failed(self, app_error(exc if isinstance(exc, BaseException) else None))
            return await aexit0(self, exc_type, exc, tb)

        methods["__aexit__"] = __aexit__
    return methods


def _sync_methods(base: type) -> dict[str, Any]:
    """The recording methods of a sync ``ClientConnection`` class, each calling ``base``'s own."""
    recv0, send0, close0, exit0 = base.recv, base.send, base.close, base.__exit__  # type: ignore[attr-defined]

    def recv(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            data = recv0(self, *args, **kwargs)
        except BaseException as exc:
            _recv_failed(self, exc)
            raise
        _received(self, data)
        return data

    def send(self: Any, message: Any, *args: Any, **kwargs: Any) -> Any:
        session = _sending(self, message)
        if session is None:
            return send0(self, message, *args, **kwargs)
        try:
            return send0(self, message, *args, **kwargs)
        except Exception:
            _sockets.unsent(session, message)
            raise

    def close(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return close0(self, *args, **kwargs)
        finally:
            _closed(self, _close_code(self))

    def __exit__(self: Any, exc_type: Any, exc: Any, tb: Any) -> Any:
        _sockets.app_failed(self, app_error(exc if isinstance(exc, BaseException) else None))
        return exit0(self, exc_type, exc, tb)

    methods: dict[str, Any] = {"recv": recv, "send": send, "close": close, "__exit__": __exit__}
    stream0 = getattr(base, "recv_streaming", None)
    if stream0 is not None:

        def recv_streaming(self: Any, *args: Any, **kwargs: Any) -> Any:
            parts: list[Any] = []
            inner = stream0(self, *args, **kwargs)
            try:
                for fragment in inner:
                    parts.append(fragment)
                    yield fragment
            except BaseException as exc:
                _recv_failed(self, exc)
                raise
            finally:
                inner.close()
            _received(self, _joined(parts))

        methods["recv_streaming"] = recv_streaming
    return methods
