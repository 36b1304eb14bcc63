"""Calls: audio the server plays itself (WebRTC and SIP calls, seen from their sideband WebSocket
joined by ``call_id``). No output audio delta reaches the client there; the server says instead
when it started playing a response's audio (``output_audio_buffer.started``), when the audio
drained (``.stopped``) and when it was cut (``.cleared``), each with the ``response_id``.

Rules (docs/signals.md, *Calls*):

- time to first audio and voice-to-voice latency: the first evidence of the response's audio, an
  output audio delta or ``started``, whichever comes first (on a call only ``started`` exists);
- played seconds: ``started`` to ``stopped``/``cleared``; they count in the session's output audio
  only for responses that sent no deltas (deltas measure generated audio: never counted twice);
- ``cleared`` after the user's speech started during playback is an interruption (heard seconds:
  the playback time before the clear, unless the server's ``conversation.item.truncated`` says
  where it stopped); after the app's own ``output_audio_buffer.clear`` it is a cancellation.
"""

from __future__ import annotations

from typing import Any, Optional

from opentelemetry_instrumentation_openai_realtime.telemetry import metrics, spans
from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc

from .audio import Audio
from .inputs import Inputs
from .records import NS, Response, seconds, speech_end
from .shared import Shared
from .turns import Turns
from .values import as_int, as_str

# a response whose audio is playing is held at most this long after response.done for .stopped
_PLAYING_HOLD_NS = 120 * NS
# after an interruption's clear, how long a held response waits for the server's truncation
_TRUNCATION_GRACE_NS = NS // 2


class Playback:
    """The server's playback of each response's audio, and the session's call identity."""

    def __init__(self, shared: Shared, turns: Turns, inputs: Inputs, audio: Audio) -> None:
        self._s = shared
        self._turns = turns
        self._inputs = inputs
        self._audio = audio
        self.speech_at: Optional[int] = None  # the user's latest speech_started
        self.app_clear_at: Optional[int] = None  # the app's latest output_audio_buffer.clear

    def joined(self, call_id: str) -> None:
        """The session is the sideband of the call ``call_id`` (as the app passed it)."""
        self._s.span.set_attributes(spans.call_attributes(call_id))

    # ------------------------------------------------------------------ events

    def on_speech_started(self, event: dict[str, Any], now: int) -> None:
        self.speech_at = now
        self._inputs.on_speech_started(event, now)

    def on_client_clear(self, now: int) -> None:
        """The app sent ``output_audio_buffer.clear``: the next clear is its cancellation."""
        self.app_clear_at = now

    def on_started(self, event: dict[str, Any], now: int) -> None:
        response = self._response(event)
        if response is None or response.playback_start is not None:
            return
        response.playback_start = now
        if response.first_audio_at is not None:  # a delta came first: it is the first audio
            return
        response.first_audio_at = now
        if response.first_chunk_at is None:
            response.first_chunk_at = now
        if response.done_at is not None and response.span is not None and not response.ended:
            first = seconds(now, response.start)
            v2v = seconds(now, speech_end(response))
            response.span.set_attributes(spans.first_audio_attributes(first, v2v))
            if v2v is not None:
                shared = self._s
                attrs = shared.metric_attributes(sc.OPERATION_CHAT)
                metrics.record_voice_to_voice(shared.telemetry, attrs, v2v)

    def on_stopped(self, event: dict[str, Any], now: int) -> None:
        response = self._response(event)
        if response is not None:
            self._end(response, now, "completed")

    def on_cleared(self, event: dict[str, Any], now: int) -> None:
        response = self._response(event)
        if response is None or response.playback_start is None or response.playback_end is not None:
            return
        start = response.playback_start
        by_app = self.app_clear_at is not None and self.app_clear_at >= start
        if by_app or self.speech_at is None or self.speech_at < start:
            self._end(response, now, "cancelled")
            return
        self._turns.mark_interrupted(response)
        self._end(response, now, "interrupted")

    def on_truncated(self, event: dict[str, Any], now: int) -> None:
        """``conversation.item.truncated``: the audio module reads items it saw deltas of; on a
        call (no deltas) it says where the server's playback of the item stopped."""
        item_id = as_str(event.get("item_id"))
        end_ms = as_int(event.get("audio_end_ms"))
        response = None
        if item_id and item_id not in self._audio.items:
            response = next(
                (
                    r
                    for r in self._turns.responses.values()
                    if item_id in r.outputs and r.playback_start is not None
                ),
                None,
            )
        if response is None or end_ms is None or response.truncated:
            self._audio.on_truncate(event, now)
            return
        response.truncated = True
        response.heard_seconds = round(end_ms / 1000.0, 6)
        if response.span is not None and not response.ended:
            response.span.set_attribute(sc.RESPONSE_AUDIO_HEARD_SECONDS, response.heard_seconds)
            response.span.add_event(sc.EVENT_TRUNCATED, {sc.ITEM_ID: item_id or ""}, timestamp=now)
        self._turns.end_if_complete(response, now)

    # ------------------------------------------------------------------ holds (read by Turns)

    @staticmethod
    def awaits(response: Response, now: int) -> bool:
        """Whether a finished response still waits for its playback's end (or, just after an
        interruption's clear, for the server's truncation)."""
        if response.playback_start is None:
            return False
        if response.playback_end is None:
            return True
        return (
            response.interrupted
            and not response.truncated
            and now < response.playback_end + _TRUNCATION_GRACE_NS
        )

    @staticmethod
    def hold_until(response: Response, now: int) -> int:
        """The latest a finished response is held for its playback (0: not held for it)."""
        if response.playback_start is None:
            return 0
        if response.playback_end is None:
            return now + _PLAYING_HOLD_NS
        if response.interrupted and not response.truncated:
            return response.playback_end + _TRUNCATION_GRACE_NS
        return 0

    # ------------------------------------------------------------------ internals

    def _response(self, event: dict[str, Any]) -> Optional[Response]:
        response_id = as_str(event.get("response_id"))
        return self._turns.responses.get(response_id) if response_id else None

    def _end(self, response: Response, now: int, status: str) -> None:
        if response.playback_start is None or response.playback_end is not None:
            return
        response.playback_end = now
        played = seconds(now, response.playback_start)
        if played is not None and not response.audio_bytes:  # deltas already counted its audio
            self._s.counts.played_seconds += played
        heard = None
        if status == "interrupted" and not response.truncated:
            heard = response.heard_seconds = played
        if response.span is not None and not response.ended:
            response.span.set_attributes(spans.playback_attributes(played, status, heard))
        turns = self._turns
        if response.held and not response.ended:
            if self.awaits(response, now):  # an interruption: the truncation may follow
                response.deadline = min(response.deadline, now + _TRUNCATION_GRACE_NS)
                turns.next_deadline = min(r.deadline for r in turns.held)
            else:
                turns.end_if_complete(response, now)
