"""Settings of the instrumentation, from ``instrument()`` arguments and ``OTEL_*`` variables.

An argument given to ``instrument()`` wins over the environment variable of the same setting. A
value that is not valid is said at ``instrument()``: one WARNING naming the argument or variable,
the value and what is used instead.
"""

from __future__ import annotations

import difflib
import enum
import logging
import math
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
ENV_DISABLED_TRANSPORTS = "OTEL_INSTRUMENTATION_OPENAI_REALTIME_DISABLED_TRANSPORTS"
ENV_URL_PREFIXES = "OTEL_INSTRUMENTATION_OPENAI_REALTIME_URL_PREFIXES"

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
_FALSE = {"false", "0", "no", "off"}
_BOOL_WORDS = "true/false, 1/0, yes/no, on/off"

MIN_MAX_CONTENT_LENGTH = 16
"""The smallest ``max_content_length``: a smaller value is raised to it (with a warning)."""


def _capture_mode(value: Any) -> Optional[CaptureMode]:
    """The mode ``value`` names, or ``None`` if it names none."""
    if isinstance(value, CaptureMode):
        return value
    if isinstance(value, bool):
        return CaptureMode.SPAN_ONLY if value else CaptureMode.NO_CONTENT
    if value is None:
        return CaptureMode.NO_CONTENT
    text = str(value).strip()
    if not text:
        return CaptureMode.NO_CONTENT
    upper = text.upper()
    for mode in CaptureMode:
        if mode.value == upper:
            return mode
    lower = text.lower()
    if lower in _TRUE:
        return CaptureMode.SPAN_ONLY
    if lower in _FALSE:
        return CaptureMode.NO_CONTENT
    return None


def parse_capture_mode(value: Any) -> CaptureMode:
    """Parse a capture setting: a :class:`CaptureMode`, a mode name, a bool or ``true``/``false``.

    ``true`` means ``SPAN_ONLY`` (the behaviour of the older GenAI instrumentations); anything
    unrecognised means ``NO_CONTENT``: content is never captured by mistake.
    """
    mode = _capture_mode(value)
    return CaptureMode.NO_CONTENT if mode is None else mode


def _bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    lower = str(value).strip().lower()
    if lower in _TRUE:
        return True
    if lower in _FALSE:
        return False
    return None


def parse_bool(value: Any, default: bool) -> bool:
    """``value`` as a boolean (see :data:`_TRUE` / :data:`_FALSE`); ``default`` if unset or invalid."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    parsed = _bool(value)
    return default if parsed is None else parsed


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _unset(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Options:
    """Reads each setting from its ``instrument()`` argument, else its variable, and says (one
    WARNING per setting) when the value it finds is not valid and what is used instead."""

    def __init__(self, options: Mapping[str, Any], env: Mapping[str, str]) -> None:
        self._options = options
        self._env = env

    def _pick(self, key: str, env_name: Optional[str]) -> tuple[Any, str]:
        value = self._options.get(key)
        if value is not None or env_name is None:
            return value, f"instrument({key}=...)"
        return self._env.get(env_name), env_name

    @staticmethod
    def _warn(source: str, value: Any, problem: str, instead: str) -> None:
        _logger.warning("%s: invalid value %r (%s); using %s instead", source, value, problem, instead)

    def capture(self, key: str, env_name: str) -> CaptureMode:
        value, source = self._pick(key, env_name)
        mode = _capture_mode(value)
        if mode is not None:
            return mode
        names = [m.value for m in CaptureMode]
        hint = difflib.get_close_matches(str(value).strip().upper().replace("-", "_"), names, n=1)
        problem = "expected one of " + ", ".join(names) + ", true or false"
        if hint:
            problem += f"; did you mean {hint[0]}?"
        self._warn(source, value, problem, "NO_CONTENT (no content is captured)")
        return CaptureMode.NO_CONTENT

    def boolean(self, key: str, env_name: str, default: bool) -> bool:
        value, source = self._pick(key, env_name)
        if _unset(value):
            return default
        parsed = _bool(value)
        if parsed is None:
            self._warn(source, value, f"expected {_BOOL_WORDS}", f"the default {str(default).lower()}")
            return default
        return parsed

    def number(self, key: str, env_name: str, default: float, minimum: float) -> float:
        """A number; not a number -> ``default``; below ``minimum`` -> ``minimum``."""
        value, source = self._pick(key, env_name)
        if _unset(value):
            return default
        number = _number(value)
        if number is None:
            self._warn(source, value, "not a number", f"the default {default:g}")
            return default
        if number < minimum:
            self._warn(source, value, f"the minimum is {minimum:g}", f"{minimum:g}")
            return minimum
        return number

    def redactor(self) -> Optional[Redactor]:
        redact = self._options.get("redact")
        if redact is None or callable(redact):
            return redact
        self._warn("instrument(redact=...)", redact, "not callable", "no redaction")
        return None


#: the transports ``disabled_transports`` can name (``adapters.ADAPTERS``' names)
TRANSPORTS = ("openai", "websockets", "aiohttp")


def _word_list(value: Any) -> tuple[str, ...]:
    """A comma-separated string, or an iterable of strings, as a tuple of non-empty stripped words."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(word for word in (str(item).strip() for item in items) if word)


