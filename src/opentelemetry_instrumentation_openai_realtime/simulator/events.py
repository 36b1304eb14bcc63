"""Builders for OpenAI Realtime *server* events, in both protocol dialects.

The Realtime API exists in two dialects that the ``openai`` SDK exposes side by side:

``"beta"``
    The original preview protocol (``client.beta.realtime.connect(...)``, ``OpenAI-Beta: realtime=v1``
    header). Typed by ``openai.types.beta.realtime``.
``"ga"``
    The generally available protocol (``client.realtime.connect(...)``, openai >= 1.103). Typed by
    ``openai.types.realtime``.

Most events are identical in both dialects. The differences handled here (all checked against the
SDK's own pydantic models) are:

==========================================  ==========================================
beta                                        GA
==========================================  ==========================================
``response.text.delta`` / ``.done``         ``response.output_text.delta`` / ``.done``
``response.audio.delta`` / ``.done``        ``response.output_audio.delta`` / ``.done``
``response.audio_transcript.delta/.done``   ``response.output_audio_transcript.delta/.done``
``conversation.item.created``               ``conversation.item.added`` + ``conversation.item.done``
assistant content ``text`` / ``audio``      assistant content ``output_text`` / ``output_audio``
flat session (``modalities``, ``voice``,    nested session (``type: "realtime"``,
``input_audio_format``, ``turn_detection``  ``output_modalities``, ``audio.input.format``,
...)                                        ``audio.input.turn_detection``, ``audio.output.voice`` ...)
response ``modalities``, ``voice``,         response ``output_modalities``,
``output_audio_format``, ``temperature``    ``audio.output.format`` / ``audio.output.voice``
usage without ``cached_tokens_details``     usage with ``image_tokens`` and ``cached_tokens_details``
``function_call_arguments.done`` w/o name   ``function_call_arguments.done`` with ``name``
==========================================  ==========================================

``response.content_part.added`` / ``.done`` use part types ``text`` / ``audio`` in *both* dialects.

Every builder returns a plain ``dict`` whose ``"type"`` key comes first. ``event_id`` is optional: the
simulator fills it in when the event is sent. Builders depend only on the standard library;
:func:`validate_server_event` (from :mod:`.validation`, re-exported here) imports the installed ``openai``
SDK lazily to check an event against the SDK's own server event models. The dialect helpers
(:func:`check_dialect`, :func:`event_type`) live in :mod:`.dialects` and are re-exported here too.
"""

from __future__ import annotations

import base64
import copy
import functools
import math
import re
import struct
import time
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from .dialects import DIALECTS, Dialect, Event, check_dialect, event_type
from .validation import EventValidationError, installed_dialects, server_event_types, validate_server_event

__all__ = [
    "AUDIO_TOKENS_PER_SECOND",
    "BYTES_PER_MS",
    "DEFAULT_INSTRUCTIONS",
    "DEFAULT_TURN_DETECTION",
    "DIALECTS",
    "SAMPLE_RATE",
    "Dialect",
    "Event",
    "EventValidationError",
    "IdFactory",
    "assistant_message_item",
    "audio_bytes",
    "audio_chunk",
    "audio_content",
    "audio_ms",
    "audio_part",
    "audio_tokens",
    "cancelled_status_details",
    "check_dialect",
    "content_part_added",
    "content_part_done",
    "conversation_item_added",
    "conversation_item_deleted",
    "conversation_item_done",
    "conversation_item_truncated",
    "default_session",
    "error_event",
    "event_type",
    "failed_status_details",
    "function_call_arguments_delta",
    "function_call_arguments_done",
    "function_call_item",
    "function_call_output_item",
    "incomplete_status_details",
    "input_audio_buffer_cleared",
    "input_audio_buffer_committed",
    "input_audio_transcription_completed",
    "input_audio_transcription_delta",
    "input_audio_transcription_failed",
    "installed_dialects",
    "make_id",
    "merge_session",
    "obfuscation",
    "output_audio_delta",
    "output_audio_done",
    "output_audio_transcript_delta",
    "output_audio_transcript_done",
    "output_item_added",
    "output_item_done",
    "output_text_delta",
    "output_text_done",
    "rate_limits_tokens",
    "rate_limits_updated",
    "response_created",
    "response_done",
    "response_object",
    "server_event_types",
    "session_created",
    "session_modalities",
    "session_transcription_model",
    "session_updated",
    "session_voice",
    "speech_started",
    "speech_stopped",
    "split_words",
    "text_content",
    "text_part",
    "text_tokens",
    "transcription_session",
    "transcription_session_updated",
    "transcription_usage_duration",
    "transcription_usage_tokens",
    "usage",
    "user_audio_item",
    "user_text_item",
    "validate_server_event",
]

