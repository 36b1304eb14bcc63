"""Cheap reading of raw frames: the type from the first bytes, the ids of a delta and the size of
its audio by substring search (no parse, no copy of the payload), one JSON string decoded where
it lies, and ``json.loads`` without its per-call preliminaries.

Server frames from the Realtime API put ``"type"`` first and the payload (``delta``) last; every
reader here declines (returns ``None`` or -1) a frame that does not have that shape, and the
decoder then parses it.
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


def _string_span(data: Frame, key: str) -> Optional[tuple[Any, int, int]]:
    """``(frame, start, end)`` of the first ``"key":"value"`` whose value has no escape, or ``None``.

    An escaped quote inside a JSON string can never form the marker, so a match is a real key; a
    value with a backslash is declined (its length is not its decoded length).
    """
    frame: Any = data
    if isinstance(frame, str):
        marker: Any = '"' + key + '":"'
        quote: Any = '"'
        backslash: Any = "\\"
    elif isinstance(frame, (bytes, bytearray)):
        marker = b'"' + key.encode() + b'":"'
        quote = b'"'
        backslash = 92
    else:
        return None
    start = frame.find(marker)
    if start < 0:
        return None
    start += len(marker)
    end = frame.find(quote, start)
    if end < 0 or frame.find(backslash, start, end) >= 0:
        return None
    return frame, start, end


def string_length(data: Frame, key: str) -> Optional[tuple[int, str]]:
    """Length of a base64 value ``"key":"..."`` and its last two characters, without copying it;
    ``None`` (parse the frame) when it is escaped or, in bytes, not ASCII (then not base64, and its
    length in bytes is not its length in characters)."""
    span = _string_span(data, key)
    if span is None:
        return None
    frame, start, end = span
    if not isinstance(frame, str) and not frame.isascii():
        return None
    tail = frame[max(start, end - 2) : end]
    return end - start, tail if isinstance(tail, str) else bytes(tail).decode("ascii", "replace")


AUDIO = 1  # response.output_audio.delta / response.audio.delta
TEXT = 2  # transcript and text deltas
ARGUMENTS = 3  # response.function_call_arguments.delta

_AUDIO_TYPES = ("response.output_audio.delta", "response.audio.delta")
_TEXT_TYPES = (  # the first two: the transcripts of _AUDIO_TYPES, in its order (HotItem pairs them)
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


Delta = tuple[int, str, Optional[str], int, Any]


def delta(data: Frame) -> Optional[Delta]:
    """``(kind, response_id, item_id, audio_bytes, ids)`` of a delta frame, read without parsing it.

    ``None`` when the frame is not a delta with ``"type"`` first, or when an id or the audio is
    missing, empty or escaped, or the audio is not the frame's last field: the caller then parses
    the frame. ``item_id`` is ``None`` when absent. ``audio_bytes`` (audio deltas, else 0) is the
    decoded size of the base64 payload, from its length and padding: the payload is neither
    decoded nor copied. ``ids`` is the part of a ``bytes`` or ``str`` frame from ``"response_id":"`` to
    ``"delta":"`` included when it has the API's order (response id, item id, delta), else
    ``None``: every delta of an item, audio or transcript, has that part byte for byte, so a
    caller can recognise the item's next deltas with one comparison.
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
    read = _read_ids(frame, markers, at)
    if read is None:
        return None
    response_id, item_id, start, ids = read
    if kind != AUDIO:
        return kind, response_id, item_id, 0, ids
    if start < 0:
        return None
    count = audio_size(frame, start)
    if count < 0:
        return None
    return AUDIO, response_id, item_id, count, ids


def audio_size(frame: Any, start: int) -> int:
    """Decoded size of the base64 string that starts at ``start`` (right after its opening quote),
    when it is the frame's last field with no escape (and, in bytes, only ASCII): its length less
    the padding, as a parse would count it. -1 otherwise: the caller parses the frame."""
    quote: Any
    backslash: Any
    brace: Any
    equals: Any
    if isinstance(frame, str):
        quote, backslash, brace, equals = '"', "\\", "}", "="
    elif frame.isascii():  # else not base64: its length in bytes is not its length in characters
        quote, backslash, brace, equals = 34, 92, 125, 61
    else:
        return -1
    stop = len(frame) - 2
    if frame.find(quote, start) != stop or frame[-1] != brace or frame.find(backslash, start, stop) >= 0:
        return -1  # not the last field of a complete frame as the API sends it, or escaped: parse
    count = (stop - start) * 3 // 4
    if frame[stop - 1] == equals:  # (the opening quote when empty)
        count -= 2 if frame[stop - 2] == equals else 1
    return count if count > 0 else 0


