"""Transcription sessions, and sessions as recorded traffic shows them.

:func:`transcription_session` is a speech-to-text session: no responses, each user utterance is
committed and transcribed (deltas, then ``completed`` with or without ``usage``, or ``failed``).
:func:`real_shapes` makes the following steps send what recorded sessions show and the default
simulator does not: ``obfuscation`` on GA text and transcript deltas. :func:`recorded_voice_session`
is a voice session in those shapes: a turn whose input transcription (``gpt-4o-transcribe``, billed
in tokens) arrives after ``response.done``, a ``rate_limits.updated`` with only a ``tokens`` entry
about 40 ms later, and a barge-in whose ``response.done`` reports all-zero usage.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Optional

from opentelemetry_instrumentation_openai_realtime.simulator import events as ev
from opentelemetry_instrumentation_openai_realtime.simulator.connection import SimConnection

from .timing import DEFAULT_USER_TRANSCRIPT, Step, Timing, _timing
from .turns import barge_in, voice_turn
from .user_input import receive_user_audio

DEFAULT_TRANSCRIPTS = (DEFAULT_USER_TRANSCRIPT, "And what about tomorrow morning?")


def real_shapes() -> Step:
    """From now on, GA text and transcript deltas carry an ``obfuscation`` field (as the live API's
    do). Sends nothing; compose it before the steps it should affect."""

    async def step(conn: SimConnection) -> None:
        conn.obfuscation = True

    return step


async def _start_transcription_session(conn: SimConnection, model: str) -> None:
    """GA: ``session.created`` of a ``type: "transcription"`` session. Beta: the regular
    ``session.created``, then the client's ``transcription_session.update`` is answered with
    ``transcription_session.updated``."""
    if conn.dialect == "ga":
        await conn.ensure_session(
            session=ev.transcription_session("ga", session_id=conn.next_id("sess"), model=model)
        )
        return
    await conn.ensure_session(transcription_model=model)
    update = await conn.expect("transcription_session.update")
    requested = update.get("session")
    session = ev.merge_session(
        ev.transcription_session("beta", session_id="", model=model),
        {k: v for k, v in (requested or {}).items() if k != "client_secret"},
    )
    await conn.send(ev.transcription_session_updated(session))
    assert conn.session is not None
    conn.session = {**conn.session, "input_audio_transcription": session["input_audio_transcription"]}


def transcription_session(
    *,
    model: str = "gpt-4o-transcribe",
    transcripts: Sequence[str] = DEFAULT_TRANSCRIPTS,
    without_usage: Collection[int] = (),
    failed: Collection[int] = (),
    appends: int = 3,
    deltas: int = 3,
    timing: Optional[Timing] = None,
) -> Step:
    """A transcription session: one utterance per entry of ``transcripts``, each after ``appends``
    client appends (server VAD), transcribed by ``model``::

        session.created                 (GA: type "transcription"; beta: then the client's
                                         transcription_session.update -> transcription_session.updated)
        per utterance:
          input_audio_buffer.speech_started / speech_stopped / committed, the user item
          conversation.item.input_audio_transcription.delta x `deltas`   (GA: with obfuscation)
          conversation.item.input_audio_transcription.completed          (usage: tokens, or seconds
                                                                          for whisper-1)

    Utterances whose index is in ``without_usage`` complete without ``usage`` (servers before late
    2025); those in ``failed`` end with ``...transcription.failed`` instead.
    """
    t = _timing(timing)

    async def step(conn: SimConnection) -> None:
        await _start_transcription_session(conn, model)
        for index, transcript in enumerate(transcripts):
            item_id, completed = await receive_user_audio(
                conn, appends=appends, user_transcript=transcript, send_transcript=False, timing=t
            )
            await conn.sleep(t.first_delta)
            if index in failed:
                await conn.send(ev.input_audio_transcription_failed(item_id=item_id))
                continue
            for i, piece in enumerate(ev.split_words(transcript, deltas)):
                if i:
                    await conn.sleep(t.delta_interval)
                obfuscation = ev.obfuscation(i + 1) if conn.dialect == "ga" else None
                await conn.send(
                    ev.input_audio_transcription_delta(item_id=item_id, delta=piece, obfuscation=obfuscation)
                )
            assert completed is not None
            if index in without_usage:
                completed = {k: v for k, v in completed.items() if k != "usage"}
            await conn.send(completed)

    return step


def recorded_voice_session(
    *,
    transcription_model: str = "gpt-4o-transcribe",
    appends: int = 3,
    timing: Optional[Timing] = None,
) -> Step:
    """A voice session as recorded traffic shows it (see the module docs): a voice turn whose input
    transcription arrives after ``response.done``, ``rate_limits.updated`` (tokens only) 40 ms
    later, then a barge-in with all-zero usage (no truncation expected) and the turn that answers
    the interrupting speech."""
    t = _timing(timing)

    async def step(conn: SimConnection) -> None:
        conn.obfuscation = True
        await conn.ensure_session(transcription_model=transcription_model)
        await voice_turn(appends=appends, transcript_after_done=True, timing=t)(conn)
        await conn.sleep(0.04)
        await conn.send(ev.rate_limits_tokens())
        await barge_in(appends=appends, zero_usage=True, expect_truncate=False, timing=t)(conn)
        await conn.send(ev.rate_limits_tokens(remaining=39_020, reset_seconds=1.176))
        await voice_turn(appends=appends, transcript_after_done=True, timing=t)(conn)
        await conn.sleep(0.04)
        await conn.send(ev.rate_limits_tokens(remaining=38_640, reset_seconds=1.734))

    return step
