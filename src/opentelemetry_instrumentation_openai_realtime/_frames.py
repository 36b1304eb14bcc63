"""Cheap reading of raw frames on the hot path.

A voice session is mostly audio deltas of several kilobytes. For those (and other ``*.delta``
events) we read the ``type`` from the first bytes and pull the few ids we need with substring
searches, never parsing or copying the payload. Everything else is parsed with ``json.loads``.
Server frames from the Realtime API put ``"type"`` first; a frame that does not is simply parsed.
"""

from __future__ import annotations

import json
from json.decoder import scanstring as _scanstring  # type: ignore[attr-defined]
from typing import Any, Optional, Union

Frame = Union[bytes, bytearray, memoryview, str]

_PREFIX_B = b'{"type":"'
_PREFIX_S = '{"type":"'


def frame_type(data: Frame) -> Optional[str]:
    """The event type when the frame starts with ``{"type":"...``, else ``None``."""
    if isinstance(data, str):
        if data.startswith(_PREFIX_S):
            end = data.find('"', 9, 120)
            if end > 9:
                return data[9:end]
        return None
    if isinstance(data, (bytes, bytearray)):
        if data.startswith(_PREFIX_B):
            end = data.find(b'"', 9, 120)
            if end > 9:
                return bytes(data[9:end]).decode("ascii", "replace")
        return None
    return None


def string_field(data: Frame, key: str) -> Optional[str]:
    """The value of a top-level-looking ``"key":"value"`` pair holding a plain id, or ``None``.

    Only for ids (no escapes, no quotes): an escaped quote inside a JSON string can never form
    the marker, so a match is the real key.
    """
    if isinstance(data, str):
        marker = '"' + key + '":"'
        start = data.find(marker)
        if start < 0:
            return None
        start += len(marker)
        end = data.find('"', start)
        return data[start:end] if end >= 0 else None
    if isinstance(data, (bytes, bytearray)):
        bmarker = b'"' + key.encode() + b'":"'
        start = data.find(bmarker)
        if start < 0:
            return None
        start += len(bmarker)
        end = data.find(b'"', start)
        return bytes(data[start:end]).decode("utf-8", "replace") if end >= 0 else None
    return None


def string_length(data: Frame, key: str) -> Optional[tuple[int, str]]:
    """Length of a base64 value ``"key":"..."`` and its last two characters, without copying it."""
    if isinstance(data, str):
        marker = '"' + key + '":"'
        start = data.find(marker)
        if start < 0:
            return None
        start += len(marker)
        end = data.find('"', start)
        if end < 0:
            return None
        return end - start, data[max(start, end - 2) : end]
    if isinstance(data, (bytes, bytearray)):
        bmarker = b'"' + key.encode() + b'":"'
        start = data.find(bmarker)
        if start < 0:
            return None
        start += len(bmarker)
        end = data.find(b'"', start)
        if end < 0:
            return None
        return end - start, bytes(data[max(start, end - 2) : end]).decode("ascii", "replace")
    return None


AUDIO = 1  # response.output_audio.delta / response.audio.delta
TEXT = 2  # transcript and text deltas
ARGUMENTS = 3  # response.function_call_arguments.delta

_AUDIO_TYPES = ("response.output_audio.delta", "response.audio.delta")
_TEXT_TYPES = (
    "response.output_audio_transcript.delta",
    "response.audio_transcript.delta",
    "response.output_text.delta",
    "response.text.delta",
)
_ARGUMENTS_TYPES = ("response.function_call_arguments.delta",)