def hot_markers(kind: type) -> tuple[Any, Any, Any, Any, Any, Any]:
    """What the hot path compares in a frame of ``kind`` (``bytes`` or ``str``): the audio and the
    text delta prefixes, the response id marker, and the quote, closing brace and ``=`` as
    indexing the frame gives them (ints in bytes, characters in a str)."""
    markers = _B if kind is bytes else _S
    return markers[0], markers[1], markers[5], markers[3][0], markers[9], markers[8]


def _read_ids(frame: Any, markers: tuple[Any, ...], at: int) -> Optional[tuple[str, Optional[str], int, Any]]:
    """``(response_id, item_id, start of the delta value or -1, ids part or None)``, the response
    id at ``at``."""
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
    ids = None
    start = frame.find(delta_marker, 28)
    if start >= 0:
        start += 9
        if at < found < start and (type(frame) is bytes or type(frame) is str):
            ids = frame[at:start]
    return response_id, item_id, start, ids


def delta_text(data: Frame) -> Optional[tuple[str, str]]:
    """``(type, text)`` of a text delta frame with ``"type"`` first, without parsing the frame.

    Only the ``"delta"`` string is decoded (:func:`last_string`). ``None`` when there is none, it
    is not a valid JSON string, or it is not the frame's last field.
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
    type_ = frame[9:end]
    if markers is _B:
        try:
            type_ = type_.decode()
        except UnicodeDecodeError:
            return None
    text = last_string(frame, start + 9)
    return None if text is None else (type_, text)


def last_string(frame: Any, start: int) -> Optional[str]:
    """The JSON string whose opening quote is just before ``start``, when it is the frame's last
    field (the frame ends right after it with ``}``, or with the ``obfuscation`` field GA text
    deltas carry after it); else ``None``.

    Decoded as ``json.loads`` decodes (UTF-8 with surrogates let through, then the JSON decoder's
    own string scanner: escapes and invalid characters are handled exactly as a full parse).
    """
    rest = frame[start:]
    if not isinstance(rest, str):
        try:
            rest = bytes(rest).decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return None
    try:
        text, end = _scanstring(rest, 0)
    except (ValueError, RecursionError):
        return None
    if rest[end:].strip() != "}" and not _obfuscation_only(rest, end):
        return None  # not the last field of a complete frame, as the API sends it: parse
    return text  # type: ignore[no-any-return]


_OBFUSCATION = ',"obfuscation":"'


def _obfuscation_only(rest: str, end: int) -> bool:
    """What follows a string at ``end`` is only the ``obfuscation`` field the API adds after the
    ``delta`` of GA text and transcript deltas (a plain string), and the frame's end."""
    if not rest.startswith(_OBFUSCATION, end) or not rest.endswith('"}'):
        return False
    value = rest[end + len(_OBFUSCATION) : -2]
    return '"' not in value and "\\" not in value


# what json.loads uses, without its per-call preliminaries
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def loads(data: Frame) -> Any:
    """``json.loads`` for any frame type; raises ``ValueError`` on non-JSON.

    A frame that starts with ``{"`` (every API frame) is UTF-8 for ``json.loads`` too, with no
    BOM and no leading whitespace: it is decoded as ``json.loads`` decodes it and scanned
    directly, which returns the same value; anything else (trailing whitespace or garbage, an
    error) goes through ``json.loads`` itself, so results and exceptions are the same.
    """
    if isinstance(data, memoryview):
        data = data.tobytes()
    try:
        if type(data) is bytes and data.startswith(b'{"'):
            text = data.decode("utf-8", "surrogatepass")
        elif type(data) is str and data.startswith('{"'):
            text = data
        else:
            return json.loads(data)
        value, end = _scan(text, 0)
    except (ValueError, StopIteration, RecursionError):
        return json.loads(data)
    return value if end == len(text) else json.loads(data)
