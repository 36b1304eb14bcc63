"""Span attributes of the session, response and tool spans: pure builders over the session's
records (``core/records.py``). The state machine decides when spans start and end; these say what
they carry (docs/attributes.md lists every name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from opentelemetry_instrumentation_openai_realtime.core.audio_format import AudioFormat
from opentelemetry_instrumentation_openai_realtime.core.values import as_str, dumps, maybe_json

from . import braintrust
from . import semconv as sc
from .attributes import (
    finish_reason,
    request_parameters,
    transcription_usage,
    transcription_usage_attributes,
    usage_attributes,
)
from .content import config_content
from .redaction import redact

if TYPE_CHECKING:
    from opentelemetry_instrumentation_openai_realtime.core.records import (
        Input,
        Response,
        ToolCall,
        Transcription,
    )
    from opentelemetry_instrumentation_openai_realtime.core.shared import Shared


def session_attributes(
    provider: str,
    model: Optional[str],
    server_address: Optional[str],
    server_port: Optional[int],
    api: Optional[str],
    with_braintrust: bool,
) -> dict[str, Any]:
    """The session span's attributes at its start."""
    attributes: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: sc.OPERATION_SESSION,
        sc.GEN_AI_PROVIDER_NAME: provider,
    }
    if model:
        attributes[sc.GEN_AI_REQUEST_MODEL] = model
    if server_address:
        attributes[sc.SERVER_ADDRESS] = server_address
    if server_port:
        attributes[sc.SERVER_PORT] = server_port
    if api:
        attributes[sc.SESSION_API] = api
    if with_braintrust:
        attributes[sc.BT_SPAN_ATTRIBUTES] = braintrust.SPAN_TYPE_TASK
    return attributes


def response_attributes(
    shared: Shared,
    response_id: str,
    trigger: str,
    out_of_band: bool,
    audio_input: Optional[Input],
    overrides: Any = None,
) -> dict[str, Any]:
    """A response span's attributes at its start (``overrides``: the request parameters its
    ``response.create`` set, which win over the session's)."""
    attrs: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: sc.OPERATION_CHAT,
        sc.GEN_AI_PROVIDER_NAME: shared.provider,
        sc.GEN_AI_RESPONSE_ID: response_id,
        sc.RESPONSE_TRIGGER: trigger,
        **request_parameters(shared.config.params, overrides),
    }
    if shared.model:
        attrs[sc.GEN_AI_REQUEST_MODEL] = shared.model
    if shared.conversation_id and not out_of_band:
        attrs[sc.GEN_AI_CONVERSATION_ID] = shared.conversation_id
    if out_of_band:
        attrs[sc.RESPONSE_OUT_OF_BAND] = True
    if audio_input is not None:
        attrs[sc.RESPONSE_INPUT_ITEM_ID] = audio_input.id
        if audio_input.speech_seconds is not None:
            attrs[sc.RESPONSE_INPUT_SPEECH_SECONDS] = audio_input.speech_seconds
    if shared.settings.braintrust:
        attrs[sc.BT_SPAN_ATTRIBUTES] = braintrust.SPAN_TYPE_LLM
    return attrs


