"""Responses (turns): when each starts, what it answers, how it ends, and the hold of finished
spans for facts that arrive after ``response.done``.

Timing rules (all times are the client's clock, when an event was read or sent):

- a response span starts at its trigger: the app's ``response.create``, else the server VAD's
  ``input_audio_buffer.committed`` of the user input it answers, else ``response.created``;
- it ends at ``response.done`` (that is its end timestamp), but the span is *held* open while a
  fact that belongs to it can still arrive: the user's input transcript (at most
  ``transcript_wait_seconds`` after ``response.done``) and, for responses that produced audio, a
  truncation while that audio may still be playing (at most its audio duration plus one second).
  A held span is released when the fact arrives, when the next response starts, when its
  deadline passes (checked on every event) or when the session ends.

Terminal states: ``completed``, ``interrupted`` (a barge-in or a truncation during playback: never
an error), ``cancelled``, ``failed`` (a failed ``response.done``, or a response in flight when the
connection dropped: ERROR).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Optional

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from opentelemetry_instrumentation_openai_realtime.telemetry import braintrust, metrics, spans
from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc
from opentelemetry_instrumentation_openai_realtime.telemetry.attributes import error_type_of
from opentelemetry_instrumentation_openai_realtime.telemetry.content import record_response_content

from .records import MAX_TRACKED, NS, Input, Pending, Response, remember, seconds, speech_end
from .shared import Shared
from .values import as_mapping, as_str, dumps

if TYPE_CHECKING:
    from .audio import Audio
    from .inputs import Inputs
    from .outputs import Outputs
    from .playback import Playback

_AUDIO_HOLD_GRACE_NS = NS


class Turns:
    """The session's responses: started, in flight, held, ended."""

    # peers, wired by the session
    inputs: Inputs
    outputs: Outputs
    audio: Audio
    playback: Playback

    def __init__(self, shared: Shared) -> None:
        self._s = shared
        self.responses: dict[str, Response] = {}  # in flight or held, by id
        self.held: list[Response] = []
        self.next_deadline = 0  # the earliest deadline of a held response
        self.pending: deque[Pending] = deque(maxlen=MAX_TRACKED)
        self.recent: dict[str, Span] = {}  # response id -> span, also after it ended

    # ------------------------------------------------------------------ start

    def on_client_create(self, event: dict[str, Any], now: int) -> None:
        """The app sent ``response.create``: its response starts now."""
        self.pending.append(Pending(now, event.get("response")))

    def withdraw(self, metadata: Any) -> None:
        """A ``response.create`` the SDK failed to send: no later response is taken for it."""
        for pending in reversed(self.pending):
            if pending.metadata == metadata:
                self.pending.remove(pending)
                return

    def on_created(self, event: dict[str, Any], now: int) -> None:
        payload = as_mapping(event.get("response"))
        response_id = as_str(payload.get("id"))
        if not response_id:
            return
        if response_id in self.responses:
            return
        self.release_all(now)  # a new turn starts: earlier held responses are complete
        self.start(response_id, payload, now)

    def start(self, response_id: str, payload: Any, now: int) -> Response:
        shared = self._s
        payload = as_mapping(payload)
        pending = self._match_pending(payload)
        out_of_band = pending.out_of_band if pending is not None else False
        inputs: list[Input] = [] if out_of_band else self.inputs.take_queued()
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
        if shared.settings.capture_audio:
            response.audio_out = bytearray()
        response.span = shared.telemetry.tracer.start_span(
            shared.name(sc.OPERATION_CHAT),
            context=shared.context,
            kind=SpanKind.CLIENT,
            attributes=spans.response_attributes(
                shared, response_id, trigger, out_of_band, audio_input, pending.params if pending else None
            ),
            start_time=response.start,
        )
        self.responses[response_id] = response
        remember(self.recent, response_id, response.span)
        shared.counts.responses += 1
        if len(self.responses) > MAX_TRACKED:  # a server that never sends response.done
            oldest = next(iter(self.responses.values()))
            self.fail_in_flight(oldest, "evicted", now)
        return response

    def _match_pending(self, payload: Any) -> Optional[Pending]:
        if not self.pending:
            return None
        metadata = payload.get("metadata")
        if metadata is not None:
            for pending in self.pending:
                if pending.metadata == metadata:
                    self.pending.remove(pending)
                    return pending
        for pending in self.pending:  # metadata is echoed: prefer creates that agree on having it
            if (pending.metadata is None) == (metadata is None):
                self.pending.remove(pending)
                return pending
        return self.pending.popleft()

    def response_for(self, response_id: str, now: int) -> Response:
        """The response in flight with this id, started now if it is not known (an event of a
        response whose ``response.created`` was not seen)."""
        response = self.responses.get(response_id)
        if response is None:
            response = self.start(response_id, {"id": response_id}, now)
        return response

    def latest_open(self) -> Optional[Response]:
        for response in reversed(list(self.responses.values())):
            if response.done_at is None and not response.ended:
                return response
        return None

    def context(
        self, session_context: otel_context.Context, response_id: Optional[str]
    ) -> otel_context.Context:
        """A context whose current span is the given (or the latest) response in flight, or the session."""
        if response_id:
            span = self.recent.get(response_id)
            if span is not None:
                return trace.set_span_in_context(span, session_context)
        response = self.latest_open()
        if response is not None and response.span is not None:
            return trace.set_span_in_context(response.span, session_context)
        return session_context

    # ------------------------------------------------------------------ done

    def on_done(self, event: dict[str, Any], now: int) -> None:
        shared = self._s
        payload = as_mapping(event.get("response"))
        response_id = as_str(payload.get("id"))
        if not response_id:
            return
        response = self.responses.get(response_id)
        if response is None:  # response.done without response.created
            self.release_all(now)
            response = self.start(response_id, payload, now)
        if response.done_at is not None:
            return
        self.outputs.from_done(response, payload.get("output"), now)
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
        ttfc = seconds(response.first_chunk_at, response.start)
        first_audio = response.first_audio_at
        v2v = None if first_audio is None else seconds(first_audio, speech_end(response))
        attrs = spans.response_done_attributes(
            response,
            payload,
            ttfc,
            seconds(response.first_audio_at, response.start),
            v2v,
            shared.config.output_audio,
        )
        if status == "cancelled" and reason == "turn_detected":
            self.mark_interrupted(response)
        if status == "completed" and not response.interrupted:
            shared.counts.completed += 1
        error_type = None
        if status == "failed":
            error_type = attrs[sc.ERROR_TYPE] = error_type_of(details)
            message = as_str(as_mapping(details.get("error")).get("message"))
            span.set_status(Status(StatusCode.ERROR, message or error_type))
            shared.counts.errors += 1
        if shared.settings.braintrust:
            input_audio = self.audio.input_bytes > 0
            attrs[sc.BT_METADATA] = dumps(braintrust.metadata(shared, input_audio, response.id, payload))
            attrs[sc.BT_METRICS] = dumps(braintrust.metrics(usage, ttfc))
        span.set_attributes(attrs)  # one call: the SDK cleans and locks per call
        self._record_metrics(response, usage, ttfc, v2v, error_type)
        self.hold_or_end(response, now)

    def _record_metrics(
        self,
        response: Response,
        usage: Any,
        ttfc: Optional[float],
        v2v: Optional[float],
        error_type: Optional[str],
    ) -> None:
        end = response.done_at if response.done_at is not None else self._s.clock()
        metrics.record_response(
            self._s.telemetry,
            self._s.metric_attributes(sc.OPERATION_CHAT, error_type),
            max(0, end - response.start) / NS,
            ttfc,
            v2v,
            usage,
        )

    def mark_interrupted(self, response: Response) -> None:
        """The user cut in: the response's terminal state is interrupted (never an error)."""
        if response.interrupted:
            return
        shared = self._s
        response.interrupted = True
        shared.counts.interrupted += 1
        if response.status == "completed":  # one terminal state per turn: interrupted wins
            shared.counts.completed -= 1
        if response.span is not None and not response.ended:
            response.span.set_attribute(sc.RESPONSE_INTERRUPTED, True)
        metrics.record_interruption(shared.telemetry, shared.metric_attributes(sc.OPERATION_CHAT))

    # ------------------------------------------------------------------ hold and end

    @staticmethod
    def awaits_transcript(response: Response) -> bool:
        return any(i.kind == "audio" and i.transcript_status == "pending" for i in response.inputs)

    @staticmethod
    def awaits_truncation(response: Response) -> bool:
        return response.audio_bytes > 0 and not response.truncated

    def hold_or_end(self, response: Response, now: int) -> None:
        deadline = 0
        if self.awaits_transcript(response):
            deadline = max(deadline, now + int(self._s.settings.transcript_wait_seconds * NS))
        if response.audio_bytes and not response.truncated:
            seconds_ = self._s.config.output_audio.seconds(response.audio_bytes)
            deadline = max(deadline, now + int(seconds_ * NS) + _AUDIO_HOLD_GRACE_NS)
        deadline = max(deadline, self.playback.hold_until(response, now))  # calls: still playing
        if deadline <= now:
            self.end(response, now)
            return
        response.held = True
        response.deadline = deadline
        self.held.append(response)
        self.next_deadline = min(r.deadline for r in self.held)
        if len(self.held) > MAX_TRACKED:
            self.end(self.held[0], now)

    def end_if_complete(self, response: Optional[Response], now: int) -> None:
        """A fact a held response waited for arrived: end it unless it still waits for another."""
        if response is not None and response.held and not response.ended:
            if not self.awaits_transcript(response) and not self.awaits_truncation(response):
                if not self.playback.awaits(response, now):
                    self.end(response, now)

    def release_due(self, now: int) -> None:
        for response in [r for r in self.held if r.deadline <= now]:
            self.end(response, now)

    def release_all(self, now: int) -> None:
        for response in list(self.held):
            self.end(response, now)

    def end(self, response: Response, now: int) -> None:
        if response.ended:
            return
        response.ended = True
        if response.held:
            response.held = False
            try:
                self.held.remove(response)
            except ValueError:
                pass
            self.next_deadline = min((r.deadline for r in self.held), default=0)
        self.responses.pop(response.id, None)
        span = response.span
        if span is None:
            return
        transcription = next(
            (i.transcript_status for i in response.inputs if i.kind == "audio" and i.transcript_status), None
        )
        attrs = spans.turn_transcription_attributes(response.inputs)
        if transcription:
            attrs[sc.RESPONSE_INPUT_TRANSCRIPTION_STATUS] = transcription
        if attrs:
            span.set_attributes(attrs)
        if self._s.capture:
            record_response_content(self._s, response, now)
        span.end(end_time=response.done_at if response.done_at is not None else now)
        # Ended: keep no reference to the span (its content attributes) or the captured audio, so
        # the records remembered for late events stay small however long the session runs.
        response.span = None
        response.audio_out = None
        for item in response.inputs:
            item.audio = None
        if self.recent.get(response.id) is span:
            self.recent[response.id] = trace.NonRecordingSpan(span.get_span_context())

    def fail_in_flight(self, response: Response, error_type: str, now: int) -> None:
        """End a response that never got response.done, as failed."""
        response.done_at = now
        response.status = "failed"
        if response.span is not None:
            response.span.set_attribute(sc.ERROR_TYPE, error_type)
            response.span.set_attribute(sc.GEN_AI_RESPONSE_FINISH_REASONS, ["error"])
            response.span.set_status(Status(StatusCode.ERROR, error_type))
            self._record_metrics(response, None, None, None, error_type)
        self.end(response, now)

    def abandon(self, response: Response, now: int) -> None:
        """End a response in flight that the app walked away from (its own exception, or its task
        cancelled): ``abandoned``, never an error; its duration is recorded without ``error.type``."""
        response.done_at = now
        response.status = "abandoned"
        if response.span is not None:
            response.span.set_attribute(sc.RESPONSE_STATUS, "abandoned")
            self._record_metrics(response, None, None, None, None)
        self.end(response, now)

    def end_all(self, failure: Optional[str], now: int, abandoned: bool = False) -> None:
        """The session ends: responses in flight end as failed (``failure``), abandoned (the app
        ended the session: not an error) or closed; held ones are released."""
        for response in list(self.responses.values()):
            if response.done_at is None:
                if failure:
                    self.fail_in_flight(response, failure, now)
                elif abandoned:
                    self.abandon(response, now)
                else:
                    response.done_at = now
                    if response.span is not None:
                        response.span.set_attribute(sc.RESPONSE_STATUS, "closed")
                    self.end(response, now)
        self.release_all(now)
