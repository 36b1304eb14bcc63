"""The one-command demo story."""

from __future__ import annotations

from opentelemetry_instrumentation_openai_realtime.simulator.connection import Scenario

from .steps import compose, wait_for_close
from .timing import (
    DEFAULT_LONG_ANSWER,
    DEFAULT_TOOL_ARGUMENTS,
    DEFAULT_TOOL_USER_TRANSCRIPT,
    DEMO_TIMING,
    Step,
)
from .turns import barge_in, tool_turn, voice_turn


def voice_agent_demo(*, speed: float = 1.0, appends: int = 3, wait_close: bool = True) -> Scenario:
    """The one-command demo story (about 3 s at ``speed=1``, 0.3 s at ``speed=10``).

    1. ``session.created``; the client's ``session.update`` is answered with ``session.updated``;
    2. the user asks (voice) "What's the weather like in Paris right now?"; the model calls
       ``get_weather`` and, once the client sent the ``function_call_output`` and ``response.create``,
       answers with speech;
    3. the user asks about the Eiffel Tower; the long spoken answer is interrupted (barge-in:
       ``speech_started``, ``response.done`` cancelled / ``turn_detected``, the client's
       ``conversation.item.truncate`` answered with ``conversation.item.truncated``);
    4. the interrupting question ("what should I wear today?") gets a short spoken answer;
    5. waits for the client to close (``wait_close``).

    Each voice turn needs ``appends`` ``input_audio_buffer.append`` from the client.
    """
    if speed <= 0:
        raise ValueError("speed must be > 0")
    t = DEMO_TIMING.scaled(1.0 / speed)
    steps: list[Step] = [
        tool_turn(
            trigger="audio",
            appends=appends,
            user_transcript=DEFAULT_TOOL_USER_TRANSCRIPT,
            name="get_weather",
            arguments=DEFAULT_TOOL_ARGUMENTS,
            follow_up=(
                "Right now it's eighteen degrees and partly cloudy in Paris, with a light breeze from the "
                "west. It should stay dry for the rest of the afternoon."
            ),
            deltas=8,
            timing=t,
        ),
        barge_in(
            trigger="audio",
            appends=appends,
            user_transcript="Great. Can you tell me a bit about the history of the Eiffel Tower?",
            transcript=DEFAULT_LONG_ANSWER,
            total_deltas=16,
            deltas_before=6,
            timing=t,
        ),
        voice_turn(
            trigger="audio",
            appends=appends,
            user_transcript="Sorry, actually, what should I wear today?",
            transcript="A light jacket and comfortable shoes should be perfect for today's weather.",
            deltas=8,
            timing=t,
        ),
    ]
    if wait_close:
        steps.append(wait_for_close())
    return compose(*steps)
