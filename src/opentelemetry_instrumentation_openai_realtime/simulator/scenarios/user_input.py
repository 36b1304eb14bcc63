"""Receiving the user's turn: server-VAD audio, push-to-talk commit, typed text."""

from __future__ import annotations

from typing import Any, Optional

from opentelemetry_instrumentation_openai_realtime.simulator import events as ev
from opentelemetry_instrumentation_openai_realtime.simulator.connection import SimConnection
from opentelemetry_instrumentation_openai_realtime.simulator.dialects import Event
from opentelemetry_instrumentation_openai_realtime.simulator.response import SimResponse

from .timing import DEFAULT_USER_TRANSCRIPT, Timing, _check_trigger, _timing


def _pending_transcription(conn: SimConnection, item_id: str, transcript: str, audio_ms: int) -> Event:
    model = conn.session_transcription_model() or "whisper-1"
    if model == "whisper-1":
        usage = ev.transcription_usage_duration(round(audio_ms / 1000, 3))
    else:
        usage = ev.transcription_usage_tokens(
            input_audio_tokens=ev.audio_tokens(audio_ms), output_tokens=ev.text_tokens(transcript)
        )
    return ev.input_audio_transcription_completed(item_id=item_id, transcript=transcript, usage=usage)


async def receive_user_audio(
    conn: SimConnection,
    *,
    appends: int = 3,
    user_transcript: Optional[str] = DEFAULT_USER_TRANSCRIPT,
    send_transcript: bool = True,
    timing: Optional[Timing] = None,
) -> tuple[str, Optional[Event]]:
    """Server-VAD user turn: wait for the first append, send ``speech_started``; wait for ``appends``
    appends in all, send ``speech_stopped``, ``input_audio_buffer.committed`` and the user item.

    If a barge-in already sent ``speech_started`` (:attr:`SimConnection.pending_speech`), its item id
    and start are reused. The transcription event
    (``conversation.item.input_audio_transcription.completed``) is sent right away if
    ``send_transcript``; otherwise it is returned, for the caller to send later. Returns
    ``(user_item_id, transcription_event_or_None)``.
    """
    t = _timing(timing)
    await conn.ensure_session()
    if conn.pending_speech is not None:
        item_id, start_ms = conn.pending_speech
        conn.pending_speech = None
    else:
        if appends > 0:
            await conn.wait_for_appends(1)
        item_id = conn.next_id("item")
        start_ms = conn.buffer_start_ms
        await conn.send(ev.speech_started(item_id=item_id, audio_start_ms=start_ms))
    if appends > 0:
        await conn.wait_for_appends(appends)
    await conn.sleep(t.vad_silence)
    _, end_ms = conn.commit_input_audio()
    await conn.send(ev.speech_stopped(item_id=item_id, audio_end_ms=end_ms))
    await conn.sleep(t.commit)
    await conn.send(ev.input_audio_buffer_committed(item_id=item_id, previous_item_id=conn.previous_item_id))
    await conn.add_item(ev.user_audio_item(conn.dialect, item_id=item_id))
    transcription: Optional[Event] = None
    if user_transcript is not None and conn.session_transcription_model() is not None:
        transcription = _pending_transcription(conn, item_id, user_transcript, end_ms - start_ms)
        if send_transcript:
            await conn.send(transcription)
            transcription = None
    return item_id, transcription


async def receive_user_commit(
    conn: SimConnection,
    *,
    user_transcript: Optional[str] = DEFAULT_USER_TRANSCRIPT,
    send_transcript: bool = True,
) -> tuple[str, Optional[Event]]:
    """Push-to-talk user turn: wait for the client's ``input_audio_buffer.commit``, then send
    ``input_audio_buffer.committed`` and the user item (and the transcription, see
    :func:`receive_user_audio`). Returns ``(user_item_id, transcription_event_or_None)``."""
    await conn.ensure_session()
    await conn.expect("input_audio_buffer.commit")
    item_id = conn.next_id("item")
    start_ms, end_ms = conn.commit_input_audio()
    await conn.send(ev.input_audio_buffer_committed(item_id=item_id, previous_item_id=conn.previous_item_id))
    await conn.add_item(ev.user_audio_item(conn.dialect, item_id=item_id))
    transcription: Optional[Event] = None
    if user_transcript is not None and conn.session_transcription_model() is not None:
        transcription = _pending_transcription(conn, item_id, user_transcript, end_ms - start_ms)
        if send_transcript:
            await conn.send(transcription)
            transcription = None
    return item_id, transcription


async def receive_user_text(conn: SimConnection) -> Event:
    """Wait for the client's ``conversation.item.create`` and answer it; returns the created item."""
    await conn.ensure_session()
    request = await conn.expect("conversation.item.create")
    return await conn.ack_item_create(request)


async def receive_user_input(
    conn: SimConnection,
    trigger: str,
    *,
    appends: int = 3,
    user_transcript: Optional[str] = DEFAULT_USER_TRANSCRIPT,
    send_transcript: bool = True,
    timing: Optional[Timing] = None,
) -> tuple[Optional[Event], Optional[Event]]:
    """Wait for the user's input according to ``trigger`` (see the module docs).

    Returns ``(response_create_event_or_None, pending_transcription_event_or_None)``.
    """
    _check_trigger(trigger)
    await conn.ensure_session()
    if trigger == "audio":
        _, transcription = await receive_user_audio(
            conn,
            appends=appends,
            user_transcript=user_transcript,
            send_transcript=send_transcript,
            timing=timing,
        )
        return None, transcription
    transcription = None
    if trigger == "commit":
        _, transcription = await receive_user_commit(
            conn, user_transcript=user_transcript, send_transcript=send_transcript
        )
    elif trigger == "text":
        await receive_user_text(conn)
    return await conn.expect("response.create"), transcription


async def _start_response(
    conn: SimConnection, request: Optional[Event], t: Timing, **kwargs: Any
) -> SimResponse:
    await conn.sleep(t.response)
    response = conn.response(request, **kwargs)
    await response.start()
    return response
