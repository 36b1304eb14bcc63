"""What is under the bars: the span events (when, which glyph, on which span) and the key to the
short labels of the summaries."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
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


# (label as it appears in a summary, what it means); shown only for the labels a waterfall uses.
LABELS: tuple[tuple[str, str], ...] = (
    ("ttfc", "time to first chunk: turn (or transcription) start -> first audio, text or arguments"),
    ("billed audio", "seconds of input audio a duration-billed transcription model charged"),
    ("v2v", "voice-to-voice: the user stops speaking -> first audio back"),
    ("dead air", "a tool call: the model's arguments done -> the app's output sent"),
    ("INTERRUPTED", "the user spoke over the answer; heard X of Y: audio heard of generated"),
    ("tokens in", "input tokens (from the prompt cache) / output tokens of the turn or transcription"),
    ("finish", "why the response ended (stop, tool_call, turn_detected, error ...)"),
    ("turns", "responses completed / cut short by the user in the session"),
    ("ends after", "{past} the part of a span after its turn (or parent) ended"),
)


def _explain_labels(summaries: Sequence[_Seg], width: int, g: _Glyphs) -> list[list[_Seg]]:
    """``key:`` and one line per short label that ``summaries`` use."""
    text = " ".join(part for part, _ in summaries)
    if re.search(r"ends \S+ after its", text):
        text += " ends after"
    used = [(label, meaning) for label, meaning in LABELS if label in text]
    if not used:
        return []
    cols = max(len(label) for label, _ in used)
    lines: list[list[_Seg]] = [[("key:", "dim")]]
    for label, meaning in used:
        line: list[_Seg] = [(f"  {label:<{cols}}  ", ""), (meaning.format(past=g.past), "dim")]
        lines.append(_fit(line, width, g))
    return lines
