"""Message content in the GenAI message schemas (only used when content capture is on).

Input messages: ``[{"role": "user", "parts": [{"type": "text", "content": ...}]}, {"role": "tool",
"parts": [{"type": "tool_call_response", "id": ..., "response": ...}]}]``; output messages:
``[{"role": "assistant", "parts": [...], "finish_reason": ...}]``. Spoken input and output are
represented by their transcripts as text parts; with audio capture on, a ``blob`` part carries
the turn's audio as a WAV file (base64), once per turn, capped in size.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

from opentelemetry import trace

from opentelemetry_instrumentation_openai_realtime.config import Settings
from opentelemetry_instrumentation_openai_realtime.core.audio_format import AudioFormat, format_of, wav_bytes
from opentelemetry_instrumentation_openai_realtime.core.values import dumps

from . import braintrust
from . import semconv as sc
from .attributes import finish_reason, tool_definitions
from .redaction import Redact, redact

if TYPE_CHECKING:
    from opentelemetry_instrumentation_openai_realtime.core.records import Response
    from opentelemetry_instrumentation_openai_realtime.core.shared import Shared


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
            blob = audio_part(item.audio, format_of(config.input_format), settings.max_audio_bytes)
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
        blob = audio_part(audio, config.output_audio, settings.max_audio_bytes)
        if blob is not None:
            parts.append(blob)
    if not parts:
        return []
    message: dict[str, Any] = {"role": "assistant", "parts": parts}
    if finish_reason:
        message["finish_reason"] = finish_reason
    return [message]


def _instructions_and_tools(
    settings: Settings, instructions: Optional[str], tools: Optional[list[Any]]
) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    text = redact(settings, "system_instructions", instructions)
    if text is not None:
        attrs[sc.GEN_AI_SYSTEM_INSTRUCTIONS] = dumps([{"type": "text", "content": text}])
    if tools:
        definitions = redact(settings, "tool_definitions", dumps(tool_definitions(tools)))
        if definitions is not None:
            attrs[sc.GEN_AI_TOOL_DEFINITIONS] = definitions
    return attrs


def config_content(shared: Shared) -> dict[str, Any]:
    """The session span's content: the session's instructions and tool definitions."""
    return _instructions_and_tools(shared.settings, shared.config.instructions, shared.config.tools)


def record_response_content(shared: Shared, response: Response, now: int) -> None:
    """Attach captured content to a response span (span modes) and/or emit it as an event."""
    span = response.span
    if span is None:
        return
    settings, config = shared.settings, shared.config
    hook = functools.partial(redact, settings)
    inputs = input_messages(response.inputs, hook, settings, config)
    outputs = output_messages(
        list(response.outputs.values()),
        finish_reason(
            response.status,
            response.status_reason,
            any(o.type == "function_call" for o in response.outputs.values()),
        ),
        hook,
        response.audio_out,
        settings,
        config,
    )
    tools = response.tools if response.tools is not None else config.tools
    attrs = _instructions_and_tools(settings, response.instructions or config.instructions, tools)
    if inputs:
        attrs[sc.GEN_AI_INPUT_MESSAGES] = dumps(inputs)
    if outputs:
        attrs[sc.GEN_AI_OUTPUT_MESSAGES] = dumps(outputs)
    if settings.capture.on_spans:
        span.set_attributes(attrs)
        if settings.braintrust:
            if inputs:
                span.set_attribute(sc.BT_INPUT_JSON, dumps(inputs))
            span.set_attribute(sc.BT_OUTPUT_JSON, dumps(braintrust.response_output(response, outputs)))
    if settings.capture.on_events:
        event_attrs = {
            sc.GEN_AI_OPERATION_NAME: sc.OPERATION_CHAT,
            sc.GEN_AI_RESPONSE_ID: response.id,
            **attrs,
        }
        shared.telemetry.emit_event(
            "gen_ai.client.inference.operation.details",
            event_attrs,
            trace.set_span_in_context(span),
            response.done_at or now,
        )


def record_transcription_content(shared: Shared, span: Any, transcript: Any, timestamp: int) -> None:
    """The transcript of a ``speech_to_text`` span (content capture): the transcription model's
    output message, on the span and/or as an event. It is the user's speech, redacted as such
    (``input_text``)."""
    settings = shared.settings
    text = redact(settings, "input_text", transcript if isinstance(transcript, str) else None)
    if text is None:
        return
    message = {"role": "assistant", "parts": [{"type": "text", "content": text}], "finish_reason": "stop"}
    attrs = {sc.GEN_AI_OUTPUT_MESSAGES: dumps([message])}
    if settings.capture.on_spans:
        span.set_attributes(attrs)
    if settings.capture.on_events:
        shared.telemetry.emit_event(
            "gen_ai.client.inference.operation.details",
            {sc.GEN_AI_OPERATION_NAME: sc.OPERATION_TRANSCRIPTION, **attrs},
            trace.set_span_in_context(span),
            timestamp,
        )
