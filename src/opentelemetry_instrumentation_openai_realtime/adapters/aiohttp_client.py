"""The ``aiohttp`` adapter: Realtime sessions opened with ``aiohttp.ClientSession.ws_connect`` (as
LiveKit's OpenAI plugin and many gateways do).

Only ``ClientSession._ws_connect`` is wrapped (what ``ws_connect`` awaits, with ``async with`` or
plain ``await``; once per connection). When the URL (with its ``params``) is a Realtime endpoint
(``_endpoints.py``) the session starts before the handshake, and once connected the
``ClientWebSocketResponse`` gets a subclass of its class (same name) that records frames:

- received: ``receive`` (which ``receive_str``, ``receive_bytes``, ``receive_json`` and ``async
  for`` all call): every TEXT and BINARY message; a CLOSE, CLOSED or ERROR message ends the session;
- sent: ``send_str``, ``send_bytes`` (which ``send_json`` and ``send_json_bytes`` call) and
  ``send_frame`` (TEXT and BINARY frames);
- ``close`` and ``__aexit__``.

Any other websocket keeps its class and pays nothing per message.
"""

from __future__ import annotations

import logging
from typing import Any, Optional
from urllib.parse import urlencode, urlsplit

from opentelemetry_instrumentation_openai_realtime.adapters import _sockets
from opentelemetry_instrumentation_openai_realtime.adapters._patching import (
    app_error,
    on_import,
    session_of,
    wrap,
)
from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession

NAME = "aiohttp"

_logger = logging.getLogger(__name__)

# aiohttp.WSMsgType values (an IntEnum): compared as ints, with no import on the hot path
_TEXT, _BINARY, _CLOSE, _CLOSING, _CLOSED, _ERROR = 1, 2, 8, 256, 257, 258
_DATA = (_TEXT, _BINARY)
_ENDS = (_CLOSE, _CLOSING, _CLOSED, _ERROR)
_CLEAN = (1000, 1001)


def install() -> None:
    on_import("aiohttp.client", _patch)


def _patch(module: Any) -> None:
    wrap(module, "ClientSession", "_ws_connect", _ws_connect)


def _query(url: Any, params: Any) -> str:
    parts = [urlsplit(str(url)).query]
    if isinstance(params, str):
        parts.append(params)
    elif params:
        items = params.items() if hasattr(params, "items") else params
        parts.append(urlencode([(str(k), str(v)) for k, v in items]))
    return "&".join(p for p in parts if p)


def _start(url: Any, params: Any, headers: Any) -> Optional[RealtimeSession]:
    try:
        parts = urlsplit(str(url))
        try:
            port = parts.port
        except ValueError:
            port = None
        if port is None and parts.scheme:
            port = 443 if parts.scheme in ("https", "wss") else 80
        return _sockets.open_session(parts.hostname, port, parts.path or "/", _query(url, params), headers)
    except Exception:
        _logger.debug("cannot start a session for an aiohttp websocket", exc_info=True)
        return None


async def _ws_connect(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    url = args[0] if args else kwargs.get("url")
    session = _start(url, kwargs.get("params"), kwargs.get("headers"))
    if session is None:
        return await wrapped(*args, **kwargs)
    try:
        ws = await wrapped(*args, **kwargs)
    except BaseException as exc:
        _sockets.failed(session, exc)
        raise
    _sockets.opened(ws, session, "aiohttp", _methods)
    return ws


# ---------------------------------------------------------------------------- the traced websocket


def _ended(ws: Any, kind: int) -> None:
    """A CLOSE, CLOSED or ERROR message: the session ends (an error unless a clean close)."""
    try:
        session = session_of(ws)
        if session is None or session.closed:
            return
        code = ws.close_code if isinstance(ws.close_code, int) else None
        error = ws.exception() if kind == _ERROR else None
        if error is not None or kind == _ERROR:
            session.close(code=code, error=error, error_type=None if error else "ConnectionClosedError")
        elif code is not None and code not in _CLEAN:
            session.close(code=code, error_type="ConnectionClosedError")
        else:
            session.close(code=code)
    except Exception:
        _logger.debug("cannot record an aiohttp websocket's close", exc_info=True)


def _methods(base: type) -> dict[str, Any]:
    """The recording methods of a ``ClientWebSocketResponse`` class, each calling ``base``'s own."""
    receive0, send_str0, send_bytes0, close0 = base.receive, base.send_str, base.send_bytes, base.close  # type: ignore[attr-defined]
    aexit0 = getattr(base, "__aexit__", None)
    received, sending = _sockets.received, _sockets.sending

    async def receive(self: Any, *args: Any, **kwargs: Any) -> Any:
        msg = await receive0(self, *args, **kwargs)
        kind = msg.type
        if kind in _DATA:
            received(self, msg.data)
        elif kind in _ENDS:
            _ended(self, kind)
        return msg

    def sender(send0: Any) -> Any:
        async def send(self: Any, data: Any, *args: Any, **kwargs: Any) -> Any:
            session = sending(self, data)
            if session is None:
                return await send0(self, data, *args, **kwargs)
            try:
                return await send0(self, data, *args, **kwargs)
            except Exception:
                _sockets.unsent(session, data)
                raise

        return send

    async def close(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await close0(self, *args, **kwargs)
        finally:
            code = self.close_code
            _sockets.closed(self, code if isinstance(code, int) else None)

    methods: dict[str, Any] = {
        "receive": receive,
        "send_str": sender(send_str0),
        "send_bytes": sender(send_bytes0),
        "close": close,
    }
    frame0 = getattr(base, "send_frame", None)
    if frame0 is not None:

        async def send_frame(self: Any, message: Any, opcode: Any, *args: Any, **kwargs: Any) -> Any:
            session = sending(self, message) if opcode in _DATA else None
            if session is None:
                return await frame0(self, message, opcode, *args, **kwargs)
            try:
                return await frame0(self, message, opcode, *args, **kwargs)
            except Exception:
                _sockets.unsent(session, message)
                raise

        methods["send_frame"] = send_frame
    if aexit0 is not None:

        async def __aexit__(self: Any, exc_type: Any, exc: Any, tb: Any) -> Any:
            _sockets.app_failed(self, app_error(exc if isinstance(exc, BaseException) else None))
            return await aexit0(self, exc_type, exc, tb)

        methods["__aexit__"] = __aexit__
    return methods