SAMPLE_RATE = 24_000
"""Sample rate of the ``pcm16`` / ``audio/pcm`` format used by the simulator (Hz, mono)."""

BYTES_PER_MS = SAMPLE_RATE * 2 // 1000
"""Bytes of 16-bit mono PCM at 24 kHz per millisecond (48)."""

DEFAULT_INSTRUCTIONS = "You are a friendly, concise voice assistant. Keep answers short and helpful."
"""Instructions of the default session."""

AUDIO_TOKENS_PER_SECOND = 10
"""Token accounting used by the simulator's usage numbers: audio tokens per second of audio."""


# --------------------------------------------------------------------------------------------------
# Identifiers
# --------------------------------------------------------------------------------------------------


def make_id(prefix: str, connection_index: int, n: int) -> str:
    """Return the ``n``-th (1-based) identifier with ``prefix`` on connection ``connection_index``.

    Identifiers look like the real API's (``prefix`` + ``_`` + 21 characters), e.g.
    ``make_id("resp", 0, 1) == "resp_Sim000000000000000001"``, so tests can predict them.
    """
    return f"{prefix}_Sim{connection_index % 100:02d}{n:016d}"


class IdFactory:
    """Deterministic per-connection identifier generator: one counter per prefix.

    >>> ids = IdFactory(connection_index=1)
    >>> ids.next("item"), ids.next("item"), ids.next("resp")
    ('item_Sim010000000000000001', 'item_Sim010000000000000002', 'resp_Sim010000000000000001')
    """

    def __init__(self, connection_index: int = 0) -> None:
        self.connection_index = connection_index
        self._counters: dict[str, int] = {}

    def next(self, prefix: str) -> str:
        """Return the next identifier for ``prefix`` (``event``, ``sess``, ``conv``, ``resp``, ``item``,
        ``call`` ...)."""
        n = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = n
        return make_id(prefix, self.connection_index, n)

    def count(self, prefix: str) -> int:
        """Number of identifiers issued so far for ``prefix``."""
        return self._counters.get(prefix, 0)


# --------------------------------------------------------------------------------------------------
# Audio and token helpers
# --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def audio_bytes(ms: int) -> bytes:
    """Return ``ms`` milliseconds of 16-bit little-endian mono PCM at 24 kHz (``48 * ms`` bytes).

    The signal is a quiet, deterministic 220 Hz tone (amplitude 200 of 32767): "silence-ish" but not
    all zeros, and identical for identical durations.
    """
    if ms < 0:
        raise ValueError("ms must be >= 0")
    samples = SAMPLE_RATE * ms // 1000
    values = [round(200 * math.sin(2 * math.pi * 220 * i / SAMPLE_RATE)) for i in range(samples)]
    return struct.pack(f"<{samples}h", *values)


def audio_chunk(ms: int) -> str:
    """Return :func:`audio_bytes` for ``ms`` milliseconds, base64-encoded (as in ``*.delta`` / ``append``
    events). 100 ms is 4800 bytes, i.e. 6400 base64 characters."""
    return base64.b64encode(audio_bytes(ms)).decode("ascii")


def audio_ms(b64_audio: str) -> int:
    """Duration in milliseconds of base64-encoded pcm16 24 kHz mono audio (without decoding it)."""
    if not b64_audio:
        return 0
    padding = len(b64_audio) - len(b64_audio.rstrip("="))
    n_bytes = len(b64_audio) * 3 // 4 - padding
    return n_bytes // BYTES_PER_MS


