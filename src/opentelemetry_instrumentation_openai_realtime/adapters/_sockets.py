"""What the socket-level adapters (websockets, aiohttp) share: deciding at the handshake whether a
socket is a Realtime session, and recording its frames once it is.

Only the handshake is wrapped for every socket (once per connection, never per message). A
Realtime socket then gets a subclass of its own class (``_patching.swap_class``) whose receive,
send and close methods record frames; any other socket keeps its class and pays nothing per
message. A socket that another adapter traces (the openai SDK's, opened inside
``_patching.opening_owned_socket()``) is left alone: one socket, one session.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional

from opentelemetry_instrumentation_openai_realtime.adapters._endpoints import endpoint
from opentelemetry_instrumentation_openai_realtime.adapters._patching import (
    SESSION_ATTR,
    attach,
    new_session,
    session_of,
    socket_owned,
    state,
    swap_class,
    telemetry,
)
from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession

_logger = logging.getLogger(__name__)

#: what a socket sends or receives as one frame (anything else, e.g. a fragment iterator, is not read)
FRAMES = (str, bytes, bytearray, memoryview)


def open_session(
    host: Optional[str], port: Optional[int], path: str, query: str, headers: Any
) -> Optional[RealtimeSession]:
    """Before the handshake: a session started now if the URL is a Realtime endpoint and no other
    adapter traces this socket; ``None`` otherwise (the socket is then left untouched)."""
    current = telemetry()
    if current is None or socket_owned():
        return None
    try:
        found = endpoint(host, port, path, query, headers, current.settings.url_prefixes)
    except Exception:
        _logger.debug("cannot read a socket's URL", exc_info=True)
        return None
    if found is None:
        return None
    return new_session(**found.session_options())


def opened(
    connection: Any, session: RealtimeSession, kind: str, methods: Callable[[type], dict[str, Any]]
) -> None:
    """After the handshake: the connection records its frames into ``session`` from now on."""
    try:
        if swap_class(connection, kind, methods):
            attach(connection, session)
            session.connected()
        else:
            session.close()
    except Exception:
        _logger.debug("cannot attach a realtime session to a socket", exc_info=True)


def failed(session: RealtimeSession, exc: BaseException) -> None:
    """The handshake raised: the session ends with the error (which still reaches the app)."""
    session.close(error=exc)


def received(connection: Any, data: Any) -> None:
    """A frame the socket returned to the app (``state.telemetry`` read in place: no call more
    per frame than the session's own)."""
    session = connection.__dict__.get(SESSION_ATTR)
    if session is not None and state.telemetry is not None:
        session.server_frame(data)


def sending(connection: Any, data: Any) -> Optional[RealtimeSession]:
    """Before a send: the frame is recorded (the send time is the request time); the session, to
    withdraw it if the send raises, or ``None`` when nothing was recorded."""
    session: Optional[RealtimeSession] = connection.__dict__.get(SESSION_ATTR)
    if session is None or telemetry() is None or not isinstance(data, FRAMES):
        return None
    session.client_frame(data)
    return session


def unsent(session: RealtimeSession, data: Any) -> None:
    session.client_event_unsent(data)


def closed(connection: Any, code: Optional[int], error: Optional[BaseException] = None) -> None:
    """The socket closed (the app's close, or the end of the stream): the session ends."""
    try:
        session = session_of(connection)
        if session is not None:
            session.close(code=code, error=error)
    except Exception:
        _logger.debug("cannot end a socket's session", exc_info=True)


def app_failed(connection: Any, error: Optional[BaseException]) -> None:
    """An app exception left the connection's ``with`` block: the session records it."""
    if error is None:
        return
    try:
        session = session_of(connection)
        if session is not None:
            session.close(error=error)
    except Exception:
        _logger.debug("cannot end a socket's session", exc_info=True)
