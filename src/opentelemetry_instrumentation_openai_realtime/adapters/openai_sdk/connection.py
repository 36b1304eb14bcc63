"""The openai SDK's connections: every frame received (``recv_bytes``) or sent (``send``,
``send_raw``), the close, and the SDK's own reconnects (2.32+)."""

from __future__ import annotations

import contextvars
import inspect
import logging
from typing import Any, Callable, Optional

from opentelemetry_instrumentation_openai_realtime.adapters._patching import (
    SESSION_ATTR,
    opening_owned_socket,
    session_of,
    state,
    telemetry,
)

from .managers import _lazy_session

_logger = logging.getLogger(__name__)

CLOSING_ATTR = "_otel_realtime_closing"

_in_send: contextvars.ContextVar[bool] = contextvars.ContextVar("otel_realtime_in_send", default=False)


# ---------------------------------------------------------------------------- receive


def _on_recv_error(connection: Any, exc: BaseException, api: str) -> None:
    """A receive failed: a close (normal or not) ends the session unless the SDK will reconnect."""
    try:
        if telemetry() is None:
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


def _received(connection: Any, data: Any, api: str) -> Any:
    """A frame ``recv_bytes`` returned, handed to the connection's session (started here if the
    connection was not opened through an instrumented manager); returns ``data``, never raises."""
    try:
        session = connection.__dict__.get(SESSION_ATTR)
        if session is None:
            if state.telemetry is None:
                return data
            session = _lazy_session(connection, api)
            if session is None:
                return data
        elif state.telemetry is None:  # uninstrumented since: a pass-through
            return data
        session.server_frame(data)
    except Exception:
        _logger.debug("cannot record a received frame", exc_info=True)
    return data


def _recv_sync(api: str) -> Callable[[Callable[..., Any]], Any]:
    def make(call: Callable[..., Any]) -> Any:
        if _takes_self_only(call):  # the SDK's signature: no *args, **kwargs packing per frame

            def recv_bytes_self(self: Any) -> Any:
                try:
                    data = call(self)
                except BaseException as exc:
                    _on_recv_error(self, exc, api)
                    raise
                _received(self, data, api)
                return data

            return recv_bytes_self

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
        if _takes_self_only(call):  # the SDK's signature: no *args, **kwargs packing per frame

            async def recv_bytes_self(self: Any) -> Any:
                try:
                    data = await call(self)
                except BaseException as exc:
                    _on_recv_error(self, exc, api)
                    raise
                _received(self, data, api)
                return data

            return recv_bytes_self

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


def _takes_self_only(call: Any) -> bool:
    """The method takes ``self`` and nothing else (the SDK's ``recv_bytes``): its replacement may
    have that fixed signature, cheaper to call than ``*args, **kwargs``."""
    try:
        params = list(inspect.signature(call).parameters.values())
    except (TypeError, ValueError):
        return False
    return len(params) == 1 and params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


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
    if telemetry() is None or _in_send.get():
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


def _close_code(connection: Any) -> Optional[int]:
    ws = connection.__dict__.get("_connection")
    code = getattr(ws, "close_code", None)
    return code if isinstance(code, int) else None


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
    with opening_owned_socket():  # the new socket is this session's, not a second one
        ok = wrapped(*args, **kwargs)
    _after_reconnect(instance, ok)
    return ok


async def _reconnect_async(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    with opening_owned_socket():  # the new socket is this session's, not a second one
        ok = await wrapped(*args, **kwargs)
    _after_reconnect(instance, ok)
    return ok
