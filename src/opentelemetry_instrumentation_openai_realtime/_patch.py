"""Thin adapters: find the events in the openai SDK and hand them to :class:`RealtimeSession`.

What is wrapped, in the beta (``openai.resources.beta.realtime.realtime``, 1.58+) and GA
(``openai.resources.realtime.realtime``, 1.103+) modules, when present:

- ``Realtime.connect`` / ``AsyncRealtime.connect``: remember the model and the client;
- the managers' ``__enter__``/``enter`` and ``__aenter__``/``enter`` (separate class attributes),
  ``__exit__``/``__aexit__`` and, from 2.32, ``send`` (events queued before connecting);
- the connections' ``recv_bytes`` (every receive path reads each frame through it exactly
  once), ``send`` and ``send_raw`` (with a guard so a ``send`` that calls ``send_raw`` counts
  once), ``close`` and, from 2.32, ``_reconnect``.

Rules: the app sees exactly what it would see without us (same values, same exceptions, same
cancellation); our own failures are caught and logged at debug level; after ``uninstrument()``
a wrapper still reachable from an open connection is a pass-through.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import types
import weakref
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from opentelemetry import context as otel_context
from wrapt import FunctionWrapper, register_post_import_hook

from . import _semconv as sc
from ._telemetry import Telemetry
from .session import RealtimeSession

_logger = logging.getLogger(__name__)

SESSION_ATTR = "_otel_realtime_session"
CONNECT_ATTR = "_otel_realtime_connect"
QUEUED_ATTR = "_otel_realtime_queued"
CLOSING_ATTR = "_otel_realtime_closing"
_MAX_QUEUED = 1024

MODULES = (
    ("openai.resources.beta.realtime.realtime", "beta"),
    ("openai.resources.realtime.realtime", "ga"),
)

_in_send: contextvars.ContextVar[bool] = contextvars.ContextVar("otel_realtime_in_send", default=False)


class _State:
    telemetry: Optional[Telemetry] = None
    generation = 0  # instrument() calls: a post-import hook of an earlier one does nothing
    sessions: weakref.WeakSet[RealtimeSession] = weakref.WeakSet()
    patches: list[tuple[type, str, bool, Any]] = []


_state = _State()


# ---------------------------------------------------------------------------- install / uninstall


def install(telemetry: Telemetry) -> None:
    """Wrap every target the installed SDK has, each module when the app imports it.

    A module already imported is wrapped now; another one when it is first imported (a GA app
    never imports the beta modules, and importing them for it would cost start-up time and
    memory).
    """
    _state.telemetry = telemetry
    _state.generation += 1
    for module_name, api in MODULES:
        try:
            register_post_import_hook(functools.partial(_on_import, api, _state.generation), module_name)
        except Exception:  # a broken optional import must not break the app
            _logger.debug("cannot wrap %s", module_name, exc_info=True)


def _on_import(api: str, generation: int, module: Any) -> None:
    """A post-import hook: wrap ``module`` unless uninstrumented (or re-instrumented) since."""
    try:
        if _state.telemetry is not None and _state.generation == generation:
            _patch_module(module, api)
    except Exception:
        _logger.debug("cannot wrap %s", getattr(module, "__name__", module), exc_info=True)


def _patch_module(module: Any, api: str) -> None:
    for cls_name in ("Realtime", "AsyncRealtime"):
        _wrap(module, cls_name, "connect", _connect_wrapper(api))
    sync_mgr, async_mgr = "RealtimeConnectionManager", "AsyncRealtimeConnectionManager"
    _wrap(module, sync_mgr, "__enter__", _enter_sync)
    _wrap(module, sync_mgr, "enter", _enter_sync)
    _wrap(module, sync_mgr, "__exit__", _exit_sync)
    _wrap(module, async_mgr, "__aenter__", _enter_async)
    _wrap(module, async_mgr, "enter", _enter_async)
    _wrap(module, async_mgr, "__aexit__", _exit_async)
    _wrap(module, sync_mgr, "send", _manager_send)
    _wrap(module, async_mgr, "send", _manager_send)
    sync_conn, async_conn = "RealtimeConnection", "AsyncRealtimeConnection"
    # every frame passes these: plain functions, cheaper to call than wrapt's wrappers
    _replace(module, sync_conn, "recv_bytes", _recv_sync(api))
    _replace(module, async_conn, "recv_bytes", _recv_async(api))
    _replace(module, sync_conn, "send", _send_sync(api, raw=False))
    _replace(module, async_conn, "send", _send_async(api, raw=False))
    _replace(module, sync_conn, "send_raw", _send_sync(api, raw=True))
    _replace(module, async_conn, "send_raw", _send_async(api, raw=True))
    _wrap(module, sync_conn, "close", _close_sync)
    _wrap(module, async_conn, "close", _close_async)
    _wrap(module, sync_conn, "_reconnect", _reconnect_sync)
    _wrap(module, async_conn, "_reconnect", _reconnect_async)


def uninstall() -> None:
    """Restore every wrapped attribute and end the sessions still open."""
    _state.telemetry = None
    while _state.patches:
        cls, name, had_own, original = _state.patches.pop()
        try:
            if had_own:
                setattr(cls, name, original)
            else:
                delattr(cls, name)
        except Exception:
            _logger.debug("cannot restore %s.%s", cls.__name__, name, exc_info=True)
    for session in list(_state.sessions):
        session.close()
    _state.sessions = weakref.WeakSet()


def _target(module: Any, cls_name: str, name: str) -> Optional[tuple[type, bool, Any]]:
    """``(class, whether it defines the attribute itself, the attribute)`` unless absent or already
    patched by us (another library's wrapper is wrapped in turn, and restored on uninstall)."""
    cls = getattr(module, cls_name, None)
    if not isinstance(cls, type):
        return None
    had_own = name in cls.__dict__
    original = cls.__dict__.get(name) if had_own else getattr(cls, name, None)
    if original is None or any(c is cls and n == name for c, n, _, _ in _state.patches):
        return None
    return cls, had_own, original


def _wrap(module: Any, cls_name: str, name: str, wrapper: Callable[..., Any]) -> None:
    """Wrap with wrapt (methods called a few times per session)."""
    target = _target(module, cls_name, name)
    if target is not None:
        cls, had_own, original = target
        setattr(cls, name, FunctionWrapper(original, wrapper))
        _state.patches.append((cls, name, had_own, original))


def _binder(descriptor: Any) -> Callable[..., Any]:
    """``call(self, *args, **kwargs)`` for another library's wrapper or descriptor: bound as
    attribute access would bind it."""

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        return descriptor.__get__(self, type(self))(*args, **kwargs)

    return call


def _replace(module: Any, cls_name: str, name: str, make: Callable[[Callable[..., Any]], Any]) -> None:
    """Replace with a plain function ``make(call)``, where ``call(self, *args, **kwargs)`` calls
    the original (methods called for every event: a plain function costs a fraction of a wrapt
    wrapper per call)."""
    target = _target(module, cls_name, name)
    if target is not None:
        cls, had_own, original = target
        replacement = make(original if isinstance(original, types.FunctionType) else _binder(original))
        try:
            functools.update_wrapper(replacement, original)
        except Exception:  # metadata only
            _logger.debug("cannot copy the metadata of %s.%s", cls.__name__, name, exc_info=True)
        setattr(cls, name, replacement)
        _state.patches.append((cls, name, had_own, original))


# ---------------------------------------------------------------------------- sessions


def session_of(obj: Any) -> Optional[RealtimeSession]:
    """The session attached to a connection or a manager, if any."""
    try:
        session = obj.__dict__.get(SESSION_ATTR)
    except AttributeError:
        return None
    return session if isinstance(session, RealtimeSession) else None


def _mangled(obj: Any, name: str) -> Any:
    for key, value in vars(obj).items():
        if key.endswith("__" + name):
            return value
    return None


def _start_session(manager: Any, api: Optional[str]) -> Optional[RealtimeSession]:
    telemetry = _state.telemetry
    if telemetry is None:
        return None
    try:
        info = manager.__dict__.get(CONNECT_ATTR)
        if info is not None:
            model, client, api = info
        else:
            model, client = _mangled(manager, "model"), _mangled(manager, "client")
        model = model if isinstance(model, str) and model else None
        address, port = _server_of(client)
        session = RealtimeSession(
            telemetry,
            model=model,
            provider=_provider_of(client),
            server_address=address,
            server_port=port,
            api=api,
            parent=otel_context.get_current(),
        )
        _state.sessions.add(session)
        return session
    except Exception:
        _logger.debug("cannot start a realtime session span", exc_info=True)
        return None


def _lazy_session(connection: Any, api: str) -> Optional[RealtimeSession]:
    """A session for a connection that was not opened through an instrumented manager."""
    if _state.telemetry is None:
        return None
    session = _start_session(connection, api)
    if session is not None:
        connection.__dict__[SESSION_ATTR] = session
        session.connected()
        weakref.finalize(connection, session.close)
    return session


def _provider_of(client: Any) -> str:
    try:
        from openai.lib.azure import AsyncAzureOpenAI, AzureOpenAI

        if isinstance(client, (AzureOpenAI, AsyncAzureOpenAI)):
            return sc.PROVIDER_AZURE
    except Exception:
        pass
    return sc.PROVIDER_OPENAI


def _server_of(client: Any) -> tuple[Optional[str], Optional[int]]:
    """Host and port only: never the URL (it can carry credentials or deployment queries)."""
    if client is None:
        return None, None
    base = getattr(client, "websocket_base_url", None) or getattr(client, "base_url", None)
    if base is None:
        return None, None
    parts = urlsplit(str(base))
    host = parts.hostname
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None and parts.scheme:
        port = 443 if parts.scheme in ("https", "wss") else 80
    return host, port


def _attach(manager: Any, connection: Any, session: Optional[RealtimeSession]) -> None:
    if session is None:
        return
    try:
        connection.__dict__[SESSION_ATTR] = session
        manager.__dict__[SESSION_ATTR] = session
        session.connected()
        for event in manager.__dict__.pop(QUEUED_ATTR, ()):
            session.client_event(event)
        weakref.finalize(connection, session.close)
    except Exception:
        _logger.debug("cannot attach the session", exc_info=True)


def _close_code(connection: Any) -> Optional[int]:
    ws = connection.__dict__.get("_connection")
    code = getattr(ws, "close_code", None)
    return code if isinstance(code, int) else None


_BENIGN = ("CancelledError", "KeyboardInterrupt", "SystemExit", "GeneratorExit", "ConnectionClosedOK")


def _app_error(exc: Optional[BaseException]) -> Optional[BaseException]:
    if exc is None or type(exc).__name__ in _BENIGN:
        return None
    return exc


# ---------------------------------------------------------------------------- connect and managers


def _connect_wrapper(api: str) -> Callable[..., Any]:
    def wrapper(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        manager = wrapped(*args, **kwargs)
        if _state.telemetry is not None:
            try:
                manager.__dict__[CONNECT_ATTR] = (
                    kwargs.get("model"),
                    getattr(instance, "_client", None),
                    api,
                )
            except Exception:
                _logger.debug("cannot remember connect() arguments", exc_info=True)
        return manager

    return wrapper


def _enter_sync(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    if _state.telemetry is None:
        return wrapped(*args, **kwargs)
    session = _start_session(instance, None)
    try:
        connection = wrapped(*args, **kwargs)
    except BaseException as exc:
        if session is not None:
            session.close(error=exc)
        raise
    _attach(instance, connection, session)
    return connection


async def _enter_async(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    if _state.telemetry is None:
        return await wrapped(*args, **kwargs)
    session = _start_session(instance, None)
    try:
        connection = await wrapped(*args, **kwargs)
    except BaseException as exc:
        if session is not None:
            session.close(error=exc)
        raise
    _attach(instance, connection, session)
    return connection


def _exit_session(instance: Any, args: Any) -> None:
    session = session_of(instance)
    if session is None or session.closed:
        return
    exc = args[1] if len(args) > 1 else None
    session.close(error=_app_error(exc if isinstance(exc, BaseException) else None))


def _failed_exit(instance: Any, args: Any) -> None:
    """An app exception leaves the block: record it before ``__exit__`` closes the connection
    (our ``close`` wrapper would otherwise end the session as a normal close)."""
    exc = args[1] if len(args) > 1 else None
    if isinstance(exc, BaseException) and _app_error(exc) is not None:
        _exit_session(instance, args)


def _exit_sync(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    _failed_exit(instance, args)
    try:
        return wrapped(*args, **kwargs)
    finally:
        _exit_session(instance, args)


async def _exit_async(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    _failed_exit(instance, args)
    try:
        return await wrapped(*args, **kwargs)
    finally:
        _exit_session(instance, args)


def _manager_send(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    result = wrapped(*args, **kwargs)  # queues only; raises before anything is queued
    if _state.telemetry is not None:
        try:
            event = args[0] if args else kwargs.get("event")
            session = session_of(instance)
            if session is not None:
                session.client_event(event)
            else:
                queued = instance.__dict__.setdefault(QUEUED_ATTR, [])
                if len(queued) < _MAX_QUEUED:
                    queued.append(event)
        except Exception:
            _logger.debug("cannot record a queued event", exc_info=True)
    return result


# ---------------------------------------------------------------------------- receive


def _on_recv_error(connection: Any, exc: BaseException, api: str) -> None:
    """A receive failed: a close (normal or not) ends the session unless the SDK will reconnect."""
    try:
        if _state.telemetry is None:
            return
        session = session_of(connection)
        if session is None or session.closed:
            return
        from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

        if not isinstance(exc, ConnectionClosed):
            return
        frame = exc.rcvd or exc.sent
        code = frame.code if frame is not None else 1006
        error = None if isinstance(exc, ConnectionClosedOK) else exc
        closing = connection.__dict__.get(CLOSING_ATTR) or getattr(connection, "_intentionally_closed", False)
        if closing:
            return  # the app's close() ends the session
        can_reconnect = (
            hasattr(type(connection), "_reconnect")
            and getattr(connection, "_on_reconnecting", None) is not None
            and getattr(connection, "_make_ws", None) is not None
        )
        if can_reconnect:
            session.transport_lost(error, code, reconnecting=True)
        else:
            session.close(code=code, error=error)
    except Exception:
        _logger.debug("cannot record a receive failure", exc_info=True)


def _received(connection: Any, data: Any, api: str) -> None:
    """A frame ``recv_bytes`` returned: to the connection's session (started here if the
    connection was not opened through an instrumented manager)."""
    session = connection.__dict__.get(SESSION_ATTR)
    if session is None:
        if _state.telemetry is None:
            return
        session = _lazy_session(connection, api)
        if session is None:
            return
    elif _state.telemetry is None:
        return
    session.server_frame(data)


def _recv_sync(api: str) -> Callable[[Callable[..., Any]], Any]:
    def make(call: Callable[..., Any]) -> Any:
        def recv_bytes(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                data = call(self, *args, **kwargs)
            except BaseException as exc:
                _on_recv_error(self, exc, api)
                raise
            _received(self, data, api)
            return data

        return recv_bytes

    return make


def _recv_async(api: str) -> Callable[[Callable[..., Any]], Any]:
    def make(call: Callable[..., Any]) -> Any:
        async def recv_bytes(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                data = await call(self, *args, **kwargs)
            except BaseException as exc:
                _on_recv_error(self, exc, api)
                raise
            _received(self, data, api)
            return data

        return recv_bytes

    return make


# ---------------------------------------------------------------------------- send


def _record_client(connection: Any, api: str, event: Any, raw: bool) -> None:
    session = connection.__dict__.get(SESSION_ATTR)
    if session is None:
        session = _lazy_session(connection, api)
        if session is None:
            return
    if raw:
        session.client_frame(event)
    else:
        session.client_event(event)


def _unsent(connection: Any, args: Any, kwargs: Any, raw: bool) -> None:
    """The SDK raised instead of sending: withdraw what the event announced (never raises)."""
    try:
        session = session_of(connection)
        if session is not None:
            session.client_event_unsent(args[0] if args else kwargs.get("data" if raw else "event"))
    except Exception:
        _logger.debug("cannot withdraw an unsent client event", exc_info=True)


def _sending(
    connection: Any, api: str, args: Any, kwargs: Any, raw: bool
) -> Optional[contextvars.Token[bool]]:
    """Before a send: record its event, and mark the send in progress (a ``send`` that calls
    ``send_raw`` counts once). The mark's token, or ``None`` when not recording (uninstrumented,
    or inside another send)."""
    if _state.telemetry is None or _in_send.get():
        return None
    try:
        event = args[0] if args else kwargs.get("data" if raw else "event")
        _record_client(connection, api, event, raw)
    except Exception:
        _logger.debug("cannot record a client event", exc_info=True)
    return _in_send.set(True)


def _send_sync(api: str, raw: bool) -> Callable[[Callable[..., Any]], Any]:
    def make(call: Callable[..., Any]) -> Any:
        def send(self: Any, *args: Any, **kwargs: Any) -> Any:
            token = _sending(self, api, args, kwargs, raw)
            if token is None:
                return call(self, *args, **kwargs)
            try:
                return call(self, *args, **kwargs)
            except Exception:
                _unsent(self, args, kwargs, raw)
                raise
            finally:
                _in_send.reset(token)

        return send

    return make


def _send_async(api: str, raw: bool) -> Callable[[Callable[..., Any]], Any]:
    def make(call: Callable[..., Any]) -> Any:
        async def send(self: Any, *args: Any, **kwargs: Any) -> Any:
            token = _sending(self, api, args, kwargs, raw)
            if token is None:
                return await call(self, *args, **kwargs)
            try:
                return await call(self, *args, **kwargs)
            except Exception:
                _unsent(self, args, kwargs, raw)
                raise
            finally:
                _in_send.reset(token)

        return send

    return make


# ---------------------------------------------------------------------------- close and reconnect


def _close_sync(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    instance.__dict__[CLOSING_ATTR] = True
    try:
        return wrapped(*args, **kwargs)
    finally:
        session = session_of(instance)
        if session is not None:
            session.close(code=_close_code(instance))


async def _close_async(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    instance.__dict__[CLOSING_ATTR] = True
    try:
        return await wrapped(*args, **kwargs)
    finally:
        session = session_of(instance)
        if session is not None:
            session.close(code=_close_code(instance))


def _after_reconnect(instance: Any, ok: Any) -> None:
    session = session_of(instance)
    if session is None or session.closed:
        return
    if ok is True:
        attempt = getattr(instance, "_reconnect_attempt", None)
        session.reconnected(attempt if isinstance(attempt, int) else None)
    elif not instance.__dict__.get(CLOSING_ATTR):
        session.close()


def _reconnect_sync(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    ok = wrapped(*args, **kwargs)
    _after_reconnect(instance, ok)
    return ok


async def _reconnect_async(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    ok = await wrapped(*args, **kwargs)
    _after_reconnect(instance, ok)
    return ok
