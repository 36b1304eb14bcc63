"""The session span itself: its identity and configuration as the server reports them, errors,
transport losses and reconnects, and its end with the session's roll-ups."""

from __future__ import annotations

from typing import Any, Optional

from opentelemetry.trace import Status, StatusCode

from opentelemetry_instrumentation_openai_realtime.telemetry import metrics, spans
from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc
from opentelemetry_instrumentation_openai_realtime.telemetry.attributes import (
    error_event_attributes,
    session_config_attributes,
)

from .audio import Audio
from .records import NS
from .shared import Shared
from .tools import Tools
from .transcription import Transcriptions
from .turns import Turns
from .values import as_mapping, as_str


class Lifecycle:
    """What happens to the session as a whole, from its span's start to its end."""

    def __init__(
        self,
        shared: Shared,
        turns: Turns,
        tools: Tools,
        audio: Audio,
        transcriptions: Transcriptions,
        started: int,
    ) -> None:
        self._s = shared
        self._turns = turns
        self._transcriptions = transcriptions
        self._tools = tools
        self._audio = audio
        self._started = started
        self._reconnects = 0
        self._expired = False
        self._close_code: Optional[int] = None
        self._transport_error: Optional[BaseException] = None

    def on_session(self, event: dict[str, Any], now: int) -> None:
        """``session.created`` / ``session.updated`` (and beta ``transcription_session.*``): the
        session's id, kind, model and configuration."""
        shared = self._s
        span = shared.span
        session = as_mapping(event.get("session"))
        session_id = as_str(session.get("id"))
        type_ = event.get("type")
        if isinstance(type_, str) and type_.startswith("transcription_session."):
            shared.config.kind = "transcription"  # beta transcription sessions
        if type_ in ("session.created", "transcription_session.created") and session_id:
            if shared.session_id is None:
                shared.session_id = session_id
                span.set_attribute(sc.SESSION_ID, session_id)
            elif session_id != shared.session_id:
                span.add_event(sc.EVENT_RECONNECT, {sc.SESSION_ID: session_id}, timestamp=now)
        shared.config.update(session)
        if shared.model is None and shared.config.model:
            shared.model = shared.config.model
            span.update_name(shared.name(sc.OPERATION_SESSION))
            span.set_attribute(sc.GEN_AI_REQUEST_MODEL, shared.model)
        attrs = session_config_attributes(shared.config)
        if attrs:
            span.set_attributes(attrs)

    def on_client_update(self, event: dict[str, Any]) -> None:
        """The app's ``session.update`` (content capture only): its instructions and tools, kept
        until the server's ``session.updated`` says them (some servers omit them from the echo)."""
        config = self._s.config
        session = as_mapping(event.get("session"))
        if isinstance(session.get("instructions"), str) and config.instructions is None:
            config.instructions = session["instructions"]
        if isinstance(session.get("tools"), list) and config.tools is None:
            config.tools = session["tools"]

    def on_conversation_created(self, event: dict[str, Any], now: int) -> None:
        conversation_id = as_str(as_mapping(event.get("conversation")).get("id"))
        if conversation_id:
            self._s.conversation_id = conversation_id
            self._s.span.set_attribute(sc.GEN_AI_CONVERSATION_ID, conversation_id)

    def on_error(self, event: dict[str, Any], now: int) -> None:
        """An ``error`` event: on the response in flight, else on the session."""
        error = as_mapping(event.get("error"))
        attrs = error_event_attributes(error)
        if error.get("code") == "session_expired":
            self._expired = True
        self._s.counts.errors += 1
        target = self._turns.latest_open()
        span = target.span if target is not None and target.span is not None else self._s.span
        span.add_event(sc.EVENT_ERROR, attrs, timestamp=now)

    def lost(self, error: Optional[BaseException], code: Optional[int]) -> None:
        """The socket closed under the app (``error``: a drop, ``None``: a clean close)."""
        self._close_code = code
        self._transport_error = error

    def reconnected(self, attempt: Optional[int], now: int) -> None:
        """A new socket for the same session: responses in flight failed; a span event."""
        turns = self._turns
        error = self._transport_error
        for response in list(turns.responses.values()):
            if response.done_at is None:
                turns.fail_in_flight(response, "connection_lost", now)
        turns.release_all(now)
        self._transcriptions.end_all("connection_lost", now)
        self._reconnects += 1
        attrs: dict[str, Any] = {}
        if self._close_code is not None:
            attrs[sc.SESSION_CLOSE_CODE] = self._close_code
        if attempt is not None:
            attrs[sc.EVENT_RECONNECT_ATTEMPT] = attempt
        if error is not None:
            attrs[sc.ERROR_TYPE] = type(error).__qualname__
        self._s.span.add_event(sc.EVENT_RECONNECT, attrs, timestamp=now)
        self._transport_error = None
        self._close_code = None

    def finish(
        self,
        code: Optional[int],
        error: Optional[BaseException],
        error_type: Optional[str],
        now: int,
        by_app: bool = False,
    ) -> None:
        """End every span still open and the session span, with the session's roll-ups; a
        failure (``error_type``, ``error``, or the transport's error) is an ERROR. When the app
        ended the session (``by_app``), responses in flight are ``abandoned``, not failed, and its
        exception is recorded on the session span."""
        shared = self._s
        span = shared.span
        app_error = error if by_app else None
        error = error or self._transport_error
        if code is None:
            code = self._close_code
        failure = error_type or (type(error).__qualname__ if error is not None else None)
        self._turns.end_all(None if by_app else failure, now, abandoned=by_app)
        self._transcriptions.end_all(None if by_app else failure, now, abandoned=by_app)
        self._tools.clear()
        status = "failed" if failure else "expired" if self._expired else "closed"
        audio = self._audio
        span.set_attributes(
            spans.session_end_attributes(
                shared,
                status,
                audio.seconds_in(),
                audio.seconds_out() + shared.counts.played_seconds,
                audio.input_bytes > 0,
                self._reconnects,
                code,
            )
        )
        if app_error is not None:
            span.record_exception(app_error, timestamp=now)
        if failure:
            span.set_attribute(sc.ERROR_TYPE, failure)
            span.set_status(Status(StatusCode.ERROR, failure))
        span.end(end_time=now)
        metrics.record_session(
            shared.telemetry,
            shared.metric_attributes(sc.OPERATION_SESSION, failure),
            max(0, now - self._started) / NS,
        )
