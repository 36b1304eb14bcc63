"""The two Realtime protocol dialects and the event names that differ between them.

``"ga"`` is the generally available protocol (``client.realtime``, ``openai.types.realtime``);
``"beta"`` the original preview (``client.beta.realtime``, ``openai.types.beta.realtime``). See
:mod:`.events` for the full table of differences.
"""

from __future__ import annotations

from typing import Any, Literal

__all__ = ["DIALECTS", "Dialect", "Event", "check_dialect", "event_type"]

Dialect = Literal["ga", "beta"]
"""Realtime protocol dialect: ``"ga"`` (``client.realtime``) or ``"beta"`` (``client.beta.realtime``)."""

DIALECTS: tuple[Dialect, ...] = ("ga", "beta")
"""All dialects, GA first."""

Event = dict[str, Any]
"""A Realtime event as a JSON-compatible ``dict`` (``"type"`` first)."""

_GA_EVENT_NAMES: dict[str, str] = {
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "conversation.item.created": "conversation.item.added",
}
_BETA_EVENT_NAMES: dict[str, str] = {ga: beta for beta, ga in _GA_EVENT_NAMES.items()}


def check_dialect(dialect: str) -> Dialect:
    """Return ``dialect`` if it is ``"ga"`` or ``"beta"``, else raise :class:`ValueError`."""
    if dialect == "ga":
        return "ga"
    if dialect == "beta":
        return "beta"
    raise ValueError(f"unknown Realtime dialect {dialect!r}: expected 'ga' or 'beta'")


def event_type(dialect: str, name: str) -> str:
    """Translate an event type name into ``dialect``.

    Either dialect's spelling is accepted: ``event_type("ga", "response.audio.delta")`` and
    ``event_type("ga", "response.output_audio.delta")`` both return ``"response.output_audio.delta"``;
    ``event_type("beta", "response.output_audio.delta")`` returns ``"response.audio.delta"``. Names that
    are the same in both dialects are returned unchanged. ``conversation.item.created`` maps to
    ``conversation.item.added`` in GA (the event that announces a new item there).
    """
    if check_dialect(dialect) == "ga":
        return _GA_EVENT_NAMES.get(name, name)
    return _BETA_EVENT_NAMES.get(name, name)