def text_tokens(text: str) -> int:
    """Token count the simulator charges for ``text`` (about 4 characters per token, at least 1)."""
    return max(1, (len(text) + 3) // 4)


def audio_tokens(ms: int) -> int:
    """Token count the simulator charges for ``ms`` milliseconds of audio (10 tokens per second)."""
    return max(1, (ms * AUDIO_TOKENS_PER_SECOND + 999) // 1000) if ms > 0 else 0


def split_words(text: str, parts: int) -> list[str]:
    """Split ``text`` into at most ``parts`` consecutive chunks on word boundaries, as streamed
    transcript or text deltas (``"".join(chunks) == text``)."""
    words = re.findall(r"\S+\s*", text)
    if not words:
        return [text] if text else []
    parts = max(1, min(parts, len(words)))
    size, extra = divmod(len(words), parts)
    chunks: list[str] = []
    start = 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        chunks.append("".join(words[start:end]))
        start = end
    leading = text[: len(text) - len(text.lstrip())]
    if leading:
        chunks[0] = leading + chunks[0]
    return chunks


def _event(type_: str, event_id: Optional[str], **fields: Any) -> Event:
    event: Event = {"type": type_}
    if event_id is not None:
        event["event_id"] = event_id
    event.update(fields)
    return event


# --------------------------------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------------------------------

DEFAULT_TURN_DETECTION: dict[str, Any] = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 200,
    "create_response": True,
    "interrupt_response": True,
}


def default_session(
    dialect: str,
    *,
    session_id: str,
    model: str,
    voice: str = "alloy",
    instructions: str = DEFAULT_INSTRUCTIONS,
    tools: Sequence[Mapping[str, Any]] = (),
    transcription_model: Optional[str] = "whisper-1",
    turn_detection: Optional[Mapping[str, Any]] = DEFAULT_TURN_DETECTION,
    modalities: Optional[Sequence[str]] = None,
    expires_at: Optional[int] = None,
) -> Event:
    """Return the session object that ``session.created`` carries.

    Defaults: pcm16 24 kHz in and out, ``server_vad`` turn detection, ``whisper-1`` input transcription,
    voice ``alloy``. ``modalities`` defaults to ``["audio"]`` (GA ``output_modalities``) or
    ``["text", "audio"]`` (beta ``modalities``). The session also carries ``id``, ``object`` and
    ``expires_at``, which the live API sends although the GA SDK model does not declare them.
    """
    d = check_dialect(dialect)
    expires = int(time.time()) + 1800 if expires_at is None else expires_at
    tool_list = [dict(tool) for tool in tools]
    if d == "beta":
        session: Event = {
            "id": session_id,
            "object": "realtime.session",
            "model": model,
            "expires_at": expires,
            "modalities": list(modalities) if modalities is not None else ["text", "audio"],
            "instructions": instructions,
            "voice": voice,
            "input_audio_format": "pcm16",
            "output_audio_format": "pcm16",
            "input_audio_transcription": (
                {"model": transcription_model} if transcription_model is not None else None
            ),
            "turn_detection": dict(turn_detection) if turn_detection is not None else None,
            "tools": tool_list,
            "tool_choice": "auto",
            "temperature": 0.8,
            "max_response_output_tokens": "inf",
        }
        return session
    pcm = {"type": "audio/pcm", "rate": SAMPLE_RATE}
    ga_turn_detection: Optional[dict[str, Any]] = None
    if turn_detection is not None:
        ga_turn_detection = dict(turn_detection)
        if ga_turn_detection.get("type") == "server_vad":
            ga_turn_detection.setdefault("idle_timeout_ms", None)
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": session_id,
        "model": model,
        "output_modalities": list(modalities) if modalities is not None else ["audio"],
        "instructions": instructions,
        "tools": tool_list,
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "expires_at": expires,
        "audio": {
            "input": {
                "format": dict(pcm),
                "transcription": (
                    {"model": transcription_model} if transcription_model is not None else None
                ),
                "noise_reduction": None,
                "turn_detection": ga_turn_detection,
            },
            "output": {"format": dict(pcm), "voice": voice, "speed": 1.0},
        },
        "include": None,
    }


def transcription_session(
    dialect: str,
    *,
    session_id: str,
    model: str = "gpt-4o-transcribe",
    language: Optional[str] = "en",
    turn_detection: Optional[Mapping[str, Any]] = DEFAULT_TURN_DETECTION,
    expires_at: Optional[int] = None,
) -> Event:
    """The session object of a transcription session (speech to text only, no responses).

    GA: ``session.created`` carries it with ``type: "transcription"`` and the model under
    ``audio.input.transcription``; beta: ``transcription_session.updated`` carries it (no ``id`` or
    expiry, and no ``client_secret`` over the WebSocket), with ``input_audio_transcription``."""
    d = check_dialect(dialect)
    transcription: Event = {"model": model, "language": language, "prompt": ""}
    vad: Optional[dict[str, Any]] = None
    if turn_detection is not None:
        vad = {
            k: v
            for k, v in turn_detection.items()
            if k in ("type", "threshold", "prefix_padding_ms", "silence_duration_ms")
        }
    if d == "beta":
        return {
            "input_audio_format": "pcm16",
            "input_audio_transcription": transcription,
            "turn_detection": vad,
            "modalities": ["text"],
        }
    return {
        "type": "transcription",
        "object": "realtime.transcription_session",
        "id": session_id,
        "expires_at": int(time.time()) + 1800 if expires_at is None else expires_at,
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": SAMPLE_RATE},
                "transcription": transcription,
                "noise_reduction": None,
                "turn_detection": vad,
            }
        },
        "include": None,
    }


