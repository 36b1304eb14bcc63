"""Message content in the GenAI message schemas (only used when content capture is on).

Input messages: ``[{"role": "user", "parts": [{"type": "text", "content": ...}]}, {"role": "tool",
"parts": [{"type": "tool_call_response", "id": ..., "response": ...}]}]``; output messages:
``[{"role": "assistant", "parts": [...], "finish_reason": ...}]``. Spoken input and output are
represented by their transcripts as text parts; with audio capture on, a ``blob`` part carries
the turn's audio as a WAV file (base64), once per turn, capped in size.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, Callable, Optional

from .audio import DEFAULT_FORMAT, AudioFormat, parse_format, wav_bytes

Redact = Callable[[str, Optional[str]], Optional[str]]


def _format(name: Optional[str]) -> AudioFormat:
    return (parse_format(name) if name else None) or DEFAULT_FORMAT


def audio_part(data: Optional[bytearray], fmt: AudioFormat, limit: int) -> Optional[dict[str, Any]]:
    """A GenAI ``blob`` part holding ``data`` as a WAV file, or ``None`` when there is no audio."""
    if not data:
        return None
    clipped = bytes(data[:limit]) if limit > 0 else b""
    if not clipped:
        return None
    return {
        "type": "blob",
        "modality": "audio",
        "mime_type": "audio/wav",
        "content": base64.b64encode(wav_bytes(clipped, fmt)).decode("ascii"),
        "duration_seconds": round(fmt.seconds(len(clipped)), 6),
        "truncated": len(clipped) < len(data),
    }


def input_messages(inputs: Sequence[Any], redact: Redact, settings: Any, config: Any) -> list[dict[str, Any]]:
    """The messages that went into a response: the user's speech or text, and tool results."""
    messages: list[dict[str, Any]] = []
    for item in inputs:
        if item.kind == "tool_result":
            result = redact("tool_result", item.text)
            part: dict[str, Any] = {"type": "tool_call_response", "id": item.call_id}
            if result is not None:
                part["response"] = result
            messages.append({"role": "tool", "parts": [part]})
            continue
        parts: list[dict[str, Any]] = []
        text = redact("input_text", item.text)
        if text is not None:
            parts.append({"type": "text", "content": text})
        if settings.capture_audio and item.kind == "audio":
            blob = audio_part(item.audio, _format(config.input_format), settings.max_audio_bytes)
            if blob is not None:
                parts.append(blob)
        if parts:
            messages.append({"role": "user", "parts": parts})
    return messages


def output_messages(
    outputs: Sequence[Any],
    finish_reason: Optional[str],
    redact: Redact,
    audio: Optional[bytearray],
    settings: Any,
    config: Any,
) -> list[dict[str, Any]]:
    """The assistant message of a response: text or transcript parts, tool calls, audio."""
    parts: list[dict[str, Any]] = []
    for output in outputs:
        if output.type == "function_call":
            arguments = redact("tool_arguments", output.arguments)
            part: dict[str, Any] = {"type": "tool_call", "id": output.call_id, "name": output.name}
            if arguments is not None:
                part["arguments"] = arguments
            parts.append(part)
        elif output.text:
            text = redact("output_text", "".join(output.text))
            if text is not None:
                parts.append({"type": "text", "content": text})
    if settings.capture_audio:
        blob = audio_part(audio, _format(config.output_format), settings.max_audio_bytes)
        if blob is not None:
            parts.append(blob)
    if not parts:
        return []
    message: dict[str, Any] = {"role": "assistant", "parts": parts}
    if finish_reason:
        message["finish_reason"] = finish_reason
    return [message]
