"""Building blocks: :func:`compose` and the small steps (send, expect, sleep, close ...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from opentelemetry_instrumentation_openai_realtime.simulator.connection import Scenario, SimConnection

from .timing import Step


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