def transcription_session_updated(session: Mapping[str, Any], *, event_id: Optional[str] = None) -> Event:
    """Beta ``transcription_session.updated``: the answer to ``transcription_session.update``."""
    return _event("transcription_session.updated", event_id, session=copy.deepcopy(dict(session)))


def obfuscation(n: int) -> str:
    """A deterministic stand-in for the ``obfuscation`` padding of GA text and transcript deltas."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(alphabet[(n * 7 + i * 13) % len(alphabet)] for i in range(4 + n % 9))


def merge_session(session: Mapping[str, Any], update: Mapping[str, Any]) -> Event:
    """Return ``session`` with the ``session`` payload of a client ``session.update`` merged in.

    Nested objects are merged recursively, unless the update names another ``type`` (another member
    of a tagged union, e.g. ``turn_detection`` from ``server_vad`` to ``semantic_vad``: it replaces
    the current object, whose fields the new type may not have); any other value (including lists
    and ``None``) replaces the current one. Neither argument is modified.
    """
    merged: Event = copy.deepcopy(dict(session))
    for key, value in update.items():
        current = merged.get(key)
        if (
            isinstance(value, Mapping)
            and isinstance(current, Mapping)
            and value.get("type", current.get("type")) == current.get("type")
        ):
            merged[key] = merge_session(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _nested(obj: Mapping[str, Any], *keys: str) -> Optional[Mapping[str, Any]]:
    """``obj[k1][k2]...`` if every level is a mapping, else ``None``."""
    current: Any = obj
    for key in keys:
        current = current.get(key) if isinstance(current, Mapping) else None
    return current if isinstance(current, Mapping) else None


def session_modalities(dialect: str, session: Mapping[str, Any]) -> list[str]:
    """Output modalities configured in a session object (``output_modalities`` / ``modalities``)."""
    key = "output_modalities" if check_dialect(dialect) == "ga" else "modalities"
    value = session.get(key)
    if isinstance(value, list) and value:
        return [str(v) for v in value]
    return ["audio"] if dialect == "ga" else ["text", "audio"]


def session_voice(dialect: str, session: Mapping[str, Any]) -> Any:
    """The voice configured in a session object (``audio.output.voice`` / ``voice``)."""
    if check_dialect(dialect) == "beta":
        return session.get("voice", "alloy")
    output = _nested(session, "audio", "output")
    return output.get("voice", "alloy") if output is not None else "alloy"


def session_transcription_model(dialect: str, session: Mapping[str, Any]) -> Optional[str]:
    """The input transcription model of a session object, or ``None`` when transcription is off."""
    if check_dialect(dialect) == "beta":
        transcription = session.get("input_audio_transcription")
    else:
        transcription = _nested(session, "audio", "input", "transcription")
    if isinstance(transcription, Mapping):
        model = transcription.get("model")
        return str(model) if model is not None else None
    return None


def session_created(session: Mapping[str, Any], *, event_id: Optional[str] = None) -> Event:
    """``session.created``: the first event of every connection."""
    return _event("session.created", event_id, session=copy.deepcopy(dict(session)))


def session_updated(session: Mapping[str, Any], *, event_id: Optional[str] = None) -> Event:
    """``session.updated``: the answer to a client ``session.update`` (the full, merged session)."""
    return _event("session.updated", event_id, session=copy.deepcopy(dict(session)))


# --------------------------------------------------------------------------------------------------
# Input audio buffer
# --------------------------------------------------------------------------------------------------


def speech_started(*, item_id: str, audio_start_ms: int, event_id: Optional[str] = None) -> Event:
    """``input_audio_buffer.speech_started`` (server VAD detected the start of user speech)."""
    return _event(
        "input_audio_buffer.speech_started", event_id, audio_start_ms=audio_start_ms, item_id=item_id
    )


def speech_stopped(*, item_id: str, audio_end_ms: int, event_id: Optional[str] = None) -> Event:
    """``input_audio_buffer.speech_stopped`` (server VAD detected the end of user speech)."""
    return _event("input_audio_buffer.speech_stopped", event_id, audio_end_ms=audio_end_ms, item_id=item_id)


def input_audio_buffer_committed(
    *, item_id: str, previous_item_id: Optional[str], event_id: Optional[str] = None
) -> Event:
    """``input_audio_buffer.committed``: the buffer became the user item ``item_id``."""
    return _event(
        "input_audio_buffer.committed", event_id, previous_item_id=previous_item_id, item_id=item_id
    )


def input_audio_buffer_cleared(*, event_id: Optional[str] = None) -> Event:
    """``input_audio_buffer.cleared``: answer to a client ``input_audio_buffer.clear``."""
    return _event("input_audio_buffer.cleared", event_id)


# --------------------------------------------------------------------------------------------------
# Conversation items
# --------------------------------------------------------------------------------------------------


def user_audio_item(
    dialect: str, *, item_id: str, transcript: Optional[str] = None, status: str = "completed"
) -> Event:
    """A user message item made from committed input audio (``input_audio`` content)."""
    check_dialect(dialect)
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "status": status,
        "role": "user",
        "content": [{"type": "input_audio", "transcript": transcript}],
    }


def user_text_item(dialect: str, *, item_id: str, text: str, status: str = "completed") -> Event:
    """A user message item with ``input_text`` content."""
    check_dialect(dialect)
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "status": status,
        "role": "user",
        "content": [{"type": "input_text", "text": text}],
    }


def audio_content(dialect: str, transcript: str) -> Event:
    """Assistant audio content of an item: ``output_audio`` (GA) / ``audio`` (beta), with transcript."""
    kind = "output_audio" if check_dialect(dialect) == "ga" else "audio"
    return {"type": kind, "transcript": transcript}


def text_content(dialect: str, text: str) -> Event:
    """Assistant text content of an item: ``output_text`` (GA) / ``text`` (beta)."""
    kind = "output_text" if check_dialect(dialect) == "ga" else "text"
    return {"type": kind, "text": text}


def assistant_message_item(
    dialect: str, *, item_id: str, status: str = "in_progress", content: Sequence[Mapping[str, Any]] = ()
) -> Event:
    """An assistant message item (``status`` is ``in_progress``, ``completed`` or ``incomplete``)."""
    check_dialect(dialect)
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": [dict(part) for part in content],
    }


def function_call_item(
    dialect: str, *, item_id: str, call_id: str, name: str, arguments: str = "", status: str = "in_progress"
) -> Event:
    """A ``function_call`` output item."""
    check_dialect(dialect)
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "function_call",
        "status": status,
        "name": name,
        "call_id": call_id,
        "arguments": arguments,
    }


def function_call_output_item(dialect: str, *, item_id: str, call_id: str, output: str) -> Event:
    """A ``function_call_output`` item (what the client creates with the tool's result)."""
    check_dialect(dialect)
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "function_call_output",
        "status": "completed",
        "call_id": call_id,
        "output": output,
    }


