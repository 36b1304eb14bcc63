"""Canned conversational turns: spoken, typed, function calling, barge-in, out-of-band."""

from __future__ import annotations

import json
from typing import Optional

from opentelemetry_instrumentation_openai_realtime.simulator import events as ev
from opentelemetry_instrumentation_openai_realtime.simulator.connection import SimConnection

from .timing import (
    DEFAULT_ASSISTANT_TRANSCRIPT,
    DEFAULT_LONG_ANSWER,
    DEFAULT_TEXT_ANSWER,
    DEFAULT_TOOL_ARGUMENTS,
    DEFAULT_TOOL_FOLLOW_UP,
    DEFAULT_TOOL_USER_TRANSCRIPT,
    DEFAULT_USER_TRANSCRIPT,
    Step,
    Timing,
    _check_trigger,
    _timing,
)
from .user_input import _start_response, receive_user_input


def voice_turn(
    *,
    trigger: str = "audio",
    appends: int = 3,
    deltas: int = 5,
    chunk_ms: int = 100,
    user_transcript: Optional[str] = DEFAULT_USER_TRANSCRIPT,
    transcript: str = DEFAULT_ASSISTANT_TRANSCRIPT,
    transcript_after_done: bool = True,
    timing: Optional[Timing] = None,
) -> Step:
    """A spoken turn: user input (server VAD by default), then a spoken answer.

    With ``trigger="audio"`` (GA names; beta uses ``conversation.item.created``, ``response.audio.*`` and
    ``response.audio_transcript.*``, and has no ``conversation.item.done``)::

        input_audio_buffer.speech_started      (after the first append)
        input_audio_buffer.speech_stopped      (after `appends` appends)
        input_audio_buffer.committed
        conversation.item.added / .done        (user item, input_audio)
        [conversation.item.input_audio_transcription.completed   if not transcript_after_done]
        response.created
        response.output_item.added             (assistant message, in_progress)
        conversation.item.added
        response.content_part.added            (part type audio)
        (response.output_audio.delta, response.output_audio_transcript.delta) x `deltas`
        response.output_audio.done
        response.output_audio_transcript.done  (the full transcript)
        response.content_part.done
        response.output_item.done
        conversation.item.done
        response.done                          (completed, usage)
        [conversation.item.input_audio_transcription.completed   if transcript_after_done]

    Each audio delta is ``chunk_ms`` (100) ms of pcm16 24 kHz, i.e. 4800 bytes. If the session's
    output modality is text, the answer is a text message instead.
    """
    _check_trigger(trigger)
    t = _timing(timing)

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        request, transcription = await receive_user_input(
            conn,
            trigger,
            appends=appends,
            user_transcript=user_transcript,
            send_transcript=not transcript_after_done,
            timing=t,
        )
        response = await _start_response(conn, request, t)
        await response.say(
            transcript, chunks=deltas, chunk_ms=chunk_ms, interval=t.delta_interval, first_delay=t.first_delta
        )
        await response.done()
        if transcription is not None:
            await conn.send(transcription)

    return step


def text_turn(
    *,
    trigger: str = "text",
    text: str = DEFAULT_TEXT_ANSWER,
    deltas: int = 5,
    appends: int = 3,
    timing: Optional[Timing] = None,
) -> Step:
    """A text turn: by default waits for the client's ``conversation.item.create`` (user text) and
    ``response.create``, then answers with a text-only response: ``response.created``,
    ``response.output_item.added``, item event, ``response.content_part.added`` (text),
    ``response.output_text.delta`` x ``deltas`` (beta: ``response.text.delta``), ``.done``,
    ``response.content_part.done``, ``response.output_item.done`` (+ ``conversation.item.done`` in GA),
    ``response.done`` with usage."""
    _check_trigger(trigger)
    t = _timing(timing)

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        request, transcription = await receive_user_input(conn, trigger, appends=appends, timing=t)
        response = await _start_response(conn, request, t, modalities=["text"])
        await response.text_message(text, chunks=deltas, interval=t.delta_interval, first_delay=t.first_delta)
        await response.done()
        if transcription is not None:
            await conn.send(transcription)

    return step


def tool_turn(
    *,
    trigger: str = "response.create",
    appends: int = 3,
    user_transcript: Optional[str] = DEFAULT_TOOL_USER_TRANSCRIPT,
    name: str = "get_weather",
    arguments: str = DEFAULT_TOOL_ARGUMENTS,
    argument_deltas: int = 3,
    follow_up: str = DEFAULT_TOOL_FOLLOW_UP,
    deltas: int = 5,
    chunk_ms: int = 100,
    timing: Optional[Timing] = None,
) -> Step:
    """A function-calling turn.

    1. user input (``trigger``), then a response whose only output is a ``function_call`` item
       (``name``, a fresh ``call_id``): ``response.created``, ``response.output_item.added``,
       ``response.function_call_arguments.delta`` x ``argument_deltas``, ``.done``,
       ``response.output_item.done``, ``response.done`` (completed, output = [the call]);
    2. waits for the client's ``conversation.item.create`` of a ``function_call_output`` for that
       ``call_id`` (anything else is an error), answers it, then waits for ``response.create``;
    3. plays the spoken ``follow_up`` answer (like :func:`voice_turn`'s response).
    """
    _check_trigger(trigger)
    t = _timing(timing)

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        request, _ = await receive_user_input(
            conn, trigger, appends=appends, user_transcript=user_transcript, timing=t
        )
        response = await _start_response(conn, request, t)
        await conn.sleep(t.first_delta)
        call = await response.function_call(name, arguments, chunks=argument_deltas, interval=t.tool_delay)
        await response.done()

        create = await conn.expect("conversation.item.create")
        item = create.get("item") or {}
        if item.get("type") != "function_call_output" or item.get("call_id") != call["call_id"]:
            raise AssertionError(
                f"expected a function_call_output for call_id {call['call_id']!r}, "
                f"got {json.dumps(item)[:300]}"
            )
        await conn.ack_item_create(create)
        follow_request = await conn.expect("response.create")
        follow = await _start_response(conn, follow_request, t)
        await follow.say(
            follow_up, chunks=deltas, chunk_ms=chunk_ms, interval=t.delta_interval, first_delay=t.first_delta
        )
        await follow.done()

    return step


