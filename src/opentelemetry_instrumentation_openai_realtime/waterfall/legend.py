"""The list of span events under the bars: when, which glyph, on which span."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc

from .spans import _int
from .text import _fit, _fmt_duration, _Glyphs, _Seg

_MAX_EVENT_LINES = 12
_ERROR_EVENTS = (sc.EVENT_ERROR, sc.EVENT_TRANSCRIPTION_FAILED)


def _legend(
    entries: list[tuple[int, str, str, str, str]], t0: int, width: int, g: _Glyphs
) -> list[list[_Seg]]:
    if not entries:
        return []
    entries.sort(key=lambda e: e[0])
    lines: list[list[_Seg]] = [[("events:", "dim")]]
    shown = (
        entries[:_MAX_EVENT_LINES] if len(entries) <= _MAX_EVENT_LINES else entries[: _MAX_EVENT_LINES - 1]
    )
    name_cols = max(len(_short_event(e[3])) for e in shown)
    for stamp, glyph, style, name, where in shown:
        offset = "+" + _fmt_duration(max(0, stamp - t0), g)
        line: list[_Seg] = [
            ("  ", ""),
            (glyph, style),
            (f" {offset:>8}  {_short_event(name):<{name_cols}}  ", ""),
        ]
        line.append((where, "dim"))
        lines.append(_fit(line, width, g))
    rest = entries[len(shown) :]
    if rest:
        counts = Counter(_short_event(e[3]) for e in rest)
        summary = ", ".join(f"{name} x{n}" for name, n in counts.most_common())
        lines.append(_fit([(f"  {g.ellipsis} {len(rest)} more: {summary}", "dim")], width, g))
    return lines


def _short_event(name: str) -> str:
    return name[len("openai.realtime.") :] if name.startswith("openai.realtime.") else name


def _event_detail(name: str, attributes: Any, g: _Glyphs) -> str:
    attrs = attributes if isinstance(attributes, Mapping) else {}
    parts: list[str] = []
    if name == sc.EVENT_RECONNECT:
        attempt = _int(attrs.get(sc.EVENT_RECONNECT_ATTEMPT))
        if attempt is not None:
            parts.append(f"attempt {attempt}")
    for key in (sc.ERROR_TYPE, sc.EVENT_ERROR_CODE, sc.EVENT_ERROR_MESSAGE):
        value = attrs.get(key)
        if isinstance(value, str) and value and value not in parts:
            parts.append(value)
    return f" ({': '.join(parts)})" if parts else ""
