"""The server side of one accepted WebSocket connection, as a scenario drives it.

:class:`SimConnection` sends server events (validated against the installed SDK when asked), holds
the session and the default conversation, and hands the scenario the client's events through its
:class:`~.inbox.ClientInbox`. Responses are made with :meth:`SimConnection.response`
(:mod:`.response`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.parse
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional

from websockets.exceptions import ConnectionClosed

from . import events as ev
from .dialects import Dialect, Event
from .errors import SimulatorDisconnected
from .events import IdFactory
from .inbox import UNSET, ClientInbox
from .ledger import TokenLedger
from .response import SimResponse
from .validation import validate_server_event

if TYPE_CHECKING:
    from .server import RealtimeSimulator

__all__ = ["Scenario", "SimConnection"]

Scenario = Callable[["SimConnection"], Awaitable[None]]
"""A scenario (or a step of one): ``async def scenario(conn: SimConnection) -> None``."""

_DEFAULT_MODELS: dict[str, str] = {"ga": "gpt-realtime", "beta": "gpt-4o-realtime-preview"}
_WRITE_ONLY_SESSION_FIELDS = ("client_secret",)


class SimConnection:
    """The server side of one accepted WebSocket connection, as seen by a scenario.

    Attributes of interest: :attr:`index` (0 for the first connection, 1 after a reconnect ...),
    :attr:`dialect`, :attr:`model` (from the ``model`` query parameter), :attr:`headers` (handshake
    request headers), :attr:`session` (current session object, once sent), :attr:`items` (ids of the
    default conversation's items, in order), :attr:`received` / :attr:`sent` (this connection's traffic).

    Client events are read by a background task as soon as they arrive and recorded; scenarios consume
    them with :meth:`recv` / :meth:`expect`. Two kinds are answered automatically while
    :attr:`auto_respond` is true and never reach the scenario: ``session.update`` (answered with
    ``session.updated`` carrying the merged session, once ``session.created`` has been sent) and
    ``input_audio_buffer.clear`` (answered with ``input_audio_buffer.cleared``). Every
    ``input_audio_buffer.append`` is counted (:attr:`pending_appends`, :attr:`input_audio_ms`) and is also
    queued for the scenario (:meth:`expect` skips them by default).
    """

    def __init__(
        self,
        simulator: RealtimeSimulator,
        websocket: Any,
        *,
        index: int,
        path: str,
        headers: Any,
    ) -> None:
        self._sim = simulator
        self._ws = websocket
        self.index = index
        self.dialect: Dialect = simulator.dialect
        self.path = path
        self.headers = headers
        self.query: dict[str, str] = {
            key: values[-1]
            for key, values in urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).items()
        }
        self.model: str = self.query.get("model") or _DEFAULT_MODELS[self.dialect]
        self.translation = urllib.parse.urlsplit(path).path.rstrip("/").endswith("/realtime/translations")
        """A translation session (``.../realtime/translations``): its events are validated as such."""
        self.validate = simulator.validate
        self.auto_respond = simulator.auto_respond
        self.timeout = simulator.timeout
        self.ids = IdFactory(index)
        self.conversation_id = self.ids.next("conv")
        self.session: Optional[Event] = None
        self.items: list[str] = []
        self.responses: list[str] = []
        self.received: list[Event] = []
        self.sent: list[Event] = []
        self.sent_times: list[float] = []
        """When each event of :attr:`sent` went out (``time.perf_counter()``), to measure latencies."""
        self.pending_appends = 0
        self.input_audio_ms = 0
        self.buffer_start_ms = 0
        self.pending_speech: Optional[tuple[str, int]] = None
        self.obfuscation = False
        """GA text and transcript deltas carry an ``obfuscation`` field, as the live API's do (off by
        default; :func:`.scenarios.real_shapes` turns it on)."""
        self._obfuscated = 0
        self.closed = False
        self.close_code: Optional[int] = None
        self.lenient: bool = simulator.lenient
        """Answer unexpected client events (:mod:`.lenient`) instead of failing the scenario."""
        self.unexpected: list[Event] = []
        """Client events answered by the lenient mode, in order."""
        self.last_item_type: Optional[str] = None
        """``type`` of the last item added to the default conversation."""
        self.ledger = TokenLedger()
        """Token accounting of the default conversation (the usage numbers of each response)."""
        self.inbox = ClientInbox(self)
        """The client events not yet consumed (see :meth:`recv`)."""
        self._send_lock = asyncio.Lock()
        self._pending_updates: list[Event] = []

    # -- identity -------------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"<SimConnection #{self.index} {self.dialect} model={self.model!r}>"

    def next_id(self, prefix: str) -> str:
        """Next deterministic id for ``prefix`` on this connection (see :func:`.events.make_id`)."""
        return self.ids.next(prefix)

    @property
    def previous_item_id(self) -> Optional[str]:
        """Id of the last item of the default conversation (``None`` when it is empty)."""
        return self.items[-1] if self.items else None

    def audio_chunk(self, ms: int) -> str:
        """Base64 pcm16 24 kHz mono audio of ``ms`` milliseconds (deterministic, quiet, non-zero)."""
        return ev.audio_chunk(ms)

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep`` that is skipped entirely for ``seconds <= 0``."""
        if seconds > 0:
            await asyncio.sleep(seconds)

    # -- sending --------------------------------------------------------------------------------------

    async def send(self, event: Mapping[str, Any]) -> Event:
        """Send a server event and return it as sent.

        ``event_id`` is filled in when missing. The frame is compact JSON with ``type`` first, then
        ``event_id``, then the other fields, like the live API. With validation on, the event is first
        checked by :func:`.events.validate_server_event`; a failure is recorded in
        :attr:`RealtimeSimulator.errors` and raised (the event is not sent).
        """
        if self.closed:
            raise SimulatorDisconnected(f"connection {self.index} is closed", code=self.close_code)
        fields = dict(event)
        type_ = fields.pop("type", None)
        event_id = fields.pop("event_id", None) or self.next_id("event")
        ordered: Event = {"type": type_, "event_id": event_id, **fields}
        if self.validate:
            try:
                validate_server_event(ordered, self.dialect, translation=self.translation)
            except Exception as exc:
                self._sim._record_error(exc)
                raise
        data = json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)
        async with self._send_lock:
            try:
                await self._ws.send(data)
            except ConnectionClosed as exc:
                self.inbox.peer_closed = True
                raise SimulatorDisconnected(
                    f"connection {self.index} closed while sending {type_!r}",
                    code=exc.rcvd.code if exc.rcvd is not None else 1006,
                ) from exc
            self.sent.append(ordered)
            self.sent_times.append(time.perf_counter())
            self._sim._sent.append(ordered)
        return ordered

    def next_obfuscation(self) -> Optional[str]:
        """The ``obfuscation`` field of the next GA text or transcript delta (``None``: none)."""
        if not self.obfuscation or self.dialect != "ga":
            return None
        self._obfuscated += 1
        return ev.obfuscation(self._obfuscated)

    async def send_all(self, events: Iterable[Mapping[str, Any]]) -> list[Event]:
        """Send several events in order."""
        return [await self.send(event) for event in events]

    # -- receiving (see .inbox) -----------------------------------------------------------------------

    async def recv(self, *, timeout: Optional[float] = UNSET) -> Event:
        """Next client event (parsed JSON) not handled automatically.

        Raises :class:`SimulatorDisconnected` once the connection is closed and every event received
        before has been consumed, and :class:`TimeoutError` after ``timeout`` seconds (default:
        the simulator's ``timeout``).
        """
        return await self.inbox.recv(timeout)

    async def expect(
        self,
        type: str,
        *,
        skip: Iterable[str] = ("input_audio_buffer.append",),
        timeout: Optional[float] = UNSET,
    ) -> Event:
        """Next client event of ``type``; events whose type is in ``skip`` are passed over silently.

        Any other event raises :class:`AssertionError` (recorded in :attr:`RealtimeSimulator.errors` when
        it escapes the scenario).
        """
        return await self.inbox.expect(type, skip, timeout)

    async def expect_any(
        self,
        types: Iterable[str],
        *,
        skip: Iterable[str] = ("input_audio_buffer.append",),
        timeout: Optional[float] = UNSET,
    ) -> Event:
        """Like :meth:`expect` for the first event whose type is any of ``types``."""
        return await self.inbox.expect_any(types, skip, timeout)

    async def wait_for_appends(self, count: int, *, timeout: Optional[float] = UNSET) -> int:
        """Wait until the client has appended ``count`` audio chunks since the last commit or clear.

        Returns :attr:`pending_appends`. The appends stay queued (:meth:`expect` skips them).
        """
        await self.inbox.wait(
            lambda: self.pending_appends >= count, timeout, f"{count} input_audio_buffer.append"
        )
        return self.pending_appends

    async def wait_closed(self, *, timeout: Optional[float] = None) -> None:
        """Wait until the client closes the connection (any queued events are discarded)."""
        await self.inbox.wait_closed(timeout)

    # -- closing --------------------------------------------------------------------------------------

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with a close frame (``code``, ``reason``) and wait for the handshake."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        with contextlib.suppress(ConnectionClosed, OSError):
            await self._ws.close(code, reason)

    async def drop(self) -> None:
        """Abort the TCP connection without a close frame: the client sees an abnormal closure (1006).

        Events already sent are flushed to the socket first.
        """
        if self.closed:
            return
        self.closed = True
        self.close_code = 1006
        transport = self._ws.transport
        for _ in range(200):
            if transport.get_write_buffer_size() == 0:
                break
            await asyncio.sleep(0.001)
        transport.abort()

    # -- session and conversation state -----------------------------------------------------------------

    async def ensure_session(
        self,
        *,
        voice: str = "alloy",
        instructions: str = ev.DEFAULT_INSTRUCTIONS,
        tools: Sequence[Mapping[str, Any]] = (),
        transcription_model: Optional[str] = "whisper-1",
        turn_detection: Optional[Mapping[str, Any]] = ev.DEFAULT_TURN_DETECTION,
        modalities: Optional[Sequence[str]] = None,
        session: Optional[Mapping[str, Any]] = None,
    ) -> Event:
        """Send ``session.created`` unless it was already sent on this connection; return the session.

        ``session``: the session object to send instead of the default one built from the other
        options (e.g. :func:`.events.transcription_session`). Session updates the client sent before
        are answered right after it.
        """
        if self.session is not None:
            return self.session
        self.session = (
            dict(session)
            if session is not None
            else ev.default_session(
                self.dialect,
                session_id=self.next_id("sess"),
                model=self.model,
                voice=voice,
                instructions=instructions,
                tools=tools,
                transcription_model=transcription_model,
                turn_detection=turn_detection,
                modalities=modalities,
            )
        )
        await self.send(ev.session_created(self.session))
        pending, self._pending_updates = self._pending_updates, []
        for update in pending:
            await self.apply_session_update(update)
        return self.session

    async def apply_session_update(self, client_event: Mapping[str, Any]) -> Event:
        """Merge a client ``session.update`` into :attr:`session` and send ``session.updated``."""
        if self.session is None:
            await self.ensure_session()
        assert self.session is not None
        payload = client_event.get("session")
        update = {k: v for k, v in (payload or {}).items() if k not in _WRITE_ONLY_SESSION_FIELDS}
        self.session = ev.merge_session(self.session, update)
        return await self.send(ev.session_updated(self.session))

    def session_voice(self) -> Any:
        """Voice of the current session."""
        return ev.session_voice(self.dialect, self.session or {})

    def session_transcription_model(self) -> Optional[str]:
        """Input transcription model of the current session (``None`` if transcription is off)."""
        if self.session is None:
            return "whisper-1"
        return ev.session_transcription_model(self.dialect, self.session)

    async def add_item(self, item: Mapping[str, Any], *, done: bool = True) -> Event:
        """Append ``item`` to the default conversation and announce it: ``conversation.item.created``
        (beta) or ``conversation.item.added`` (GA), plus ``conversation.item.done`` in GA when ``done``."""
        previous = self.previous_item_id
        item_dict = dict(item)
        self.items.append(str(item_dict["id"]))
        self.last_item_type = str(item_dict.get("type"))
        event = await self.send(
            ev.conversation_item_added(self.dialect, item=item_dict, previous_item_id=previous)
        )
        if done and self.dialect == "ga":
            await self.send(ev.conversation_item_done(item=item_dict, previous_item_id=previous))
        return event

    async def finish_item(self, item: Mapping[str, Any]) -> None:
        """Send ``conversation.item.done`` (GA only) for an item announced with ``add_item(done=False)``."""
        if self.dialect != "ga":
            return
        item_id = item.get("id")
        position = self.items.index(item_id) if item_id in self.items else len(self.items)
        previous = self.items[position - 1] if position > 0 else None
        await self.send(ev.conversation_item_done(item=item, previous_item_id=previous))

    async def ack_item_create(self, client_event: Mapping[str, Any]) -> Event:
        """Answer a client ``conversation.item.create``: give the item an id (unless it has one),
        ``object`` and ``status: "completed"``, add it to the conversation and announce it. Returns
        the item."""
        raw = dict(client_event.get("item") or {})
        item: Event = {"id": raw.pop("id", None) or self.next_id("item"), "object": "realtime.item"}
        item["type"] = raw.pop("type", "message")
        item["status"] = "completed"
        raw.pop("object", None)
        raw.pop("status", None)
        item.update(raw)
        for content in item.get("content") or ():
            if isinstance(content, dict) and content.get("type") in ("input_text", "text", "output_text"):
                self.ledger.add_text(str(content.get("text") or ""))
        if item["type"] == "function_call_output":
            self.ledger.add_text(str(item.get("output") or ""))
        await self.add_item(item)
        return item

    def commit_input_audio(self) -> tuple[int, int]:
        """Mark the pending input audio as committed; return its ``(start_ms, end_ms)``."""
        start, end = self.buffer_start_ms, self.input_audio_ms
        self.pending_appends = 0
        self.buffer_start_ms = end
        self.ledger.add_audio(end - start)
        return start, end

    def response(
        self,
        request: Optional[Mapping[str, Any]] = None,
        *,
        modalities: Optional[Sequence[str]] = None,
        metadata: Optional[Mapping[str, str]] = None,
        conversation: Optional[str] = None,
    ) -> SimResponse:
        """A new :class:`SimResponse`, configured from the client's ``response.create`` event if given
        (its ``metadata``, ``conversation`` and output modalities are honoured) and/or explicit
        overrides."""
        return SimResponse(
            self, request=request, modalities=modalities, metadata=metadata, conversation=conversation
        )
