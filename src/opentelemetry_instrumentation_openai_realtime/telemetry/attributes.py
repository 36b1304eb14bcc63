"""Pure builders: plain data in, attribute dictionaries out. No state, no I/O, no OpenTelemetry API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

from opentelemetry_instrumentation_openai_realtime.core.session_config import SessionConfig
from opentelemetry_instrumentation_openai_realtime.core.values import as_int, as_mapping, as_seconds, as_str

from . import semconv as sc

AttributeValue = Any  # str | bool | int | float | sequences of those
Attributes = dict[str, AttributeValue]


# --- usage -----------------------------------------------------------------------------------


def usage_attributes(usage: Any) -> Attributes:
    """``response.done.response.usage`` -> ``gen_ai.usage.*``; missing values are omitted."""
    usage = as_mapping(usage)
    attrs: Attributes = {}
    pairs = (
        (sc.GEN_AI_USAGE_INPUT_TOKENS, usage.get("input_tokens")),
        (sc.GEN_AI_USAGE_OUTPUT_TOKENS, usage.get("output_tokens")),
    )
    inp = as_mapping(usage.get("input_token_details"))
    out = as_mapping(usage.get("output_token_details"))
    details = (
        (sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, inp.get("cached_tokens")),
        (sc.GEN_AI_USAGE_TEXT_INPUT_TOKENS, inp.get("text_tokens")),
        (sc.GEN_AI_USAGE_AUDIO_INPUT_TOKENS, inp.get("audio_tokens")),
        (sc.GEN_AI_USAGE_IMAGE_INPUT_TOKENS, inp.get("image_tokens")),
        (sc.GEN_AI_USAGE_TEXT_OUTPUT_TOKENS, out.get("text_tokens")),
        (sc.GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS, out.get("audio_tokens")),
    )
    for key, value in pairs + details:
        number = as_int(value)
        if number is not None:
            attrs[key] = number
    return attrs


def transcription_usage(usage: Any) -> dict[str, Any]:
    """``...input_audio_transcription.completed.usage`` -> its counts: ``input_tokens``,
    ``output_tokens``, ``audio_tokens``, ``text_tokens`` (token-billed models, ``type: tokens``) or
    ``seconds`` (duration-billed models such as ``whisper-1``, ``type: duration``). Missing or
    malformed values are omitted."""
    usage = as_mapping(usage)
    if usage.get("type") == "duration":
        seconds = as_seconds(usage.get("seconds"))
        return {} if seconds is None else {"seconds": seconds}
    details = as_mapping(usage.get("input_token_details"))
    counts: dict[str, Any] = {}
    for key, value in (
        ("input_tokens", usage.get("input_tokens")),
        ("output_tokens", usage.get("output_tokens")),
        ("audio_tokens", details.get("audio_tokens")),
        ("text_tokens", details.get("text_tokens")),
    ):
        number = as_int(value)
        if number is not None and number >= 0:
            counts[key] = number
    return counts


def transcription_usage_attributes(counts: dict[str, Any], names: dict[str, str]) -> Attributes:
    """Counts from :func:`transcription_usage` under the attribute ``names`` (count -> name)."""
    return {names[key]: value for key, value in counts.items() if key in names}


# --- request parameters ------------------------------------------------------------------------


def request_parameters(*sources: Any) -> Attributes:
    """``gen_ai.request.temperature``, ``gen_ai.request.max_tokens`` and ``gen_ai.output.type``
    from request objects, each later source overriding the earlier per parameter (the session's
    configuration, then a ``response.create``). A ``max_output_tokens`` (or beta
    ``max_response_output_tokens``) of ``"inf"`` sets no limit: omitted. Output modalities with
    audio are ``speech``, text alone ``text``."""
    temperature: Any = None
    max_tokens: Any = None
    modalities: Any = None
    for source in sources:
        params = as_mapping(source)
        temperature = params.get("temperature", temperature)
        for key in ("max_output_tokens", "max_response_output_tokens"):
            max_tokens = params.get(key, max_tokens)
        for key in ("output_modalities", "modalities"):
            modalities = params.get(key, modalities)
    attrs: Attributes = {}
    if isinstance(temperature, (int, float)) and not isinstance(temperature, bool):
        attrs[sc.GEN_AI_REQUEST_TEMPERATURE] = float(temperature)
    tokens = as_int(max_tokens)
    if tokens is not None and tokens > 0:
        attrs[sc.GEN_AI_REQUEST_MAX_TOKENS] = tokens
    if isinstance(modalities, (list, tuple)) and modalities:
        attrs[sc.GEN_AI_OUTPUT_TYPE] = "speech" if "audio" in modalities else "text"
    return attrs


# --- outcome ---------------------------------------------------------------------------------

_INCOMPLETE_REASONS = {"max_output_tokens": "length", "content_filter": "content_filter"}


def finish_reason(status: Optional[str], reason: Optional[str], has_tool_call: bool) -> Optional[str]:
    """The GenAI finish reason of a response from its status and ``status_details.reason``."""
    if status == "completed":
        return "tool_call" if has_tool_call else "stop"
    if status == "incomplete":
        return _INCOMPLETE_REASONS.get(reason or "", reason or "length")
    if status == "failed":
        return "error"
    if status == "cancelled":
        return reason or "cancelled"
    return None


def error_type_of(status_details: Any) -> str:
    """``error.type`` for a failed response: the provider's error type or code, else ``failed``."""
    error = as_mapping(as_mapping(status_details).get("error"))
    return as_str(error.get("type")) or as_str(error.get("code")) or "failed"


def error_event_attributes(error: Any) -> Attributes:
    """Attributes of an ``error`` server event: type, code, message, param, event id (no payload)."""
    error = as_mapping(error)
    attrs: Attributes = {}
    for key, value in (
        (sc.ERROR_TYPE, error.get("type")),
        (sc.EVENT_ERROR_CODE, error.get("code")),
        (sc.EVENT_ERROR_MESSAGE, error.get("message")),
        (sc.EVENT_ERROR_PARAM, error.get("param")),
        (sc.EVENT_ERROR_EVENT_ID, error.get("event_id")),
    ):
        text = as_str(value)
        if text is not None:
            attrs[key] = text
    return attrs


def session_config_attributes(config: SessionConfig) -> Attributes:
    """``openai.realtime.session.*`` attributes of the effective session configuration."""
    attrs: Attributes = {}
    for key, value in (
        (sc.SESSION_TYPE, config.kind),
        (sc.SESSION_VOICE, config.voice),
        (sc.SESSION_INPUT_AUDIO_FORMAT, config.input_format),
        (sc.SESSION_OUTPUT_AUDIO_FORMAT, config.output_format),
        (sc.SESSION_TURN_DETECTION, config.turn_detection),
        (sc.SESSION_TRANSCRIPTION_MODEL, config.transcription_model),
    ):
        if value is not None:
            attrs[key] = value
    if config.output_modalities is not None:
        attrs[sc.SESSION_OUTPUT_MODALITIES] = list(config.output_modalities)
    return attrs


def tool_definitions(tools: Iterable[Any]) -> list[dict[str, Any]]:
    """Tool definitions reduced to the GenAI shape (type, name, description, parameters)."""
    result: list[dict[str, Any]] = []
    for raw in tools:
        tool = as_mapping(raw)
        entry: dict[str, Any] = {"type": as_str(tool.get("type")) or "function"}
        for key in ("name", "description", "parameters", "server_label"):
            if tool.get(key) is not None:
                entry[key] = tool[key]
        result.append(entry)
    return result
