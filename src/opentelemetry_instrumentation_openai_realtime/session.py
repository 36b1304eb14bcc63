"""The realtime session state machine: events in, spans and metrics out.

:class:`RealtimeSession` is fed with the server's and the client's events (raw frames, dicts or
SDK models) and with transport facts (connected, closed, reconnected). It knows nothing of
sockets, of the openai SDK's classes or of patching; it never raises and never does I/O. Every
public method catches its own failures and logs them at debug level.

Span tree, per the telemetry contract::

    realtime_session {model}      one per logical session (connect -> close)
    ├── chat {model}              one per model response (response.create/VAD commit -> response.done)
    └── execute_tool {name}       one per function call whose output the app sent back

Timing rules (all times are the client's clock, when an event was read or sent):

- a response span starts at its trigger: the app's ``response.create``, else the server VAD's
  ``input_audio_buffer.committed`` of the user input it answers, else ``response.created``;
- it ends at ``response.done`` (that is its end timestamp), but the span is *held* open while a
  fact that belongs to it can still arrive: the user's input transcript (at most
  ``transcript_wait_seconds`` after ``response.done``) and, for responses that produced audio, a
  truncation while that audio may still be playing (at most its audio duration plus one second).
  A held span is released when the fact arrives, when the next response starts, when its
  deadline passes (checked on every event) or when the session ends;
- a tool span runs from ``response.function_call_arguments.done`` to the app sending the
  matching ``function_call_output``; calls never answered produce no tool span.
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import json
import logging
import threading
import time
from collections import deque
from typing import Any, Callable, Optional

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from . import _frames
from . import _semconv as sc
from ._records import Input, Output, Pending, Response, ToolCall
from ._telemetry import Telemetry
from .attributes import (
    SessionConfig,
    as_int,
    as_mapping,
    as_str,
    braintrust_metrics,
    dumps,
    error_event_attributes,
    error_type_of,
    finish_reason,
    tool_definitions,
    usage_attributes,
)
from .audio import DEFAULT_FORMAT, AudioFormat, base64_decoded_length, parse_format

_logger = logging.getLogger(__name__)

Clock = Callable[[], int]
_NS = 1_000_000_000
_MAX_TRACKED = 256  # bound on remembered items, pending creates, tool calls, held responses
_AUDIO_HOLD_GRACE_NS = _NS


class SessionState(enum.Enum):
    """Lifecycle of a session."""

    CONNECTING = "connecting"
    OPEN = "open"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


# Event type aliases: beta names -> GA names, so one handler serves both dialects.
_ALIASES = {
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "conversation.item.added": "conversation.item.created",
    "conversation.item.done": "conversation.item.created",
}
_CLOSED = SessionState.CLOSED
_TYPE_PREFIX = b'{"type":"'
_RESPONSE_ID_MARKER = _frames.RESPONSE_ID_MARKER
# What server_frame does with a bytes frame, by the type its first bytes name (_frame_actions)
_SKIP = 0  # no handler reads it: not parsed
_PARSE = 1  # parsed and handled
_DELTA = 2  # a delta: read without parsing (_frames.delta)
_AUDIO_PREFIXES = _frames.AUDIO_PREFIXES
_TEXT_PREFIXES = _frames.TEXT_PREFIXES
# server events no handler reads, recognised by the table too (other unread types are found by
# the generic path)
_UNREAD = (
    "response.content_part.added",
    "response.content_part.done",
    "response.output_audio.done",
    "response.audio.done",
    "rate_limits.updated",
    "input_audio_buffer.cleared",
    "conversation.item.deleted",
    "conversation.item.retrieved",
    "output_audio_buffer.started",
    "output_audio_buffer.stopped",
    "output_audio_buffer.cleared",
)


class RealtimeSession:
    """The state of one realtime session, turned into spans and metrics as events arrive."""

    def __init__(
        self,
        telemetry: Telemetry,
        *,
        model: Optional[str] = None,
        provider: str = sc.PROVIDER_OPENAI,
        server_address: Optional[str] = None,
        server_port: Optional[int] = None,
        api: Optional[str] = None,
        parent: Optional[otel_context.Context] = None,
        clock: Clock = time.time_ns,
    ) -> None:
        self._t = telemetry
        self._settings = telemetry.settings
        self._capture = self._settings.capture.enabled
        # captured text is kept up to 4x the attribute limit, so the truncation marker can count
        self._store_limit = 4 * self._settings.max_content_length
        self._clock = clock
        self._lock = threading.Lock()
        self.state = SessionState.CONNECTING
        self.model = model
        self.provider = provider
        self.config = SessionConfig()
        self.session_id: Optional[str] = None
        self.conversation_id: Optional[str] = None
        self._started = clock()
        self._responses: dict[str, Response] = {}
        self._held: list[Response] = []
        self._next_deadline = 0
        self._pending: deque[Pending] = deque(maxlen=_MAX_TRACKED)
        self._inputs: dict[str, Input] = {}
        self._conv_inputs: list[Input] = []
        self._tools: dict[str, ToolCall] = {}
        self._audio_items: dict[str, Response] = {}
        self._recent: dict[str, Span] = {}  # response id -> span, also after it ended
        self._call_speech: dict[str, int] = {}  # call id -> end of the user speech that led to it
        self._mcp: dict[str, ToolCall] = {}
        self._speech: dict[str, int] = {}  # item id -> audio_start_ms, until speech_stopped
        self._last_commit_sent: Optional[int] = None
        self._input_audio_bytes = 0
        self._input_capture: Optional[bytearray] = bytearray() if self._settings.capture_audio else None
        self._output_audio_bytes = 0
        # (ids part, response id, response, output) of the item whose audio delta was read last
        self._hot: Optional[tuple[bytes, str, Response, Output]] = None
        self._actions = _frame_actions(self._capture, self._settings.capture_audio)
        self._input_modalities: set[str] = set()
        self._counts = {"completed": 0, "interrupted": 0, "responses": 0, "tools": 0, "errors": 0}
        self._reconnects = 0
        self._expired = False
        self._close_code: Optional[int] = None
        self._transport_error: Optional[BaseException] = None
        attributes: dict[str, Any] = {
            sc.GEN_AI_OPERATION_NAME: sc.OPERATION_SESSION,
            sc.GEN_AI_PROVIDER_NAME: provider,
        }
        if model:
            attributes[sc.GEN_AI_REQUEST_MODEL] = model
        if server_address:
            attributes[sc.SERVER_ADDRESS] = server_address
        if server_port:
            attributes[sc.SERVER_PORT] = server_port
        if api:
            attributes[sc.SESSION_API] = api
        if self._settings.braintrust:
            attributes[sc.BT_SPAN_ATTRIBUTES] = '{"type":"task"}'
        self.span: Span = telemetry.tracer.start_span(
            self._name(sc.OPERATION_SESSION),
            context=parent,
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            start_time=self._started,
        )
        self._context = trace.set_span_in_context(self.span, parent)
        _logger.debug("realtime session started (model=%s)", model)

    # ------------------------------------------------------------------ public feed API

    @property
    def closed(self) -> bool:
        return self.state is SessionState.CLOSED

    @property
    def context(self) -> otel_context.Context:
        """A context whose current span is the session span."""
        return self._context

    def response_context(self, response_id: Optional[str] = None) -> otel_context.Context:
        """A context whose current span is the given (or the latest) response in flight, or the session."""
        try:
            with self._lock:
                if response_id:
                    span = self._recent.get(response_id)
                    if span is not None:
                        return trace.set_span_in_context(span, self._context)
                response = self._latest_open()
                if response is not None and response.span is not None:
                    return trace.set_span_in_context(response.span, self._context)
        except Exception:
            _logger.debug("response_context failed", exc_info=True)
        return self._context

    def connected(self) -> None:
        """The transport is up."""
        with self._lock:
            if self.state is not SessionState.CLOSED:
                self._transition(SessionState.OPEN)

    def server_frame(self, data: Any) -> None:
        """A raw frame the server sent (bytes or str), as read from the socket."""
        lock = self._lock
        try:
            lock.acquire()  # not `with`: this is the hot path, and `with` costs more here
            try:
                if self.state is _CLOSED:
                    return
                now = None
                if self._held:
                    now = self._clock()
                    if now >= self._next_deadline:
                        self._release_due(now)
                hot = self._hot
                if hot is not None and type(data) is bytes:
                    # The next delta of the item whose audio was read last, as most frames of a
                    # voice session are: its ids part is compared, not read, and nothing is
                    # looked up but the response (still the live one for its id).
                    ids, response_id, response, output = hot
                    at = data.find(_RESPONSE_ID_MARKER, 28)
                    if at > 0 and data.startswith(ids, at) and self._responses.get(response_id) is response:
                        if data.startswith(_AUDIO_PREFIXES):
                            count = _frames.audio_size(data, at + len(ids))
                            if count >= 0:
                                response.audio_bytes += count
                                self._output_audio_bytes += count
                                output.audio_bytes += count
                                return
                        elif data.startswith(_TEXT_PREFIXES):  # its first chunk was the audio
                            if not self._capture or response.text_length >= self._store_limit:
                                return  # its text is not kept
                            text = _frames.last_string(data, at + len(ids))
                            if text is not None:
                                if output.text is None:
                                    output.text = []
                                output.text.append(text)
                                response.text_length += len(text)
                                return
                if now is None:
                    now = self._clock()
                if type(data) is bytes and data.startswith(_TYPE_PREFIX):
                    # what recv_bytes hands over, "type" first as the API sends it: the type says
                    # what to do, from one lookup
                    end = data.find(34, 9, 128)
                    action = self._actions.get(data[9:end]) if end > 9 else None
                    if action is not None:
                        if action is _SKIP:
                            return  # no handler reads it (content parts, audio done ...)
                        if action is _DELTA:
                            fast = _frames.delta(data)
                            if fast is not None and self._fast_delta(fast, data, now):
                                return
                        self._parsed_frame(data, now)
                        return
                fast = _frames.delta(data)
                if fast is not None:
                    if self._fast_delta(fast, data, now):
                        return
                else:
                    type_ = _frames.frame_type(data)
                    if type_ is not None and "\\" not in type_ and _unread(type_, self._capture):
                        return  # no handler reads it (content parts, audio done ...): not parsed
                self._parsed_frame(data, now)
            finally:
                lock.release()
        except Exception:
            _logger.debug("failed to record a server frame", exc_info=True)

    def _parsed_frame(self, data: Any, now: int) -> None:
        try:
            event = _frames.loads(data)
        except (ValueError, TypeError, RecursionError):
            _logger.debug("server frame is not JSON; ignored")
            return
        self._server(event, now)

    def server_event(self, event: Any) -> None:
        """A server event as a dict or an SDK model."""
        try:
            with self._lock:
                if self.state is SessionState.CLOSED:
                    return
                now = self._clock()
                if self._held and now >= self._next_deadline:
                    self._release_due(now)
                self._server(_to_dict(event), now)
        except Exception:
            _logger.debug("failed to record a server event", exc_info=True)

    def client_frame(self, data: Any) -> None:
        """A raw client frame (str or bytes) the app sent."""
        try:
            type_ = _frames.frame_type(data)
            if type_ == "input_audio_buffer.append" and self._input_capture is None:
                length = _frames.string_length(data, "audio")
                if length is not None:
                    with self._lock:
                        self._add_input_audio(base64_decoded_length(*length), None)
                    return
            try:
                event = _frames.loads(data)
            except (ValueError, TypeError, RecursionError):
                return
            self.client_event(event)
        except Exception:
            _logger.debug("failed to record a client frame", exc_info=True)

    def client_event(self, event: Any) -> None:
        """A client event (dict or SDK model) the app sent."""
        try:
            if isinstance(event, dict):
                type_ = event.get("type")
                if type_ == "input_audio_buffer.append":
                    audio = event.get("audio")
                    if isinstance(audio, str):
                        lock = self._lock
                        lock.acquire()  # not `with`: a voice app sends many appends
                        try:
                            self._add_input_audio(base64_decoded_length(len(audio), audio[-2:]), audio)
                        finally:
                            lock.release()
                    return
            else:
                event = _to_dict(event)
            with self._lock:
                if self.state is SessionState.CLOSED:
                    return
                self._client(event, self._clock())
        except Exception:
            _logger.debug("failed to record a client event", exc_info=True)

    def client_event_unsent(self, event: Any) -> None:
        """The SDK raised instead of sending ``event`` (recorded just before): a
        ``response.create`` it announced is withdrawn, so no later response is taken for it."""
        try:
            if isinstance(event, (str, bytes, bytearray, memoryview)):
                event = _frames.loads(event)
            event = _to_dict(event)
            if not isinstance(event, dict) or event.get("type") != "response.create":
                return
            metadata = as_mapping(event.get("response")).get("metadata")
            with self._lock:
                for pending in reversed(self._pending):
                    if pending.metadata == metadata:
                        self._pending.remove(pending)
                        return
        except Exception:
            _logger.debug("failed to withdraw an unsent client event", exc_info=True)

    def transport_lost(self, error: Optional[BaseException], code: Optional[int], reconnecting: bool) -> None:
        """The socket closed under the app: a drop (``error``), or a clean close by the server."""
        try:
            with self._lock:
                if self.state is SessionState.CLOSED:
                    return
                self._close_code = code
                self._transport_error = error
                if reconnecting:
                    self._transition(SessionState.RECONNECTING)
        except Exception:
            _logger.debug("failed to record a transport loss", exc_info=True)

    def reconnected(self, attempt: Optional[int] = None) -> None:
        """The SDK opened a new socket for the same connection: same session span, a span event."""
        try:
            with self._lock:
                if self.state is SessionState.CLOSED:
                    return
                now = self._clock()
                error = self._transport_error
                for response in list(self._responses.values()):
                    if response.done_at is None:
                        self._fail_in_flight(response, "connection_lost", now)
                self._release_all(now)
                self._reconnects += 1
                attrs: dict[str, Any] = {}
                if self._close_code is not None:
                    attrs[sc.SESSION_CLOSE_CODE] = self._close_code
                if attempt is not None:
                    attrs[sc.EVENT_RECONNECT_ATTEMPT] = attempt
                if error is not None:
                    attrs[sc.ERROR_TYPE] = type(error).__qualname__
                self.span.add_event(sc.EVENT_RECONNECT, attrs, timestamp=now)
                self._transport_error = None
                self._close_code = None
                self._transition(SessionState.OPEN)
        except Exception:
            _logger.debug("failed to record a reconnect", exc_info=True)

    def close(
        self,
        *,
        code: Optional[int] = None,
        error: Optional[BaseException] = None,
        error_type: Optional[str] = None,
    ) -> None:
        """End the session and every span still open. Idempotent."""
        try:
            with self._lock:
                if self.state is SessionState.CLOSED:
                    return
                self._finish(code, error, error_type)
        except Exception:
            _logger.debug("failed to close the session", exc_info=True)
            try:
                self.span.end()
            except Exception:
                pass

    # ------------------------------------------------------------------ internals: dispatch

    def _name(self, operation: str, model: Optional[str] = None) -> str:
        model = model or self.model
        return f"{operation} {model}" if model else operation

    def _transition(self, state: SessionState) -> None:
        if self.state is not state:
            _logger.debug("realtime session %s: %s -> %s", self.session_id, self.state.value, state.value)
            self.state = state
            if state is SessionState.CLOSED:
                self._hot = None  # let the last response go

    def _fast_delta(self, fast: _frames.Delta, data: Any, now: int) -> bool:
        """Handle a delta read by :func:`_frames.delta`. False when the frame needs a full parse."""
        kind, response_id, item_id, count, ids = fast
        if kind == _frames.AUDIO:
            if self._settings.capture_audio:
                return False  # the audio is kept: parse to decode it
            response = self._responses.get(response_id) or self._response_for(response_id, now)
            self._audio(response, item_id, count, now)
            if ids is not None and item_id:  # the item's next deltas take the hot path
                self._hot = (ids, response_id, response, response.outputs[item_id])
            return True
        if kind == _frames.TEXT and self._capture:  # the text is kept: decode just that string
            text = _frames.delta_text(data)
            if text is None:
                return False
            event = {"type": text[0], "response_id": response_id, "item_id": item_id, "delta": text[1]}
            self._on_text_delta(event, now)
            return True
        response = self._responses.get(response_id) or self._response_for(response_id, now)
        if response.first_chunk_at is None:
            response.first_chunk_at = now
        return True

    def _server(self, event: Any, now: int) -> None:
        if not isinstance(event, dict):
            return
        type_ = event.get("type")
        if not isinstance(type_, str):
            return
        type_ = _ALIASES.get(type_, type_)
        handler = _SERVER_HANDLERS.get(type_)
        if handler is not None:
            handler(self, event, now)
        elif _is_mcp(type_):
            self._on_mcp(type_, event, now)

    def _client(self, event: dict[str, Any], now: int) -> None:
        if not isinstance(event, dict):
            return
        type_ = event.get("type")
        if type_ == "response.create":
            self._pending.append(Pending(now, event.get("response")))
        elif type_ == "conversation.item.create":
            self._on_client_item(as_mapping(event.get("item")), now)
        elif type_ == "conversation.item.truncate":
            self._on_truncate(event, now)
        elif type_ == "input_audio_buffer.commit":
            self._last_commit_sent = now
        elif type_ == "session.update" and self._capture:
            # The server's session.updated is authoritative; keep the app's instructions and
            # tools only until it arrives (some servers omit them from the echo).
            session = as_mapping(event.get("session"))
            if isinstance(session.get("instructions"), str) and self.config.instructions is None:
                self.config.instructions = session["instructions"]
            if isinstance(session.get("tools"), list) and self.config.tools is None:
                self.config.tools = session["tools"]

    # ------------------------------------------------------------------ internals: server events

    def _on_session(self, event: dict[str, Any], now: int) -> None:
        session = as_mapping(event.get("session"))
        session_id = as_str(session.get("id"))
        if event.get("type") == "session.created" and session_id:
            if self.session_id is None:
                self.session_id = session_id
                self.span.set_attribute(sc.SESSION_ID, session_id)
            elif session_id != self.session_id:
                self.span.add_event(sc.EVENT_RECONNECT, {sc.SESSION_ID: session_id}, timestamp=now)
        self.config.update(session)
        if self.model is None and self.config.model:
            self.model = self.config.model
            self.span.update_name(self._name(sc.OPERATION_SESSION))
            self.span.set_attribute(sc.GEN_AI_REQUEST_MODEL, self.model)
        attrs = self.config.attributes()
        if attrs:
            self.span.set_attributes(attrs)

    def _on_conversation_created(self, event: dict[str, Any], now: int) -> None:
        conversation_id = as_str(as_mapping(event.get("conversation")).get("id"))
        if conversation_id:
            self.conversation_id = conversation_id
            self.span.set_attribute(sc.GEN_AI_CONVERSATION_ID, conversation_id)

    def _on_speech_started(self, event: dict[str, Any], now: int) -> None:
        item_id = as_str(event.get("item_id"))
        start_ms = as_int(event.get("audio_start_ms"))
        if item_id and start_ms is not None:
            self._remember(self._speech, item_id, start_ms)
        self._input_modalities.add("audio")
        latest = self._latest_open()
        if latest is not None and latest.span is not None:
            latest.span.add_event(sc.EVENT_SPEECH_STARTED, timestamp=now)

    def _on_speech_stopped(self, event: dict[str, Any], now: int) -> None:
        item_id = as_str(event.get("item_id"))
        if not item_id:
            return
        item = self._input(item_id, "audio")
        item.speech_stopped_at = now
        start_ms = self._speech.pop(item_id, None)
        end_ms = as_int(event.get("audio_end_ms"))
        if start_ms is not None and end_ms is not None and end_ms >= start_ms:
            item.speech_seconds = (end_ms - start_ms) / 1000.0

    def _on_committed(self, event: dict[str, Any], now: int) -> None:
        item_id = as_str(event.get("item_id"))
        if not item_id:
            return
        item = self._input(item_id, "audio")
        item.committed_at = now
        if item.speech_stopped_at is None and self._last_commit_sent is not None:
            item.speech_stopped_at = self._last_commit_sent  # push-to-talk: the app's commit
        if self.config.transcription_model and item.transcript_status is None:
            item.transcript_status = "pending"
        if self._input_capture is not None and self._input_capture:
            item.audio = self._input_capture
            self._input_capture = bytearray()
        self._queue_input(item)

    def _on_item(self, event: dict[str, Any], now: int) -> None:
        item = as_mapping(event.get("item"))
        item_id = as_str(item.get("id"))
        type_ = item.get("type")
        if not item_id:
            return
        if type_ == "message" and item.get("role") == "user":
            existing = self._inputs.get(item_id)
            content = item.get("content")
            is_audio = isinstance(content, list) and any(
                as_mapping(part).get("type") == "input_audio" for part in content
            )
            input_ = existing or self._input(item_id, "audio" if is_audio else "text")
            if not is_audio and input_.text is None:
                self._input_modalities.add("text")
                if self._capture:
                    input_.text = _message_text(content)
            if existing is None and not is_audio:
                self._queue_input(input_)
        elif type_ == "function_call_output":
            if item_id not in self._inputs:
                input_ = self._input(item_id, "tool_result")
                input_.call_id = as_str(item.get("call_id"))
                input_.speech_stopped_at = self._call_speech.get(input_.call_id or "")
                if self._capture:
                    input_.text = _string(item.get("output"))
                self._queue_input(input_)

    def _on_response_created(self, event: dict[str, Any], now: int) -> None:
        payload = as_mapping(event.get("response"))
        response_id = as_str(payload.get("id"))
        if not response_id:
            return
        if response_id in self._responses:
            return
        self._release_all(now)  # a new turn starts: earlier held responses are complete
        self._start_response(response_id, payload, now)

    def _start_response(self, response_id: str, payload: Any, now: int) -> Response:
        payload = as_mapping(payload)
        pending = self._match_pending(payload)
        out_of_band = pending.out_of_band if pending is not None else False
        inputs: list[Input] = []
        if not out_of_band:
            inputs, self._conv_inputs = self._conv_inputs, []
        audio_input = next((i for i in reversed(inputs) if i.kind == "audio"), None)
        if pending is not None:
            start, trigger = pending.at, "client"
        elif audio_input is not None and audio_input.committed_at is not None:
            start, trigger = audio_input.committed_at, "server_vad"
        else:
            start, trigger = now, "unknown"
        response = Response(response_id, min(start, now), trigger)
        response.inputs = inputs
        response.out_of_band = out_of_band
        response.metadata = payload.get("metadata") if payload.get("metadata") is not None else None
        if pending is not None:
            response.instructions = pending.instructions
            response.tools = pending.tools
        for item in inputs:
            item.response = response
        if self._settings.capture_audio:
            response.audio_out = bytearray()
        attrs: dict[str, Any] = {
            sc.GEN_AI_OPERATION_NAME: sc.OPERATION_CHAT,
            sc.GEN_AI_PROVIDER_NAME: self.provider,
            sc.GEN_AI_RESPONSE_ID: response_id,
            sc.RESPONSE_TRIGGER: trigger,
        }
        if self.model:
            attrs[sc.GEN_AI_REQUEST_MODEL] = self.model
        if self.conversation_id and not out_of_band:
            attrs[sc.GEN_AI_CONVERSATION_ID] = self.conversation_id
        if out_of_band:
            attrs[sc.RESPONSE_OUT_OF_BAND] = True
        if audio_input is not None:
            attrs[sc.RESPONSE_INPUT_ITEM_ID] = audio_input.id
            if audio_input.speech_seconds is not None:
                attrs[sc.RESPONSE_INPUT_SPEECH_SECONDS] = audio_input.speech_seconds
        if self._settings.braintrust:
            attrs[sc.BT_SPAN_ATTRIBUTES] = '{"type":"llm"}'
        response.span = self._t.tracer.start_span(
            self._name(sc.OPERATION_CHAT),
            context=self._context,
            kind=SpanKind.CLIENT,
            attributes=attrs,
            start_time=response.start,
        )
        self._responses[response_id] = response
        self._remember(self._recent, response_id, response.span)
        self._counts["responses"] += 1
        if len(self._responses) > _MAX_TRACKED:  # a server that never sends response.done
            oldest = next(iter(self._responses.values()))
            self._fail_in_flight(oldest, "abandoned", now)
        return response

    def _match_pending(self, payload: Any) -> Optional[Pending]:
        if not self._pending:
            return None
        metadata = payload.get("metadata")
        if metadata is not None:
            for pending in self._pending:
                if pending.metadata == metadata:
                    self._pending.remove(pending)
                    return pending
        for pending in self._pending:  # metadata is echoed: prefer creates that agree on having it
            if (pending.metadata is None) == (metadata is None):
                self._pending.remove(pending)
                return pending
        return self._pending.popleft()

    def _response_for(self, response_id: str, now: int) -> Response:
        response = self._responses.get(response_id)
        if response is None:
            response = self._start_response(response_id, {"id": response_id}, now)
        return response

    def _audio(self, response: Response, item_id: Optional[str], count: int, now: int) -> None:
        if response.first_audio_at is None:
            response.first_audio_at = now
            if response.first_chunk_at is None:
                response.first_chunk_at = now
        response.audio_bytes += count
        self._output_audio_bytes += count
        if item_id:
            output = response.outputs.get(item_id)
            if output is None:
                output = response.outputs[item_id] = Output(item_id, "message")
            output.audio_bytes += count
            if self._audio_items.get(item_id) is not response:
                self._remember(self._audio_items, item_id, response)

    def _on_audio_delta(self, event: dict[str, Any], now: int) -> None:
        response_id = as_str(event.get("response_id"))
        if not response_id:
            return
        response = self._response_for(response_id, now)
        delta = event.get("delta")
        if not isinstance(delta, str):
            return
        self._audio(
            response, as_str(event.get("item_id")), base64_decoded_length(len(delta), delta[-2:]), now
        )
        if response.audio_out is not None and len(response.audio_out) < self._settings.max_audio_bytes:
            try:
                response.audio_out += base64.b64decode(delta)
            except (binascii.Error, ValueError):
                pass

    def _on_text_delta(self, event: dict[str, Any], now: int) -> None:
        response_id = as_str(event.get("response_id"))
        if not response_id:
            return
        response = self._response_for(response_id, now)
        if response.first_chunk_at is None:
            response.first_chunk_at = now
        if not self._capture or event.get("type", "").startswith("response.function_call"):
            return
        delta = event.get("delta")
        item_id = as_str(event.get("item_id"))
        if not isinstance(delta, str) or not item_id:
            return
        if response.text_length >= self._store_limit:
            return
        output = response.outputs.get(item_id)
        if output is None:
            output = response.outputs[item_id] = Output(item_id, "message")
        if output.text is None:
            output.text = []
        output.text.append(delta)
        response.text_length += len(delta)

    def _on_text_done(self, event: dict[str, Any], now: int) -> None:
        """A finished text or transcript: the whole text replaces the accumulated deltas."""
        if not self._capture:
            return
        response = self._responses.get(as_str(event.get("response_id")) or "")
        item_id = as_str(event.get("item_id"))
        text = event.get("text", event.get("transcript"))
        if response is None or not item_id or not isinstance(text, str):
            return
        output = response.outputs.get(item_id)
        if output is None:
            output = response.outputs[item_id] = Output(item_id, "message")
        output.text = [text]

    def _on_output_item(self, event: dict[str, Any], now: int) -> None:
        response_id = as_str(event.get("response_id"))
        item = as_mapping(event.get("item"))
        item_id = as_str(item.get("id"))
        if not response_id or not item_id:
            return
        response = self._response_for(response_id, now)
        output = response.outputs.get(item_id)
        if output is None:
            output = response.outputs[item_id] = Output(item_id, as_str(item.get("type")) or "message")
        else:
            output.type = as_str(item.get("type")) or output.type
        output.name = as_str(item.get("name")) or output.name
        output.call_id = as_str(item.get("call_id")) or output.call_id
        output.server_label = as_str(item.get("server_label")) or output.server_label
        if isinstance(item.get("arguments"), str) and item["arguments"]:
            output.arguments = item["arguments"]
        if (
            output.type == "function_call"
            and output.call_id
            and event.get("type") == "response.output_item.done"
        ):
            self._register_tool(output, response, now)

    def _on_arguments_done(self, event: dict[str, Any], now: int) -> None:
        response_id = as_str(event.get("response_id"))
        item_id = as_str(event.get("item_id"))
        call_id = as_str(event.get("call_id"))
        if not response_id or not item_id:
            return
        response = self._response_for(response_id, now)
        output = response.outputs.get(item_id)
        if output is None:
            output = response.outputs[item_id] = Output(item_id, "function_call")
        output.type = "function_call"
        output.call_id = call_id or output.call_id
        output.name = as_str(event.get("name")) or output.name
        if isinstance(event.get("arguments"), str):
            output.arguments = event["arguments"]
        self._register_tool(output, response, now)

    def _register_tool(self, output: Output, response: Response, now: int) -> None:
        if not output.call_id or output.call_id in self._tools:
            if output.call_id and output.name and self._tools[output.call_id].name is None:
                self._tools[output.call_id].name = output.name
            return
        call = ToolCall(output.call_id, output.name, now, response.id)
        speech_end = self._speech_end(response)
        if speech_end is not None:
            self._remember(self._call_speech, output.call_id, speech_end)
        call.arguments = output.arguments
        self._remember(self._tools, output.call_id, call)

    def _on_response_done(self, event: dict[str, Any], now: int) -> None:
        payload = as_mapping(event.get("response"))
        response_id = as_str(payload.get("id"))
        if not response_id:
            return
        response = self._responses.get(response_id)
        if response is None:  # response.done without response.created
            self._release_all(now)
            response = self._start_response(response_id, payload, now)
        if response.done_at is not None:
            return
        output_items = payload.get("output")
        for raw in output_items if isinstance(output_items, list) else ():
            item = as_mapping(raw)
            item_id = as_str(item.get("id"))
            if not item_id:
                continue
            output = response.outputs.get(item_id)
            if output is None:
                output = response.outputs[item_id] = Output(item_id, as_str(item.get("type")) or "message")
            output.type = as_str(item.get("type")) or output.type
            output.name = output.name or as_str(item.get("name"))
            output.call_id = output.call_id or as_str(item.get("call_id"))
            if output.arguments is None and isinstance(item.get("arguments"), str):
                output.arguments = item["arguments"]
            if self._capture and output.text is None and output.type == "message":
                text = _message_text(item.get("content"))
                if text:
                    output.text = [text]
            if output.type == "function_call" and output.call_id:
                self._register_tool(output, response, now)
        status = as_str(payload.get("status"))
        details = as_mapping(payload.get("status_details"))
        reason = as_str(details.get("reason"))
        response.status = status
        response.status_reason = reason
        response.done_at = now
        span = response.span
        if span is None:
            return
        usage = payload.get("usage")
        attrs = usage_attributes(usage)
        has_tool_call = any(o.type == "function_call" for o in response.outputs.values())
        reason_name = finish_reason(status, reason, has_tool_call)
        if reason_name:
            attrs[sc.GEN_AI_RESPONSE_FINISH_REASONS] = [reason_name]
        if status:
            attrs[sc.RESPONSE_STATUS] = status
        if reason:
            attrs[sc.RESPONSE_STATUS_REASON] = reason
        conversation_id = as_str(payload.get("conversation_id"))
        if conversation_id and not response.out_of_band:
            attrs[sc.GEN_AI_CONVERSATION_ID] = conversation_id
        tool_calls = sum(1 for o in response.outputs.values() if o.type == "function_call")
        if tool_calls:
            attrs[sc.RESPONSE_TOOL_CALLS] = tool_calls
        attrs[sc.RESPONSE_OUTPUT_ITEM_COUNT] = len(response.outputs)
        ttfc = _seconds(response.first_chunk_at, response.start)
        if ttfc is not None:
            attrs[sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = ttfc
        tt_audio = _seconds(response.first_audio_at, response.start)
        if tt_audio is not None:
            attrs[sc.RESPONSE_TIME_TO_FIRST_AUDIO] = tt_audio
        v2v = self._voice_to_voice(response)
        if v2v is not None:
            attrs[sc.RESPONSE_VOICE_TO_VOICE] = v2v
        out_format = self._format(self.config.output_format)
        if response.audio_bytes:
            attrs[sc.RESPONSE_AUDIO_GENERATED_SECONDS] = round(out_format.seconds(response.audio_bytes), 6)
        if status == "cancelled" and reason == "turn_detected":
            self._mark_interrupted(response)
        if status == "completed" and not response.interrupted:
            self._counts["completed"] += 1
        if status == "failed":
            error_type = attrs[sc.ERROR_TYPE] = error_type_of(details)
            message = as_str(as_mapping(details.get("error")).get("message"))
            span.set_status(Status(StatusCode.ERROR, message or error_type))
            self._counts["errors"] += 1
        if self._settings.braintrust:
            attrs[sc.BT_METADATA] = dumps(self._bt_metadata(response, payload))
            attrs[sc.BT_METRICS] = dumps(braintrust_metrics(usage, ttfc))
        span.set_attributes(attrs)  # one call: the SDK cleans and locks per call
        self._record_response_metrics(response, usage, status, ttfc, v2v, details)
        self._hold_or_end(response, now)

    def _on_truncated(self, event: dict[str, Any], now: int) -> None:
        self._on_truncate(event, now)

    def _on_input_transcript(self, event: dict[str, Any], now: int) -> None:
        item_id = as_str(event.get("item_id"))
        if not item_id:
            return
        item = self._inputs.get(item_id)
        if item is None:
            item = self._input(item_id, "audio")
        type_ = event.get("type", "")
        if type_.endswith(".completed"):
            item.transcript_status = "completed"
            if self._capture and isinstance(event.get("transcript"), str):
                item.text = event["transcript"][: self._store_limit]
        elif type_.endswith(".failed"):
            item.transcript_status = "failed"
            attrs = {sc.RESPONSE_INPUT_ITEM_ID: item_id, **error_event_attributes(event.get("error"))}
            target = item.response.span if item.response is not None and not item.response.ended else None
            (target or self.span).add_event(sc.EVENT_TRANSCRIPTION_FAILED, attrs, timestamp=now)
        elif self._capture and isinstance(event.get("delta"), str):  # .delta / .segment
            text = event["delta"] if type_.endswith(".delta") else event.get("text")
            if isinstance(text, str) and item.transcript_status != "completed":
                item.text = ((item.text or "") + text)[: self._store_limit]
            return
        else:
            return
        response = item.response
        if response is not None and response.held and not response.ended:
            if not self._awaits_transcript(response) and not self._awaits_truncation(response, now):
                self._end_response(response, now)

    def _on_error(self, event: dict[str, Any], now: int) -> None:
        error = as_mapping(event.get("error"))
        attrs = error_event_attributes(error)
        if error.get("code") == "session_expired":
            self._expired = True
        self._counts["errors"] += 1
        target = self._latest_open()
        span = target.span if target is not None and target.span is not None else self.span
        span.add_event(sc.EVENT_ERROR, attrs, timestamp=now)

    def _on_rate_limits(self, event: dict[str, Any], now: int) -> None:
        return

    def _on_mcp(self, type_: str, event: dict[str, Any], now: int) -> None:
        item_id = as_str(event.get("item_id"))
        if not item_id:
            return
        call = self._mcp.get(item_id)
        if call is None:
            call = ToolCall(item_id, None, now, as_str(event.get("response_id")))
            call.kind = "extension"
            self._remember(self._mcp, item_id, call)
        if type_ == "response.mcp_call_arguments.done" and isinstance(event.get("arguments"), str):
            call.arguments = event["arguments"]
        if type_ in ("response.mcp_call.completed", "response.mcp_call.failed"):
            self._mcp.pop(item_id, None)
            for response in self._responses.values():
                output = response.outputs.get(item_id)
                if output is not None:
                    call.name = call.name or output.name
                    call.server_label = output.server_label
                    call.arguments = call.arguments or output.arguments
            self._end_tool(call, now, None, failed=type_.endswith(".failed"))

    # ------------------------------------------------------------------ internals: client events

    def _add_input_audio(self, count: int, audio: Optional[str]) -> None:
        self._input_audio_bytes += count
        if audio is not None and self._input_capture is not None:
            if len(self._input_capture) < self._settings.max_audio_bytes:
                try:
                    self._input_capture += base64.b64decode(audio)
                except (binascii.Error, ValueError):
                    pass

    def _on_client_item(self, item: Any, now: int) -> None:
        if item.get("type") != "function_call_output":
            return
        call_id = as_str(item.get("call_id"))
        if not call_id:
            return
        call = self._tools.pop(call_id, None)
        if call is None:
            _logger.debug("function_call_output for an unknown call id: no tool span")
            return
        self._end_tool(call, now, _string(item.get("output")), failed=False)

    def _on_truncate(self, event: dict[str, Any], now: int) -> None:
        item_id = as_str(event.get("item_id"))
        end_ms = as_int(event.get("audio_end_ms"))
        if not item_id or end_ms is None:
            return
        response = self._audio_items.get(item_id)
        if response is None or response.truncated:
            return
        output = response.outputs.get(item_id)
        generated = self._format(self.config.output_format).seconds(output.audio_bytes if output else 0)
        heard = min(end_ms / 1000.0, generated) if generated else end_ms / 1000.0
        response.truncated = True
        response.heard_seconds = round(heard, 6)
        attrs = {
            sc.RESPONSE_AUDIO_HEARD_SECONDS: response.heard_seconds,
            sc.RESPONSE_AUDIO_GENERATED_SECONDS: round(generated, 6),
        }
        if heard < generated:
            self._mark_interrupted(response)
        if response.span is not None and not response.ended:
            response.span.set_attributes(attrs)
            if response.interrupted:
                response.span.set_attribute(sc.RESPONSE_INTERRUPTED, True)
            response.span.add_event(sc.EVENT_TRUNCATED, {"openai.realtime.item.id": item_id}, timestamp=now)
            if response.held and not self._awaits_transcript(response):
                self._end_response(response, now)
        else:
            self.span.add_event(
                sc.EVENT_TRUNCATED, {sc.GEN_AI_RESPONSE_ID: response.id, **attrs}, timestamp=now
            )

    # ------------------------------------------------------------------ internals: endings

    def _mark_interrupted(self, response: Response) -> None:
        if response.interrupted:
            return
        response.interrupted = True
        self._counts["interrupted"] += 1
        if response.status == "completed":  # one terminal state per turn: interrupted wins
            self._counts["completed"] -= 1
        if response.span is not None and not response.ended:
            response.span.set_attribute(sc.RESPONSE_INTERRUPTED, True)
        try:
            self._t.interruptions.add(1, self._metric_attributes(sc.OPERATION_CHAT))
        except Exception:
            _logger.debug("interruption metric failed", exc_info=True)

    def _awaits_transcript(self, response: Response) -> bool:
        return any(i.kind == "audio" and i.transcript_status == "pending" for i in response.inputs)

    def _awaits_truncation(self, response: Response, now: int) -> bool:
        return response.audio_bytes > 0 and not response.truncated

    def _hold_or_end(self, response: Response, now: int) -> None:
        deadline = 0
        if self._awaits_transcript(response):
            deadline = max(deadline, now + int(self._settings.transcript_wait_seconds * _NS))
        if response.audio_bytes and not response.truncated:
            seconds = self._format(self.config.output_format).seconds(response.audio_bytes)
            deadline = max(deadline, now + int(seconds * _NS) + _AUDIO_HOLD_GRACE_NS)
        if deadline <= now:
            self._end_response(response, now)
            return
        response.held = True
        response.deadline = deadline
        self._held.append(response)
        self._next_deadline = min(r.deadline for r in self._held)
        if len(self._held) > _MAX_TRACKED:
            self._end_response(self._held[0], now)

    def _release_due(self, now: int) -> None:
        for response in [r for r in self._held if r.deadline <= now]:
            self._end_response(response, now)

    def _release_all(self, now: int) -> None:
        for response in list(self._held):
            self._end_response(response, now)

    def _end_response(self, response: Response, now: int) -> None:
        if response.ended:
            return
        response.ended = True
        if response.held:
            response.held = False
            try:
                self._held.remove(response)
            except ValueError:
                pass
            self._next_deadline = min((r.deadline for r in self._held), default=0)
        self._responses.pop(response.id, None)
        span = response.span
        if span is None:
            return
        transcription = next(
            (i.transcript_status for i in response.inputs if i.kind == "audio" and i.transcript_status), None
        )
        if transcription:
            span.set_attribute(sc.RESPONSE_INPUT_TRANSCRIPTION_STATUS, transcription)
        if self._capture:
            self._content(response, now)
        span.end(end_time=response.done_at if response.done_at is not None else now)
        # Ended: keep no reference to the span (its content attributes) or the captured audio, so
        # the records remembered for late events stay small however long the session runs.
        response.span = None
        response.audio_out = None
        for item in response.inputs:
            item.audio = None
        if self._recent.get(response.id) is span:
            self._recent[response.id] = trace.NonRecordingSpan(span.get_span_context())

    def _fail_in_flight(self, response: Response, error_type: str, now: int) -> None:
        """End a response that never got response.done, as failed."""
        response.done_at = now
        response.status = "failed"
        if response.span is not None:
            response.span.set_attribute(sc.ERROR_TYPE, error_type)
            response.span.set_attribute(sc.GEN_AI_RESPONSE_FINISH_REASONS, ["error"])
            response.span.set_status(Status(StatusCode.ERROR, error_type))
            self._record_response_metrics(response, None, "failed", None, None, {}, error_type=error_type)
        self._end_response(response, now)

    def _end_tool(self, call: ToolCall, now: int, result: Optional[str], failed: bool) -> None:
        name = call.name or "unknown"
        attrs: dict[str, Any] = {
            sc.GEN_AI_OPERATION_NAME: sc.OPERATION_EXECUTE_TOOL,
            sc.GEN_AI_PROVIDER_NAME: self.provider,
            sc.GEN_AI_TOOL_NAME: name,
            sc.GEN_AI_TOOL_CALL_ID: call.call_id,
            sc.GEN_AI_TOOL_TYPE: call.kind,
        }
        if call.response_id:
            attrs[sc.GEN_AI_RESPONSE_ID] = call.response_id
        if call.server_label:
            attrs[sc.TOOL_SERVER_LABEL] = call.server_label
        if self._settings.braintrust:
            attrs[sc.BT_SPAN_ATTRIBUTES] = '{"type":"tool"}'
        if self._capture and self._settings.capture.on_spans:
            args = self._redact("tool_arguments", call.arguments)
            if args is not None:
                attrs[sc.GEN_AI_TOOL_CALL_ARGUMENTS] = args
            res = self._redact("tool_result", result)
            if res is not None:
                attrs[sc.GEN_AI_TOOL_CALL_RESULT] = res
            if self._settings.braintrust:
                if args is not None:
                    attrs[sc.BT_INPUT_JSON] = dumps(_maybe_json(args))
                if res is not None:
                    attrs[sc.BT_OUTPUT_JSON] = dumps(_maybe_json(res))
        span = self._t.tracer.start_span(
            f"{sc.OPERATION_EXECUTE_TOOL} {name}",
            context=self._context,
            kind=SpanKind.INTERNAL,
            attributes=attrs,
            start_time=call.start,
        )
        if failed:
            span.set_attribute(sc.ERROR_TYPE, "tool_error")
            span.set_status(Status(StatusCode.ERROR, "tool_error"))
        span.end(end_time=max(now, call.start))
        self._counts["tools"] += 1
        try:
            metric_attrs = self._metric_attributes(sc.OPERATION_EXECUTE_TOOL)
            metric_attrs[sc.GEN_AI_TOOL_NAME] = name
            self._t.tool_duration.record(max(0, now - call.start) / _NS, metric_attrs)
        except Exception:
            _logger.debug("tool metric failed", exc_info=True)

    def _finish(self, code: Optional[int], error: Optional[BaseException], error_type: Optional[str]) -> None:
        now = self._clock()
        error = error or self._transport_error
        if code is None:
            code = self._close_code
        failure = error_type or (type(error).__qualname__ if error is not None else None)
        for response in list(self._responses.values()):
            if response.done_at is None:
                if failure:
                    self._fail_in_flight(response, failure, now)
                else:
                    response.done_at = now
                    if response.span is not None:
                        response.span.set_attribute(sc.RESPONSE_STATUS, "closed")
                    self._end_response(response, now)
        self._release_all(now)
        self._tools.clear()
        self._mcp.clear()
        status = "failed" if failure else "expired" if self._expired else "closed"
        attrs: dict[str, Any] = {
            sc.SESSION_STATUS: status,
            sc.SESSION_TURNS_COMPLETED: self._counts["completed"],
            sc.SESSION_TURNS_INTERRUPTED: self._counts["interrupted"],
            sc.SESSION_RESPONSES: self._counts["responses"],
            sc.SESSION_TOOL_CALLS: self._counts["tools"],
            sc.SESSION_ERRORS: self._counts["errors"],
            sc.SESSION_AUDIO_IN_SECONDS: round(
                self._format(self.config.input_format).seconds(self._input_audio_bytes), 6
            ),
            sc.SESSION_AUDIO_OUT_SECONDS: round(
                self._format(self.config.output_format).seconds(self._output_audio_bytes), 6
            ),
        }
        if self._reconnects:
            attrs[sc.SESSION_RECONNECTS] = self._reconnects
        if code is not None:
            attrs[sc.SESSION_CLOSE_CODE] = code
        if self._capture and self._settings.capture.on_spans:
            attrs.update(self._config_content())
        if self._settings.braintrust:
            attrs[sc.BT_METADATA] = dumps(self._bt_metadata(None, None))
            attrs[sc.BT_INPUT_JSON] = dumps(self._bt_session_input())
            attrs[sc.BT_OUTPUT_JSON] = dumps(
                {
                    "status": status,
                    "completed_turns": self._counts["completed"],
                    "interrupted_turns": self._counts["interrupted"],
                }
            )
        self.span.set_attributes(attrs)
        if failure:
            self.span.set_attribute(sc.ERROR_TYPE, failure)
            self.span.set_status(Status(StatusCode.ERROR, failure))
        self._transition(SessionState.CLOSED)
        self.span.end(end_time=now)
        try:
            self._t.session_duration.record(
                max(0, now - self._started) / _NS, self._metric_attributes(sc.OPERATION_SESSION, failure)
            )
        except Exception:
            _logger.debug("session metric failed", exc_info=True)

    # ------------------------------------------------------------------ internals: helpers

    def _input(self, item_id: str, kind: str) -> Input:
        item = self._inputs.get(item_id)
        if item is None:
            item = Input(item_id, kind)
            self._remember(self._inputs, item_id, item)
        return item

    def _queue_input(self, item: Input) -> None:
        if item.response is None and item not in self._conv_inputs:
            self._conv_inputs.append(item)
            if len(self._conv_inputs) > _MAX_TRACKED:
                del self._conv_inputs[0]

    @staticmethod
    def _remember(store: dict[str, Any], key: str, value: Any) -> None:
        store[key] = value
        if len(store) > _MAX_TRACKED:
            del store[next(iter(store))]

    def _latest_open(self) -> Optional[Response]:
        for response in reversed(list(self._responses.values())):
            if response.done_at is None and not response.ended:
                return response
        return None

    def _format(self, name: Optional[str]) -> AudioFormat:
        if name is None:
            return DEFAULT_FORMAT
        return parse_format(name) or DEFAULT_FORMAT

    def _voice_to_voice(self, response: Response) -> Optional[float]:
        if response.first_audio_at is None:
            return None
        return _seconds(response.first_audio_at, self._speech_end(response))

    @staticmethod
    def _speech_end(response: Response) -> Optional[int]:
        """End of the user speech this response answers, directly or through a tool call's result."""
        stopped = [i.speech_stopped_at for i in response.inputs if i.speech_stopped_at is not None]
        return max(stopped) if stopped else None

    def _metric_attributes(self, operation: str, error_type: Optional[str] = None) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            sc.GEN_AI_OPERATION_NAME: operation,
            sc.GEN_AI_PROVIDER_NAME: self.provider,
        }
        if self.model:
            attrs[sc.GEN_AI_REQUEST_MODEL] = self.model
        if error_type:
            attrs[sc.ERROR_TYPE] = error_type
        return attrs

    def _record_response_metrics(
        self,
        response: Response,
        usage: Any,
        status: Optional[str],
        ttfc: Optional[float],
        v2v: Optional[float],
        details: Any,
        error_type: Optional[str] = None,
    ) -> None:
        try:
            if status == "failed" and error_type is None:
                error_type = error_type_of(details)
            attrs = self._metric_attributes(sc.OPERATION_CHAT, error_type)
            end = response.done_at if response.done_at is not None else self._clock()
            self._t.operation_duration.record(max(0, end - response.start) / _NS, attrs)
            if ttfc is not None:
                self._t.time_to_first_chunk.record(ttfc, attrs)
            if v2v is not None:
                self._t.voice_to_voice.record(v2v, attrs)
            usage = as_mapping(usage)
            for token_type, key in (("input", "input_tokens"), ("output", "output_tokens")):
                count = as_int(usage.get(key))
                if count is not None and count >= 0:  # a histogram takes no negative count
                    self._t.token_usage.record(count, {**attrs, sc.GEN_AI_TOKEN_TYPE: token_type})
        except Exception:
            _logger.debug("response metrics failed", exc_info=True)

    def _bt_metadata(self, response: Optional[Response], payload: Any) -> dict[str, Any]:
        metadata: dict[str, Any] = {"provider": self.provider}
        if self.model:
            metadata["model"] = self.model
        if self.session_id:
            metadata["session_id"] = self.session_id
        if response is not None:
            metadata["response_id"] = response.id
        if self.config.voice:
            metadata["voice"] = self.config.voice
        modalities_in = self._input_modalities | ({"audio"} if self._input_audio_bytes else set())
        if modalities_in:
            metadata["input_modalities"] = sorted(modalities_in)
        payload = as_mapping(payload)
        modalities = payload.get("output_modalities", payload.get("modalities"))
        if isinstance(modalities, list):
            metadata["output_modalities"] = modalities
        elif self.config.output_modalities is not None:
            metadata["output_modalities"] = list(self.config.output_modalities)
        return metadata

    def _bt_session_input(self) -> dict[str, Any]:
        """Braintrust's session input: configuration always, instructions and tools only as content."""
        metadata = self._bt_metadata(None, None)
        keys = ("voice", "input_modalities", "output_modalities")
        result: dict[str, Any] = {k: metadata[k] for k in keys if k in metadata}
        if self._capture and self._settings.capture.on_spans:
            instructions = self._redact("system_instructions", self.config.instructions)
            if instructions is not None:
                result["instructions"] = instructions
            if self.config.tools:
                tools = self._redact("tool_definitions", dumps(tool_definitions(self.config.tools)))
                if tools is not None:
                    result["tools"] = _maybe_json(tools)
        return result

    def _redact(self, kind: str, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        redact = self._settings.redact
        if redact is not None:
            try:
                value = redact(kind, value)
            except Exception:
                _logger.debug("redaction hook failed: content dropped", exc_info=True)
                return None
            if value is None:
                return None
        return _clip(str(value), self._settings.max_content_length)

    def _config_content(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        instructions = self._redact("system_instructions", self.config.instructions)
        if instructions is not None:
            attrs[sc.GEN_AI_SYSTEM_INSTRUCTIONS] = dumps([{"type": "text", "content": instructions}])
        if self.config.tools:
            tools = self._redact("tool_definitions", dumps(tool_definitions(self.config.tools)))
            if tools is not None:
                attrs[sc.GEN_AI_TOOL_DEFINITIONS] = tools
        return attrs

    def _content(self, response: Response, now: int) -> None:
        """Attach captured content to a response span (span modes) and/or emit it as an event."""
        from .content import input_messages, output_messages

        span = response.span
        if span is None:
            return
        inputs = input_messages(response.inputs, self._redact, self._audio_settings(), self.config)
        outputs = output_messages(
            list(response.outputs.values()),
            finish_reason(
                response.status,
                response.status_reason,
                any(o.type == "function_call" for o in response.outputs.values()),
            ),
            self._redact,
            response.audio_out,
            self._audio_settings(),
            self.config,
        )
        attrs: dict[str, Any] = {}
        instructions = self._redact("system_instructions", response.instructions or self.config.instructions)
        if instructions is not None:
            attrs[sc.GEN_AI_SYSTEM_INSTRUCTIONS] = dumps([{"type": "text", "content": instructions}])
        tools = response.tools if response.tools is not None else self.config.tools
        if tools:
            definitions = self._redact("tool_definitions", dumps(tool_definitions(tools)))
            if definitions is not None:
                attrs[sc.GEN_AI_TOOL_DEFINITIONS] = definitions
        if inputs:
            attrs[sc.GEN_AI_INPUT_MESSAGES] = dumps(inputs)
        if outputs:
            attrs[sc.GEN_AI_OUTPUT_MESSAGES] = dumps(outputs)
        if self._settings.capture.on_spans:
            span.set_attributes(attrs)
            if self._settings.braintrust:
                if inputs:
                    span.set_attribute(sc.BT_INPUT_JSON, dumps(inputs))
                span.set_attribute(sc.BT_OUTPUT_JSON, dumps(_bt_output(response, outputs)))
        if self._settings.capture.on_events:
            event_attrs = {
                sc.GEN_AI_OPERATION_NAME: sc.OPERATION_CHAT,
                sc.GEN_AI_RESPONSE_ID: response.id,
                **attrs,
            }
            self._t.emit_event(
                "gen_ai.client.inference.operation.details",
                event_attrs,
                trace.set_span_in_context(span),
                response.done_at or now,
            )

    def _audio_settings(self) -> Any:
        return self._settings


_SERVER_HANDLERS: dict[str, Callable[[RealtimeSession, dict[str, Any], int], None]] = {
    "session.created": RealtimeSession._on_session,
    "session.updated": RealtimeSession._on_session,
    "conversation.created": RealtimeSession._on_conversation_created,
    "input_audio_buffer.speech_started": RealtimeSession._on_speech_started,
    "input_audio_buffer.speech_stopped": RealtimeSession._on_speech_stopped,
    "input_audio_buffer.committed": RealtimeSession._on_committed,
    "conversation.item.created": RealtimeSession._on_item,
    "conversation.item.truncated": RealtimeSession._on_truncated,
    "conversation.item.input_audio_transcription.completed": RealtimeSession._on_input_transcript,
    "conversation.item.input_audio_transcription.delta": RealtimeSession._on_input_transcript,
    "conversation.item.input_audio_transcription.segment": RealtimeSession._on_input_transcript,
    "conversation.item.input_audio_transcription.failed": RealtimeSession._on_input_transcript,
    "response.created": RealtimeSession._on_response_created,
    "response.output_item.added": RealtimeSession._on_output_item,
    "response.output_item.done": RealtimeSession._on_output_item,
    "response.output_audio.delta": RealtimeSession._on_audio_delta,
    "response.output_audio_transcript.delta": RealtimeSession._on_text_delta,
    "response.output_text.delta": RealtimeSession._on_text_delta,
    "response.function_call_arguments.delta": RealtimeSession._on_text_delta,
    "response.output_audio_transcript.done": RealtimeSession._on_text_done,
    "response.output_text.done": RealtimeSession._on_text_done,
    "response.function_call_arguments.done": RealtimeSession._on_arguments_done,
    "response.done": RealtimeSession._on_response_done,
    "error": RealtimeSession._on_error,
}


def _is_mcp(name: str) -> bool:
    """A server-side MCP call event (``_on_mcp`` reads them; their argument deltas are not read)."""
    return name.startswith("response.mcp_call") and not name.startswith("response.mcp_call_arguments.delta")


def _unread(type_: str, capture: bool) -> bool:
    """No handler reads a server event of this type (finished texts only matter when content is
    captured): its frame need not be parsed."""
    name = _ALIASES.get(type_, type_)
    handler = _SERVER_HANDLERS.get(name)
    if handler is None:
        return not _is_mcp(name)
    return handler is RealtimeSession._on_text_done and not capture


@functools.cache
def _frame_actions(capture: bool, keep_audio: bool) -> dict[bytes, int]:
    """Server event type (as the bytes of a frame) -> what :meth:`RealtimeSession.server_frame`
    does with it, for a session that keeps content (``capture``) and audio (``keep_audio``) or not.
    """
    actions = {}
    for name in (*_SERVER_HANDLERS, *_ALIASES, *_UNREAD):
        target = _ALIASES.get(name, name)
        handler = _SERVER_HANDLERS.get(target)
        if _unread(name, capture):
            action = _SKIP
        elif target == "response.output_audio.delta":
            action = _PARSE if keep_audio else _DELTA  # kept audio is decoded from the parsed event
        elif handler is RealtimeSession._on_text_delta:
            action = _DELTA
        else:
            action = _PARSE
        actions[name.encode()] = action
    return actions


def _to_dict(event: Any) -> Any:
    """A dict view of an SDK model (or the value itself)."""
    if isinstance(event, dict):
        return event
    for method in ("to_dict", "model_dump", "dict"):
        fn = getattr(event, method, None)
        if callable(fn):
            try:
                return fn()
            except Exception:
                continue
    return None


def _seconds(end: Optional[int], start: Optional[int]) -> Optional[float]:
    if end is None or start is None:
        return None
    return round(max(0, end - start) / _NS, 6)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    marker = f"...[truncated {len(text) - limit} chars]"
    return text[:limit] + marker


def _string(value: Any) -> Optional[str]:
    if value is None:
        return None
    return value if isinstance(value, str) else dumps(value)


def _maybe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return text


def _message_text(content: Any) -> Optional[str]:
    if not isinstance(content, list):
        return None
    texts = []
    for raw in content:
        part = as_mapping(raw)
        text = part.get("text", part.get("transcript"))
        if isinstance(text, str):
            texts.append(text)
    return "".join(texts) if texts else None


def _bt_output(response: Response, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    content = "".join(
        part.get("content", "")
        for message in outputs
        for part in message.get("parts", [])
        if part.get("type") == "text"
    )
    tool_calls = [
        {"id": part.get("id"), "name": part.get("name"), "arguments": part.get("arguments")}
        for message in outputs
        for part in message.get("parts", [])
        if part.get("type") == "tool_call"
    ]
    return {"status": _terminal_status(response), "content": content or None, "tool_calls": tool_calls}


def _terminal_status(response: Response) -> str:
    """Braintrust's terminal state of a response: completed, interrupted, cancelled or failed."""
    if response.interrupted:
        return "interrupted"
    if response.status in ("completed", "incomplete"):
        return "completed"
    if response.status == "failed":
        return "failed"
    return "cancelled"  # client_cancelled, or the session closed before response.done