def conversation_item_added(
    dialect: str,
    *,
    item: Mapping[str, Any],
    previous_item_id: Optional[str],
    event_id: Optional[str] = None,
) -> Event:
    """The event announcing a new conversation item: ``conversation.item.added`` (GA) or
    ``conversation.item.created`` (beta)."""
    type_ = "conversation.item.added" if check_dialect(dialect) == "ga" else "conversation.item.created"
    return _event(type_, event_id, previous_item_id=previous_item_id, item=copy.deepcopy(dict(item)))


def conversation_item_done(
    *, item: Mapping[str, Any], previous_item_id: Optional[str], event_id: Optional[str] = None
) -> Event:
    """``conversation.item.done`` (GA only): the item is final."""
    return _event(
        "conversation.item.done", event_id, previous_item_id=previous_item_id, item=copy.deepcopy(dict(item))
    )


def conversation_item_truncated(
    *, item_id: str, content_index: int, audio_end_ms: int, event_id: Optional[str] = None
) -> Event:
    """``conversation.item.truncated``: answer to a client ``conversation.item.truncate``."""
    return _event(
        "conversation.item.truncated",
        event_id,
        item_id=item_id,
        content_index=content_index,
        audio_end_ms=audio_end_ms,
    )


def conversation_item_deleted(*, item_id: str, event_id: Optional[str] = None) -> Event:
    """``conversation.item.deleted``: answer to a client ``conversation.item.delete``."""
    return _event("conversation.item.deleted", event_id, item_id=item_id)


def transcription_usage_duration(seconds: float) -> Event:
    """Usage of a duration-billed transcription model (``whisper-1``)."""
    return {"type": "duration", "seconds": float(seconds)}


def transcription_usage_tokens(*, input_audio_tokens: int, output_tokens: int) -> Event:
    """Usage of a token-billed transcription model (``gpt-4o-transcribe`` ...)."""
    return {
        "type": "tokens",
        "total_tokens": input_audio_tokens + output_tokens,
        "input_tokens": input_audio_tokens,
        "output_tokens": output_tokens,
        "input_token_details": {"text_tokens": 0, "audio_tokens": input_audio_tokens},
    }


