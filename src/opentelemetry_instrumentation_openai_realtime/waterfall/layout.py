"""Laying spans out on a time axis: header, axis, one bar per span, events, summaries."""

from __future__ import annotations

import math
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import format_trace_id

from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc

from .legend import _ERROR_EVENTS, _event_detail, _explain_labels, _legend
from .spans import _attrs, _events, _key, _parent_key, _Row, _row, _tree_order
from .text import _UNICODE, _fmt_duration, _Glyphs, _join, _paint, _Seg, _seg_len, _truncate, _wrap

_MIN_WIDTH = 40
_DUR_COLS = 7


def render_waterfall(
    spans: Sequence[ReadableSpan], width: int = 100, color: bool = False, key: bool = False
) -> str:
    """The waterfall of ``spans`` as text (ANSI colored if ``color``); empty for no spans.

    Spans are drawn in tree order under their parents (a span whose parent is not in ``spans`` is
    a root) on a time axis from the earliest start to the latest end. Every line fits in
    ``width`` columns (at least 40). With ``key``, the short labels used (``ttfc``, ``v2v`` ...)
    are explained under the waterfall.
    """
    return _render(spans, width, color, _UNICODE, key)


class _Scale:
    def __init__(self, t0: int, total: int, cells: int) -> None:
        self.t0, self.total, self.cells = t0, max(total, 1), cells

    def x(self, t: int) -> float:
        return (t - self.t0) / self.total * self.cells

    def col(self, t: int) -> int:
        return max(0, min(self.cells - 1, math.floor(self.x(t))))


