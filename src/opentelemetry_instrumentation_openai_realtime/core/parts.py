"""The parts of one session's state machine, built and wired once, and the routing table from
each server event the core reads to the part that reads it.

Each part owns one concern (see docs/architecture.md): ``Turns`` (responses and their ends),
``Outputs`` (output items and their text), ``Tools``, ``Inputs`` (speech, input items),
``Transcriptions``, ``Audio`` (sizes, the hot item, interruptions), ``Lifecycle`` (the session
span) and ``Translation`` (translation sessions). A part reaches the others it needs through the
peers wired here, in one place.
"""

from __future__ import annotations

from typing import Any, Callable

from . import events
from .audio import Audio
from .inputs import Inputs
from .lifecycle import Lifecycle
from .outputs import Outputs
from .playback import Playback
from .shared import Shared
from .tools import Tools
from .transcription import Transcriptions
from .translation import Translation
from .turns import Turns

Handler = Callable[[dict[str, Any], int], None]


class Parts:
    """One session's parts, wired to each other."""

    def __init__(self, shared: Shared, started: int) -> None:
        self.turns = turns = Turns(shared)
        self.outputs = outputs = Outputs(shared)
        self.tools = tools = Tools(shared)
        self.inputs = inputs = Inputs(shared)
        self.audio = audio = Audio(shared, turns)
        self.transcriptions = transcriptions = Transcriptions(shared)
        turns.inputs, turns.outputs, turns.audio = inputs, outputs, audio
        outputs.turns, outputs.tools = turns, tools
        tools.turns = turns
        inputs.turns, inputs.tools, inputs.audio = turns, tools, audio
        inputs.transcriptions, transcriptions.inputs = transcriptions, inputs
        self.lifecycle = Lifecycle(shared, turns, tools, audio, transcriptions, started)
        self.translation = Translation(shared, audio)
        self.playback = turns.playback = Playback(shared, turns, inputs, audio)

    def routes(self) -> dict[str, Handler]:
        """Server event name (GA; beta names through ``events.ALIASES``) -> its handler."""
        turns, outputs, inputs, audio = self.turns, self.outputs, self.inputs, self.audio
        lifecycle, translation, playback = self.lifecycle, self.translation, self.playback

        def on_session(event: dict[str, Any], now: int) -> None:
            lifecycle.on_session(event, now)
            translation.on_session(event, now)  # a translation session's own configuration

        routes: dict[str, Handler] = {
            "session.created": on_session,
            "session.updated": on_session,
            "conversation.created": lifecycle.on_conversation_created,
            "input_audio_buffer.speech_started": playback.on_speech_started,
            "input_audio_buffer.speech_stopped": inputs.on_speech_stopped,
            "input_audio_buffer.committed": inputs.on_committed,
            "conversation.item.created": inputs.on_item,
            "conversation.item.truncated": playback.on_truncated,
            "output_audio_buffer.started": playback.on_started,
            "output_audio_buffer.stopped": playback.on_stopped,
            "output_audio_buffer.cleared": playback.on_cleared,
            "response.created": turns.on_created,
            "response.output_item.added": outputs.on_item,
            "response.output_item.done": outputs.on_item,
            events.AUDIO_DELTA: audio.on_delta,
            "response.function_call_arguments.done": outputs.on_arguments_done,
            "response.done": turns.on_done,
            "error": lifecycle.on_error,
        }
        for name in events.TEXT_DELTAS:
            routes[name] = outputs.on_text_delta
        for name in events.TEXT_DONE:
            routes[name] = outputs.on_text_done
        routes["session.output_audio.delta"] = translation.on_output_audio
        routes["session.output_transcript.delta"] = translation.on_transcript
        routes["session.input_transcript.delta"] = translation.on_transcript
        for suffix in ("completed", "delta", "segment", "failed"):
            routes["conversation.item.input_audio_transcription." + suffix] = self.transcriptions.on_event
        return routes

    def stores(self) -> dict[str, Any]:
        """Every store the session keeps, by name: each is bounded (tests and the benchmark)."""
        turns, inputs, tools = self.turns, self.inputs, self.tools
        return {
            "responses": turns.responses,
            "held": turns.held,
            "pending": turns.pending,
            "recent": turns.recent,
            "inputs": inputs.items,
            "queued_inputs": inputs.queued,
            "speech": inputs.speech,
            "tools": tools.calls,
            "mcp": tools.mcp,
            "call_speech": tools.call_speech,
            "audio_items": self.audio.items,
            "transcriptions": self.transcriptions.items,
        }
