"""Input transcriptions: each committed user audio item, transcribed by the session's transcription
model, from its commit (or the end of the speech) to
``conversation.item.input_audio_transcription.completed`` or ``.failed``.

A transcription is billed apart from the responses (another model, another price). In every
session its usage is kept on its input item (so the response that item feeds reports it, see
``turns.py``, even when it arrives after ``response.done``), added to the session's roll-ups and
recorded in the GenAI metrics under the transcription model, with the ``speech_to_text``
operation. In a transcription session (GA ``session.type: "transcription"``, beta
``transcription_session.*``), where no response ever runs, each transcription is also a
``speech_to_text {model}`` span under the session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from opentelemetry.trace import SpanKind, Status, StatusCode

from opentelemetry_instrumentation_openai_realtime.telemetry import metrics, spans
from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc
from opentelemetry_instrumentation_openai_realtime.telemetry.attributes import transcription_usage
from opentelemetry_instrumentation_openai_realtime.telemetry.content import record_transcription_content
from opentelemetry_instrumentation_openai_realtime.telemetry.metrics import metric_attributes

from .records import MAX_TRACKED, NS, Input, Transcription, seconds
from .shared import Shared
from .values import as_mapping, as_str

if TYPE_CHECKING:
    from .inputs import Inputs


class Transcriptions:
    """The session's input transcriptions in progress, by input item id."""

    # peer, wired by the session
    inputs: Inputs

    def __init__(self, shared: Shared) -> None:
        self._s = shared
        self.items: dict[str, Transcription] = {}

    # ------------------------------------------------------------------ start

    def start(self, item: Input, now: int) -> None:
        """A user audio item was committed while transcription is on: its transcription starts at
        the end of the speech (server VAD, or the app's commit), else at the commit."""
        if item.id in self.items:
            return
        model = self._s.config.transcription_model
        item.transcription_model = model
        start = item.speech_stopped_at if item.speech_stopped_at is not None else item.committed_at
        self._begin(item.id, model, min(start if start is not None else now, now), now)

    def _begin(self, item_id: str, model: Optional[str], start: int, now: int) -> Transcription:
        shared = self._s
        transcription = Transcription(item_id, model, start)
        if shared.config.kind == "transcription":
            name = f"{sc.OPERATION_TRANSCRIPTION} {model}" if model else sc.OPERATION_TRANSCRIPTION
            transcription.span = shared.telemetry.tracer.start_span(
                name,
                context=shared.context,
                kind=SpanKind.CLIENT,
                attributes=spans.transcription_attributes(shared, transcription),
                start_time=start,
            )
        self.items[item_id] = transcription
        if len(self.items) > MAX_TRACKED:  # a server that never finishes its transcriptions
            self._end(next(iter(self.items.values())), "failed", "evicted", now)
        return transcription

    def _current(self, item_id: str, now: int) -> Optional[Transcription]:
        """The transcription of this item in progress; started now if its commit was not seen,
        ``None`` if it already finished."""
        transcription = self.items.get(item_id)
        if transcription is not None:
            return transcription
        item = self.inputs.items.get(item_id)
        if item is not None and item.transcript_status in ("completed", "failed"):
            return None  # a late or repeated event of a finished transcription
        model = item.transcription_model if item is not None else None
        return self._begin(item_id, model or self._s.config.transcription_model, now, now)

    def _metric_attributes(self, transcription: Transcription, error_type: Optional[str]) -> dict[str, Any]:
        """The transcription model, never the session's realtime model, names these points."""
        return metric_attributes(
            sc.OPERATION_TRANSCRIPTION, self._s.provider, transcription.model, error_type
        )

    # ------------------------------------------------------------------ events

    def on_event(self, event: dict[str, Any], now: int) -> None:
        """``conversation.item.input_audio_transcription.*``: the transcription's progress and end;
        then the input item reads the transcript (and the response it feeds may end)."""
        item_id = as_str(event.get("item_id"))
        type_ = event.get("type", "")
        transcription = self._current(item_id, now) if item_id else None
        if transcription is not None and item_id:
            if type_.endswith(".completed"):
                self._completed(transcription, self.inputs.item(item_id, "audio"), event, now)
            elif type_.endswith(".failed"):
                error = as_mapping(event.get("error"))
                error_type = as_str(error.get("type")) or as_str(error.get("code")) or "failed"
                self._end(transcription, "failed", error_type, now, as_str(error.get("message")))
            elif transcription.first_delta_at is None:  # .delta / .segment
                transcription.first_delta_at = now
        self.inputs.on_transcript(event, now)

    def _completed(self, transcription: Transcription, item: Input, event: dict[str, Any], now: int) -> None:
        shared = self._s
        self.items.pop(transcription.item_id, None)
        usage = event.get("usage")
        counts = transcription_usage(usage)
        item.transcription_model = item.transcription_model or transcription.model
        if counts:
            item.transcription_usage = usage
        totals = shared.counts
        totals.transcriptions += 1
        if "input_tokens" in counts:
            totals.transcription_input_tokens = (totals.transcription_input_tokens or 0) + counts[
                "input_tokens"
            ]
        if "output_tokens" in counts:
            totals.transcription_output_tokens = (totals.transcription_output_tokens or 0) + counts[
                "output_tokens"
            ]
        if "seconds" in counts:
            totals.transcription_seconds = (totals.transcription_seconds or 0.0) + counts["seconds"]
        ttfc = seconds(transcription.first_delta_at, transcription.start)
        metrics.record_transcription(
            shared.telemetry,
            self._metric_attributes(transcription, None),
            max(0, now - transcription.start) / NS,
            ttfc,
            counts,
        )
        span = transcription.span
        if span is not None:
            total = seconds(now, transcription.start)
            span.set_attributes(
                spans.transcription_done_attributes(shared, transcription, "completed", usage, ttfc, total)
            )
            if shared.capture:
                record_transcription_content(shared, span, event.get("transcript"), now)
            span.end(end_time=max(now, transcription.start))

    def _end(
        self,
        transcription: Transcription,
        status: str,
        error_type: Optional[str],
        now: int,
        message: Optional[str] = None,
    ) -> None:
        """A transcription that did not complete: ``failed`` (``error_type``), ``abandoned`` or
        ``closed`` (the session ended first). Failed and abandoned ones record their duration."""
        shared = self._s
        self.items.pop(transcription.item_id, None)
        if status != "closed":
            metrics.record_transcription(
                shared.telemetry,
                self._metric_attributes(transcription, error_type),
                max(0, now - transcription.start) / NS,
                seconds(transcription.first_delta_at, transcription.start),
                {},
            )
        span = transcription.span
        if span is None:
            return
        ttfc = seconds(transcription.first_delta_at, transcription.start)
        attrs = spans.transcription_done_attributes(shared, transcription, status, None, ttfc, None)
        if error_type:
            attrs[sc.ERROR_TYPE] = error_type
            span.set_status(Status(StatusCode.ERROR, message or error_type))
        span.set_attributes(attrs)
        span.end(end_time=max(now, transcription.start))

    def end_all(self, failure: Optional[str], now: int, abandoned: bool = False) -> None:
        """The session ends (or its socket was replaced): transcriptions in progress end as failed
        (``failure``), abandoned (the app ended the session) or closed."""
        status = "failed" if failure else "abandoned" if abandoned else "closed"
        for transcription in list(self.items.values()):
            self._end(transcription, status, failure, now)
