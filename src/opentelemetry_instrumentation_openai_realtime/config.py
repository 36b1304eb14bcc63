"""Settings of the instrumentation, from ``instrument()`` arguments and ``OTEL_*`` variables.

An argument given to ``instrument()`` wins over the environment variable of the same setting.
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Optional

_logger = logging.getLogger(__name__)

ENV_CAPTURE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
ENV_BRAINTRUST = "OTEL_INSTRUMENTATION_OPENAI_REALTIME_BRAINTRUST"
ENV_CAPTURE_AUDIO = "OTEL_INSTRUMENTATION_OPENAI_REALTIME_CAPTURE_AUDIO"
ENV_MAX_CONTENT_LENGTH = "OTEL_INSTRUMENTATION_OPENAI_REALTIME_MAX_CONTENT_LENGTH"
ENV_MAX_AUDIO_BYTES = "OTEL_INSTRUMENTATION_OPENAI_REALTIME_MAX_AUDIO_BYTES"
ENV_TRANSCRIPT_WAIT = "OTEL_INSTRUMENTATION_OPENAI_REALTIME_TRANSCRIPT_WAIT_SECONDS"

DEFAULT_MAX_CONTENT_LENGTH = 16_384
DEFAULT_MAX_AUDIO_BYTES = 2_000_000
DEFAULT_TRANSCRIPT_WAIT_SECONDS = 5.0

#: ``redact(kind, value) -> value``: called on every piece of captured content before it is
#: recorded. ``kind`` is one of ``"system_instructions"``, ``"tool_definitions"``,
#: ``"input_text"``, ``"output_text"``, ``"tool_arguments"``, ``"tool_result"``. Return the
#: (possibly edited) value, or ``None`` to drop it.
Redactor = Callable[[str, str], Optional[str]]


class CaptureMode(enum.Enum):
    """Where message content goes (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``)."""

    NO_CONTENT = "NO_CONTENT"
    SPAN_ONLY = "SPAN_ONLY"
    EVENT_ONLY = "EVENT_ONLY"
    SPAN_AND_EVENT = "SPAN_AND_EVENT"

    @property
    def on_spans(self) -> bool:
        return self in (CaptureMode.SPAN_ONLY, CaptureMode.SPAN_AND_EVENT)

    @property
    def on_events(self) -> bool:
        return self in (CaptureMode.EVENT_ONLY, CaptureMode.SPAN_AND_EVENT)

    @property
    def enabled(self) -> bool:
        return self is not CaptureMode.NO_CONTENT


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def parse_capture_mode(value: Any) -> CaptureMode:
    """Parse a capture setting: a :class:`CaptureMode`, a mode name, a bool or ``true``/``false``.

    ``true`` means ``SPAN_ONLY`` (the behaviour of the older GenAI instrumentations); anything
    unrecognised means ``NO_CONTENT``: content is never captured by mistake.
    """
    if isinstance(value, CaptureMode):
        return value
    if isinstance(value, bool):
        return CaptureMode.SPAN_ONLY if value else CaptureMode.NO_CONTENT
    if value is None:
        return CaptureMode.NO_CONTENT
    text = str(value).strip()
    upper = text.upper()
    for mode in CaptureMode:
        if mode.value == upper:
            return mode
    lower = text.lower()
    if lower in _TRUE:
        return CaptureMode.SPAN_ONLY
    if lower not in _FALSE:
        _logger.debug("unrecognised %s value %r: content capture stays off", ENV_CAPTURE_CONTENT, value)
    return CaptureMode.NO_CONTENT


def parse_bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return default
    lower = str(value).strip().lower()
    if lower in _TRUE:
        return True
    if lower in _FALSE - {""}:
        return False
    return default


def _parse_number(value: Any, default: float, minimum: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number >= minimum else default


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one ``instrument()`` call."""

    capture: CaptureMode = CaptureMode.NO_CONTENT
    braintrust: bool = True
    capture_audio: bool = False
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH
    max_audio_bytes: int = DEFAULT_MAX_AUDIO_BYTES
    transcript_wait_seconds: float = DEFAULT_TRANSCRIPT_WAIT_SECONDS
    redact: Optional[Redactor] = None

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], environ: Optional[Mapping[str, str]] = None
    ) -> Settings:
        """Build settings from ``instrument()`` keyword arguments, falling back to ``environ``."""
        env = os.environ if environ is None else environ

        def pick(key: str, env_name: str) -> Any:
            value = options.get(key)
            return env.get(env_name) if value is None else value

        redact = options.get("redact")
        return cls(
            capture=parse_capture_mode(pick("capture_content", ENV_CAPTURE_CONTENT)),
            braintrust=parse_bool(pick("braintrust", ENV_BRAINTRUST), True),
            capture_audio=parse_bool(pick("capture_audio", ENV_CAPTURE_AUDIO), False),
            max_content_length=int(
                _parse_number(
                    pick("max_content_length", ENV_MAX_CONTENT_LENGTH), DEFAULT_MAX_CONTENT_LENGTH, 16
                )
            ),
            max_audio_bytes=int(
                _parse_number(pick("max_audio_bytes", ENV_MAX_AUDIO_BYTES), DEFAULT_MAX_AUDIO_BYTES, 0)
            ),
            transcript_wait_seconds=_parse_number(
                pick("transcript_wait_seconds", ENV_TRANSCRIPT_WAIT), DEFAULT_TRANSCRIPT_WAIT_SECONDS, 0
            ),
            redact=redact if callable(redact) else None,
        )
