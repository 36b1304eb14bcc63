"""A local WebSocket server that speaks the OpenAI Realtime protocol, driven by scripted scenarios.

:class:`RealtimeSimulator` listens on ``127.0.0.1`` (random free port by default) and accepts the real
``openai`` client: build the client with :meth:`RealtimeSimulator.client_options` (``base_url`` and
``websocket_base_url``) and it connects to ``ws://127.0.0.1:PORT/v1/realtime?model=...``. Each accepted
connection runs the *scenario*, an ``async def scenario(conn: SimConnection) -> None``, which sends
server events and waits for client events through the :class:`SimConnection` it is given. The
ready-made scenarios live in :mod:`.scenarios`.

Everything is recorded on the simulator (:attr:`~RealtimeSimulator.received`,
:attr:`~RealtimeSimulator.sent`, :attr:`~RealtimeSimulator.errors` ...) so tests can assert on the exact
traffic. With ``validate=True`` every server event is checked against the installed SDK's models
before it is sent (see :func:`.events.validate_server_event`).

Only the standard library and ``websockets`` (>= 13, ``websockets.asyncio.server``) are needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import urllib.parse
from collections.abc import Awaitable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Callable, Optional

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from . import events as ev
from .events import Dialect, Event, IdFactory, check_dialect, validate_server_event

__all__ = [
    "RealtimeSimulator",
    "Scenario",
    "SimConnection",
    "SimMessage",
    "SimResponse",
    "SimulatorDisconnected",
]

Scenario = Callable[["SimConnection"], Awaitable[None]]
"""A scenario (or a step of one): ``async def scenario(conn: SimConnection) -> None``."""

_DEFAULT_MODELS: dict[str, str] = {"ga": "gpt-realtime", "beta": "gpt-4o-realtime-preview"}
_WRITE_ONLY_SESSION_FIELDS = ("client_secret",)
_UNSET: Any = object()


class SimulatorDisconnected(ConnectionError):
    """The WebSocket connection is gone: the client closed it, or the scenario closed or dropped it.

    Raised by :meth:`SimConnection.recv`, :meth:`SimConnection.send` and friends. When it escapes a
    scenario it is *not* an error: the connection index is recorded in
    :attr:`RealtimeSimulator.client_disconnects` instead of :attr:`RealtimeSimulator.errors`.
    """

    def __init__(self, message: str, *, code: Optional[int] = None, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


def _split_even(text: str, parts: int) -> list[str]:
    """Split ``text`` into at most ``parts`` consecutive slices of similar length."""
    if not text:
        return []
    parts = max(1, min(parts, len(text)))
    size = -(-len(text) // parts)
    return [text[i : i + size] for i in range(0, len(text), size)]


class SimMessage:
    """An assistant message being streamed inside a :class:`SimResponse`.

    Created by :meth:`SimResponse.begin_message`, which has already sent ``response.output_item.added``
    (plus the conversation item event) and ``response.content_part.added``. Stream with :meth:`audio`,
    :meth:`transcript` or :meth:`text`, then :meth:`finish`.
    """

    def __init__(self, response: SimResponse, *, item_id: str, output_index: int, kind: str) -> None:
        self.response = response
        self.item_id = item_id
        self.output_index = output_index
        self.content_index = 0
        self.kind = kind
        self.transcript_so_far = ""
        self.text_so_far = ""
        self.audio_ms = 0
        self.finished = False

    def _ids(self) -> dict[str, Any]:
        return {
            "response_id": self.response.id,
            "item_id": self.item_id,
            "output_index": self.output_index,
            "content_index": self.content_index,
        }

    async def audio(self, ms: int = 100, transcript_delta: Optional[str] = None) -> None:
        """Send ``ms`` of output audio (one audio delta), then a transcript delta if one is given."""
        conn = self.response.conn
        await conn.send(ev.output_audio_delta(conn.dialect, delta=conn.audio_chunk(ms), **self._ids()))
        self.audio_ms += ms
        self.response._output_audio_ms += ms
        if transcript_delta:
            await self.transcript(transcript_delta)

    async def transcript(self, delta: str) -> None:
        """Send one audio transcript delta."""
        conn = self.response.conn
        await conn.send(ev.output_audio_transcript_delta(conn.dialect, delta=delta, **self._ids()))
        self.transcript_so_far += delta

    async def text(self, delta: str) -> None:
        """Send one output text delta (text messages)."""
        conn = self.response.conn
        await conn.send(ev.output_text_delta(conn.dialect, delta=delta, **self._ids()))
        self.text_so_far += delta

    def item(self, status: str) -> Event:
        """The message item with its content so far and ``status``."""
        dialect = self.response.conn.dialect
        if self.kind == "audio":
            content = ev.audio_content(dialect, self.transcript_so_far)
        else:
            content = ev.text_content(dialect, self.text_so_far)
        return ev.assistant_message_item(dialect, item_id=self.item_id, status=status, content=[content])

    async def finish(self, status: str = "completed") -> Event:
        """Close the message: audio/transcript (or text) done, ``response.content_part.done``,
        ``response.output_item.done`` and, in GA, ``conversation.item.done``. Use ``status="incomplete"``
        for a message cut short (barge-in). Returns the final item."""
        conn = self.response.conn
        if self.kind == "audio":
            await conn.send(ev.output_audio_done(conn.dialect, **self._ids()))
            await conn.send(
                ev.output_audio_transcript_done(
                    conn.dialect, transcript=self.transcript_so_far, **self._ids()
                )
            )
            part = ev.audio_part(self.transcript_so_far)
        else:
            await conn.send(ev.output_text_done(conn.dialect, text=self.text_so_far, **self._ids()))
            part = ev.text_part(self.text_so_far)
        await conn.send(ev.content_part_done(part=part, **self._ids()))
        item = self.item(status)
        self.finished = True
        await self.response._finish_item(self.output_index, item)
        return item


class SimResponse:
    """One model response on a :class:`SimConnection`: ``response.created`` ... ``response.done``.

    Create it with :meth:`SimConnection.response`, optionally from the client's ``response.create``
    event (whose ``metadata``, ``conversation`` and modalities are honoured), then::

        resp = conn.response(request)
        await resp.start()                                  # response.created
        await resp.audio_message("Hello there!", chunks=5)  # or text_message, function_call ...
        await resp.done()                                   # response.done, with usage

    An out-of-band response (``conversation: "none"``) has ``conversation_id`` ``None`` and adds nothing
    to the conversation (no ``conversation.item.*`` events for its output).
    """

    def __init__(
        self,
        conn: SimConnection,
        *,
        request: Optional[Mapping[str, Any]] = None,
        modalities: Optional[Sequence[str]] = None,
        metadata: Optional[Mapping[str, str]] = None,
        conversation: Optional[str] = None,
    ) -> None:
        self.conn = conn
        self.id = conn.next_id("resp")
        params: Mapping[str, Any] = {}
        if request is not None and isinstance(request.get("response"), Mapping):
            params = request["response"]
        self.request = request
        conv = conversation if conversation is not None else params.get("conversation", "auto")
        self.out_of_band = conv == "none"
        self.conversation_id: Optional[str] = None if self.out_of_band else conn.conversation_id
        meta = metadata if metadata is not None else params.get("metadata")
        self.metadata: Optional[dict[str, str]] = dict(meta) if isinstance(meta, Mapping) else None
        key = "output_modalities" if conn.dialect == "ga" else "modalities"
        if modalities is not None:
            self.modalities = list(modalities)
        elif isinstance(params.get(key), list) and params[key]:
            self.modalities = [str(m) for m in params[key]]
        else:
            self.modalities = ev.session_modalities(conn.dialect, conn.session or {})
        self.voice = conn.session_voice()
        if conn.dialect == "ga":
            audio = params.get("audio")
            output = audio.get("output") if isinstance(audio, Mapping) else None
            if isinstance(output, Mapping) and output.get("voice") is not None:
                self.voice = output["voice"]
        elif params.get("voice") is not None:
            self.voice = params["voice"]
        self.output: list[Event] = []
        self.status = "in_progress"
        self.started = False
        self._output_text_tokens = 0
        self._output_audio_ms = 0
        self._prompt: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def dialect(self) -> Dialect:
        """The connection's dialect."""
        return self.conn.dialect

    @property
    def speaks(self) -> bool:
        """Whether this response produces audio (``"audio"`` in its modalities)."""
        return "audio" in self.modalities

    def _object(
        self,
        status: str,
        *,
        usage: Optional[Mapping[str, Any]] = None,
        status_details: Optional[Mapping[str, Any]] = None,
    ) -> Event:
        return ev.response_object(
            self.dialect,
            response_id=self.id,
            status=status,
            output=self.output if status != "in_progress" else (),
            usage=usage,
            status_details=status_details,
            conversation_id=self.conversation_id,
            metadata=self.metadata,
            modalities=self.modalities,
            voice=self.voice,
        )

    async def start(self) -> Event:
        """Send ``response.created`` (status ``in_progress``, empty output)."""
        self._prompt = self.conn._prompt_tokens()
        self.started = True
        self.conn.responses.append(self.id)
        return await self.conn.send(ev.response_created(self._object("in_progress")))

    async def _announce_item(self, output_index: int, item: Event) -> None:
        await self.conn.send(ev.output_item_added(response_id=self.id, output_index=output_index, item=item))
        if not self.out_of_band:
            await self.conn.add_item(item, done=False)

    async def _finish_item(self, output_index: int, item: Event) -> None:
        self.output[output_index] = item
        for content in item.get("content") or ():
            if content.get("transcript"):
                self._output_text_tokens += ev.text_tokens(content["transcript"])
            if content.get("text"):
                self._output_text_tokens += ev.text_tokens(content["text"])
        if item.get("type") == "function_call":
            self._output_text_tokens += ev.text_tokens(item.get("arguments") or "") + 4
        await self.conn.send(ev.output_item_done(response_id=self.id, output_index=output_index, item=item))
        if not self.out_of_band:
            await self.conn.finish_item(item)

    async def begin_message(self, kind: Optional[str] = None) -> SimMessage:
        """Start an assistant message (``kind`` ``"audio"`` or ``"text"``; default from the modalities):
        sends ``response.output_item.added``, the conversation item event and
        ``response.content_part.added``."""
        kind = kind or ("audio" if self.speaks else "text")
        item_id = self.conn.next_id("item")
        output_index = len(self.output)
        message = SimMessage(self, item_id=item_id, output_index=output_index, kind=kind)
        item = message.item("in_progress")
        item["content"] = []
        self.output.append(item)
        await self._announce_item(output_index, item)
        part = ev.audio_part("") if kind == "audio" else ev.text_part("")
        await self.conn.send(
            ev.content_part_added(
                response_id=self.id, item_id=item_id, output_index=output_index, content_index=0, part=part
            )
        )
        return message

    async def audio_message(
        self,
        transcript: str,
        *,
        chunks: int = 5,
        chunk_ms: int = 100,
        interval: float = 0.0,
        first_delay: float = 0.0,
    ) -> Event:
        """Stream a complete spoken message: ``chunks`` audio deltas of ``chunk_ms`` each, each followed by
        a transcript delta (the transcript split on word boundaries), then the done events."""
        message = await self.begin_message("audio")
        await self.conn.sleep(first_delay)
        pieces = ev.split_words(transcript, chunks)
        for i in range(max(chunks, 1)):
            if i:
                await self.conn.sleep(interval)
            await message.audio(chunk_ms, pieces[i] if i < len(pieces) else None)
        return await message.finish()

    async def text_message(
        self, text: str, *, chunks: int = 5, interval: float = 0.0, first_delay: float = 0.0
    ) -> Event:
        """Stream a complete text message in ``chunks`` text deltas, then the done events."""
        message = await self.begin_message("text")
        await self.conn.sleep(first_delay)
        for i, piece in enumerate(ev.split_words(text, chunks)):
            if i:
                await self.conn.sleep(interval)
            await message.text(piece)
        return await message.finish()

    async def say(
        self,
        text: str,
        *,
        chunks: int = 5,
        chunk_ms: int = 100,
        interval: float = 0.0,
        first_delay: float = 0.0,
    ) -> Event:
        """:meth:`audio_message` if the response speaks, else :meth:`text_message`."""
        if self.speaks:
            return await self.audio_message(
                text, chunks=chunks, chunk_ms=chunk_ms, interval=interval, first_delay=first_delay
            )
        return await self.text_message(text, chunks=chunks, interval=interval, first_delay=first_delay)

    async def function_call(
        self,
        name: str,
        arguments: str,
        *,
        call_id: Optional[str] = None,
        chunks: int = 3,
        interval: float = 0.0,
    ) -> Event:
        """Stream a ``function_call`` output item: ``response.output_item.added``, ``chunks``
        ``response.function_call_arguments.delta``, ``.done``, ``response.output_item.done``."""
        item_id = self.conn.next_id("item")
        call_id = call_id or self.conn.next_id("call")
        output_index = len(self.output)
        item = ev.function_call_item(self.dialect, item_id=item_id, call_id=call_id, name=name, arguments="")
        self.output.append(item)
        await self._announce_item(output_index, item)
        for i, piece in enumerate(_split_even(arguments, chunks)):
            if i:
                await self.conn.sleep(interval)
            await self.conn.send(
                ev.function_call_arguments_delta(
                    response_id=self.id,
                    item_id=item_id,
                    output_index=output_index,
                    call_id=call_id,
                    delta=piece,
                )
            )
        await self.conn.send(
            ev.function_call_arguments_done(
                self.dialect,
                response_id=self.id,
                item_id=item_id,
                output_index=output_index,
                call_id=call_id,
                name=name,
                arguments=arguments,
            )
        )
        final = ev.function_call_item(
            self.dialect, item_id=item_id, call_id=call_id, name=name, arguments=arguments, status="completed"
        )
        await self._finish_item(output_index, final)
        return final

    def usage(self) -> Event:
        """The usage numbers this response reports (deterministic, from the simulated conversation)."""
        text, audio, cached_text, cached_audio = self._prompt
        return ev.usage(
            self.dialect,
            input_text_tokens=text,
            input_audio_tokens=audio,
            output_text_tokens=self._output_text_tokens,
            output_audio_tokens=ev.audio_tokens(self._output_audio_ms),
            cached_text_tokens=cached_text,
            cached_audio_tokens=cached_audio,
        )

    async def done(
        self,
        status: str = "completed",
        *,
        status_details: Optional[Mapping[str, Any]] = None,
        usage: Optional[Mapping[str, Any]] = _UNSET,
    ) -> Event:
        """Send ``response.done`` with the final ``status`` (``completed``, ``cancelled``, ``failed`` or
        ``incomplete``), the full output and the usage (computed unless given; ``None`` for none)."""
        if not self.started:
            await self.start()
        self.status = status
        final_usage = self.usage() if usage is _UNSET else usage
        event = await self.conn.send(
            ev.response_done(self._object(status, usage=final_usage, status_details=status_details))
        )
        if not self.out_of_band:
            self.conn._record_response(self._prompt, self._output_text_tokens, self._output_audio_ms)
        return event


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
        self.pending_appends = 0
        self.input_audio_ms = 0
        self.buffer_start_ms = 0
        self.pending_speech: Optional[tuple[str, int]] = None
        self.closed = False
        self.close_code: Optional[int] = None
        self._peer_closed = False
        self._queue: asyncio.Queue[Optional[Event]] = asyncio.Queue()
        self._changed = asyncio.Condition()
        self._send_lock = asyncio.Lock()
        self._pending_updates: list[Event] = []
        self._conversation_text_tokens = 0
        self._conversation_audio_tokens = 0
        self._last_prompt: Optional[tuple[int, int]] = None
        self._reader_done = asyncio.Event()

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
                validate_server_event(ordered, self.dialect)
            except Exception as exc:
                self._sim._record_error(exc)
                raise
        data = json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)
        async with self._send_lock:
            try:
                await self._ws.send(data)
            except ConnectionClosed as exc:
                self._peer_closed = True
                raise SimulatorDisconnected(
                    f"connection {self.index} closed while sending {type_!r}",
                    code=exc.rcvd.code if exc.rcvd is not None else 1006,
                ) from exc
            self.sent.append(ordered)
            self._sim._sent.append(ordered)
        return ordered

    async def send_all(self, events: Iterable[Mapping[str, Any]]) -> list[Event]:
        """Send several events in order."""
        return [await self.send(event) for event in events]

    # -- receiving ------------------------------------------------------------------------------------

    def _deadline(self, timeout: Optional[float]) -> Optional[float]:
        timeout = self.timeout if timeout is _UNSET else timeout
        return None if timeout is None else asyncio.get_running_loop().time() + timeout

    @staticmethod
    def _remaining(deadline: Optional[float]) -> Optional[float]:
        if deadline is None:
            return None
        return max(0.0, deadline - asyncio.get_running_loop().time())

    def _disconnected(self) -> SimulatorDisconnected:
        return SimulatorDisconnected(
            f"connection {self.index}: the WebSocket is closed", code=self.close_code or self._ws.close_code
        )

    async def recv(self, *, timeout: Optional[float] = _UNSET) -> Event:
        """Next client event (parsed JSON) not handled automatically.

        Raises :class:`SimulatorDisconnected` once the connection is closed and every event received
        before has been consumed, and :class:`TimeoutError` after ``timeout`` seconds (default:
        the simulator's ``timeout``).
        """
        try:
            item = await asyncio.wait_for(self._queue.get(), self._remaining(self._deadline(timeout)))
        except asyncio.TimeoutError:
            raise TimeoutError(f"connection {self.index}: no client event within the timeout") from None
        if item is None:
            self._queue.put_nowait(None)
            raise self._disconnected()
        return item

    async def expect(
        self,
        type: str,
        *,
        skip: Iterable[str] = ("input_audio_buffer.append",),
        timeout: Optional[float] = _UNSET,
    ) -> Event:
        """Next client event of ``type``; events whose type is in ``skip`` are passed over silently.

        Any other event raises :class:`AssertionError` (recorded in :attr:`RealtimeSimulator.errors` when
        it escapes the scenario).
        """
        skipped = frozenset(skip)
        deadline = self._deadline(timeout)
        while True:
            try:
                event = await self.recv(timeout=self._remaining(deadline))
            except TimeoutError:
                raise TimeoutError(
                    f"connection {self.index}: timed out waiting for client event {type!r}"
                ) from None
            got = event.get("type")
            if got == type:
                return event
            if got in skipped:
                continue
            text = json.dumps(event)
            raise AssertionError(
                f"connection {self.index}: expected client event {type!r}, got {got!r}: "
                f"{text[:300]}{'...' if len(text) > 300 else ''}"
            )

    async def expect_any(
        self,
        types: Iterable[str],
        *,
        skip: Iterable[str] = ("input_audio_buffer.append",),
        timeout: Optional[float] = _UNSET,
    ) -> Event:
        """Like :meth:`expect` for the first event whose type is any of ``types``."""
        wanted = frozenset(types)
        skipped = frozenset(skip)
        deadline = self._deadline(timeout)
        while True:
            event = await self.recv(timeout=self._remaining(deadline))
            if event.get("type") in wanted:
                return event
            if event.get("type") not in skipped:
                raise AssertionError(
                    f"connection {self.index}: expected one of {sorted(wanted)}, got {event.get('type')!r}"
                )

    async def _wait(self, predicate: Callable[[], bool], timeout: Optional[float], what: str) -> None:
        deadline = self._deadline(timeout)
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: predicate() or self._peer_closed),
                    self._remaining(deadline),
                )
            except asyncio.TimeoutError:
                raise TimeoutError(f"connection {self.index}: timed out waiting for {what}") from None
        if not predicate():
            raise self._disconnected()

    async def wait_for_appends(self, count: int, *, timeout: Optional[float] = _UNSET) -> int:
        """Wait until the client has appended ``count`` audio chunks since the last commit or clear.

        Returns :attr:`pending_appends`. The appends stay queued (:meth:`expect` skips them).
        """
        await self._wait(lambda: self.pending_appends >= count, timeout, f"{count} input_audio_buffer.append")
        return self.pending_appends

    async def wait_closed(self, *, timeout: Optional[float] = None) -> None:
        """Wait until the client closes the connection (any queued events are discarded)."""
        try:
            await asyncio.wait_for(self._reader_done.wait(), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"connection {self.index}: the client did not close the connection") from None

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
    ) -> Event:
        """Send ``session.created`` unless it was already sent on this connection; return the session.

        Session updates the client sent before are answered right after it.
        """
        if self.session is not None:
            return self.session
        self.session = ev.default_session(
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
                self._conversation_text_tokens += ev.text_tokens(str(content.get("text") or ""))
        if item["type"] == "function_call_output":
            self._conversation_text_tokens += ev.text_tokens(str(item.get("output") or ""))
        await self.add_item(item)
        return item

    def commit_input_audio(self) -> tuple[int, int]:
        """Mark the pending input audio as committed; return its ``(start_ms, end_ms)``."""
        start, end = self.buffer_start_ms, self.input_audio_ms
        self.pending_appends = 0
        self.buffer_start_ms = end
        self._conversation_audio_tokens += ev.audio_tokens(end - start)
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

    def _prompt_tokens(self) -> tuple[int, int, int, int]:
        """(text, audio, cached text, cached audio) input tokens of a response starting now."""
        instructions = str((self.session or {}).get("instructions") or "")
        text = ev.text_tokens(instructions) + self._conversation_text_tokens
        audio = self._conversation_audio_tokens
        if self._last_prompt is None:
            # The instructions prefix is served from the prompt cache (as for a repeated system prompt).
            cached_text, cached_audio = ev.text_tokens(instructions), 0
        else:
            cached_text, cached_audio = self._last_prompt
        return text, audio, min(cached_text, text), min(cached_audio, audio)

    def _record_response(self, prompt: tuple[int, int, int, int], text_out: int, audio_ms_out: int) -> None:
        self._last_prompt = (prompt[0], prompt[1])
        self._conversation_text_tokens += text_out
        self._conversation_audio_tokens += ev.audio_tokens(audio_ms_out)

    # -- background reader ----------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _read_loop(self) -> None:
        try:
            async for message in self._ws:
                text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
                try:
                    event = json.loads(text)
                except ValueError as exc:
                    self._sim._record_error(
                        ValueError(f"connection {self.index}: invalid JSON from client: {exc}")
                    )
                    continue
                if not isinstance(event, dict):
                    self._sim._record_error(
                        ValueError(f"connection {self.index}: client sent non-object JSON")
                    )
                    continue
                self.received.append(event)
                self._sim._received.append(event)
                await self._dispatch(event)
        except ConnectionClosed:
            pass
        finally:
            self._peer_closed = True
            if self.close_code is None:
                self.close_code = self._ws.close_code
            self._queue.put_nowait(None)
            self._reader_done.set()
            await self._notify()

    async def _dispatch(self, event: Event) -> None:
        type_ = event.get("type")
        if type_ == "input_audio_buffer.append":
            self.pending_appends += 1
            self.input_audio_ms += ev.audio_ms(str(event.get("audio") or ""))
            self._queue.put_nowait(event)
            await self._notify()
            return
        if self.auto_respond and type_ == "session.update":
            if self.session is None:
                self._pending_updates.append(event)
            else:
                await self._auto(self.apply_session_update(event))
            return
        if self.auto_respond and type_ == "input_audio_buffer.clear":
            self.pending_appends = 0
            self.buffer_start_ms = self.input_audio_ms
            await self._auto(self.send(ev.input_audio_buffer_cleared()))
            await self._notify()
            return
        self._queue.put_nowait(event)

    async def _auto(self, answer: Awaitable[Any]) -> None:
        try:
            await answer
        except SimulatorDisconnected:
            pass
        except Exception as exc:
            self._sim._record_error(exc)


class RealtimeSimulator:
    """A scripted OpenAI Realtime server for tests, demos and benchmarks.

    ::

        sim = RealtimeSimulator(scenarios.voice_turn(), dialect="ga")
        async with sim:
            client = AsyncOpenAI(**sim.client_options())   # api_key, base_url, websocket_base_url
            async with client.realtime.connect(model="gpt-realtime") as conn:
                ...
        assert sim.errors == []

        with sim.run_in_thread():            # for the synchronous client
            client = OpenAI(**sim.client_options())

    ``base_url=sim.http_url`` alone is enough for GA clients of openai >= 2.x; beta clients (and GA
    clients of openai 1.x) always connect with ``wss://`` unless ``websocket_base_url`` is given, which
    :meth:`client_options` does.

    Args:
        scenario: ``async def scenario(conn: SimConnection) -> None``, run once per accepted connection.
            When it returns, the connection is closed normally (1000) unless the scenario closed or
            dropped it already. An exception raised by the scenario is recorded in :attr:`errors` and the
            connection is closed with 1011; a :class:`SimulatorDisconnected` (the client went away) is
            recorded in :attr:`client_disconnects` instead.
        dialect: ``"ga"`` or ``"beta"``: which protocol the server speaks.
        validate: check every server event against the installed ``openai`` SDK before sending it.
        host, port: where to listen (``port=0``: a free port chosen by the OS).
        auto_respond: answer ``session.update`` and ``input_audio_buffer.clear`` automatically (see
            :class:`SimConnection`).
        timeout: default timeout in seconds of :meth:`SimConnection.recv` / ``expect`` /
            ``wait_for_appends`` (``None``: wait forever), so a client that never sends the expected
            event fails the scenario instead of hanging the test.
        shutdown_timeout: on exit, how long to let running scenarios finish before closing their
            connections (1001).
    """

    def __init__(
        self,
        scenario: Scenario,
        dialect: str = "ga",
        *,
        validate: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        auto_respond: bool = True,
        timeout: Optional[float] = 30.0,
        shutdown_timeout: float = 5.0,
    ) -> None:
        self.scenario = scenario
        self.dialect: Dialect = check_dialect(dialect)
        self.validate = validate
        self.host = host
        self._port = port
        self.auto_respond = auto_respond
        self.timeout = timeout
        self.shutdown_timeout = shutdown_timeout
        self._received: list[Event] = []
        self._sent: list[Event] = []
        self._errors: list[BaseException] = []
        self._headers: list[Any] = []
        self._paths: list[str] = []
        self._connections: list[SimConnection] = []
        self.client_disconnects: list[int] = []
        """Indexes of connections whose scenario ended because the connection was already closed."""
        self._server: Any = None
        self._handlers: set[asyncio.Task[Any]] = set()

    # -- recorded traffic -------------------------------------------------------------------------------

    @property
    def received(self) -> list[Event]:
        """Every client event received (parsed JSON), across connections, in arrival order."""
        return self._received

    @property
    def sent(self) -> list[Event]:
        """Every server event sent, across connections, in order."""
        return self._sent

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised by scenarios or by validation (tests assert this is empty)."""
        return self._errors

    @property
    def connections(self) -> int:
        """Number of WebSocket connections accepted so far."""
        return len(self._connections)

    @property
    def connection_log(self) -> list[SimConnection]:
        """The :class:`SimConnection` of every accepted connection, in order."""
        return self._connections

    @property
    def request_headers(self) -> list[Any]:
        """The HTTP headers of each connection's handshake request (case-insensitive, dict-like)."""
        return self._headers

    @property
    def request_paths(self) -> list[str]:
        """The request path (with query string) of each connection's handshake."""
        return self._paths

    # -- addresses --------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The listening port (only known once started)."""
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return self._port

    @property
    def http_url(self) -> str:
        """``base_url`` for the openai client: ``http://127.0.0.1:PORT/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def websocket_base_url(self) -> str:
        """``websocket_base_url`` for the openai client: ``ws://127.0.0.1:PORT/v1``.

        Needed by every beta client (``client.beta.realtime`` always switches ``base_url`` to ``wss``)
        and by GA clients older than openai 2.x; harmless for the others.
        """
        return f"ws://{self.host}:{self.port}/v1"

    @property
    def ws_url(self) -> str:
        """The Realtime WebSocket URL: ``ws://127.0.0.1:PORT/v1/realtime``."""
        return f"ws://{self.host}:{self.port}/v1/realtime"

    def client_options(self, api_key: str = "sk-test") -> dict[str, Any]:
        """Keyword arguments for ``OpenAI(...)`` / ``AsyncOpenAI(...)`` that point the client at the
        simulator, for both dialects and every SDK version::

            client = AsyncOpenAI(**sim.client_options())
        """
        return {"api_key": api_key, "base_url": self.http_url, "websocket_base_url": self.websocket_base_url}

    # -- lifecycle --------------------------------------------------------------------------------------

    def _record_error(self, exc: BaseException) -> None:
        if not any(exc is seen for seen in self._errors):
            self._errors.append(exc)

    async def _process_request(self, connection: Any, request: Any) -> Any:
        path = str(request.path)
        if not urllib.parse.urlsplit(path).path.rstrip("/").endswith("/realtime"):
            self._record_error(AssertionError(f"unexpected WebSocket request path {path!r}"))
            return connection.respond(404, "Not Found: the simulator serves only .../realtime\n")
        return None

    async def _handle(self, websocket: Any) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        request = websocket.request
        path = str(request.path) if request is not None else ""
        headers = request.headers if request is not None else {}
        conn = SimConnection(self, websocket, index=len(self._connections), path=path, headers=headers)
        self._connections.append(conn)
        self._headers.append(headers)
        self._paths.append(path)
        reader = asyncio.ensure_future(conn._read_loop())
        try:
            await self.scenario(conn)
        except SimulatorDisconnected:
            self.client_disconnects.append(conn.index)
        except Exception as exc:
            self._record_error(exc)
            await conn.close(1011, f"simulator scenario failed: {type(exc).__name__}"[:120])
        finally:
            if not conn.closed:
                await conn.close(1000)
            try:
                await asyncio.wait_for(asyncio.shield(reader), 2.0)
            except (asyncio.TimeoutError, Exception):
                reader.cancel()
            if task is not None:
                self._handlers.discard(task)

    async def start(self) -> RealtimeSimulator:
        """Start listening (called by ``async with``)."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        self._server = await serve(
            self._handle,
            self.host,
            self._port,
            process_request=self._process_request,
            max_size=None,
        )
        sockets = list(self._server.sockets)
        self._port = int(sockets[0].getsockname()[1])
        return self

    async def stop(self, *, graceful: bool = True) -> None:
        """Stop: let running scenarios finish (``graceful``, up to ``shutdown_timeout``), then close
        the remaining connections (1001) and the listening socket."""
        server = self._server
        if server is None:
            return
        if graceful and self._handlers:
            await asyncio.wait(set(self._handlers), timeout=self.shutdown_timeout)
        server.close()
        await server.wait_closed()
        self._server = None

    async def __aenter__(self) -> RealtimeSimulator:
        return await self.start()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        await self.stop(graceful=exc is None)

    @contextlib.contextmanager
    def run_in_thread(self) -> Iterator[RealtimeSimulator]:
        """Run the server in a background thread with its own event loop (for synchronous clients).

        ::

            with sim.run_in_thread():
                client = OpenAI(**sim.client_options())
        """
        ready = threading.Event()
        failure: list[BaseException] = []
        state: dict[str, Any] = {}

        async def main() -> None:
            stop = asyncio.Event()
            state["stop"] = stop
            state["loop"] = asyncio.get_running_loop()
            try:
                await self.start()
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            await stop.wait()
            await self.stop(graceful=state.get("graceful", True))

        def run() -> None:
            try:
                asyncio.run(main())
            except BaseException as exc:  # pragma: no cover - defensive
                failure.append(exc)
                ready.set()

        thread = threading.Thread(target=run, name="realtime-simulator", daemon=True)
        thread.start()
        if not ready.wait(30):
            raise RuntimeError("the simulator thread did not start")
        if failure:
            raise failure[0]
        graceful = True
        try:
            yield self
        except BaseException:
            graceful = False
            raise
        finally:
            state["graceful"] = graceful
            loop: asyncio.AbstractEventLoop = state["loop"]
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(state["stop"].set)
            thread.join(self.shutdown_timeout + 15)