def _transports(options: Mapping[str, Any], env: Mapping[str, str]) -> frozenset[str]:
    """The transports switched off; a name that is no transport is said (WARNING) and ignored."""
    value = options.get("disabled_transports")
    source = "instrument(disabled_transports=...)"
    if value is None:
        value, source = env.get(ENV_DISABLED_TRANSPORTS) or "", ENV_DISABLED_TRANSPORTS
    try:
        names = {word.lower() for word in _word_list(value)}
    except TypeError:
        names = {"?"}
    unknown = sorted(names - set(TRANSPORTS))
    if unknown:
        _logger.warning(
            "%s: invalid value %r (unknown transport %s; expected some of %s); ignoring it",
            source,
            value,
            ", ".join(unknown),
            ", ".join(TRANSPORTS),
        )
    return frozenset(names & set(TRANSPORTS))


def _url_prefixes(options: Mapping[str, Any], env: Mapping[str, str]) -> tuple[str, ...]:
    value = options.get("url_prefixes")
    if value is None:
        value = env.get(ENV_URL_PREFIXES) or ""
    try:
        return _word_list(value)
    except TypeError:
        _logger.warning("instrument(url_prefixes=...): invalid value %r; ignoring it", value)
        return ()


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
    disabled_transports: frozenset[str] = frozenset()
    url_prefixes: tuple[str, ...] = ()

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], environ: Optional[Mapping[str, str]] = None
    ) -> Settings:
        """Build settings from ``instrument()`` keyword arguments, falling back to ``environ``.

        An invalid value is logged once, as a WARNING naming the argument or variable, the value
        and what is used instead: the default, or the minimum for a number below it. An
        unrecognised capture mode never turns capture on.
        """
        env = os.environ if environ is None else environ
        read = _Options(options, env)
        return cls(
            capture=read.capture("capture_content", ENV_CAPTURE_CONTENT),
            braintrust=read.boolean("braintrust", ENV_BRAINTRUST, True),
            capture_audio=read.boolean("capture_audio", ENV_CAPTURE_AUDIO, False),
            max_content_length=int(
                read.number(
                    "max_content_length",
                    ENV_MAX_CONTENT_LENGTH,
                    DEFAULT_MAX_CONTENT_LENGTH,
                    MIN_MAX_CONTENT_LENGTH,
                )
            ),
            max_audio_bytes=int(
                read.number("max_audio_bytes", ENV_MAX_AUDIO_BYTES, DEFAULT_MAX_AUDIO_BYTES, 0)
            ),
            transcript_wait_seconds=read.number(
                "transcript_wait_seconds", ENV_TRANSCRIPT_WAIT, DEFAULT_TRANSCRIPT_WAIT_SECONDS, 0
            ),
            redact=read.redactor(),
            disabled_transports=_transports(options, env),
            url_prefixes=_url_prefixes(options, env),
        )
