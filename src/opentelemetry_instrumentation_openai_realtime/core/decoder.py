"""The decoder: what a frame is, and what the core needs from it, read once.

:class:`FrameDecoder` is the one entry point. Given a raw frame (``bytes`` or ``str``) it returns a
``(kind, value)`` pair (:data:`SKIP`, :data:`EVENT`, :data:`AUDIO_DELTA`, :data:`TEXT_DELTA`,
:data:`CHUNK`, :data:`MORE_AUDIO`, :data:`MORE_TEXT`, :data:`APPEND`) and never calls into the state
machine.

A voice session is mostly audio deltas of several kilobytes. For those (and other ``*.delta``
events) the ``type`` is read from the first bytes and the few ids needed are pulled with
substring searches, never parsing or copying the payload. Frames of types the state machine does
not read (``core/events.py``) are not parsed at all. Everything else is parsed as ``json.loads``
would parse it. Server frames from the Realtime API put ``"type"`` first; a frame that does not is
simply parsed.

The trust rule of the hot path: the next delta of the item whose audio was read last is
recognised by its ids part (one comparison: the response and item ids, byte for byte) and, once
the item's first delta was checked in full (its payload a plain base64 last field), sized from its
length alone, with no scan of the payload. A later frame that only looks like one of the item's (a
field after the payload, an escape, non-ASCII bytes) can at worst be miscounted by its own bytes;
it is never misrouted (the ids must match), never raises, and a frame that does not end as the
API's do is parsed instead.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Optional

from . import events
from .audio_format import base64_decoded_length
from .frames import (
    AUDIO,
    AUDIO_PREFIXES,
    RESPONSE_ID_MARKER,
    TEXT,
    TEXT_PREFIXES,
    Delta,
    delta,
    delta_text,
    frame_type,
    last_string,
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
MORE_AUDIO = 5  # the next audio delta of the item whose ids part was given: audio bytes
MORE_TEXT = 6  # the next text delta of that item: its text, or None when text is not kept
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

    def server(self, data: Any, hot: Optional[bytes] = None) -> Decoded:
        """A raw server frame. ``hot``: the ids part of the item whose audio was read last (see
        :func:`delta`); its next deltas come back as :data:`MORE_AUDIO` or :data:`MORE_TEXT`."""
        if hot is not None and type(data) is bytes:
            at = data.find(RESPONSE_ID_MARKER, 28)
            if at > 0 and data.startswith(hot, at):
                if data.startswith(AUDIO_PREFIXES):
                    # the trust rule: sized from the frame's length and last bytes alone (see the
                    # module's docstring); a frame not ending as the API's do ("}) is decoded anew
                    stop = len(data) - 2
                    start = at + len(hot)
                    if stop >= start and data[stop] == 34 and data[-1] == 125:
                        count = (stop - start) * 3 // 4
                        if data[stop - 1] == 61:  # "=" (the opening quote when empty)
                            count -= 2 if data[stop - 2] == 61 else 1
                        return MORE_AUDIO, count if count > 0 else 0
                elif data.startswith(TEXT_PREFIXES):  # its first chunk was the audio
                    if not self._capture:
                        return MORE_TEXT, None
                    text = last_string(data, at + len(hot))
                    if text is not None:
                        return MORE_TEXT, text
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
