"""Answering whatever a client sends, as the live API roughly would: the simulator's lenient mode.

A scripted scenario fails when the client sends an event it does not expect. To test one's own
agent, whose traffic no script foresees, the simulator can instead *answer* such events
(``RealtimeSimulator(lenient=True)``, or ``--lenient`` on the command line), and
:func:`respond` is a scenario made only of that: it serves a session for as long as the client
stays, with server-VAD voice turns (an utterance ends when the appends pause), typed turns,
function calls when the session has tools, truncations and cancellations.

========================================  =============================================================
client event                              answer
========================================  =============================================================
``session.update``                        ``session.updated`` (automatic)
``input_audio_buffer.append``             counted; with server VAD (:func:`respond`): ``speech_started``
                                          at the first one, and after a pause the end of the turn
``input_audio_buffer.commit``             ``input_audio_buffer.committed``, the user item, its transcript
``input_audio_buffer.clear``              ``input_audio_buffer.cleared`` (automatic)
``conversation.item.create``              the item events (``conversation.item.added`` / ``created`` ...)
``conversation.item.truncate`` / delete   ``conversation.item.truncated`` / ``deleted``
``response.create``                       a response: a call of the first function tool if the session
                                          has tools and the conversation does not end with a tool
                                          output, else spoken (or text) :data:`DEFAULT_ANSWER`
``response.cancel``                       ``error`` ``response_cancel_not_active`` (responses are played
                                          whole before the next event is read)
anything else                             an ``error`` event (``invalid_request_error``) naming it
========================================  =============================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

from . import events as ev
from .dialects import Event

if TYPE_CHECKING:
    from .connection import Scenario, SimConnection
    from .scenarios.timing import Timing

__all__ = ["DEFAULT_ANSWER", "answer", "respond"]

DEFAULT_ANSWER = "This is the Realtime simulator answering. Your message was received."
"""What a lenient response says."""


def _timing(timing: Optional[Timing]) -> Timing:
    from .scenarios.timing import FAST

    return timing if timing is not None else FAST


def turn_detection(conn: SimConnection) -> Optional[Mapping[str, Any]]:
    """The session's turn detection settings (``None``: no server VAD, push-to-talk)."""
    session = conn.session or {}
    if conn.dialect == "ga":
        audio = session.get("audio")
        audio_input = audio.get("input") if isinstance(audio, Mapping) else None
        found = audio_input.get("turn_detection") if isinstance(audio_input, Mapping) else None
    else:
        found = session.get("turn_detection")
    return found if isinstance(found, Mapping) else None


