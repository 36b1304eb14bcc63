"""Translation sessions (``/v1/realtime/translations``, openai 3.34+): what they produce.

A translation session has no responses, turns or tools: the app appends source audio
(``session.input_audio_buffer.append``) and the server streams translated audio
(``session.output_audio.delta``) and transcripts (``session.output_transcript.delta`` of the
translation, ``session.input_transcript.delta`` of the source when transcription is configured)
until ``session.close``. So its trace is the session span alone, with:

- the target language (``session.audio.output.language``);
- the audio seconds in and out (the session's usual roll-ups);
- the latency from the first source audio to the first translated audio;
- with content capture, the source and translated transcripts as the session's input and output
  messages (redacted and clipped like every captured text).
"""

from __future__ import annotations

import json
from typing import Any, Optional

from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc
from opentelemetry_instrumentation_openai_realtime.telemetry.redaction import redact

from .audio import Audio
from .audio_format import base64_decoded_length
from .records import NS
from .shared import Shared
from .values import as_mapping, as_str

#: server events of translation sessions the core reads
EVENTS = ("session.output_audio.delta", "session.output_transcript.delta", "session.input_transcript.delta")
#: the client's audio append in a translation session
APPEND = "session.input_audio_buffer.append"


class Translation:
    """One translation session's own facts (fed only by translation events)."""

    def __init__(self, shared: Shared, audio: Audio) -> None:
        self._s = shared
        self._audio = audio
        self._first_input: Optional[int] = None
        self._first_output: Optional[int] = None
        self._texts = {"input": "", "output": ""}
        self.active = False

    def on_session(self, event: dict[str, Any], now: int) -> None:
        """``session.created`` / ``.updated`` of a translation session: the target language."""
        session = as_mapping(event.get("session"))
        if session.get("type") != "translation":
            return
        self.active = True
        language = as_str(as_mapping(as_mapping(session.get("audio")).get("output")).get("language"))
        if language:
            self._s.span.set_attribute(sc.TRANSLATION_OUTPUT_LANGUAGE, language)

    def on_append(self, event: dict[str, Any], now: int) -> None:
        """The app appended source audio."""
        audio = event.get("audio")
        if not isinstance(audio, str):
            return
        self.active = True
        self._audio.add_input(base64_decoded_length(len(audio), audio[-2:]), audio)
        if self._first_input is None:
            self._first_input = now

    def on_output_audio(self, event: dict[str, Any], now: int) -> None:
        delta = event.get("delta")
        if not isinstance(delta, str):
            return
        self.active = True
        self._audio.output_bytes += base64_decoded_length(len(delta), delta[-2:])
        if self._first_output is None:
            self._first_output = now
            if self._first_input is not None:
                latency = max(0, now - self._first_input) / NS
                self._s.span.set_attribute(sc.TRANSLATION_TIME_TO_FIRST_AUDIO, latency)

    def on_transcript(self, event: dict[str, Any], now: int) -> None:
        self.active = True
        if not self._s.capture:
            return
        delta = event.get("delta")
        key = "input" if event.get("type") == "session.input_transcript.delta" else "output"
        text = self._texts[key]
        if isinstance(delta, str) and len(text) < self._s.store_limit:
            self._texts[key] = text + delta

    def finish(self) -> None:
        """At the session's end: the captured transcripts, as the session's messages."""
        settings = self._s.settings
        if not (self.active and self._s.capture and settings.capture.on_spans):
            return
        source = redact(settings, "input_text", self._texts["input"] or None)
        translated = redact(settings, "output_text", self._texts["output"] or None)
        span = self._s.span
        if source:
            message = [{"role": "user", "parts": [{"type": "text", "content": source}]}]
            span.set_attribute(sc.GEN_AI_INPUT_MESSAGES, json.dumps(message, ensure_ascii=False))
        if translated:
            parts = [{"type": "text", "content": translated}]
            message = [{"role": "assistant", "parts": parts, "finish_reason": "stop"}]
            span.set_attribute(sc.GEN_AI_OUTPUT_MESSAGES, json.dumps(message, ensure_ascii=False))
