"""Coercions of provider data: a value read from an event is what we expect, or ``None``.

Events come as parsed JSON or SDK models of any version, and a misbehaving server may send
anything; every read of a field goes through one of these, so a wrong type never raises.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional

_INT64 = (-(2**63), 2**63)


def as_int(value: Any) -> Optional[int]:
    """An int from provider data, or ``None`` (bools, non-numbers and values outside int64, which
    no OTel attribute can hold, are not counts)."""
    if type(value) is not int and (isinstance(value, bool) or not isinstance(value, int)):
        return None
    return value if _INT64[0] <= value < _INT64[1] else None


def as_seconds(value: Any) -> Optional[float]:
    """A non-negative, finite number of seconds from provider data, or ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if 0 <= number < float("inf") else None


def as_mapping(value: Any) -> Mapping[str, Any]:
    if type(value) is dict:  # parsed JSON: skip the ABC check
        return value
    return value if isinstance(value, Mapping) else {}


def as_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)
# The C encoder JSONEncoder.encode builds on every call, built once with the same options and no
# check for circular references (our values are parsed JSON and dicts we build; a circular one
# falls back to the encoder above): a third fewer instructions a call (docs/performance.md).
_MAKE_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)  # None without the C accelerator
_C_ENCODE = (
    _MAKE_ENCODER(None, str, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    if _MAKE_ENCODER is not None
    else None
)


def dumps(value: Any) -> str:
    """Compact JSON; non-serialisable values become strings."""
    if _C_ENCODE is not None:
        try:
            return "".join(_C_ENCODE(value, 0))
        except (ValueError, TypeError, RecursionError):
            pass
    return _ENCODER.encode(value)  # json.dumps would build an encoder per call for these options


def maybe_json(text: str) -> Any:
    """``text`` parsed as JSON, or ``text`` itself when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return text


def to_dict(event: Any) -> Any:
    """A dict view of an SDK model (or the value itself when it is a dict; ``None`` if neither)."""
    if isinstance(event, dict):
        return event
    for method in ("to_dict", "model_dump", "dict"):
        fn = getattr(event, method, None)
        if callable(fn):
            try:
                return fn()
            except Exception:
                continue
    return None


def as_text(value: Any) -> Optional[str]:
    """A tool output or similar as text: strings as they are, anything else as compact JSON."""
    if value is None:
        return None
    return value if isinstance(value, str) else dumps(value)


def message_text(content: Any) -> Optional[str]:
    """The text of a message's content parts (``text`` or ``transcript``), joined; ``None`` if none."""
    if not isinstance(content, list):
        return None
    texts = []
    for raw in content:
        part = as_mapping(raw)
        text = part.get("text", part.get("transcript"))
        if isinstance(text, str):
            texts.append(text)
    return "".join(texts) if texts else None
