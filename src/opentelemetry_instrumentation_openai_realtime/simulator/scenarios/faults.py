"""Things going wrong: error events, failed responses, dropped and closed connections, reconnects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

from opentelemetry_instrumentation_openai_realtime.simulator import events as ev
from opentelemetry_instrumentation_openai_realtime.simulator.connection import Scenario, SimConnection

from .timing import DEFAULT_LONG_ANSWER, Step, Timing, _check_trigger, _timing
from .turns import voice_turn
from .user_input import _start_response, receive_user_input


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