def input_audio_transcription_completed(
    *,
    item_id: str,
    transcript: str,
    usage: Optional[Mapping[str, Any]],
    content_index: int = 0,
    event_id: Optional[str] = None,
) -> Event:
    """``conversation.item.input_audio_transcription.completed`` for a user audio item (``usage``
    ``None``: none, as servers before late 2025 sent it)."""
    return _event(
        "conversation.item.input_audio_transcription.completed",
        event_id,
        item_id=item_id,
        content_index=content_index,
        transcript=transcript,
        **({"usage": dict(usage)} if usage is not None else {}),
    )


def input_audio_transcription_delta(
    *,
    item_id: str,
    delta: str,
    content_index: int = 0,
    event_id: Optional[str] = None,
    obfuscation: Optional[str] = None,
) -> Event:
    """``conversation.item.input_audio_transcription.delta`` (streaming transcription models)."""
    return _event(
        "conversation.item.input_audio_transcription.delta",
        event_id,
        item_id=item_id,
        content_index=content_index,
        delta=delta,
        **({"obfuscation": obfuscation} if obfuscation is not None else {}),
    )


def input_audio_transcription_failed(
    *,
    item_id: str,
    content_index: int = 0,
    error_type: str = "transcription_error",
    code: Optional[str] = "audio_unintelligible",
    message: str = "The audio could not be transcribed.",
    param: Optional[str] = None,
    event_id: Optional[str] = None,
) -> Event:
    """``conversation.item.input_audio_transcription.failed``."""
    return _event(
        "conversation.item.input_audio_transcription.failed",
        event_id,
        item_id=item_id,
        content_index=content_index,
        error={"type": error_type, "code": code, "message": message, "param": param},
    )


# --------------------------------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------------------------------


def usage(
    dialect: str,
    *,
    input_text_tokens: int,
    input_audio_tokens: int,
    output_text_tokens: int,
    output_audio_tokens: int,
    cached_text_tokens: int = 0,
    cached_audio_tokens: int = 0,
) -> Event:
    """``response.usage``: totals plus the text/audio/cached breakdowns.

    GA adds ``image_tokens`` and ``cached_tokens_details`` to ``input_token_details``.
    """
    d = check_dialect(dialect)
    input_tokens = input_text_tokens + input_audio_tokens
    output_tokens = output_text_tokens + output_audio_tokens
    cached = cached_text_tokens + cached_audio_tokens
    if cached > input_tokens:
        raise ValueError("cached tokens cannot exceed input tokens")
    details: Event = {
        "cached_tokens": cached,
        "text_tokens": input_text_tokens,
        "audio_tokens": input_audio_tokens,
    }
    if d == "ga":
        details["image_tokens"] = 0
        details["cached_tokens_details"] = {
            "text_tokens": cached_text_tokens,
            "audio_tokens": cached_audio_tokens,
            "image_tokens": 0,
        }
    return {
        "total_tokens": input_tokens + output_tokens,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "input_token_details": details,
        "output_token_details": {"text_tokens": output_text_tokens, "audio_tokens": output_audio_tokens},
    }


def cancelled_status_details(reason: str = "turn_detected") -> Event:
    """``status_details`` of a cancelled response (``turn_detected`` or ``client_cancelled``)."""
    return {"type": "cancelled", "reason": reason}


def incomplete_status_details(reason: str = "max_output_tokens") -> Event:
    """``status_details`` of an incomplete response (``max_output_tokens`` or ``content_filter``)."""
    return {"type": "incomplete", "reason": reason}


def failed_status_details(
    *, error_type: str = "server_error", code: Optional[str] = "internal_error", message: Optional[str] = None
) -> Event:
    """``status_details`` of a failed response, with ``error: {type, code}`` (and ``message`` if given:
    only recent SDKs declare it)."""
    error: Event = {"type": error_type, "code": code}
    if message is not None:
        error["message"] = message
    return {"type": "failed", "error": error}


