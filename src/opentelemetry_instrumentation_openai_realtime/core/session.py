"""The realtime session: the core's one entry point for adapters, its lifecycle, and the routing
of each event to the part of the state machine that reads it.

:class:`RealtimeSession` is fed with the server's and the client's frames or events (raw frames,
dicts or SDK models) and with transport facts (connected, lost, reconnected, closed); it knows
nothing of sockets, of the openai SDK's classes or of patching. It never raises and never does
I/O: every public method catches its own failures and logs them at debug level. One lock makes it
safe to feed from several threads (a sync app's reader thread and its sender).

Data flows one way: a frame is decoded once (``decoder.py``: what it is, and only what the core
needs of it), then routed here to the part that reads it:

- ``turns.py``: responses, their terminal states, the hold of finished spans;
- ``outputs.py``: output items and their text; ``tools.py``: tool and MCP calls;
- ``inputs.py``: speech, input items, transcripts; ``audio.py``: audio sizes and interruptions;
- ``transcription.py``: input transcriptions (their usage, timing, and spans in transcription
  sessions);

which write spans and metrics through the pure builders of ``telemetry/``. Span tree, per the
telemetry contract::

    realtime_session {model}      one per logical session (connect -> close)
    ├── chat {model}              one per model response (response.create/VAD commit -> response.done)
    ├── execute_tool {name}       one per function call whose output the app sent back
    └── speech_to_text {model}    transcription sessions: one per transcribed input audio item

The adapter contract (what to call, when, with what) is in ``docs/architecture.md``.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from typing import Any, Optional

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind

from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc
from opentelemetry_instrumentation_openai_realtime.telemetry import spans
from opentelemetry_instrumentation_openai_realtime.telemetry.instruments import Telemetry

from . import decoder as dec
from . import events
from .audio_format import base64_decoded_length
from .frames import last_string
from .parts import Parts
from .shared import Clock, Shared
from .values import as_mapping, to_dict

_logger = logging.getLogger(__name__)


class SessionState(enum.Enum):
    """Lifecycle of a session."""

    CONNECTING = "connecting"
    OPEN = "open"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


_CLOSED = SessionState.CLOSED
# the decoder's kinds are small ints: compared by identity
_AUDIO, _TEXT = dec.AUDIO_DELTA, dec.TEXT_DELTA
_CHUNK, _SKIP = dec.CHUNK, dec.SKIP


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
        call_id: Optional[str] = None,
    ) -> None:
        self._s = shared = Shared(telemetry, clock, model, provider)
        self._clock = clock
        self._lock = threading.Lock()
        self.state = SessionState.CONNECTING
        self._started = clock()
        self._decoder = dec.FrameDecoder(shared.capture, shared.settings.capture_audio)
        self._parts = parts = Parts(shared, self._started)
        # the parts the router calls, each under a name of its own
        self._turns, self._outputs, self._tools = parts.turns, parts.outputs, parts.tools
        self._inputs, self._audio, self._lifecycle = parts.inputs, parts.audio, parts.lifecycle
        self._translation, self._playback = parts.translation, parts.playback
        self._held = parts.turns.held  # (the same list, read on the hot path)
        self._hot: Optional[dec.HotItem] = None  # the item whose audio was read last
        self._capture = shared.capture
        self._handlers = parts.routes()
        self.span: Span = telemetry.tracer.start_span(
            shared.name(sc.OPERATION_SESSION),
            context=parent,
            kind=SpanKind.INTERNAL,
            attributes=spans.session_attributes(
                provider, model, server_address, server_port, api, shared.settings.braintrust
            ),
            start_time=self._started,
        )
        shared.span = self.span
        shared.context = trace.set_span_in_context(self.span, parent)
        if call_id:  # the sideband of a WebRTC or SIP call
            self._playback.joined(call_id)
        _logger.debug("realtime session started (model=%s)", model)

    # ------------------------------------------------------------------ the adapter contract

    @property
    def closed(self) -> bool:
        return self.state is SessionState.CLOSED

    @property
    def model(self) -> Optional[str]:
        return self._s.model

    @property
    def session_id(self) -> Optional[str]:
        return self._s.session_id

    @property
    def context(self) -> otel_context.Context:
        """A context whose current span is the session span."""
        return self._s.context

    def response_context(self, response_id: Optional[str] = None) -> otel_context.Context:
        """A context whose current span is the given (or the latest) response in flight, or the session."""
        try:
            with self._lock:
                return self._turns.context(self._s.context, response_id)
        except Exception:
            _logger.debug("response_context failed", exc_info=True)
        return self._s.context

    def connected(self) -> None:
        """The transport is up."""
        with self._lock:
            if self.state is not SessionState.CLOSED:
                self._transition(SessionState.OPEN)

    def server_frame(self, data: Any) -> None:
        """A raw frame the server sent (bytes or str), as read from the socket."""
        try:
            if self.state is _CLOSED:
                return
            hot = self._hot
            if hot is not None and type(data) is hot.kind and not self._held:
                # The hot path, most frames of a voice session: the next deltas of the item whose
                # audio was read last, recognised by their ids part where the item's last delta of
                # the kind had it, and counted in place, lock-free (the trust rule of decoder.py;
                # docs/architecture.md). Python calls are what a frame costs: none are added here.
                if data[: hot.audio_size] == hot.audio_prefix:  # slices compare cheaper than startswith
                    at = hot.audio_at
                    found = data[at : at + hot.size] == hot.ids or hot.locate(data, True)
                    if found and not hot.response.ended:
                        start = hot.audio_at + hot.size
                        stop = len(data) - 2
                        if stop >= start and data[stop] == hot.quote and data[-1] == hot.brace:  # ..."}
                            count = (stop - start) * 3 // 4
                            equals = hot.equals  # "=" padding (the opening quote when empty)
                            if data[stop - 1] == equals:
                                count -= 2 if data[stop - 2] == equals else 1
                            if count > 0:
                                hot.response.audio_bytes += count
                                self._audio.output_bytes += count
                                hot.output.audio_bytes += count
                            return
                elif data[: hot.text_size] == hot.text_prefix:  # the item's transcript
                    at = hot.text_at
                    found = data[at : at + hot.size] == hot.ids or hot.locate(data, False)
                    if found and not hot.response.ended:
                        if not self._capture:
                            return  # nothing to record: its first chunk was the audio
                        text = last_string(data, hot.text_at + hot.size)
                        if text is not None:
                            with self._lock:
                                if not hot.response.ended:
                                    self._outputs.add_text(hot.response, hot.output, text)
                            return
            kind, value = self._decoder.server(data)  # decoding needs no lock
            if kind is _SKIP and not self._held:
                return  # nothing to record, nothing held to release: no lock
            lock = self._lock
            lock.acquire()  # not `with`: `with` costs more here
            try:
                if self.state is _CLOSED:
                    return
                now = None
                if self._held:
                    now = self._clock()
                    if now >= self._turns.next_deadline:
                        self._turns.release_due(now)
                if kind is _SKIP:
                    return
                if now is None:
                    now = self._clock()
                if kind is _AUDIO:
                    response_id, item_id, count, ids = value
                    counted = self._audio.delta(response_id, item_id, count, now)
                    if counted is not None and ids is not None:  # its next deltas: the hot path
                        self._hot = dec.HotItem(ids, *counted, data)
                elif kind is _CHUNK:
                    self._outputs.chunk(value, now)
                elif kind is _TEXT:
                    type_, response_id, item_id, text = value
                    event = {"type": type_, "response_id": response_id, "item_id": item_id, "delta": text}
                    self._outputs.on_text_delta(event, now)
                else:
                    self._server(value, now)
            finally:
                lock.release()
        except Exception:
            _logger.debug("failed to record a server frame", exc_info=True)

    def server_event(self, event: Any) -> None:
        """A server event as a dict or an SDK model."""
        try:
            with self._lock:
                if self.state is SessionState.CLOSED:
                    return
                now = self._clock()
                turns = self._turns
                if turns.held and now >= turns.next_deadline:
                    turns.release_due(now)
                self._server(to_dict(event), now)
        except Exception:
            _logger.debug("failed to record a server event", exc_info=True)

    def client_frame(self, data: Any) -> None:
        """A raw client frame (str or bytes) the app sent."""
        try:
            kind, value = self._decoder.client(data)
            if kind == dec.APPEND:
                with self._lock:
                    self._audio.add_input(value, None)
            elif kind == dec.EVENT:
                self.client_event(value)
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
                            self._audio.add_input(base64_size(audio), audio)
                        finally:
                            lock.release()
                    return
            else:
                event = to_dict(event)
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
                kind, event = self._decoder.client(event)
                if kind != dec.EVENT:
                    return
            event = to_dict(event)
            if not isinstance(event, dict) or event.get("type") != "response.create":
                return
            with self._lock:
                self._turns.withdraw(as_mapping(event.get("response")).get("metadata"))
        except Exception:
            _logger.debug("failed to withdraw an unsent client event", exc_info=True)

    def transport_lost(self, error: Optional[BaseException], code: Optional[int], reconnecting: bool) -> None:
        """The socket closed under the app: a drop (``error``), or a clean close by the server."""
        try:
            with self._lock:
                if self.state is SessionState.CLOSED:
                    return
                self._lifecycle.lost(error, code)
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
                self._lifecycle.reconnected(attempt, self._clock())
                self._transition(SessionState.OPEN)
        except Exception:
            _logger.debug("failed to record a reconnect", exc_info=True)

    def close(
        self,
        *,
        code: Optional[int] = None,
        error: Optional[BaseException] = None,
        error_type: Optional[str] = None,
        by_app: bool = False,
    ) -> None:
        """End the session and every span still open. Idempotent: the first call wins.

        ``error``/``error_type``: why the session failed (``None``: a normal close). ``by_app``: the
        app itself ended the session, by an exception raised from its own code (``error``) or a
        cancellation of its task (``error=None``). That is not the model's failure: responses in
        flight end ``abandoned``, without ERROR; the session span records the app's exception."""
        try:
            with self._lock:
                if self.state is SessionState.CLOSED:
                    return
                self._translation.finish()
                self._lifecycle.finish(code, error, error_type, self._clock(), by_app)
                self._hot = None  # let the last response go
                self._transition(SessionState.CLOSED)
        except Exception:
            _logger.debug("failed to close the session", exc_info=True)
            try:
                self.span.end()
            except Exception:
                pass

    def _stores(self) -> dict[str, Any]:
        """Every store the session keeps, by name: each is bounded (tests and the benchmark)."""
        return self._parts.stores()

    # ------------------------------------------------------------------ routing and lifecycle

    def _transition(self, state: SessionState) -> None:
        if self.state is not state:
            _logger.debug("realtime session %s: %s -> %s", self._s.session_id, self.state.value, state.value)
            self.state = state

    def _server(self, event: Any, now: int) -> None:
        if not isinstance(event, dict):
            return
        type_ = event.get("type")
        if not isinstance(type_, str):
            return
        type_ = events.ALIASES.get(type_, type_)
        handler = self._handlers.get(type_)
        if handler is not None:
            handler(event, now)
        elif events.is_mcp(type_):
            self._tools.on_mcp(type_, event, now)

    def _client(self, event: dict[str, Any], now: int) -> None:
        if not isinstance(event, dict):
            return
        type_ = event.get("type")
        if type_ == "response.create":
            self._turns.on_client_create(event, now)
        elif type_ == "conversation.item.create":
            self._tools.on_client_item(as_mapping(event.get("item")), now)
        elif type_ == "conversation.item.truncate":
            self._audio.on_truncate(event, now)
        elif type_ == "output_audio_buffer.clear":
            self._playback.on_client_clear(now)
        elif type_ == "input_audio_buffer.commit":
            self._inputs.on_client_commit(now)
        elif type_ == "session.update" and self._s.capture:
            self._lifecycle.on_client_update(event)
        elif type_ == "session.input_audio_buffer.append":
            self._translation.on_append(event, now)


def base64_size(audio: str) -> int:
    """Bytes encoded by a base64 string."""
    return base64_decoded_length(len(audio), audio[-2:])
