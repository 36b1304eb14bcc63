"""Pure builders: plain data in, attribute dictionaries out. No state, no I/O, no OpenTelemetry."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from . import _semconv as sc
from .audio import parse_format

AttributeValue = Any  # str | bool | int | float | sequences of those
Attributes = dict[str, AttributeValue]


_INT64 = (-(2**63), 2**63)


def as_int(value: Any) -> Optional[int]:
    """An int from provider data, or ``None`` (bools, non-numbers and values outside int64, which
    no OTel attribute can hold, are not counts)."""
    if type(value) is not int and (isinstance(value, bool) or not isinstance(value, int)):
        return None
    return value if _INT64[0] <= value < _INT64[1] else None


def as_mapping(value: Any) -> Mapping[str, Any]:
    if type(value) is dict:  # parsed JSON: skip the ABC check
        return value
    return value if isinstance(value, Mapping) else {}


def as_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def dumps(value: Any) -> str:
    """Compact JSON; never raises (non-serialisable values become strings)."""
    return _ENCODER.encode(value)  # json.dumps would build an encoder per call for these options


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


def braintrust_metrics(usage: Any, time_to_first_token: Optional[float]) -> dict[str, Any]:
    """Braintrust's canonical metric names from a usage object and the TTFT in seconds."""
    usage = as_mapping(usage)
    inp = as_mapping(usage.get("input_token_details"))
    out = as_mapping(usage.get("output_token_details"))
    metrics: dict[str, Any] = {}
    for key, value in (
        ("prompt_tokens", usage.get("input_tokens")),
        ("completion_tokens", usage.get("output_tokens")),
        ("tokens", usage.get("total_tokens")),
        ("prompt_cached_tokens", inp.get("cached_tokens")),
        ("prompt_audio_tokens", inp.get("audio_tokens")),
        ("completion_audio_tokens", out.get("audio_tokens")),
    ):
        number = as_int(value)
        if number is not None:
            metrics[key] = number
    if "tokens" not in metrics and "prompt_tokens" in metrics and "completion_tokens" in metrics:
        metrics["tokens"] = metrics["prompt_tokens"] + metrics["completion_tokens"]
    if time_to_first_token is not None:
        metrics["time_to_first_token"] = round(time_to_first_token, 6)
    return metrics


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


# --- session configuration -------------------------------------------------------------------


class SessionConfig:
    """The effective session configuration, read from GA or beta session objects."""

    __slots__ = (
        "input_format",
        "instructions",
        "model",
        "output_format",
        "output_modalities",
        "tools",
        "transcription_model",
        "turn_detection",
        "voice",
    )

    def __init__(self) -> None:
        self.model: Optional[str] = None
        self.voice: Optional[str] = None
        self.output_modalities: Optional[tuple[str, ...]] = None
        self.input_format: Optional[str] = None
        self.output_format: Optional[str] = None
        self.turn_detection: Optional[str] = None
        self.transcription_model: Optional[str] = None
        self.instructions: Optional[str] = None
        self.tools: Optional[list[Any]] = None

    def update(self, session: Any) -> None:
        """Merge a session object (``session.created``/``updated`` or ``session.update``)."""
        session = as_mapping(session)
        if not session:
            return
        self.model = as_str(session.get("model")) or self.model
        audio = as_mapping(session.get("audio"))
        audio_in = as_mapping(audio.get("input"))
        audio_out = as_mapping(audio.get("output"))
        voice = session.get("voice", audio_out.get("voice"))
        if isinstance(voice, str):
            self.voice = voice
        elif isinstance(voice, Mapping) and isinstance(voice.get("id"), str):
            self.voice = voice["id"]
        modalities = session.get("output_modalities", session.get("modalities"))
        if isinstance(modalities, (list, tuple)):
            self.output_modalities = tuple(m for m in modalities if isinstance(m, str))
        for key, target in (("input_audio_format", "input_format"), ("output_audio_format", "output_format")):
            fmt = parse_format(session.get(key))
            if fmt is not None:
                setattr(self, target, fmt.name)
        fmt = parse_format(audio_in.get("format"))
        if fmt is not None:
            self.input_format = fmt.name
        fmt = parse_format(audio_out.get("format"))
        if fmt is not None:
            self.output_format = fmt.name
        for container, key in ((session, "turn_detection"), (audio_in, "turn_detection")):
            if key in container:
                td = container.get(key)
                self.turn_detection = as_str(as_mapping(td).get("type")) if td is not None else "none"
        for container, key in ((session, "input_audio_transcription"), (audio_in, "transcription")):
            if key in container:
                tr = container.get(key)
                self.transcription_model = as_str(as_mapping(tr).get("model")) if tr is not None else None
        if isinstance(session.get("instructions"), str):
            self.instructions = session["instructions"]
        if isinstance(session.get("tools"), list):
            self.tools = session["tools"]

    def attributes(self) -> Attributes:
        attrs: Attributes = {}
        for key, value in (
            (sc.SESSION_VOICE, self.voice),
            (sc.SESSION_INPUT_AUDIO_FORMAT, self.input_format),
            (sc.SESSION_OUTPUT_AUDIO_FORMAT, self.output_format),
            (sc.SESSION_TURN_DETECTION, self.turn_detection),
            (sc.SESSION_TRANSCRIPTION_MODEL, self.transcription_model),
        ):
            if value is not None:
                attrs[key] = value
        if self.output_modalities is not None:
            attrs[sc.SESSION_OUTPUT_MODALITIES] = list(self.output_modalities)
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