def _function_tools(conn: SimConnection, request: Optional[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    params = request.get("response") if request is not None else None
    tools: Any = params.get("tools") if isinstance(params, Mapping) else None
    if not isinstance(tools, Sequence):
        tools = (conn.session or {}).get("tools")
    choice = params.get("tool_choice") if isinstance(params, Mapping) else None
    if choice is None:
        choice = (conn.session or {}).get("tool_choice")
    if choice == "none" or not isinstance(tools, Sequence):
        return []
    return [t for t in tools if isinstance(t, Mapping) and t.get("type", "function") == "function"]


async def play_response(
    conn: SimConnection,
    request: Optional[Mapping[str, Any]] = None,
    *,
    text: str = DEFAULT_ANSWER,
    timing: Optional[Timing] = None,
) -> Event:
    """Play one whole response to ``request`` (a ``response.create``, or ``None`` for server VAD)."""
    t = _timing(timing)
    await conn.sleep(t.response)
    response = conn.response(request)
    await response.start()
    await conn.sleep(t.first_delta)
    tools = _function_tools(conn, request)
    after_tool = conn.last_item_type == "function_call_output"
    if tools and not after_tool and not response.out_of_band:
        await response.function_call(str(tools[0].get("name") or "tool"), "{}", interval=t.tool_delay)
    else:
        await response.say(text, chunks=5, interval=t.delta_interval)
    return await response.done()


async def _user_audio_done(conn: SimConnection, speech_item: Optional[str], t: Timing) -> None:
    start_ms, end_ms = conn.commit_input_audio()
    item_id = speech_item or conn.next_id("item")
    if speech_item is not None:
        await conn.send(ev.speech_stopped(item_id=item_id, audio_end_ms=end_ms))
        await conn.sleep(t.commit)
    await conn.send(ev.input_audio_buffer_committed(item_id=item_id, previous_item_id=conn.previous_item_id))
    await conn.add_item(ev.user_audio_item(conn.dialect, item_id=item_id))
    model = conn.session_transcription_model()
    if model is not None:
        text = "(simulated transcript of the user's speech)"
        if model == "whisper-1":
            usage = ev.transcription_usage_duration(round((end_ms - start_ms) / 1000, 3))
        else:
            usage = ev.transcription_usage_tokens(
                input_audio_tokens=ev.audio_tokens(end_ms - start_ms), output_tokens=ev.text_tokens(text)
            )
        await conn.send(ev.input_audio_transcription_completed(item_id=item_id, transcript=text, usage=usage))


async def answer(conn: SimConnection, event: Mapping[str, Any], *, timing: Optional[Timing] = None) -> None:
    """Answer one client event the scenario did not expect (see the module's table)."""
    t = _timing(timing)
    type_ = event.get("type")
    conn.unexpected.append(dict(event))
    if type_ == "input_audio_buffer.append":
        return
    if type_ == "input_audio_buffer.commit":
        await _user_audio_done(conn, None, t)
    elif type_ == "input_audio_buffer.clear":
        conn.pending_appends = 0
        conn.buffer_start_ms = conn.input_audio_ms
        await conn.send(ev.input_audio_buffer_cleared())
    elif type_ == "session.update":
        await conn.apply_session_update(event)
    elif type_ == "conversation.item.create":
        await conn.ack_item_create(event)
    elif type_ == "response.create":
        await play_response(conn, event, timing=t)
    elif type_ == "conversation.item.truncate":
        await conn.send(
            ev.conversation_item_truncated(
                item_id=str(event.get("item_id")),
                content_index=int(event.get("content_index") or 0),
                audio_end_ms=int(event.get("audio_end_ms") or 0),
            )
        )
    elif type_ == "conversation.item.delete":
        await conn.send(ev.conversation_item_deleted(item_id=str(event.get("item_id"))))
    elif type_ == "response.cancel":
        await _error(
            conn, event, "response_cancel_not_active", "Cancellation failed: no active response found."
        )
    else:
        await _error(conn, event, "unknown_event", f"The Realtime simulator does not simulate {type_!r}.")


async def _error(conn: SimConnection, event: Mapping[str, Any], code: str, message: str) -> None:
    raw_id = event.get("event_id")
    await conn.send(
        ev.error_event(
            error_type="invalid_request_error",
            code=code,
            message=message,
            param=None,
            client_event_id=str(raw_id) if raw_id is not None else None,
        )
    )


def respond(*, timing: Optional[Timing] = None, vad_pause: float = 0.5) -> Scenario:
    """A scenario that answers whatever the client sends until it leaves (see the module docs); it
    ends with :class:`SimulatorDisconnected`, which the simulator records as the client leaving.

    With server VAD in the session (the default session has it), ``speech_started`` is sent at the
    first ``input_audio_buffer.append`` and the turn ends ``vad_pause`` seconds after the last one:
    ``speech_stopped``, ``committed``, the user item, its transcript and, unless the session's turn
    detection says ``create_response: false``, a response.
    """
    t = _timing(timing)

    async def scenario(conn: SimConnection) -> None:
        await conn.ensure_session()
        speech_item: Optional[str] = None
        while True:
            vad = turn_detection(conn)
            waiting = vad is not None and conn.pending_appends > 0
            try:
                event = await conn.recv(timeout=vad_pause if waiting else None)
            except TimeoutError:
                await _user_audio_done(conn, speech_item, t)
                speech_item = None
                if vad is not None and vad.get("create_response", True) is not False:
                    await play_response(conn, None, timing=t)
                continue
            if event.get("type") == "input_audio_buffer.append" and vad is not None:
                if speech_item is None:
                    speech_item = conn.next_id("item")
                    start = conn.buffer_start_ms
                    await conn.send(ev.speech_started(item_id=speech_item, audio_start_ms=start))
                continue
            if event.get("type") in ("input_audio_buffer.commit", "input_audio_buffer.clear"):
                speech_item = None
            await answer(conn, event, timing=t)

    return scenario
