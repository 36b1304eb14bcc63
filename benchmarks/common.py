"""What the client and the server of the benchmark agree on (no imports: the bare client must not
load the instrumentation, not even through the simulator's package)."""

from __future__ import annotations

from typing import Any

LAST_EVENT = "conversation.item.input_audio_transcription.completed"  # the last event of a turn
MODEL = "gpt-realtime-bench"
INSTRUCTIONS = "You are a friendly, concise voice assistant. Keep answers short and helpful."


def session_update(dialect: str) -> dict[str, Any]:
    """The ``session`` of the client's one ``session.update``."""
    if dialect == "ga":
        return {"type": "realtime", "instructions": INSTRUCTIONS, "output_modalities": ["audio"]}
    return {"instructions": INSTRUCTIONS, "modalities": ["text", "audio"]}
