"""Redaction and size limits of captured text: every captured text passes :func:`redact`."""

from __future__ import annotations

import logging
from typing import Callable, Optional

from opentelemetry_instrumentation_openai_realtime.config import Settings

_logger = logging.getLogger(__name__)

#: ``redact(kind, text) -> text or None``, as content builders call it
Redact = Callable[[str, Optional[str]], Optional[str]]


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with a marker saying how many were cut."""
    if len(text) <= limit:
        return text
    marker = f"...[truncated {len(text) - limit} chars]"
    return text[:limit] + marker


def redact(settings: Settings, kind: str, value: Optional[str]) -> Optional[str]:
    """A captured text as it may be recorded: through the app's redaction hook (a failing hook
    drops it), then clipped to ``max_content_length``."""
    if value is None:
        return None
    hook = settings.redact
    if hook is not None:
        try:
            value = hook(kind, value)
        except Exception:
            _logger.debug("redaction hook failed: content dropped", exc_info=True)
            return None
        if value is None:
            return None
    return clip(str(value), settings.max_content_length)
