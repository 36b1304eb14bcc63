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

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from . import events as ev
from .events import Event
from .server import Scenario, SimConnection, SimResponse

__all__ = [
    "DEMO_TIMING",
    "FAST",
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
    "receive_user_audio",
    "receive_user_commit",
    "receive_user_input",
    "receive_user_text",
    "reconnect",
    "send",
    "sleep",
    "start_session",
    "text_turn",
    "tool_turn",
    "voice_agent_demo",
    "voice_turn",
    "wait_for_close",
]

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


def _pending_transcription(conn: SimConnection, item_id: str, transcript: str, audio_ms: int) -> Event:
    model = conn.session_transcription_model() or "whisper-1"
    if model == "whisper-1":
        usage = ev.transcription_usage_duration(round(audio_ms / 1000, 3))
    else:
        usage = ev.transcription_usage_tokens(
            input_audio_tokens=ev.audio_tokens(audio_ms), output_tokens=ev.text_tokens(transcript)
        )
    return ev.input_audio_transcription_completed(item_id=item_id, transcript=transcript, usage=usage)


# --------------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------------


def compose(
    *steps: Step,
    session: Optional[Mapping[str, Any]] = None,
    auto_respond: Optional[bool] = None,
) -> Scenario:
    """Chain ``steps`` into one scenario.

    Args:
        steps: run in order on the connection.
        session: options for the initial session (keyword arguments of
            :meth:`SimConnection.ensure_session`: ``voice``, ``instructions``, ``tools``,
            ``transcription_model``, ``turn_detection``, ``modalities``).
        auto_respond: override the simulator's ``auto_respond`` for this connection (e.g. ``False`` to
            handle ``session.update`` in a step, such as ``error_event(trigger="session.update")``).
    """
    options = dict(session or {})

    starts_session = bool(steps) and getattr(steps[0], "starts_session", False)

    async def scenario(conn: SimConnection) -> None:
        if auto_respond is not None:
            conn.auto_respond = auto_respond
        if not starts_session:
            await conn.ensure_session(**options)
        for step in steps:
            await step(conn)

    return scenario


def start_session(**options: Any) -> Step:
    """Send ``session.created`` with custom options (see :meth:`SimConnection.ensure_session`); must be
    the first step (``compose(start_session(voice="coral"), voice_turn())``)."""

    async def step(conn: SimConnection) -> None:
        if conn.session is not None:
            raise RuntimeError("start_session() must be the first step: session.created was already sent")
        await conn.ensure_session(**options)

    step.starts_session = True  # type: ignore[attr-defined]
    return step


def wait_for_close(timeout: Optional[float] = None) -> Step:
    """Wait until the client closes the connection."""

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        await conn.wait_closed(timeout=timeout)

    return step


def sleep(seconds: float) -> Step:
    """Pause for ``seconds``."""

    async def step(conn: SimConnection) -> None:
        await conn.sleep(seconds)

    return step


def send(*events: Mapping[str, Any]) -> Step:
    """Send fixed events (``event_id`` is filled in)."""

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        await conn.send_all(events)

    return step


def expect(type: str, *, skip: Sequence[str] = ("input_audio_buffer.append",)) -> Step:
    """Wait for a client event of ``type`` (see :meth:`SimConnection.expect`)."""

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        await conn.expect(type, skip=skip)

    return step


def close(code: int = 1000, reason: str = "") -> Step:
    """Close the connection with ``code``."""

    async def step(conn: SimConnection) -> None:
        await conn.close(code, reason)

    return step


def drop() -> Step:
    """Abort the connection without a close frame (the client sees 1006)."""

    async def step(conn: SimConnection) -> None:
        await conn.drop()

    return step


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


# --------------------------------------------------------------------------------------------------
# Canned behaviours
# --------------------------------------------------------------------------------------------------


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
    the output). Finally, if ``expect_truncate``, waits for the client's ``conversation.item.truncate``
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
        await response.done("cancelled", status_details=ev.cancelled_status_details("turn_detected"))
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


