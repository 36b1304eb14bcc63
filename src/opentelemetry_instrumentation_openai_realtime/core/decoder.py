"""The decoder: what a frame is, and what the core needs from it, read once.

:class:`FrameDecoder` is the one entry point. Given a raw frame (``bytes`` or ``str``) it returns a
``(kind, value)`` pair (:data:`SKIP`, :data:`EVENT`, :data:`AUDIO_DELTA`, :data:`TEXT_DELTA`,
:data:`CHUNK`, :data:`APPEND`) and never calls into the state machine.

A voice session is mostly audio deltas of several kilobytes. For those (and other ``*.delta``
events) the ``type`` is read from the first bytes and the few ids needed are pulled with
substring searches, never parsing or copying the payload. Frames of types the state machine does
not read (``core/events.py``) are not parsed at all. Everything else is parsed as ``json.loads``
would parse it. Server frames from the Realtime API put ``"type"`` first; a frame that does not is
simply parsed.

The trust rule of the hot path (applied by ``RealtimeSession.server_frame`` before a frame gets
here, so that the most common frame costs no call): once the first delta of an output item was
decoded here and checked in full (its payload a plain base64 last field), the item's next deltas
are recognised by their type prefix and their ids part (the response and item ids, byte for byte,
compared where the item's last delta of the kind had them, searched for when not there) and an
audio delta is sized from its length and last bytes alone, with no scan of the payload. A later
frame that only looks like one of the item's (a field after the payload, an escape, non-ASCII
bytes) can at worst be miscounted by its own bytes; it is never misrouted (the ids must match),
never raises, and a frame that does not end as the API's do (``"}``) is decoded here instead.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Optional

from . import events
from .audio_format import base64_decoded_length
from .frames import (
    AUDIO,
    TEXT,
    Delta,
    delta,
    delta_text,
    frame_type,
    hot_markers,
    loads,
    string_length,
)

_logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------- the decoder

# What the decoder says a frame is (the first item of its result) and what comes with it:
SKIP = 0  # nothing the state machine reads (or not JSON): None
EVENT = 1  # a parsed event (any JSON value; the state machine ignores what is not an event)
AUDIO_DELTA = 2  # an output audio delta: (response_id, item_id or None, audio bytes, ids part or None)
TEXT_DELTA = 3  # a kept text delta: (type, response_id, item_id or None, text)
CHUNK = 4  # a text or arguments delta whose text is not kept: response_id
APPEND = 7  # a client input_audio_buffer.append read without parsing: audio bytes

Decoded = tuple[int, Any]

# What the type table says of a frame whose first bytes name its type
_SKIP_FRAME = 0  # no handler reads it: not parsed
_PARSE_FRAME = 1  # parsed and handled
_DELTA_FRAME = 2  # a delta: read without parsing (delta)
_TYPE_PREFIX = b'{"type":"'
_SKIPPED: Decoded = (SKIP, None)


@functools.cache
def frame_actions(capture: bool, keep_audio: bool) -> dict[bytes, int]:
    """Server event type (as the bytes of a frame) -> what :meth:`FrameDecoder.server` does with
    it, for a session that keeps content (``capture``) and audio (``keep_audio``) or not."""
    actions = {}
    for name in (*events.HANDLED, *events.ALIASES, *events.UNREAD):
        target = events.ALIASES.get(name, name)
        if not events.reads(name, capture):
            action = _SKIP_FRAME
        elif target == events.AUDIO_DELTA:
            action = _PARSE_FRAME if keep_audio else _DELTA_FRAME  # kept audio is decoded from the event
        elif target in events.TEXT_DELTAS:
            action = _DELTA_FRAME
        else:
            action = _PARSE_FRAME
        actions[name.encode()] = action
    return actions


class HotItem:
    """The output item whose audio delta was read last, whose next deltas the router counts in
    place (``RealtimeSession.server_frame``, the trust rule above): the ids part of its frames (the
    last item of an :data:`AUDIO_DELTA`; ``bytes`` or ``str``, the type of the item's frames),
    where that part was in its last audio and text frames (-1: not known yet), what the hot path
    compares in frames of that type, and the response and output records its audio adds to."""

    __slots__ = (
        "audio_at",
        "audio_prefix",
        "audio_size",
        "brace",
        "equals",
        "ids",
        "kind",
        "marker",
        "output",
        "quote",
        "response",
        "size",
        "text_at",
        "text_prefix",
        "text_size",
    )

    def __init__(self, ids: Any, response: Any, output: Any, frame: Any) -> None:
        self.ids = ids
        self.kind = type(ids)
        self.size = len(ids)
        self.audio_at = -1
        self.text_at = -1
        self.response = response
        self.output = output
        audio, text, self.marker, self.quote, self.brace, self.equals = hot_markers(self.kind)
        # the prefixes of the dialect of ``frame`` (the item's audio delta that made it hot):
        # compared by slicing, cheaper than ``startswith`` with a tuple (a frame of the other
        # dialect's names, never sent in one session, would take the decoder's path)
        dialect = 1 if frame.startswith(audio[1]) else 0
        self.audio_prefix, self.text_prefix = audio[dialect], text[dialect]  # paired by position
        self.audio_size, self.text_size = len(self.audio_prefix), len(self.text_prefix)

    def locate(self, data: Any, audio: bool) -> bool:
        """The frame, a delta of the item's kind (``audio`` or text) whose ids part was not where
        the last one had it, is one of the item's: where its ids part is is remembered for the
        next one (``audio_at`` or ``text_at``). False when it is not one of the item's."""
        at = data.find(self.marker, 28)
        if at < 0 or not data.startswith(self.ids, at):
            return False
        if audio:
            self.audio_at = at
        else:
            self.text_at = at
        return True


class FrameDecoder:
    """Decodes the frames of one session: what each is, and only what the core needs of it.

    ``capture``: the session keeps text (transcripts, messages); ``keep_audio``: it keeps audio
    (audio deltas are then parsed, to decode their payload).
    """

    __slots__ = ("_actions", "_capture", "_keep_audio")

    def __init__(self, capture: bool, keep_audio: bool) -> None:
        self._capture = capture
        self._keep_audio = keep_audio
        self._actions = frame_actions(capture, keep_audio)

    def server(self, data: Any) -> Decoded:
        """A raw server frame (the hot item's next deltas are counted by the session before it
        gets here: the trust rule, above)."""
        if type(data) is bytes and data.startswith(_TYPE_PREFIX):
            # what recv_bytes hands over, "type" first as the API sends it: the type says what to
            # do, from one lookup
            end = data.find(34, 9, 128)
            action = self._actions.get(data[9:end]) if end > 9 else None
            if action is not None:
                if action == _SKIP_FRAME:
                    return _SKIPPED  # no handler reads it (content parts, audio done ...)
                if action == _DELTA_FRAME:
                    found = delta(data)
                    if found is not None:
                        decoded = self._delta(found, data)
                        if decoded is not None:
                            return decoded
                return self._parse(data)
        found = delta(data)
        if found is not None:
            decoded = self._delta(found, data)
            if decoded is not None:
                return decoded
        else:
            type_ = frame_type(data)
            if type_ is not None and "\\" not in type_ and not events.reads(type_, self._capture):
                return _SKIPPED  # no handler reads it (content parts, audio done ...): not parsed
        return self._parse(data)

    def client(self, data: Any) -> Decoded:
        """A raw client frame the app sent: :data:`APPEND` (audio bytes) for an audio append
        whose audio is not kept, else :data:`EVENT` (:data:`SKIP` when it is not JSON)."""
        if not self._keep_audio and frame_type(data) == "input_audio_buffer.append":
            length = string_length(data, "audio")
            if length is not None:
                return APPEND, base64_decoded_length(*length)
        try:
            return EVENT, loads(data)
        except (ValueError, TypeError, RecursionError):
            return _SKIPPED

    def _delta(self, found: Delta, data: Any) -> Optional[Decoded]:
        """What a delta read by :func:`delta` gives the core; ``None`` when it must be parsed."""
        kind, response_id, item_id, count, ids = found
        if kind == AUDIO:
            if self._keep_audio:
                return None  # the audio is kept: parse to decode it
            return AUDIO_DELTA, (response_id, item_id, count, ids)
        if kind == TEXT and self._capture:  # the text is kept: decode just that string
            text = delta_text(data)
            if text is None:
                return None
            return TEXT_DELTA, (text[0], response_id, item_id, text[1])
        return CHUNK, response_id

    @staticmethod
    def _parse(data: Any) -> Decoded:
        try:
            return EVENT, loads(data)
        except (ValueError, TypeError, RecursionError):
            _logger.debug("server frame is not JSON; ignored")
            return _SKIPPED
