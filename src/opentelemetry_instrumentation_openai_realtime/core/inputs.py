"""The user's side of the conversation: speech (start, end, commit), typed messages and tool
results as input items, and their transcripts, which may arrive after the response they caused
has finished (that response's span is then held for them, see ``turns.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc
from opentelemetry_instrumentation_openai_realtime.telemetry.attributes import error_event_attributes

from .records import MAX_TRACKED, Input, remember
from .shared import Shared
from .values import as_int, as_mapping, as_str, as_text, message_text

if TYPE_CHECKING:
    from .audio import Audio
    from .tools import Tools
    from .transcription import Transcriptions
    from .turns import Turns


class Inputs:
    """Input items by id, and those not yet answered by a response."""

    # peers, wired by the session
    turns: Turns
    tools: Tools
    audio: Audio
    transcriptions: Transcriptions

    def __init__(self, shared: Shared) -> None:
        self._s = shared
        self.items: dict[str, Input] = {}
        self.queued: list[Input] = []  # input to the next response of the conversation
        self.speech: dict[str, int] = {}  # item id -> audio_start_ms, until speech_stopped
        self.last_commit_sent: Optional[int] = None

    def item(self, item_id: str, kind: str) -> Input:
        """The input item with this id, remembered (as ``kind``) when new."""
        item = self.items.get(item_id)
        if item is None:
            item = Input(item_id, kind)
            remember(self.items, item_id, item)
        return item

    def queue(self, item: Input) -> None:
        if item.response is None and item not in self.queued:
            self.queued.append(item)
            if len(self.queued) > MAX_TRACKED:
                del self.queued[0]

    def take_queued(self) -> list[Input]:
        """The input a new (in-conversation) response answers: everything queued since the last."""
        queued, self.queued = self.queued, []
        return queued

    def on_client_commit(self, now: int) -> None:
        """The app committed the audio buffer (push-to-talk: the end of the user's speech)."""
        self.last_commit_sent = now

    def on_speech_started(self, event: dict[str, Any], now: int) -> None:
        item_id = as_str(event.get("item_id"))
        start_ms = as_int(event.get("audio_start_ms"))
        if item_id and start_ms is not None:
            remember(self.speech, item_id, start_ms)
        self._s.input_modalities.add("audio")
        latest = self.turns.latest_open()
        if latest is not None and latest.span is not None:
            latest.span.add_event(sc.EVENT_SPEECH_STARTED, timestamp=now)

    def on_speech_stopped(self, event: dict[str, Any], now: int) -> None:
        item_id = as_str(event.get("item_id"))
        if not item_id:
            return
        item = self.item(item_id, "audio")
        item.speech_stopped_at = now
        start_ms = self.speech.pop(item_id, None)
        end_ms = as_int(event.get("audio_end_ms"))
        if start_ms is not None and end_ms is not None and end_ms >= start_ms:
            item.speech_seconds = (end_ms - start_ms) / 1000.0

    def on_committed(self, event: dict[str, Any], now: int) -> None:
        item_id = as_str(event.get("item_id"))
        if not item_id:
            return
        item = self.item(item_id, "audio")
        item.committed_at = now
        if item.speech_stopped_at is None and self.last_commit_sent is not None:
            item.speech_stopped_at = self.last_commit_sent  # push-to-talk: the app's commit
        if self._s.config.transcription_model and item.transcript_status is None:
            item.transcript_status = "pending"
            self.transcriptions.start(item, now)
        audio = self.audio.take_input_capture()
        if audio is not None:
            item.audio = audio
        self.queue(item)

    def on_item(self, event: dict[str, Any], now: int) -> None:
        """A conversation item the server added: the user's message, or a tool's result."""
        item = as_mapping(event.get("item"))
        item_id = as_str(item.get("id"))
        type_ = item.get("type")
        if not item_id:
            return
        capture = self._s.capture
        if type_ == "message" and item.get("role") == "user":
            existing = self.items.get(item_id)
            content = item.get("content")
            is_audio = isinstance(content, list) and any(
                as_mapping(part).get("type") == "input_audio" for part in content
            )
            input_ = existing or self.item(item_id, "audio" if is_audio else "text")
            if not is_audio and input_.text is None:
                self._s.input_modalities.add("text")
                if capture:
                    input_.text = message_text(content)
            if existing is None and not is_audio:
                self.queue(input_)
        elif type_ == "function_call_output":
            if item_id not in self.items:
                input_ = self.item(item_id, "tool_result")
                input_.call_id = as_str(item.get("call_id"))
                input_.speech_stopped_at = self.tools.call_speech.get(input_.call_id or "")
                if capture:
                    input_.text = as_text(item.get("output"))
                self.queue(input_)

    def on_transcript(self, event: dict[str, Any], now: int) -> None:
        """``conversation.item.input_audio_transcription.*`` (after ``transcription.py`` read its
        timing and usage): the user's words, or their failure."""
        item_id = as_str(event.get("item_id"))
        if not item_id:
            return
        item = self.items.get(item_id)
        if item is None:
            item = self.item(item_id, "audio")
        type_ = event.get("type", "")
        limit = self._s.store_limit
        if type_.endswith(".completed"):
            item.transcript_status = "completed"
            if self._s.capture and isinstance(event.get("transcript"), str):
                item.text = event["transcript"][:limit]
        elif type_.endswith(".failed"):
            item.transcript_status = "failed"
            attrs = {sc.RESPONSE_INPUT_ITEM_ID: item_id, **error_event_attributes(event.get("error"))}
            target = item.response.span if item.response is not None and not item.response.ended else None
            (target or self._s.span).add_event(sc.EVENT_TRANSCRIPTION_FAILED, attrs, timestamp=now)
        elif self._s.capture and isinstance(event.get("delta"), str):  # .delta / .segment
            text = event["delta"] if type_.endswith(".delta") else event.get("text")
            if isinstance(text, str) and item.transcript_status != "completed":
                item.text = ((item.text or "") + text)[:limit]
            return
        else:
            return
        self.turns.end_if_complete(item.response, now)
