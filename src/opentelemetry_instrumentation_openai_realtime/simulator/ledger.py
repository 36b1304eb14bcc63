"""The simulated conversation's token accounting, from which each response's usage is computed.

Deterministic: text is counted with :func:`.events.text_tokens`, audio with
:func:`.events.audio_tokens`. The instructions are served from the prompt cache on the first
response, and each later response's cached prefix is the previous response's prompt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from . import events as ev

__all__ = ["Prompt", "TokenLedger"]

Prompt = tuple[int, int, int, int]
"""Input tokens of a response: ``(text, audio, cached text, cached audio)``."""


class TokenLedger:
    """Tokens in the default conversation so far, and the prompt of the last response."""

    def __init__(self) -> None:
        self.text_tokens = 0
        self.audio_tokens = 0
        self._last_prompt: Optional[tuple[int, int]] = None

    def add_text(self, text: str) -> None:
        """Count ``text`` added to the conversation (a user message, a tool output)."""
        self.text_tokens += ev.text_tokens(text)

    def add_audio(self, ms: int) -> None:
        """Count ``ms`` of committed input audio."""
        self.audio_tokens += ev.audio_tokens(ms)

    def prompt(self, session: Optional[Mapping[str, Any]]) -> Prompt:
        """The input tokens of a response starting now in a session configured as ``session``."""
        instructions = str((session or {}).get("instructions") or "")
        text = ev.text_tokens(instructions) + self.text_tokens
        audio = self.audio_tokens
        if self._last_prompt is None:
            # The instructions prefix is served from the prompt cache (as for a repeated system prompt).
            cached_text, cached_audio = ev.text_tokens(instructions), 0
        else:
            cached_text, cached_audio = self._last_prompt
        return text, audio, min(cached_text, text), min(cached_audio, audio)

    def record_response(self, prompt: Prompt, text_out: int, audio_ms_out: int) -> None:
        """A response of the default conversation ended: its output joins the conversation."""
        self._last_prompt = (prompt[0], prompt[1])
        self.text_tokens += text_out
        self.audio_tokens += ev.audio_tokens(audio_ms_out)
