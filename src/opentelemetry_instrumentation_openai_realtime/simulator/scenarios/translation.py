"""A translation session (``/v1/realtime/translations``, openai 3.34+): continuous translation of
the app's audio, no responses.

The connection must be opened on a ``.../realtime/translations`` URL: its events are then
validated against the SDK's ``RealtimeTranslationServerEvent`` types.
"""

from __future__ import annotations

import time
from typing import Any, Optional

from opentelemetry_instrumentation_openai_realtime.simulator import events as ev
from opentelemetry_instrumentation_openai_realtime.simulator.connection import Scenario, SimConnection

DEFAULT_TRANSLATION_MODEL = "gpt-realtime-translate"
DEFAULT_SOURCE_WORDS = ("Bonjour", " tout", " le", " monde")
DEFAULT_TRANSLATED_WORDS = ("Hello", " every", "one", " here")


def _session(conn: SimConnection, language: str, transcription_model: Optional[str]) -> dict[str, Any]:
    audio_input: dict[str, Any] = {}
    if transcription_model:
        audio_input["transcription"] = {"model": transcription_model}
    return {
        "id": conn.next_id("sess"),
        "type": "translation",
        "model": conn.query.get("model") or DEFAULT_TRANSLATION_MODEL,
        "expires_at": int(time.time()) + 3600,
        "audio": {"input": audio_input, "output": {"language": language}},
    }


def translation_stream(
    *,
    language: str = "en",
    transcription_model: Optional[str] = "gpt-4o-mini-transcribe",
    chunk_ms: int = 200,
) -> Scenario:
    """``session.created`` (``type: translation``); each ``session.update`` answered with
    ``session.updated`` (the target language merged); for every ``session.input_audio_buffer.append``
    a source transcript delta (when transcription is configured), a translated transcript delta and
    ``chunk_ms`` of translated audio, cycling through the default words; on ``session.close``,
    ``session.closed`` and a normal close."""

    async def scenario(conn: SimConnection) -> None:
        conn.auto_respond = False
        session = _session(conn, language, transcription_model)
        await conn.send({"type": "session.created", "session": session})
        appended = 0
        while True:
            event = await conn.recv()
            type_ = event.get("type")
            if type_ == "session.update":
                update = event.get("session") or {}
                session = ev.merge_session(session, {k: v for k, v in update.items() if k != "type"})
                await conn.send({"type": "session.updated", "session": session})
            elif type_ == "session.input_audio_buffer.append":
                word = appended % len(DEFAULT_TRANSLATED_WORDS)
                elapsed = appended * chunk_ms
                appended += 1
                if session["audio"]["input"].get("transcription"):
                    await conn.send(
                        {
                            "type": "session.input_transcript.delta",
                            "delta": DEFAULT_SOURCE_WORDS[word],
                            "elapsed_ms": elapsed,
                        }
                    )
                await conn.send(
                    {
                        "type": "session.output_transcript.delta",
                        "delta": DEFAULT_TRANSLATED_WORDS[word],
                        "elapsed_ms": elapsed,
                    }
                )
                await conn.send(
                    {
                        "type": "session.output_audio.delta",
                        "delta": ev.audio_chunk(chunk_ms),
                        "elapsed_ms": elapsed,
                        "format": "pcm16",
                        "sample_rate": 24000,
                        "channels": 1,
                    }
                )
            elif type_ == "session.close":
                await conn.send({"type": "session.closed"})
                await conn.close(1000)
                return

    return scenario
