"""Scenario delays (:class:`Timing`), the trigger names and the default words of the canned turns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from opentelemetry_instrumentation_openai_realtime.simulator.connection import Scenario

Step = Scenario
"""A scenario step: ``async def step(conn: SimConnection) -> None`` (every step is also a scenario)."""

TRIGGERS = ("audio", "commit", "text", "response.create")


@dataclass(frozen=True)
class Timing:
    """Delays (seconds) the scenarios wait between server events. All default to a few milliseconds.

    Attributes:
        vad_silence: last expected ``input_audio_buffer.append`` -> ``speech_stopped`` (VAD silence).
        commit: ``speech_stopped`` -> ``input_audio_buffer.committed``.
        response: user input complete (commit or ``response.create``) -> ``response.created``.
        first_delta: ``response.created`` -> first audio/text delta (time to first token/audio).
        delta_interval: between two consecutive output deltas.
        tool_delay: between two function call argument deltas.
    """

    vad_silence: float = 0.002
    commit: float = 0.001
    response: float = 0.002
    first_delta: float = 0.004
    delta_interval: float = 0.001
    tool_delay: float = 0.001

    def scaled(self, factor: float) -> Timing:
        """All delays multiplied by ``factor``."""
        return Timing(
            vad_silence=self.vad_silence * factor,
            commit=self.commit * factor,
            response=self.response * factor,
            first_delta=self.first_delta * factor,
            delta_interval=self.delta_interval * factor,
            tool_delay=self.tool_delay * factor,
        )


FAST = Timing()
"""Default timings: a voice turn takes about 20 ms."""

DEMO_TIMING = Timing(
    vad_silence=0.2, commit=0.02, response=0.05, first_delta=0.2, delta_interval=0.04, tool_delay=0.03
)
"""Realistic-looking timings (tens to hundreds of milliseconds) used by :func:`voice_agent_demo`."""

DEFAULT_USER_TRANSCRIPT = "Hi there, can you hear me?"
DEFAULT_ASSISTANT_TRANSCRIPT = "Yes, I can hear you clearly. How can I help you today?"
DEFAULT_TEXT_ANSWER = "Happy to help! Paris is the capital of France, and it sits on the Seine."
DEFAULT_TOOL_USER_TRANSCRIPT = "What's the weather like in Paris right now?"
DEFAULT_TOOL_ARGUMENTS = '{"location":"Paris, France","unit":"celsius"}'
DEFAULT_TOOL_FOLLOW_UP = "It's currently eighteen degrees and partly cloudy in Paris, with a light breeze."
DEFAULT_LONG_ANSWER = (
    "Of course. The Eiffel Tower was built for the 1889 World's Fair in Paris, to celebrate the "
    "centennial of the French Revolution. It was designed by Gustave Eiffel's engineering company, and "
    "for more than forty years it was the tallest man-made structure in the world. At first, many "
    "artists and writers criticized it as an eyesore, but today it is one of the most visited monuments "
    "on the planet."
)


def _timing(timing: Optional[Timing]) -> Timing:
    return timing if timing is not None else FAST


def _check_trigger(trigger: str) -> str:
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r}: expected one of {TRIGGERS}")
    return trigger