def response_object(
    dialect: str,
    *,
    response_id: str,
    status: str = "in_progress",
    output: Sequence[Mapping[str, Any]] = (),
    usage: Optional[Mapping[str, Any]] = None,
    status_details: Optional[Mapping[str, Any]] = None,
    conversation_id: Optional[str] = None,
    metadata: Optional[Mapping[str, str]] = None,
    modalities: Sequence[str] = ("audio",),
    voice: Any = "alloy",
    max_output_tokens: Union[int, str] = "inf",
    temperature: float = 0.8,
) -> Event:
    """The response object carried by ``response.created`` / ``response.done``.

    ``status`` is ``in_progress`` in ``response.created`` and one of ``completed``, ``cancelled``,
    ``failed`` or ``incomplete`` in ``response.done``. ``conversation_id`` is ``None`` for out-of-band
    responses (``conversation: "none"``).
    """
    d = check_dialect(dialect)
    response: Event = {
        "object": "realtime.response",
        "id": response_id,
        "status": status,
        "status_details": dict(status_details) if status_details is not None else None,
        "output": [copy.deepcopy(dict(item)) for item in output],
        "conversation_id": conversation_id,
    }
    if d == "ga":
        response["output_modalities"] = list(modalities)
        response["max_output_tokens"] = max_output_tokens
        response["audio"] = {
            "output": {"format": {"type": "audio/pcm", "rate": SAMPLE_RATE}, "voice": copy.deepcopy(voice)}
        }
    else:
        response["modalities"] = list(modalities)
        response["voice"] = copy.deepcopy(voice)
        response["output_audio_format"] = "pcm16"
        response["temperature"] = temperature
        response["max_output_tokens"] = max_output_tokens
    response["usage"] = dict(usage) if usage is not None else None
    response["metadata"] = dict(metadata) if metadata is not None else None
    return response


def response_created(response: Mapping[str, Any], *, event_id: Optional[str] = None) -> Event:
    """``response.created`` (the response object has status ``in_progress`` and no output yet)."""
    return _event("response.created", event_id, response=copy.deepcopy(dict(response)))


def response_done(response: Mapping[str, Any], *, event_id: Optional[str] = None) -> Event:
    """``response.done`` (final status, full output and usage)."""
    return _event("response.done", event_id, response=copy.deepcopy(dict(response)))


def output_item_added(
    *, response_id: str, output_index: int, item: Mapping[str, Any], event_id: Optional[str] = None
) -> Event:
    """``response.output_item.added``."""
    return _event(
        "response.output_item.added",
        event_id,
        response_id=response_id,
        output_index=output_index,
        item=copy.deepcopy(dict(item)),
    )


def output_item_done(
    *, response_id: str, output_index: int, item: Mapping[str, Any], event_id: Optional[str] = None
) -> Event:
    """``response.output_item.done``."""
    return _event(
        "response.output_item.done",
        event_id,
        response_id=response_id,
        output_index=output_index,
        item=copy.deepcopy(dict(item)),
    )


def audio_part(transcript: str = "") -> Event:
    """Content part of ``response.content_part.*`` for audio (type ``audio`` in both dialects)."""
    return {"type": "audio", "transcript": transcript}


def text_part(text: str = "") -> Event:
    """Content part of ``response.content_part.*`` for text (type ``text`` in both dialects)."""
    return {"type": "text", "text": text}


def content_part_added(
    *,
    response_id: str,
    item_id: str,
    output_index: int,
    content_index: int,
    part: Mapping[str, Any],
    event_id: Optional[str] = None,
) -> Event:
    """``response.content_part.added``."""
    return _event(
        "response.content_part.added",
        event_id,
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        content_index=content_index,
        part=dict(part),
    )


def content_part_done(
    *,
    response_id: str,
    item_id: str,
    output_index: int,
    content_index: int,
    part: Mapping[str, Any],
    event_id: Optional[str] = None,
) -> Event:
    """``response.content_part.done``."""
    return _event(
        "response.content_part.done",
        event_id,
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        content_index=content_index,
        part=dict(part),
    )


def _content_event(
    dialect: str,
    name: str,
    *,
    response_id: str,
    item_id: str,
    output_index: int,
    content_index: int,
    event_id: Optional[str],
    **fields: Any,
) -> Event:
    return _event(
        event_type(dialect, name),
        event_id,
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        content_index=content_index,
        **fields,
    )


def output_audio_delta(
    dialect: str,
    *,
    response_id: str,
    item_id: str,
    output_index: int,
    content_index: int,
    delta: str,
    event_id: Optional[str] = None,
) -> Event:
    """``response.output_audio.delta`` (GA) / ``response.audio.delta`` (beta); ``delta`` is base64 pcm16."""
    return _content_event(
        dialect,
        "response.audio.delta",
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        content_index=content_index,
        event_id=event_id,
        delta=delta,
    )


def output_audio_done(
    dialect: str,
    *,
    response_id: str,
    item_id: str,
    output_index: int,
    content_index: int,
    event_id: Optional[str] = None,
) -> Event:
    """``response.output_audio.done`` (GA) / ``response.audio.done`` (beta)."""
    return _content_event(
        dialect,
        "response.audio.done",
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        content_index=content_index,
        event_id=event_id,
    )


