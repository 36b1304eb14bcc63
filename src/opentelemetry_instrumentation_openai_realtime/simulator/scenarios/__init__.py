"""Ready-made Realtime scenarios, and the steps to script new ones.

Every factory here returns a *step*: an ``async def step(conn: SimConnection) -> None``. A step is also a
complete scenario: each one first makes sure ``session.created`` was sent on the connection
(:meth:`SimConnection.ensure_session`), so ``RealtimeSimulator(voice_turn())`` works as is. Chain steps
with :func:`compose`::

    scenario = compose(
        voice_turn(user_transcript="Hi!", transcript="Hello! How can I help?"),
        tool_turn(trigger="response.create"),
        wait_for_close(),
    )

While a scenario runs, a client ``session.update`` is answered with ``session.updated`` (the update
merged into the current session) automatically. When the scenario returns, the simulator closes the
connection normally (1000): end with :func:`wait_for_close` to let the client decide when to leave.

``trigger`` parameters say what starts a turn:

``"audio"``
    server VAD: wait until the client has appended ``appends`` audio chunks, then
    ``input_audio_buffer.speech_started`` / ``speech_stopped`` / ``committed``, and the user item.
``"commit"``
    push-to-talk (no server VAD): wait for the client's ``input_audio_buffer.commit``, answer
    ``input_audio_buffer.committed`` and the user item, then wait for its ``response.create``.
``"text"``
    wait for the client's ``conversation.item.create`` (answered with the item events), then its
    ``response.create``.
``"response.create"``
    wait for the client's ``response.create`` (its ``metadata``, ``conversation`` and modalities are
    honoured).

All delays come from a :class:`Timing` (default: a few milliseconds, so a turn takes ~20 ms).
"""

from __future__ import annotations

from .call import DEFAULT_CALL_ANSWERS, sideband_call
from .demo import voice_agent_demo
from .faults import (
    close_mid_response,
    drop_mid_response,
    error_event,
    failed_response,
    interrupted_response,
    reconnect,
)
from .steps import close, compose, drop, expect, send, sleep, start_session, wait_for_close
from .timing import (
    DEFAULT_ASSISTANT_TRANSCRIPT,
    DEFAULT_LONG_ANSWER,
    DEFAULT_TEXT_ANSWER,
    DEFAULT_TOOL_ARGUMENTS,
    DEFAULT_TOOL_FOLLOW_UP,
    DEFAULT_TOOL_USER_TRANSCRIPT,
    DEFAULT_USER_TRANSCRIPT,
    DEMO_TIMING,
    FAST,
    TRIGGERS,
    Step,
    Timing,
)
from .transcription import real_shapes, recorded_voice_session, transcription_session
from .translation import translation_stream
from .turns import barge_in, out_of_band_response, text_turn, tool_turn, voice_turn
from .user_input import receive_user_audio, receive_user_commit, receive_user_input, receive_user_text

__all__ = [
    "DEFAULT_ASSISTANT_TRANSCRIPT",
    "DEFAULT_CALL_ANSWERS",
    "DEFAULT_LONG_ANSWER",
    "DEFAULT_TEXT_ANSWER",
    "DEFAULT_TOOL_ARGUMENTS",
    "DEFAULT_TOOL_FOLLOW_UP",
    "DEFAULT_TOOL_USER_TRANSCRIPT",
    "DEFAULT_USER_TRANSCRIPT",
    "DEMO_TIMING",
    "FAST",
    "TRIGGERS",
    "Step",
    "Timing",
    "barge_in",
    "close",
    "close_mid_response",
    "compose",
    "drop",
    "drop_mid_response",
    "error_event",
    "expect",
    "failed_response",
    "interrupted_response",
    "out_of_band_response",
    "real_shapes",
    "receive_user_audio",
    "receive_user_commit",
    "receive_user_input",
    "receive_user_text",
    "reconnect",
    "recorded_voice_session",
    "send",
    "sideband_call",
    "sleep",
    "start_session",
    "text_turn",
    "tool_turn",
    "transcription_session",
    "translation_stream",
    "voice_agent_demo",
    "voice_turn",
    "wait_for_close",
]
