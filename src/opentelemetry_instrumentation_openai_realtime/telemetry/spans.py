"""Span attributes of the session, response and tool spans: pure builders over the session's
records (``core/records.py``). The state machine decides when spans start and end; these say what
they carry (docs/attributes.md lists every name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from opentelemetry_instrumentation_openai_realtime.core.audio_format import AudioFormat
from opentelemetry_instrumentation_openai_realtime.core.values import as_str, dumps, maybe_json

from . import braintrust
from . import semconv as sc
from .attributes import finish_reason, usage_attributes
from .content import config_content
from .redaction import redact

if TYPE_CHECKING:
    from opentelemetry_instrumentation_openai_realtime.core.records import Input, Response, ToolCall
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
    shared: Shared, response_id: str, trigger: str, out_of_band: bool, audio_input: Optional[Input]
) -> dict[str, Any]:
    """A response span's attributes at its start."""
    attrs: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: sc.OPERATION_CHAT,
        sc.GEN_AI_PROVIDER_NAME: shared.provider,
        sc.GEN_AI_RESPONSE_ID: response_id,
        sc.RESPONSE_TRIGGER: trigger,
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
    if call.response_id:
        attrs[sc.GEN_AI_RESPONSE_ID] = call.response_id
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
    if code is not None:
        attrs[sc.SESSION_CLOSE_CODE] = code
    if shared.capture and shared.settings.capture.on_spans:
        attrs.update(config_content(shared))
    if shared.settings.braintrust:
        attrs[sc.BT_METADATA] = dumps(braintrust.metadata(shared, input_audio, None, None))
        attrs[sc.BT_INPUT_JSON] = dumps(braintrust.session_input(shared, input_audio))
        attrs[sc.BT_OUTPUT_JSON] = dumps(braintrust.session_output(status, counts))
    return attrs
