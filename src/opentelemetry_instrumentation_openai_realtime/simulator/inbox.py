"""The client events of one simulated connection: read in the background, waited for by scenarios.

A :class:`ClientInbox` reads every client frame as soon as it arrives, records it, answers the
automatic ones (``session.update``, ``input_audio_buffer.clear``) and queues the rest for the
scenario, which takes them with :meth:`ClientInbox.recv` / :meth:`ClientInbox.expect` (through the
:class:`~.connection.SimConnection` methods of the same names).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any, Callable, Optional

from websockets.exceptions import ConnectionClosed

from . import events as ev
from . import lenient
from .dialects import Event
from .errors import SimulatorDisconnected

if TYPE_CHECKING:
    from .connection import SimConnection

__all__ = ["UNSET", "ClientInbox"]

UNSET: Any = object()
"""Default ``timeout`` of the waiting methods: the simulator's ``timeout``."""


class ClientInbox:
    """The queue of client events of ``conn`` not answered automatically, and the waits on it."""

    def __init__(self, conn: SimConnection) -> None:
        self.conn = conn
        self.peer_closed = False
        self._queue: asyncio.Queue[Optional[Event]] = asyncio.Queue()
        self._changed = asyncio.Condition()
        self._reader_done = asyncio.Event()

    # -- background reader ----------------------------------------------------------------------------

    async def notify(self) -> None:
        """Wake up the waits of :meth:`wait` (the connection's counters changed)."""
        async with self._changed:
            self._changed.notify_all()

    async def read_loop(self) -> None:
        """Read client frames until the connection closes (run as a background task)."""
        conn = self.conn
        sim = conn._sim
        try:
            async for message in conn._ws:
                text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
                try:
                    event = json.loads(text)
                except ValueError as exc:
                    sim._record_error(ValueError(f"connection {conn.index}: invalid JSON from client: {exc}"))
                    continue
                if not isinstance(event, dict):
                    sim._record_error(ValueError(f"connection {conn.index}: client sent non-object JSON"))
                    continue
                conn.received.append(event)
                sim._received.append(event)
                await self._dispatch(event)
        except ConnectionClosed:
            pass
        finally:
            self.peer_closed = True
            if conn.close_code is None:
                conn.close_code = conn._ws.close_code
            self._queue.put_nowait(None)
            self._reader_done.set()
            await self.notify()

    async def _dispatch(self, event: Event) -> None:
        conn = self.conn
        type_ = event.get("type")
        if type_ == "input_audio_buffer.append":
            conn.pending_appends += 1
            conn.input_audio_ms += ev.audio_ms(str(event.get("audio") or ""))
            self._queue.put_nowait(event)
            await self.notify()
            return
        if conn.auto_respond and type_ == "session.update":
            if conn.session is None:
                conn._pending_updates.append(event)
            else:
                await self._auto(conn.apply_session_update(event))
            return
        if conn.auto_respond and type_ == "input_audio_buffer.clear":
            conn.pending_appends = 0
            conn.buffer_start_ms = conn.input_audio_ms
            await self._auto(conn.send(ev.input_audio_buffer_cleared()))
            await self.notify()
            return
        self._queue.put_nowait(event)

    async def _auto(self, answer: Awaitable[Any]) -> None:
        try:
            await answer
        except SimulatorDisconnected:
            pass
        except Exception as exc:
            self.conn._sim._record_error(exc)

    # -- waiting --------------------------------------------------------------------------------------

    def _deadline(self, timeout: Optional[float]) -> Optional[float]:
        timeout = self.conn.timeout if timeout is UNSET else timeout
        return None if timeout is None else asyncio.get_running_loop().time() + timeout

    @staticmethod
    def _remaining(deadline: Optional[float]) -> Optional[float]:
        if deadline is None:
            return None
        return max(0.0, deadline - asyncio.get_running_loop().time())

    def disconnected(self) -> SimulatorDisconnected:
        """The exception for a wait that found the connection closed."""
        conn = self.conn
        return SimulatorDisconnected(
            f"connection {conn.index}: the WebSocket is closed", code=conn.close_code or conn._ws.close_code
        )

    async def recv(self, timeout: Optional[float] = UNSET) -> Event:
        """See :meth:`.SimConnection.recv`."""
        try:
            item = await asyncio.wait_for(self._queue.get(), self._remaining(self._deadline(timeout)))
        except asyncio.TimeoutError:
            raise TimeoutError(f"connection {self.conn.index}: no client event within the timeout") from None
        if item is None:
            self._queue.put_nowait(None)
            raise self.disconnected()
        return item

    async def expect(self, type: str, skip: Iterable[str], timeout: Optional[float] = UNSET) -> Event:
        """See :meth:`.SimConnection.expect`."""
        skipped = frozenset(skip)
        deadline = self._deadline(timeout)
        index = self.conn.index
        while True:
            try:
                event = await self.recv(timeout=self._remaining(deadline))
            except TimeoutError:
                raise TimeoutError(
                    f"connection {index}: timed out waiting for client event {type!r}"
                ) from None
            got = event.get("type")
            if got == type:
                return event
            if got in skipped:
                continue
            if self.conn.lenient:
                await lenient.answer(self.conn, event)
                continue
            text = json.dumps(event)
            raise AssertionError(
                f"connection {index}: expected client event {type!r}, got {got!r}: "
                f"{text[:300]}{'...' if len(text) > 300 else ''}"
            )

    async def expect_any(
        self, types: Iterable[str], skip: Iterable[str], timeout: Optional[float] = UNSET
    ) -> Event:
        """See :meth:`.SimConnection.expect_any`."""
        wanted = frozenset(types)
        skipped = frozenset(skip)
        deadline = self._deadline(timeout)
        while True:
            event = await self.recv(timeout=self._remaining(deadline))
            if event.get("type") in wanted:
                return event
            if event.get("type") in skipped:
                continue
            if self.conn.lenient:
                await lenient.answer(self.conn, event)
            else:
                raise AssertionError(
                    f"connection {self.conn.index}: expected one of {sorted(wanted)}, "
                    f"got {event.get('type')!r}"
                )

    async def wait(self, predicate: Callable[[], bool], timeout: Optional[float], what: str) -> None:
        """Wait until ``predicate()`` holds; :class:`SimulatorDisconnected` if the client left first."""
        deadline = self._deadline(timeout)
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: predicate() or self.peer_closed),
                    self._remaining(deadline),
                )
            except asyncio.TimeoutError:
                raise TimeoutError(f"connection {self.conn.index}: timed out waiting for {what}") from None
        if not predicate():
            raise self.disconnected()

    async def wait_closed(self, timeout: Optional[float] = None) -> None:
        """See :meth:`.SimConnection.wait_closed`."""
        try:
            await asyncio.wait_for(self._reader_done.wait(), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(
                f"connection {self.conn.index}: the client did not close the connection"
            ) from None
