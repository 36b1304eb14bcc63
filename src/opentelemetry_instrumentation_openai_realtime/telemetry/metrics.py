"""Metric points: the attributes they carry and what each records (instruments in
``instruments.py``). Recording never raises into the state machine."""

from __future__ import annotations

import logging
from typing import Any, Optional

from opentelemetry_instrumentation_openai_realtime.core.values import as_int, as_mapping

from . import semconv as sc
from .instruments import Telemetry

_logger = logging.getLogger(__name__)


def metric_attributes(
    operation: str, provider: str, model: Optional[str], error_type: Optional[str] = None
) -> dict[str, Any]:
    """``gen_ai.operation.name``, ``gen_ai.provider.name``, ``gen_ai.request.model`` and, for a
    failure, ``error.type``."""
    attrs: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: operation,
        sc.GEN_AI_PROVIDER_NAME: provider,
    }
    if model:
        attrs[sc.GEN_AI_REQUEST_MODEL] = model
    if error_type:
        attrs[sc.ERROR_TYPE] = error_type
    return attrs


def record_response(
    telemetry: Telemetry,
    attrs: dict[str, Any],
    duration: float,
    ttfc: Optional[float],
    v2v: Optional[float],
    usage: Any,
) -> None:
    """A finished response: its duration, time to first chunk, voice-to-voice latency and tokens."""
    try:
        telemetry.operation_duration.record(duration, attrs)
        if ttfc is not None:
            telemetry.time_to_first_chunk.record(ttfc, attrs)
        if v2v is not None:
            telemetry.voice_to_voice.record(v2v, attrs)
        usage = as_mapping(usage)
        for token_type, key in (("input", "input_tokens"), ("output", "output_tokens")):
            count = as_int(usage.get(key))
            if count is not None and count >= 0:  # a histogram takes no negative count
                telemetry.token_usage.record(count, {**attrs, sc.GEN_AI_TOKEN_TYPE: token_type})
    except Exception:
        _logger.debug("response metrics failed", exc_info=True)


def record_transcription(
    telemetry: Telemetry,
    attrs: dict[str, Any],
    duration: float,
    ttfc: Optional[float],
    counts: dict[str, Any],
) -> None:
    """A finished input transcription (``attrs`` name the transcription model): its duration, time
    to first delta, and its usage (``counts`` from ``attributes.transcription_usage``): tokens, or
    the seconds of audio a duration-billed model charged."""
    try:
        telemetry.operation_duration.record(duration, attrs)
        if ttfc is not None:
            telemetry.time_to_first_chunk.record(ttfc, attrs)
        for token_type, key in (("input", "input_tokens"), ("output", "output_tokens")):
            if key in counts:
                telemetry.token_usage.record(counts[key], {**attrs, sc.GEN_AI_TOKEN_TYPE: token_type})
        if "seconds" in counts:
            telemetry.transcription_audio.record(counts["seconds"], attrs)
    except Exception:
        _logger.debug("transcription metrics failed", exc_info=True)


def record_tool(telemetry: Telemetry, attrs: dict[str, Any], name: str, duration: float) -> None:
    """A tool round trip."""
    try:
        attrs[sc.GEN_AI_TOOL_NAME] = name
        telemetry.tool_duration.record(duration, attrs)
    except Exception:
        _logger.debug("tool metric failed", exc_info=True)


def record_interruption(telemetry: Telemetry, attrs: dict[str, Any]) -> None:
    try:
        telemetry.interruptions.add(1, attrs)
    except Exception:
        _logger.debug("interruption metric failed", exc_info=True)


def record_session(telemetry: Telemetry, attrs: dict[str, Any], duration: float) -> None:
    try:
        telemetry.session_duration.record(duration, attrs)
    except Exception:
        _logger.debug("session metric failed", exc_info=True)


def record_voice_to_voice(telemetry: Telemetry, attrs: dict[str, Any], v2v: float) -> None:
    """A voice-to-voice latency known only after its response's other points were recorded."""
    try:
        telemetry.voice_to_voice.record(v2v, attrs)
    except Exception:
        _logger.debug("voice-to-voice metric failed", exc_info=True)