def response_done_attributes(
    response: Response,
    payload: Any,
    ttfc: Optional[float],
    time_to_audio: Optional[float],
    v2v: Optional[float],
    output_format: AudioFormat,
) -> dict[str, Any]:
    """A response span's attributes at ``response.done``: usage, outcome, counts and latencies
    (``response.status`` and friends are already on ``response``)."""
    attrs = usage_attributes(payload.get("usage"))
    outputs = response.outputs.values()
    tool_calls = sum(1 for o in outputs if o.type == "function_call")
    reason_name = finish_reason(response.status, response.status_reason, tool_calls > 0)
    if reason_name:
        attrs[sc.GEN_AI_RESPONSE_FINISH_REASONS] = [reason_name]
    if response.status:
        attrs[sc.RESPONSE_STATUS] = response.status
    if response.status_reason:
        attrs[sc.RESPONSE_STATUS_REASON] = response.status_reason
    conversation_id = as_str(payload.get("conversation_id"))
    if conversation_id and not response.out_of_band:
        attrs[sc.GEN_AI_CONVERSATION_ID] = conversation_id
    if tool_calls:
        attrs[sc.RESPONSE_TOOL_CALLS] = tool_calls
    attrs[sc.RESPONSE_OUTPUT_ITEM_COUNT] = len(response.outputs)
    if ttfc is not None:
        attrs[sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = ttfc
    if time_to_audio is not None:
        attrs[sc.RESPONSE_TIME_TO_FIRST_AUDIO] = time_to_audio
    if v2v is not None:
        attrs[sc.RESPONSE_VOICE_TO_VOICE] = v2v
    if response.audio_bytes:
        attrs[sc.RESPONSE_AUDIO_GENERATED_SECONDS] = round(output_format.seconds(response.audio_bytes), 6)
    return attrs


def tool_attributes(shared: Shared, call: ToolCall, name: str, result: Optional[str]) -> dict[str, Any]:
    """An ``execute_tool`` span's attributes; arguments and result only with content capture."""
    settings = shared.settings
    attrs: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: sc.OPERATION_EXECUTE_TOOL,
        sc.GEN_AI_PROVIDER_NAME: shared.provider,
        sc.GEN_AI_TOOL_NAME: name,
        sc.GEN_AI_TOOL_CALL_ID: call.call_id,
        sc.GEN_AI_TOOL_TYPE: call.kind,
    }
    if call.response_id:  # not gen_ai.response.id: that names the inference span (the span link)
        attrs[sc.TOOL_RESPONSE_ID] = call.response_id
    if call.server_label:
        attrs[sc.TOOL_SERVER_LABEL] = call.server_label
    if settings.braintrust:
        attrs[sc.BT_SPAN_ATTRIBUTES] = braintrust.SPAN_TYPE_TOOL
    if shared.capture and settings.capture.on_spans:
        args = redact(settings, "tool_arguments", call.arguments)
        if args is not None:
            attrs[sc.GEN_AI_TOOL_CALL_ARGUMENTS] = args
        res = redact(settings, "tool_result", result)
        if res is not None:
            attrs[sc.GEN_AI_TOOL_CALL_RESULT] = res
        if settings.braintrust:
            if args is not None:
                attrs[sc.BT_INPUT_JSON] = dumps(maybe_json(args))
            if res is not None:
                attrs[sc.BT_OUTPUT_JSON] = dumps(maybe_json(res))
    return attrs


def session_end_attributes(
    shared: Shared,
    status: str,
    audio_in_seconds: float,
    audio_out_seconds: float,
    input_audio: bool,
    reconnects: int,
    code: Optional[int],
) -> dict[str, Any]:
    """The session span's roll-ups when it ends (and its content, with content capture)."""
    counts = shared.counts
    attrs: dict[str, Any] = {
        sc.SESSION_STATUS: status,
        sc.SESSION_TURNS_COMPLETED: counts.completed,
        sc.SESSION_TURNS_INTERRUPTED: counts.interrupted,
        sc.SESSION_RESPONSES: counts.responses,
        sc.SESSION_TOOL_CALLS: counts.tools,
        sc.SESSION_ERRORS: counts.errors,
        sc.SESSION_AUDIO_IN_SECONDS: round(audio_in_seconds, 6),
        sc.SESSION_AUDIO_OUT_SECONDS: round(audio_out_seconds, 6),
    }
    if reconnects:
        attrs[sc.SESSION_RECONNECTS] = reconnects
    if counts.transcriptions:
        attrs[sc.SESSION_TRANSCRIPTIONS] = counts.transcriptions
    for key, value in (
        (sc.SESSION_TRANSCRIPTION_INPUT_TOKENS, counts.transcription_input_tokens),
        (sc.SESSION_TRANSCRIPTION_OUTPUT_TOKENS, counts.transcription_output_tokens),
        (sc.SESSION_TRANSCRIPTION_SECONDS, counts.transcription_seconds),
    ):
        if value is not None:
            attrs[key] = round(value, 6) if isinstance(value, float) else value
    if code is not None:
        attrs[sc.SESSION_CLOSE_CODE] = code
    if shared.capture and shared.settings.capture.on_spans:
        attrs.update(config_content(shared))
    if shared.settings.braintrust:
        attrs[sc.BT_METADATA] = dumps(braintrust.metadata(shared, input_audio, None, None))
        attrs[sc.BT_INPUT_JSON] = dumps(braintrust.session_input(shared, input_audio))
        attrs[sc.BT_OUTPUT_JSON] = dumps(braintrust.session_output(status, counts))
    return attrs


# --- transcription ---------------------------------------------------------------------------

# a speech_to_text span's own usage: the GenAI names (the span is that model's operation)
TRANSCRIPTION_USAGE = {
    "input_tokens": sc.GEN_AI_USAGE_INPUT_TOKENS,
    "output_tokens": sc.GEN_AI_USAGE_OUTPUT_TOKENS,
    "audio_tokens": sc.GEN_AI_USAGE_AUDIO_INPUT_TOKENS,
    "text_tokens": sc.GEN_AI_USAGE_TEXT_INPUT_TOKENS,
    "seconds": sc.TRANSCRIPTION_SECONDS,
}
# the same usage on the response its speech caused: another model's, so never gen_ai.usage.*
TURN_TRANSCRIPTION_USAGE = {
    "input_tokens": sc.RESPONSE_INPUT_TRANSCRIPTION_INPUT_TOKENS,
    "output_tokens": sc.RESPONSE_INPUT_TRANSCRIPTION_OUTPUT_TOKENS,
    "audio_tokens": sc.RESPONSE_INPUT_TRANSCRIPTION_AUDIO_TOKENS,
    "text_tokens": sc.RESPONSE_INPUT_TRANSCRIPTION_TEXT_TOKENS,
    "seconds": sc.RESPONSE_INPUT_TRANSCRIPTION_SECONDS,
}


