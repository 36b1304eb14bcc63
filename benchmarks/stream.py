"""The benchmark's traffic: one audio-heavy push-to-talk turn, as the frames the server sends.

Events are built with the simulator's own builders (:mod:`..simulator.events`), so they have the
shapes of the live API in both dialects, and encoded like the live API (compact JSON, ``type``
first, then ``event_id``). A turn, answering the client's ``input_audio_buffer.commit`` +
``response.create``::

    input_audio_buffer.committed
    conversation.item.added [+ conversation.item.done]     (the user's audio item; beta: .created)
    response.created
    response.output_item.added
    conversation.item.added                                 (the assistant's item; beta: .created)
    response.content_part.added
    (response.output_audio.delta, response.output_audio_transcript.delta) x deltas
    response.output_audio.done
    response.output_audio_transcript.done
    response.content_part.done
    response.output_item.done
    [conversation.item.done]
    response.done                                           (completed, with usage)
    conversation.item.input_audio_transcription.completed   (the user's transcript)

Each audio delta is 100 ms of pcm16 24 kHz mono: 4800 bytes, 6400 base64 characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from opentelemetry_instrumentation_openai_realtime.simulator import events as ev

from .common import INSTRUCTIONS, MODEL

CHUNK_MS = 100
AUDIO_B64 = ev.audio_chunk(CHUNK_MS)  # 6400 characters
_TEXT = (
    "Sure, here is a short answer about the weather in Paris today: it is mild and sunny, with a light "
    "breeze from the west, a high of twenty-one degrees this afternoon, and a small chance of rain "
    "later tonight, so take a light jacket if you go out for dinner near the river and enjoy the "
    "long evening light while it lasts this week."
)
_WORDS = _TEXT.split()


def encode(event: dict[str, Any]) -> str:
    """Compact JSON, ``type`` first (as the live API and the simulator send it)."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