def _render(spans: Sequence[ReadableSpan], width: int, color: bool, g: _Glyphs, key: bool = False) -> str:
    width = max(_MIN_WIDTH, int(width))
    ordered = _tree_order([s for s in spans if isinstance(s, ReadableSpan)])
    if not ordered:
        return ""
    rows = _mark_past_parent([_row(span, depth, g) for span, depth in ordered], g)
    starts = [r.start for r in rows if r.start is not None]
    t0 = min(starts) if starts else 0
    t1 = max([t0] + starts + [r.end for r in rows if r.end is not None])
    total = t1 - t0

    label_cols = max(len(r.label) for r in rows)
    label_cols = max(8, min(label_cols, max(12, width * 2 // 5)))
    bar_full = width - label_cols - 2 - _DUR_COLS
    summary_cols = max(_seg_len(_join(r.summary, g)) for r in rows)
    inline = bar_full - 2 - summary_cols >= max(30, bar_full // 2)
    cells = bar_full - 2 - summary_cols if inline and summary_cols else bar_full
    scale = _Scale(t0, total, cells)

    out = _wrap(_header(rows, total, g), "", width, g)
    pad = " " * (label_cols + 1)
    axis_labels, axis_rule = _axis(total, cells, g)
    out.append([(pad + axis_labels.rstrip(), "dim")])
    out.append([(pad + axis_rule, "dim")])

    legend: list[tuple[int, str, str, str, str]] = []  # (time, glyph, style, event name, detail)
    for r in rows:
        line: list[_Seg] = [(_truncate(r.label, label_cols, g).ljust(label_cols) + " ", _label_style(r))]
        line += _bar(r, scale, g, legend)
        line.append((" " + _duration_label(r, g).rjust(_DUR_COLS), ""))
        if r.summary and inline:
            line.append(("  ", ""))
            line += _join(r.summary, g)
        out.append(line)
        if r.summary and not inline:
            dimmed = [(text, style or "dim") for text, style in r.summary]
            out += _wrap(dimmed, " " * min(2 * r.depth + 2, width // 2), width, g)
    out += _legend(legend, t0, width, g)
    if key:
        out += _explain_labels([seg for r in rows for seg in r.summary], width, g)
    return "".join(_paint(line, color) + "\n" for line in out)


def _mark_past_parent(rows: list[_Row], g: _Glyphs) -> list[_Row]:
    """Note each span that ends after its parent (an app's span still running when its turn is
    over): its bar is drawn lighter from the parent's end on, and its summary says by how much."""
    by_key = {_key(r.span): r for r in rows}
    marked: list[_Row] = []
    for r in rows:
        parent_key = _parent_key(r.span)
        parent = by_key.get(parent_key) if parent_key is not None else None
        if parent is not None and parent.end is not None and r.end is not None and r.end > parent.end:
            whose = "its turn" if parent.kind == "chat" else "its parent"
            over = (f"ends {_fmt_duration(r.end - parent.end, g)} after {whose}", "warn")
            start = r.start if r.start is not None else parent.end
            marked.append(r._replace(past_from=max(parent.end, start), summary=[*r.summary, over]))
        else:
            marked.append(r)
    return marked


def _header(rows: Sequence[_Row], total: int, g: _Glyphs) -> list[_Seg]:
    traces: list[int] = []
    for r in rows:
        ctx = r.span.context
        trace_id = ctx.trace_id if ctx is not None else 0
        if isinstance(trace_id, int) and trace_id and trace_id not in traces:
            traces.append(trace_id)
    if not traces:
        head = "trace ?"
    else:
        head = f"trace {format_trace_id(traces[0])}"
        if len(traces) > 1:
            head += f" (+{len(traces) - 1} more)"
    parts = [head, f"{len(rows)} span{'s' if len(rows) != 1 else ''}", _fmt_duration(total, g)]
    session_id = _attrs(rows[0].span).get(sc.SESSION_ID)
    if isinstance(session_id, str) and session_id:
        parts.append(session_id)
    return [(part, "bold") for part in parts]


def _axis(total: int, cells: int, g: _Glyphs) -> tuple[str, str]:
    """The tick labels and the rule of the time axis, ``cells`` wide each."""
    total_s = max(total, 1) / 1e9
    step = _nice_step(total_s / max(1, cells // 10))
    end_label = _fmt_duration(total, g)
    labels = [" "] * cells
    rule = [g.rule] * cells
    rule[cells - 1] = g.tick_end
    limit = cells - len(end_label) - 1  # keep clear of the end label
    free = 0
    k = 0
    while True:
        value = k * step
        if value > total_s * (1 - 1e-9):
            break
        col = min(cells - 1, round(value / total_s * cells))
        if col < cells - 1:
            rule[col] = g.tick
        text = _fmt_tick(value, step, g)
        if col >= free and col + len(text) <= limit:
            labels[col : col + len(text)] = list(text)
            free = col + len(text) + 1
        k += 1
    if len(end_label) <= cells:
        labels[cells - len(end_label) :] = list(end_label)
    return "".join(labels), "".join(rule)


def _nice_step(raw: float) -> float:
    if raw >= 30:
        for step in (30, 60, 120, 300, 600, 900, 1800, 3600):
            if step >= raw:
                return float(step)
        return 3600.0 * math.ceil(raw / 3600)
    base = 10.0 ** math.floor(math.log10(raw))
    for mult in (1.0, 2.0, 2.5, 5.0):
        if mult * base >= raw * (1 - 1e-9):
            return mult * base
    return 10.0 * base


def _fmt_tick(value: float, step: float, g: _Glyphs) -> str:
    if value == 0:
        return "0s"
    if step >= 60:
        minutes, seconds = divmod(round(value), 60)
        return f"{minutes}m{seconds:02d}s" if seconds else f"{minutes}m"
    if step >= 0.1:
        return f"{round(value, 6):g}s"
    if step >= 1e-4:
        return f"{round(value * 1e3, 6):g}ms"
    return f"{round(value * 1e6, 6):g}{g.micro}"


def _bar(r: _Row, scale: _Scale, g: _Glyphs, legend: list[tuple[int, str, str, str, str]]) -> list[_Seg]:
    cells: list[_Seg] = [(" ", "")] * scale.cells
    style = "error" if r.error else r.kind
    if r.start is not None:
        first = scale.col(r.start)
        end = r.end if r.end is not None and r.end >= r.start else r.start
        if scale.x(end) - scale.x(r.start) < 0.5:
            cells[first] = (g.thin, style)
        else:
            last = max(first + 1, min(scale.cells, round(scale.x(end))))
            past = scale.cells if r.past_from is None else max(first, round(scale.x(r.past_from)))
            for col in range(first, last):
                cells[col] = (g.full if col < past else g.past, style)
    for event in _events(r.span):
        name = getattr(event, "name", None)
        stamp = getattr(event, "timestamp", None)
        if not isinstance(name, str) or not isinstance(stamp, int) or isinstance(stamp, bool):
            continue
        glyph = g.events.get(name, g.other_event)
        is_error = name in _ERROR_EVENTS
        event_style = "event_error" if is_error else "event"
        col = scale.col(stamp)
        if is_error or cells[col][1] not in ("event", "event_error"):
            cells[col] = (glyph, event_style)
        detail = _event_detail(name, getattr(event, "attributes", None), g)
        legend.append((stamp, glyph, event_style, name, f"{r.label.strip()}{detail}"))
    return cells


def _label_style(r: _Row) -> str:
    if r.error:
        return "error"
    return "bold" if r.kind == "session" else ""


def _duration_label(r: _Row, g: _Glyphs) -> str:
    if r.start is None or r.end is None or r.end < r.start:
        return "?"
    return _fmt_duration(r.end - r.start, g)
