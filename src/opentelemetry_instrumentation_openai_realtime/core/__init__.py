"""The transport-free core: a frame is decoded once (``decoder``), then a session state machine
(``session`` and its parts: ``turns``, ``outputs``, ``tools``, ``inputs``, ``audio``) turns it into
spans and metrics. No I/O, no sockets, no SDK classes; nothing here raises into the app."""

from __future__ import annotations

from .session import RealtimeSession, SessionState

__all__ = ["RealtimeSession", "SessionState"]