class Stream:
    """Frames for one connection (deterministic ids, one counter per prefix)."""

    def __init__(self, dialect: str, deltas: int = 50) -> None:
        self.dialect = ev.check_dialect(dialect)
        self.deltas = deltas
        self.ids = ev.IdFactory(0)
        self.conversation_id = self.ids.next("conv")
        self.session = ev.default_session(
            self.dialect, session_id=self.ids.next("sess"), model=MODEL, instructions=INSTRUCTIONS
        )
        self.previous_item_id: Any = None
        words = (_WORDS * (deltas // len(_WORDS) + 1))[: max(deltas, 1)]
        self.pieces = [word + " " for word in words]
        self.transcript = "".join(self.pieces)
        self.turns = 0
        self._template: Any = None

    def _frame(self, event: dict[str, Any]) -> str:
        event = dict(event)
        type_ = event.pop("type")
        event.pop("event_id", None)
        return encode({"type": type_, "event_id": self.ids.next("event"), **event})

    def session_created(self) -> str:
        return self._frame(ev.session_created(self.session))

    def session_updated(self, update: Any) -> str:
        if isinstance(update, dict):
            self.session = ev.merge_session(self.session, update)
        return self._frame(ev.session_updated(self.session))

    def turn(self) -> list[str]:
        """The frames of the next turn, in order.

        The first two turns are built event by event with the simulator's builders; later turns are
        the second one with fresh ids (same lengths, so the same sizes), which costs next to nothing
        and never re-encodes the audio.
        """
        self.turns += 1
        if self._template is None:
            before = self._counters()
            frames = list(self._build())
            if self.turns == 2:
                self._template = _Template(frames, before, self._counters())
            return frames
        return self._template.render(self)

    def _counters(self) -> dict[str, int]:
        return {prefix: self.ids.count(prefix) for prefix in ("event", "item", "resp")}

    def _build(self) -> Iterator[str]:
        d = self.dialect
        frame = self._frame
        user_id = self.ids.next("item")
        user_item = ev.user_audio_item(d, item_id=user_id)
        yield frame(ev.input_audio_buffer_committed(item_id=user_id, previous_item_id=self.previous_item_id))
        yield frame(ev.conversation_item_added(d, item=user_item, previous_item_id=self.previous_item_id))
        if d == "ga":
            yield frame(ev.conversation_item_done(item=user_item, previous_item_id=self.previous_item_id))
        response_id = self.ids.next("resp")
        modalities = ["audio"] if d == "ga" else ["text", "audio"]
        yield frame(
            ev.response_created(
                ev.response_object(
                    d, response_id=response_id, conversation_id=self.conversation_id, modalities=modalities
                )
            )
        )
        item_id = self.ids.next("item")
        item = ev.assistant_message_item(d, item_id=item_id, status="in_progress")
        yield frame(ev.output_item_added(response_id=response_id, output_index=0, item=item))
        yield frame(ev.conversation_item_added(d, item=item, previous_item_id=user_id))
        ids = {"response_id": response_id, "item_id": item_id, "output_index": 0, "content_index": 0}
        yield frame(ev.content_part_added(part=ev.audio_part(""), **ids))
        for piece in self.pieces[: self.deltas]:
            yield frame(ev.output_audio_delta(d, delta=AUDIO_B64, **ids))
            yield frame(ev.output_audio_transcript_delta(d, delta=piece, **ids))
        transcript = "".join(self.pieces[: self.deltas])
        yield frame(ev.output_audio_done(d, **ids))
        yield frame(ev.output_audio_transcript_done(d, transcript=transcript, **ids))
        yield frame(ev.content_part_done(part=ev.audio_part(transcript), **ids))
        done_item = ev.assistant_message_item(
            d, item_id=item_id, status="completed", content=[ev.audio_content(d, transcript)]
        )
        yield frame(ev.output_item_done(response_id=response_id, output_index=0, item=done_item))
        if d == "ga":
            yield frame(ev.conversation_item_done(item=done_item, previous_item_id=user_id))
        usage = ev.usage(
            d,
            input_text_tokens=120,
            input_audio_tokens=40,
            output_text_tokens=ev.text_tokens(transcript),
            output_audio_tokens=ev.audio_tokens(self.deltas * CHUNK_MS),
        )
        yield frame(
            ev.response_done(
                ev.response_object(
                    d,
                    response_id=response_id,
                    status="completed",
                    output=[done_item],
                    usage=usage,
                    conversation_id=self.conversation_id,
                    modalities=modalities,
                )
            )
        )
        self.previous_item_id = item_id
        yield frame(
            ev.input_audio_transcription_completed(
                item_id=user_id,
                transcript="What is the weather like in Paris today?",
                usage=ev.transcription_usage_duration(2.0),
            )
        )

    def events_per_turn(self) -> int:
        return 2 * self.deltas + (14 if self.dialect == "ga" else 12)


_ID = re.compile(r"\b(event|item|resp)_Sim00(\d{16})\b")


class _Template:
    """A built turn, re-rendered for a later turn: every id moves by the ids issued in between.

    The previous item of the template turn is the last item issued before it, so it moves like the
    others. The audio payload is kept out of the substitution.
    """

    def __init__(self, frames: list[str], before: dict[str, int], after: dict[str, int]) -> None:
        self.before = before
        self.used = {prefix: after[prefix] - before[prefix] for prefix in after}
        self.parts: list[tuple[list[str], list[tuple[str, int]], str, list[str], list[tuple[str, int]]]] = []
        for frame in frames:
            head, audio, tail = frame.partition(AUDIO_B64)
            self.parts.append((*self._split(head), audio, *self._split(tail)))

    @staticmethod
    def _split(text: str) -> tuple[list[str], list[tuple[str, int]]]:
        pieces = _ID.split(text)  # literal, prefix, number, literal, prefix, number, ..., literal
        return pieces[::3], [(pieces[i], int(pieces[i + 1])) for i in range(1, len(pieces) - 1, 3)]

    def render(self, stream: Stream) -> list[str]:
        shift = {prefix: stream.ids.count(prefix) - self.before[prefix] for prefix in self.used}
        for prefix, used in self.used.items():
            for _ in range(used):
                stream.ids.next(prefix)
        stream.previous_item_id = ev.make_id("item", 0, stream.ids.count("item"))

        def join(literals: list[str], ids: list[tuple[str, int]]) -> str:
            out = [literals[0]]
            for (prefix, n), literal in zip(ids, literals[1:]):
                out.append(f"{prefix}_Sim00{n + shift[prefix]:016d}")
                out.append(literal)
            return "".join(out)

        return [join(hl, hi) + audio + join(tl, ti) for hl, hi, audio, tl, ti in self.parts]
