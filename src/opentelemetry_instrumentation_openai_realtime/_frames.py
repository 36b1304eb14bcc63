"""Cheap reading of raw frames on the hot path.

A voice session is mostly audio deltas of several kilobytes. For those (and other ``*.delta``
events) we read the ``type`` from the first bytes and pull the few ids we need with substring
searches, never parsing or copying the payload. Everything else is parsed with ``json.loads``.
Server frames from the Realtime API put ``"type"`` first; a frame that does not is simply parsed.
"""

from __future__ import annotations

import json
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


def loads(data: Frame) -> Any:
    """``json.loads`` for any frame type; raises ``ValueError`` on non-JSON."""
    if isinstance(data, memoryview):
        data = data.tobytes()
    return json.loads(data)
