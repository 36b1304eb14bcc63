"""Audio accounting and interruptions: bytes of input and output audio (never decoded: sizes come
from base64 lengths), the item whose audio deltas stream now (the hot path), and truncations,
which say how much of a response the user heard before cutting in."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Optional

from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc

from .audio_format import base64_decoded_length, format_of
from .outputs import output_of
from .records import Output, Response, remember
from .shared import Shared
from .turns import Turns
from .values import as_int, as_str


class Audio:
    """The session's audio: sizes, the items that carried it, the user's interruptions."""

    def __init__(self, shared: Shared, turns: Turns) -> None:
        self._s = shared
        self._turns = turns
        self._responses = turns.responses
        self._max_bytes = shared.settings.max_audio_bytes
        self.input_bytes = 0
        self.output_bytes = 0
        # the app's audio, kept for content capture until its item is committed
        self._input_capture: Optional[bytearray] = bytearray() if shared.settings.capture_audio else None
        self.items: dict[str, Response] = {}  # output item id -> the response whose audio it carried

    # ------------------------------------------------------------------ output

    def delta(
        self, response_id: str, item_id: Optional[str], count: int, now: int
    ) -> Optional[tuple[Response, Output]]:
        """An output audio delta read by the decoder (``count`` bytes): the response and output
        item it added to (``None`` without an item id), whose next deltas the router counts."""
        response = self._responses.get(response_id) or self._turns.response_for(response_id, now)
        self.add(response, item_id, count, now)
        if not item_id:
            return None
        return response, response.outputs[item_id]

    def on_delta(self, event: dict[str, Any], now: int) -> None:
        """A parsed output audio delta (the audio is decoded only when it is kept)."""
        response_id = as_str(event.get("response_id"))
        if not response_id:
            return
        response = self._turns.response_for(response_id, now)
        delta = event.get("delta")
        if not isinstance(delta, str):
            return
        self.add(response, as_str(event.get("item_id")), base64_decoded_length(len(delta), delta[-2:]), now)
        if response.audio_out is not None and len(response.audio_out) < self._max_bytes:
            try:
                response.audio_out += base64.b64decode(delta)
            except (binascii.Error, ValueError):
                pass

    def add(self, response: Response, item_id: Optional[str], count: int, now: int) -> None:
        if response.first_audio_at is None:
            response.first_audio_at = now
            if response.first_chunk_at is None:
                response.first_chunk_at = now
        response.audio_bytes += count
        self.output_bytes += count
        if item_id:
            output = output_of(response, item_id)
            output.audio_bytes += count
            if self.items.get(item_id) is not response:
                remember(self.items, item_id, response)

    # ------------------------------------------------------------------ input

    def add_input(self, count: int, audio: Optional[str]) -> None:
        """The app appended ``count`` bytes of audio (``audio``: its base64, when it may be kept)."""
        self.input_bytes += count
        if audio is not None and self._input_capture is not None:
            if len(self._input_capture) < self._max_bytes:
                try:
                    self._input_capture += base64.b64decode(audio)
                except (binascii.Error, ValueError):
                    pass

    def take_input_capture(self) -> Optional[bytearray]:
        """The audio kept since the last commit (audio capture), for the item just committed."""
        if not self._input_capture:
            return None
        audio, self._input_capture = self._input_capture, bytearray()
        return audio

    # ------------------------------------------------------------------ interruptions

    def on_truncate(self, event: dict[str, Any], now: int) -> None:
        """``conversation.item.truncate`` (the app) or ``.truncated`` (the server): playback of an
        item stopped at ``audio_end_ms``. Less than was generated means the user cut in."""
        item_id = as_str(event.get("item_id"))
        end_ms = as_int(event.get("audio_end_ms"))
        if not item_id or end_ms is None:
            return
        response = self.items.get(item_id)
        if response is None or response.truncated:
            return
        output = response.outputs.get(item_id)
        generated = self._s.config.output_audio.seconds(output.audio_bytes if output else 0)
        heard = min(end_ms / 1000.0, generated) if generated else end_ms / 1000.0
        response.truncated = True
        response.heard_seconds = round(heard, 6)
        attrs = {
            sc.RESPONSE_AUDIO_HEARD_SECONDS: response.heard_seconds,
            sc.RESPONSE_AUDIO_GENERATED_SECONDS: round(generated, 6),
        }
        if heard < generated:
            self._turns.mark_interrupted(response)
        if response.span is not None and not response.ended:
            response.span.set_attributes(attrs)
            if response.interrupted:
                response.span.set_attribute(sc.RESPONSE_INTERRUPTED, True)
            response.span.add_event(sc.EVENT_TRUNCATED, {sc.ITEM_ID: item_id}, timestamp=now)
            if response.held and not self._turns.awaits_transcript(response):
                self._turns.end(response, now)
        else:
            self._s.span.add_event(
                sc.EVENT_TRUNCATED, {sc.EVENT_TRUNCATED_RESPONSE_ID: response.id, **attrs}, timestamp=now
            )

    # ------------------------------------------------------------------ totals

    def seconds_in(self) -> float:
        return format_of(self._s.config.input_format).seconds(self.input_bytes)

    def seconds_out(self) -> float:
        return self._s.config.output_audio.seconds(self.output_bytes)