def output_audio_transcript_delta(
    dialect: str,
    *,
    response_id: str,
    item_id: str,
    output_index: int,
    content_index: int,
    delta: str,
    event_id: Optional[str] = None,
    obfuscation: Optional[str] = None,
) -> Event:
    """``response.output_audio_transcript.delta`` (GA) / ``response.audio_transcript.delta`` (beta)."""
    return _content_event(
        dialect,
        "response.audio_transcript.delta",
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        content_index=content_index,
        event_id=event_id,
        delta=delta,
        **({"obfuscation": obfuscation} if obfuscation is not None else {}),
    )


def output_audio_transcript_done(
    dialect: str,
    *,
    response_id: str,
    item_id: str,
    output_index: int,
    content_index: int,
    transcript: str,
    event_id: Optional[str] = None,
) -> Event:
    """``response.output_audio_transcript.done`` (GA) / ``response.audio_transcript.done`` (beta)."""
    return _content_event(
        dialect,
        "response.audio_transcript.done",
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        content_index=content_index,
        event_id=event_id,
        transcript=transcript,
    )


def output_text_delta(
    dialect: str,
    *,
    response_id: str,
    item_id: str,
    output_index: int,
    content_index: int,
    delta: str,
    event_id: Optional[str] = None,
    obfuscation: Optional[str] = None,
) -> Event:
    """``response.output_text.delta`` (GA) / ``response.text.delta`` (beta)."""
    return _content_event(
        dialect,
        "response.text.delta",
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        content_index=content_index,
        event_id=event_id,
        delta=delta,
        **({"obfuscation": obfuscation} if obfuscation is not None else {}),
    )


def output_text_done(
    dialect: str,
    *,
    response_id: str,
    item_id: str,
    output_index: int,
    content_index: int,
    text: str,
    event_id: Optional[str] = None,
) -> Event:
    """``response.output_text.done`` (GA) / ``response.text.done`` (beta)."""
    return _content_event(
        dialect,
        "response.text.done",
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        content_index=content_index,
        event_id=event_id,
        text=text,
    )


def function_call_arguments_delta(
    *,
    response_id: str,
    item_id: str,
    output_index: int,
    call_id: str,
    delta: str,
    event_id: Optional[str] = None,
) -> Event:
    """``response.function_call_arguments.delta``."""
    return _event(
        "response.function_call_arguments.delta",
        event_id,
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        call_id=call_id,
        delta=delta,
    )


def function_call_arguments_done(
    dialect: str,
    *,
    response_id: str,
    item_id: str,
    output_index: int,
    call_id: str,
    name: str,
    arguments: str,
    event_id: Optional[str] = None,
) -> Event:
    """``response.function_call_arguments.done``; GA events also carry the function ``name``."""
    event = _event(
        "response.function_call_arguments.done",
        event_id,
        response_id=response_id,
        item_id=item_id,
        output_index=output_index,
        call_id=call_id,
    )
    if check_dialect(dialect) == "ga":
        event["name"] = name
    event["arguments"] = arguments
    return event


def error_event(
    *,
    error_type: str = "invalid_request_error",
    code: Optional[str] = "invalid_value",
    message: str = "Invalid value.",
    param: Optional[str] = None,
    client_event_id: Optional[str] = None,
    event_id: Optional[str] = None,
) -> Event:
    """``error``; ``client_event_id`` is the ``event_id`` of the client event that caused it, if any."""
    return _event(
        "error",
        event_id,
        error={
            "type": error_type,
            "code": code,
            "message": message,
            "param": param,
            "event_id": client_event_id,
        },
    )


def rate_limits_tokens(
    *,
    remaining: int = 39_412,
    limit: int = 40_000,
    reset_seconds: float = 0.882,
    event_id: Optional[str] = None,
) -> Event:
    """``rate_limits.updated`` as recorded sessions show it: only a ``tokens`` entry, with a decimal
    ``reset_seconds``."""
    entry = {"name": "tokens", "limit": limit, "remaining": remaining, "reset_seconds": reset_seconds}
    return _event("rate_limits.updated", event_id, rate_limits=[entry])


def rate_limits_updated(
    *,
    remaining_requests: int = 4999,
    remaining_tokens: int = 39_000,
    event_id: Optional[str] = None,
) -> Event:
    """``rate_limits.updated`` (sent by the live API after ``response.done``)."""
    return _event(
        "rate_limits.updated",
        event_id,
        rate_limits=[
            {"name": "requests", "limit": 5000, "remaining": remaining_requests, "reset_seconds": 0.012},
            {"name": "tokens", "limit": 40_000, "remaining": remaining_tokens, "reset_seconds": 1.5},
        ],
    )