def transcription_attributes(shared: Shared, transcription: Transcription) -> dict[str, Any]:
    """A ``speech_to_text`` span's attributes at its start."""
    attrs: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: sc.OPERATION_TRANSCRIPTION,
        sc.GEN_AI_PROVIDER_NAME: shared.provider,
        sc.ITEM_ID: transcription.item_id,
    }
    if transcription.model:
        attrs[sc.GEN_AI_REQUEST_MODEL] = transcription.model
    if shared.settings.braintrust:
        attrs[sc.BT_SPAN_ATTRIBUTES] = braintrust.SPAN_TYPE_LLM
    return attrs


def transcription_done_attributes(
    shared: Shared,
    transcription: Transcription,
    status: str,
    usage: Any,
    ttfc: Optional[float],
    total: Optional[float],
) -> dict[str, Any]:
    """A ``speech_to_text`` span's attributes when it ends: status, usage, latencies."""
    counts = transcription_usage(usage)
    attrs = transcription_usage_attributes(counts, TRANSCRIPTION_USAGE)
    attrs[sc.TRANSCRIPTION_STATUS] = status
    if ttfc is not None:
        attrs[sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = ttfc
    if total is not None and status == "completed":
        attrs[sc.TRANSCRIPTION_TIME_TO_COMPLETION] = total
    if shared.settings.braintrust:
        metadata: dict[str, Any] = {"provider": shared.provider, "item_id": transcription.item_id}
        if transcription.model:
            metadata["model"] = transcription.model
        if shared.session_id:
            metadata["session_id"] = shared.session_id
        attrs[sc.BT_METADATA] = dumps(metadata)
        attrs[sc.BT_METRICS] = dumps(braintrust.metrics(usage, ttfc))
    return attrs


def turn_transcription_attributes(inputs: list[Input]) -> dict[str, Any]:
    """The transcription usage of the user audio a response answers (summed over its items),
    with the transcription model: a separate cost, under ``openai.realtime.response.input.*``."""
    totals: dict[str, Any] = {}
    model = None
    for item in inputs:
        if item.kind != "audio" or not item.transcription_model:
            continue
        model = model or item.transcription_model
        for key, value in transcription_usage(item.transcription_usage).items():
            totals[key] = totals.get(key, 0) + value
    if "seconds" in totals:
        totals["seconds"] = round(totals["seconds"], 6)
    attrs = transcription_usage_attributes(totals, TURN_TRANSCRIPTION_USAGE)
    if model:
        attrs[sc.RESPONSE_INPUT_TRANSCRIPTION_MODEL] = model
    return attrs


def call_attributes(call_id: Optional[str]) -> dict[str, Any]:
    """A session joined by call id (the sideband of a WebRTC or SIP call). The call id names the
    call; it grants nothing without an API key of the project, so it is recorded (docs/signals.md)."""
    attrs: dict[str, Any] = {sc.SESSION_CALL: True}
    if call_id:
        attrs[sc.SESSION_CALL_ID] = call_id
    return attrs


def playback_attributes(played: Optional[float], status: str, heard: Optional[float]) -> dict[str, Any]:
    """A response's playback by the server ended (``output_audio_buffer.stopped`` or ``.cleared``)."""
    attrs: dict[str, Any] = {sc.RESPONSE_PLAYBACK_STATUS: status}
    if played is not None:
        attrs[sc.RESPONSE_AUDIO_PLAYED_SECONDS] = played
    if heard is not None:
        attrs[sc.RESPONSE_AUDIO_HEARD_SECONDS] = heard
    return attrs


def first_audio_attributes(time_to_audio: Optional[float], v2v: Optional[float]) -> dict[str, Any]:
    """Time to first audio and voice-to-voice latency known only after ``response.done`` (a call
    whose playback started late)."""
    attrs: dict[str, Any] = {}
    if time_to_audio is not None:
        attrs[sc.RESPONSE_TIME_TO_FIRST_AUDIO] = time_to_audio
    if v2v is not None:
        attrs[sc.RESPONSE_VOICE_TO_VOICE] = v2v
    return attrs