def error_event(
    *,
    trigger: Optional[str] = "response.create",
    error_type: str = "invalid_request_error",
    code: Optional[str] = "invalid_value",
    message: str = (
        "Invalid value: 'loud'. Supported values are: 'alloy', 'ash', 'ballad', 'coral', 'echo', "
        "'sage', 'shimmer', and 'verse'."
    ),
    param: Optional[str] = "response.voice",
) -> Step:
    """Answer the next client event of type ``trigger`` with an ``error`` event (``error.event_id`` is
    that client event's ``event_id``); with ``trigger=None`` send the error right away.

    ``session.update`` is answered automatically unless the scenario is composed with
    ``auto_respond=False``.
    """

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        client_event_id: Optional[str] = None
        if trigger is not None:
            cause = await conn.expect(trigger)
            raw_id = cause.get("event_id")
            client_event_id = str(raw_id) if raw_id is not None else None
        await conn.send(
            ev.error_event(
                error_type=error_type,
                code=code,
                message=message,
                param=param,
                client_event_id=client_event_id,
            )
        )

    return step


def failed_response(
    *,
    trigger: str = "response.create",
    appends: int = 3,
    error_type: str = "server_error",
    code: Optional[str] = "internal_error",
    message: Optional[str] = None,
    timing: Optional[Timing] = None,
) -> Step:
    """A response that fails: ``response.created`` then ``response.done`` with status ``failed``,
    empty output and ``status_details`` ``{"type": "failed", "error": {"type": error_type, "code":
    code}}`` (``message`` is added only if given: only recent SDKs declare it)."""
    _check_trigger(trigger)
    t = _timing(timing)

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        request, _ = await receive_user_input(conn, trigger, appends=appends, timing=t)
        response = await _start_response(conn, request, t)
        await conn.sleep(t.first_delta)
        await response.done(
            "failed",
            status_details=ev.failed_status_details(error_type=error_type, code=code, message=message),
        )

    return step


def interrupted_response(
    *,
    action: str = "drop",
    close_code: int = 1012,
    reason: str = "",
    trigger: str = "response.create",
    appends: int = 3,
    deltas: int = 2,
    transcript: str = DEFAULT_LONG_ANSWER,
    chunk_ms: int = 100,
    timing: Optional[Timing] = None,
) -> Step:
    """Start a spoken response, stream ``deltas`` audio deltas, then lose the connection: ``action``
    ``"drop"`` aborts TCP without a close frame (client: 1006), ``"close"`` sends a close frame with
    ``close_code`` (e.g. 1012 "service restart", which openai >= 2.32 treats as recoverable)."""
    if action not in ("drop", "close"):
        raise ValueError("action must be 'drop' or 'close'")
    _check_trigger(trigger)
    t = _timing(timing)

    async def step(conn: SimConnection) -> None:
        await conn.ensure_session()
        request, _ = await receive_user_input(conn, trigger, appends=appends, timing=t)
        response = await _start_response(conn, request, t)
        message = await response.begin_message("audio")
        await conn.sleep(t.first_delta)
        pieces = ev.split_words(transcript, max(deltas * 4, 1))
        for i in range(deltas):
            if i:
                await conn.sleep(t.delta_interval)
            await message.audio(chunk_ms, pieces[i] if i < len(pieces) else None)
        if action == "drop":
            await conn.drop()
        else:
            await conn.close(close_code, reason)

    return step


def drop_mid_response(**kwargs: Any) -> Step:
    """:func:`interrupted_response` with ``action="drop"``: the client gets a ``ConnectionClosedError``
    (1006, no close frame) in the middle of the response."""
    return interrupted_response(action="drop", **kwargs)


def close_mid_response(code: int = 1012, reason: str = "service restart", **kwargs: Any) -> Step:
    """:func:`interrupted_response` with ``action="close"`` and close code ``code``."""
    return interrupted_response(action="close", close_code=code, reason=reason, **kwargs)


def reconnect(*scripts: Scenario) -> Scenario:
    """Different scripts per connection: connection ``i`` runs ``scripts[i]`` (the last script for any
    further connection). Each connection starts with its own ``session.created`` (new session id).

    Default: the first connection starts a spoken response to ``response.create`` and closes with 1012
    (service restart, recoverable) mid-response; every later connection plays a complete spoken turn
    on ``response.create``.
    """
    chosen: Sequence[Scenario] = scripts or (
        close_mid_response(code=1012),
        voice_turn(trigger="response.create"),
    )

    async def scenario(conn: SimConnection) -> None:
        script = chosen[min(conn.index, len(chosen) - 1)]
        await conn.ensure_session()
        await script(conn)

    return scenario


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
