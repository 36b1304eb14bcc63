"""The openai SDK's ``connect()`` and connection managers: a session starts when the app enters the
manager (or, for a connection made another way, at its first frame) and ends when it leaves."""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from opentelemetry_instrumentation_openai_realtime.adapters._patching import (
    SESSION_ATTR,
    app_error,
    attach,
    new_session,
    opening_owned_socket,
    session_of,
    telemetry,
)
from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession
from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc

_logger = logging.getLogger(__name__)

CONNECT_ATTR = "_otel_realtime_connect"
QUEUED_ATTR = "_otel_realtime_queued"
_MAX_QUEUED = 1024


# ---------------------------------------------------------------------------- sessions


def _mangled(obj: Any, name: str) -> Any:
    for key, value in vars(obj).items():
        if key.endswith("__" + name):
            return value
    return None


def _start_session(manager: Any, api: Optional[str]) -> Optional[RealtimeSession]:
    if telemetry() is None:
        return None
    try:
        info = manager.__dict__.get(CONNECT_ATTR)
        if info is not None:
            model, client, api = info
        else:
            model, client = _mangled(manager, "model"), _mangled(manager, "client")
        model = model if isinstance(model, str) and model else None
        address, port = _server_of(client)
        call_id = _mangled(manager, "call_id")  # openai >= 2.1: connect(call_id=...) joins a call
        return new_session(
            model=model,
            provider=_provider_of(client),
            server_address=address,
            server_port=port,
            api=api,
            **({"call_id": call_id} if isinstance(call_id, str) and call_id else {}),
        )
    except Exception:
        _logger.debug("cannot start a realtime session span", exc_info=True)
        return None


def _lazy_session(connection: Any, api: str) -> Optional[RealtimeSession]:
    """A session for a connection that was not opened through an instrumented manager."""
    if telemetry() is None:
        return None
    session = _start_session(connection, api)
    if session is not None:
        attach(connection, session)
        session.connected()
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
        manager.__dict__[SESSION_ATTR] = session
        attach(connection, session)
        session.connected()
        for event in manager.__dict__.pop(QUEUED_ATTR, ()):
            session.client_event(event)
    except Exception:
        _logger.debug("cannot attach the session", exc_info=True)


# ---------------------------------------------------------------------------- connect and managers


def _connect_wrapper(api: str) -> Callable[..., Any]:
    def wrapper(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        manager = wrapped(*args, **kwargs)
        if telemetry() is not None:
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
    if telemetry() is None:
        return wrapped(*args, **kwargs)
    session = _start_session(instance, None)
    try:
        with opening_owned_socket():  # the websockets adapter leaves this socket to us
            connection = wrapped(*args, **kwargs)
    except BaseException as exc:
        if session is not None:
            session.close(error=exc)
        raise
    _attach(instance, connection, session)
    return connection


async def _enter_async(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    if telemetry() is None:
        return await wrapped(*args, **kwargs)
    session = _start_session(instance, None)
    try:
        with opening_owned_socket():  # the websockets adapter leaves this socket to us
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
    session.close(error=app_error(exc if isinstance(exc, BaseException) else None))


def _is_transport_error(exc: BaseException) -> bool:
    """The socket's own exception (a drop, a close), which reached the app through the SDK."""
    try:
        from websockets.exceptions import ConnectionClosed
    except ImportError:  # pragma: no cover - openai[realtime] brings websockets
        return False
    return isinstance(exc, ConnectionClosed)


def _failed_exit(instance: Any, args: Any) -> None:
    """An exception leaves the block: record it before ``__exit__`` closes the connection (our
    ``close`` wrapper would otherwise end the session as a normal close). Unless the socket raised
    it, the app ended the session (its own exception, or its task cancelled): ``by_app``."""
    exc = args[1] if len(args) > 1 else None
    if not isinstance(exc, BaseException):
        return
    if _is_transport_error(exc):
        if app_error(exc) is not None:
            _exit_session(instance, args)
        return
    session = session_of(instance)
    if session is not None and not session.closed:
        session.close(error=app_error(exc), by_app=True)


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
    if telemetry() is not None:
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