def _markers(kind: type) -> tuple[Any, ...]:
    def enc(text: str) -> Any:
        return text.encode() if kind is bytes else text

    def prefixes(types: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(enc('{"type":"' + t + '"') for t in types)  # with the closing quote

    return (
        prefixes(_AUDIO_TYPES),
        prefixes(_TEXT_TYPES),
        prefixes(_ARGUMENTS_TYPES),
        enc('"'),
        92 if kind is bytes else "\\",  # an int: `92 in frame` is much faster than `b"\\" in frame`
        enc('"response_id":"'),
        enc('"item_id":"'),
        enc('"delta":"'),
        61 if kind is bytes else "=",
        125 if kind is bytes else "}",
    )


_B = _markers(bytes)
_S = _markers(str)


# The ids part of the last delta read: from `"response_id":"` to `"delta":"` included, with the
# ids in it (the markers tell bytes from str). Every delta of an item, audio or transcript, has
# this part byte for byte, so it is checked with one comparison instead of being read again.
_last: tuple[Any, Any, str, Optional[str]] = (None, None, "", None)


def delta(data: Frame) -> Optional[tuple[int, str, Optional[str], int]]:
    """``(kind, response_id, item_id, audio_bytes)`` of a delta frame, read without parsing it.

    ``None`` when the frame is not a delta with ``"type"`` first, or when an id or the audio is
    missing, empty or escaped, or the audio is not the frame's last field: the caller then parses
    the frame. ``item_id`` is ``None`` when
    absent. ``audio_bytes`` (audio deltas, else 0) is the decoded size of the base64 payload, from
    its length and padding: the payload is neither decoded nor copied.
    """
    frame: Any = data
    if type(frame) is bytes or isinstance(frame, (bytes, bytearray)):  # bytes first: recv_bytes' type
        markers = _B
    elif isinstance(frame, str):
        markers = _S
    else:
        return None
    if frame.startswith(markers[0]):
        kind = AUDIO
    elif frame.startswith(markers[1]):
        kind = TEXT
    elif frame.startswith(markers[2]):
        kind = ARGUMENTS
    else:
        return None
    at = frame.find(markers[5], 28)
    if at < 0:
        return None
    cached, ids, response_id, item_id = _last
    if cached is markers and frame.startswith(ids, at):
        start = at + len(ids)
    else:
        read = _read_ids(frame, markers, at)
        if read is None:
            return None
        response_id, item_id, start = read
    if kind != AUDIO:
        return kind, response_id, item_id, 0
    if start < 0:
        return None
    quote, backslash, equals = markers[3], markers[4], markers[8]
    stop = frame.find(quote, start)
    if stop < 0 or stop != len(frame) - 2 or frame[-1] != markers[9]:
        return None  # not the last field of a complete frame, as the API sends it: parse
    if frame.find(backslash, start, stop) >= 0:
        return None
    length = stop - start
    padding = 0
    if length and frame[stop - 1] == equals:
        padding = 2 if length > 1 and frame[stop - 2] == equals else 1
    return AUDIO, response_id, item_id, max(0, (length * 3) // 4 - padding)


def _read_ids(frame: Any, markers: tuple[Any, ...], at: int) -> Optional[tuple[str, Optional[str], int]]:
    """``(response_id, item_id, start of the delta value or -1)``, the response id at ``at``.

    Remembers the ids part when it is in the API's order (response id, item id, delta).
    """
    global _last
    quote, backslash, iid_marker, delta_marker = markers[3], markers[4], markers[6], markers[7]
    start = at + 15
    stop = frame.find(quote, start)
    if stop <= start:
        return None
    value = frame[start:stop]
    if backslash in value:
        return None
    if markers is _S:
        response_id: str = value
    else:
        try:
            response_id = value.decode()
        except UnicodeDecodeError:
            return None
    item_id: Optional[str] = None
    found = frame.find(iid_marker, 28)
    if found >= 0:
        start = found + 11
        stop = frame.find(quote, start)
        if stop < 0:
            return None
        value = frame[start:stop]
        if backslash in value:
            return None
        if markers is _S:
            item_id = value
        else:
            try:
                item_id = value.decode()
            except UnicodeDecodeError:
                return None
    start = frame.find(delta_marker, 28)
    if start >= 0:
        start += 9
        if at < found < start:
            ids = frame[at:start]
            _last = (markers, bytes(ids) if isinstance(ids, bytearray) else ids, response_id, item_id)
    return response_id, item_id, start


def delta_text(data: Frame) -> Optional[tuple[str, str]]:
    """``(type, text)`` of a text delta frame with ``"type"`` first, without parsing the frame.

    Only the ``"delta"`` string is decoded, by the JSON decoder's own string scanner (escapes and
    invalid characters are handled exactly as a full parse would). ``None`` when there is none,
    it is not a valid JSON string, or it is not the frame's last field.
    """
    frame: Any = data
    if type(frame) is bytes or isinstance(frame, (bytes, bytearray)):
        markers = _B
    elif isinstance(frame, str):
        markers = _S
    else:
        return None
    end = frame.find(markers[3], 18, 96)
    start = frame.find(markers[7], 28)
    if end < 0 or start < 0:
        return None
    type_, rest = frame[9:end], frame[start + 9 :]
    if markers is _B:
        try:
            type_, rest = type_.decode(), rest.decode()
        except UnicodeDecodeError:
            return None
    try:
        text, end = _scanstring(rest, 0)
    except (ValueError, RecursionError):
        return None
    if rest[end:].strip() != "}":
        return None  # not the last field of a complete frame, as the API sends it: parse
    return type_, text


def loads(data: Frame) -> Any:
    """``json.loads`` for any frame type; raises ``ValueError`` on non-JSON."""
    if isinstance(data, memoryview):
        data = data.tobytes()
    return json.loads(data)