def barge_in(
    *,
    trigger: str = "audio",
    appends: int = 3,
    user_transcript: Optional[str] = DEFAULT_USER_TRANSCRIPT,
    transcript: str = DEFAULT_LONG_ANSWER,
    total_deltas: int = 12,
    deltas_before: int = 3,
    chunk_ms: int = 100,
    finalize: bool = True,
    expect_truncate: bool = True,
    zero_usage: bool = False,
    timing: Optional[Timing] = None,
) -> Step:
    """The user interrupts a spoken answer (server VAD ``interrupt_response``).

    After the user input, a response starts streaming ``transcript`` (planned as ``total_deltas``
    chunks) but only ``deltas_before`` audio deltas (with their transcript deltas) go out. Then
    ``input_audio_buffer.speech_started`` (a new user item), and -- if ``finalize`` -- the done events
    of the partial message (audio done, transcript done with the partial transcript,
    ``response.content_part.done``, ``response.output_item.done`` with status ``incomplete``, GA
    ``conversation.item.done``), then ``response.done`` with status ``cancelled`` and
    ``status_details`` ``{"type": "cancelled", "reason": "turn_detected"}`` (the partial item stays in
    the output; with ``zero_usage`` its usage is all zeros, as recorded barge-ins can report it).
    Finally, if ``expect_truncate``, waits for the client's ``conversation.item.truncate``
    of the interrupted item and answers ``conversation.item.truncated`` with the same ``item_id``,
    ``content_index`` and ``audio_end_ms``.

    The interrupting speech stays open: a following :func:`voice_turn` with ``trigger="audio"``
    continues it (no second ``speech_started``).
    """
    _check_trigger(trigger)
    t = _timing(timing)

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        request, _ = await receive_user_input(
            conn, trigger, appends=appends, user_transcript=user_transcript, timing=t
        )
        response = await _start_response(conn, request, t)
        message = await response.begin_message("audio")
        await conn.sleep(t.first_delta)
        pieces = ev.split_words(transcript, total_deltas)
        for i in range(deltas_before):
            if i:
                await conn.sleep(t.delta_interval)
            await message.audio(chunk_ms, pieces[i] if i < len(pieces) else None)
        speech_item = conn.next_id("item")
        conn.pending_speech = (speech_item, conn.input_audio_ms)
        conn.buffer_start_ms = conn.input_audio_ms
        conn.pending_appends = 0
        await conn.send(ev.speech_started(item_id=speech_item, audio_start_ms=conn.input_audio_ms))
        if finalize:
            await message.finish("incomplete")
        usage = (
            {
                "usage": ev.usage(
                    conn.dialect,
                    input_text_tokens=0,
                    input_audio_tokens=0,
                    output_text_tokens=0,
                    output_audio_tokens=0,
                )
            }
            if zero_usage
            else {}
        )
        await response.done("cancelled", status_details=ev.cancelled_status_details("turn_detected"), **usage)
        if expect_truncate:
            truncate = await conn.expect("conversation.item.truncate")
            if truncate.get("item_id") != message.item_id:
                raise AssertionError(
                    f"expected conversation.item.truncate of {message.item_id!r}, "
                    f"got {truncate.get('item_id')!r}"
                )
            await conn.send(
                ev.conversation_item_truncated(
                    item_id=str(truncate.get("item_id")),
                    content_index=int(truncate.get("content_index") or 0),
                    audio_end_ms=int(truncate.get("audio_end_ms") or 0),
                )
            )

    return step


def out_of_band_response(
    *,
    text: str = "positive",
    transcript: str = "Here is a quick summary of our conversation so far.",
    deltas: int = 3,
    require_out_of_band: bool = True,
    timing: Optional[Timing] = None,
) -> Step:
    """Answer a ``response.create`` whose ``response.conversation`` is ``"none"`` (out-of-band).

    ``response.created`` / ``response.done`` echo the request's ``metadata`` and carry
    ``conversation_id: null``; no ``conversation.item.*`` events are sent for its output. The output is
    ``text`` when the request asks for text only (GA ``output_modalities`` / beta ``modalities``), else
    the spoken ``transcript``. With ``require_out_of_band``, a request without ``conversation: "none"``
    is an error.
    """
    t = _timing(timing)

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        request = await conn.expect("response.create")
        params = request.get("response") or {}
        if require_out_of_band and params.get("conversation") != "none":
            raise AssertionError(f"expected an out-of-band response.create, got {json.dumps(request)[:300]}")
        response = await _start_response(conn, request, t)
        body = transcript if response.speaks else text
        await response.say(body, chunks=deltas, interval=t.delta_interval, first_delay=t.first_delta)
        await response.done()

    return step
