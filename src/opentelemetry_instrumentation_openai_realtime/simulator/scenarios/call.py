"""A phone or browser call seen from its sideband WebSocket (joined by ``call_id``): the caller's
audio travels over WebRTC or SIP, so no ``input_audio_buffer.append`` reaches the socket and no
``response.output_audio.delta`` leaves it. The server says instead when it started playing each
answer (``output_audio_buffer.started``), when the audio drained (``.stopped``) and when the
caller's speech cut it (``.cleared``, then ``conversation.item.truncated``)."""

from __future__ import annotations

from typing import Optional

from opentelemetry_instrumentation_openai_realtime.simulator import events as ev
from opentelemetry_instrumentation_openai_realtime.simulator.connection import SimConnection
from opentelemetry_instrumentation_openai_realtime.simulator.dialects import Event
from opentelemetry_instrumentation_openai_realtime.simulator.response import SimMessage

from .timing import Step, Timing, _timing
from .user_input import _start_response

DEFAULT_CALL_ANSWERS = (
    "Thanks for calling! How can I help you today?",
    "Your order shipped yesterday and should arrive on Friday, and I can also",
    "Of course, I have moved the delivery to Saturday morning.",
)


def _buffer(kind: str, response_id: str) -> Event:
    return {"type": "output_audio_buffer." + kind, "response_id": response_id}


async def _caller_speaks(
    conn: SimConnection, speech_ms: int, t: Timing, *, item_id: Optional[str] = None
) -> str:
    """The caller's speech, as the server VAD reports it (its audio came over the call)."""
    if item_id is None:
        item_id = conn.next_id("item")
        await conn.send(ev.speech_started(item_id=item_id, audio_start_ms=conn.input_audio_ms))
    await conn.sleep(speech_ms / 1000.0)
    conn.input_audio_ms += speech_ms
    await conn.send(ev.speech_stopped(item_id=item_id, audio_end_ms=conn.input_audio_ms))
    await conn.sleep(t.commit)
    await conn.send(ev.input_audio_buffer_committed(item_id=item_id, previous_item_id=conn.previous_item_id))
    await conn.add_item(ev.user_audio_item(conn.dialect, item_id=item_id))
    return item_id


async def _answer(conn: SimConnection, text: str, chunks: int, t: Timing) -> tuple[str, SimMessage]:
    """A spoken answer starts: its message, then the server starts playing it; the transcript
    deltas follow (no audio deltas on a call)."""
    response = await _start_response(conn, None, t)
    message = await response.begin_message("audio")
    await conn.sleep(t.first_delta)
    await conn.send(_buffer("started", response.id))
    for i, piece in enumerate(ev.split_words(text, chunks)):
        if i:
            await conn.sleep(t.delta_interval)
        await message.transcript(piece)
    return response.id, message


def sideband_call(
    *,
    answers: tuple[str, str, str] = DEFAULT_CALL_ANSWERS,
    speech_ms: int = 20,
    playback_ms: int = 60,
    heard_ms: int = 30,
    chunks: int = 3,
    timing: Optional[Timing] = None,
) -> Step:
    """Three answers on a call: one played to the end (``stopped`` ``playback_ms`` after
    ``started``), one the caller cuts ``heard_ms`` into its playback (``speech_started``,
    ``output_audio_buffer.cleared``, ``conversation.item.truncated`` at ``heard_ms``,
    ``response.done`` cancelled with ``turn_detected``), and the answer to the interrupting speech,
    played to the end. Every event is validated against the SDK's types like any other."""
    t = _timing(timing)

    async def played(conn: SimConnection, text: str, item_id: Optional[str] = None) -> None:
        await _caller_speaks(conn, speech_ms, t, item_id=item_id)
        response_id, message = await _answer(conn, text, chunks, t)
        await message.finish()
        await message.response.done()
        await conn.sleep(playback_ms / 1000.0)
        await conn.send(_buffer("stopped", response_id))

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        await played(conn, answers[0])
        await _caller_speaks(conn, speech_ms, t)
        response_id, message = await _answer(conn, answers[1], chunks, t)
        await conn.sleep(heard_ms / 1000.0)
        barge_in = conn.next_id("item")
        await conn.send(ev.speech_started(item_id=barge_in, audio_start_ms=conn.input_audio_ms))
        await conn.send(_buffer("cleared", response_id))
        await conn.send(
            ev.conversation_item_truncated(item_id=message.item_id, content_index=0, audio_end_ms=heard_ms)
        )
        await message.finish("incomplete")
        await message.response.done("cancelled", status_details=ev.cancelled_status_details("turn_detected"))
        await played(conn, answers[2], item_id=barge_in)

    return step
