"""A simulated model response and the assistant message streamed inside it.

:class:`SimResponse` sends ``response.created`` ... ``response.done`` (with usage computed from the
simulated conversation) and its output items; :class:`SimMessage` streams one assistant message's
audio, transcript or text deltas. Both are created from a :class:`~.connection.SimConnection`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

from . import events as ev
from .dialects import Dialect, Event
from .ledger import Prompt

if TYPE_CHECKING:
    from .connection import SimConnection

__all__ = ["SimMessage", "SimResponse"]

_UNSET: Any = object()


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
        await conn.send(
            ev.output_audio_transcript_delta(
                conn.dialect, delta=delta, obfuscation=conn.next_obfuscation(), **self._ids()
            )
        )
        self.transcript_so_far += delta

    async def text(self, delta: str) -> None:
        """Send one output text delta (text messages)."""
        conn = self.response.conn
        await conn.send(
            ev.output_text_delta(
                conn.dialect, delta=delta, obfuscation=conn.next_obfuscation(), **self._ids()
            )
        )
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
        self._prompt: Prompt = (0, 0, 0, 0)

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
        self._prompt = self.conn.ledger.prompt(self.conn.session)
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
            self.conn.ledger.record_response(self._prompt, self._output_text_tokens, self._output_audio_ms)
        return event
