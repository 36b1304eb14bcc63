"""Glyphs, colours and text helpers of the waterfall: durations, cutting and wrapping to width."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple, Optional

from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc

_Seg = tuple[str, str]  # (text, style name)

_SGR = {
    "session": "36",  # cyan
    "chat": "32",  # green
    "tool": "33",  # yellow
    "transcription": "34",  # blue
    "other": "37",  # neutral grey
    "error": "31",  # red
    "bold": "1",
    "dim": "2",
    "alert": "1;31",  # ERROR marker
    "warn": "1;35",  # INTERRUPTED marker
    "event": "1;97",
    "event_error": "1;91",
}


class _Glyphs(NamedTuple):
    full: str
    thin: str
    rule: str
    tick: str
    tick_end: str
    sep: str
    ellipsis: str
    micro: str
    events: Mapping[str, str]
    other_event: str
    past: str  # the part of a span's bar after its parent ended


_UNICODE = _Glyphs(
    full="█",
    thin="▏",
    rule="─",
    tick="┬",
    tick_end="┐",
    sep=" · ",
    ellipsis="…",
    micro="µs",
    events={
        sc.EVENT_ERROR: "◆",
        sc.EVENT_RECONNECT: "↻",
        sc.EVENT_SPEECH_STARTED: "▲",
        sc.EVENT_TRUNCATED: "✕",
        sc.EVENT_TRANSCRIPTION_FAILED: "◇",
    },
    other_event="•",
    past="░",
)

_ASCII = _Glyphs(
    full="#",
    thin="|",
    rule="-",
    tick="+",
    tick_end="+",
    sep=" - ",
    ellipsis="~",
    micro="us",
    events={
        sc.EVENT_ERROR: "*",
        sc.EVENT_RECONNECT: "@",
        sc.EVENT_SPEECH_STARTED: "^",
        sc.EVENT_TRUNCATED: "x",
        sc.EVENT_TRANSCRIPTION_FAILED: "?",
    },
    other_event="o",
    past=":",
)


def _fmt_opt(value: Optional[int]) -> str:
    return "?" if value is None else str(value)


def _fmt_seconds(seconds: Optional[float]) -> str:
    return "?" if seconds is None else f"{seconds:.2f}s"


def _fmt_duration(ns: int, g: _Glyphs) -> str:
    """``230ms``, ``1.23s``, ``2m05s``, ``1h02m``."""
    ns = max(0, ns)
    ms = ns / 1e6
    if ns == 0:
        return "0ms"
    if ms < 1:
        return f"{ns / 1e3:.0f}{g.micro}"
    if ms < 9.95:
        return f"{ms:.1f}ms"
    if ms < 999.5:
        return f"{ms:.0f}ms"
    seconds = ns / 1e9
    if seconds < 59.995:
        return f"{seconds:.2f}s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def _truncate(text: str, cols: int, g: _Glyphs) -> str:
    return text if len(text) <= cols else text[: max(0, cols - 1)] + g.ellipsis


def _join(items: Sequence[_Seg], g: _Glyphs) -> list[_Seg]:
    out: list[_Seg] = []
    for item in items:
        if out:
            out.append((g.sep, ""))
        out.append(item)
    return out


def _wrap(items: Sequence[_Seg], indent: str, cols: int, g: _Glyphs, max_lines: int = 3) -> list[list[_Seg]]:
    """``items`` on lines of ``cols`` after ``indent``, broken between items; the last line cut short."""
    lines: list[list[_Seg]] = []
    line: list[_Seg] = [(indent, "")]
    for item in items:
        if len(line) > 1 and _seg_len(line) + len(g.sep) + len(item[0]) > cols and len(lines) < max_lines - 1:
            lines.append(line)
            line = [(indent, "")]
        elif len(line) > 1:
            line.append((g.sep, "dim"))
        line.append(item)
    lines.append(line)
    return [_fit(line, cols, g) for line in lines]


def _seg_len(segs: Sequence[_Seg]) -> int:
    return sum(len(text) for text, _ in segs)


def _fit(segs: list[_Seg], cols: int, g: _Glyphs) -> list[_Seg]:
    if _seg_len(segs) <= cols:
        return segs
    out: list[_Seg] = []
    room = cols - 1
    for text, style in segs:
        if room <= 0:
            break
        out.append((text[:room], style))
        room -= len(text[:room])
    out.append((g.ellipsis, out[-1][1] if out else ""))
    return out


def _paint(segs: Sequence[_Seg], color: bool) -> str:
    if not color:
        return "".join(text for text, _ in segs)
    merged: list[list[str]] = []
    for text, style in segs:
        if merged and merged[-1][1] == style:
            merged[-1][0] += text
        else:
            merged.append([text, style])
    parts = []
    for text, style in merged:
        sgr = _SGR.get(style)
        parts.append(f"\x1b[{sgr}m{text}\x1b[0m" if sgr and text.strip() else text)
    return "".join(parts)
