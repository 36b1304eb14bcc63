"""A terminal waterfall of realtime-session traces: one bar per span on a shared time axis.

Used by the demo to show what a voice session looked like without a tracing backend::

    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from opentelemetry_instrumentation_openai_realtime.waterfall import WaterfallExporter

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(WaterfallExporter()))

:class:`WaterfallExporter` holds finished spans until a ``realtime_session`` span ends, then
prints that session's tree (the session and every collected span below it) and forgets it.
:func:`render_waterfall` renders any list of spans to a string.

Needs ``opentelemetry-sdk`` (the ``demo`` and ``test`` extras); the instrumentation itself does not
import this module.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Optional, TextIO

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import StatusCode, format_trace_id

from .telemetry import semconv as sc

__all__ = ["WaterfallExporter", "render_waterfall"]

_log = logging.getLogger(__name__)

_Key = tuple[int, int]  # (trace id, span id); (-1, id(span)) for spans without a context
_Seg = tuple[str, str]  # (text, style name)

_MIN_WIDTH = 40
_DEFAULT_WIDTH_RANGE = (80, 160)
_DUR_COLS = 7
_MAX_EVENT_LINES = 12
_MAX_PENDING = 10_000
_MAX_DONE = 20_000

_SGR = {
    "session": "36",  # cyan
    "chat": "32",  # green
    "tool": "33",  # yellow
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
)

_ERROR_EVENTS = (sc.EVENT_ERROR, sc.EVENT_TRANSCRIPTION_FAILED)


# --- exporter --------------------------------------------------------------------------------


class WaterfallExporter(SpanExporter):
    """Prints a waterfall of each realtime session to ``stream`` when its session span ends.

    ``stream`` defaults to the ``sys.stdout`` of the moment of printing; ``width`` to the terminal
    width capped to 80..160 columns; ``color`` to ``stream.isatty()`` unless ``NO_COLOR`` is set.
    Export never raises and always reports success: this runs inside the app.
    """

    def __init__(
        self,
        stream: Optional[TextIO] = None,
        width: Optional[int] = None,
        color: Optional[bool] = None,
    ) -> None:
        self._stream = stream
        self._width = width
        self._color = color
        self._lock = threading.Lock()
        self._pending: OrderedDict[_Key, ReadableSpan] = OrderedDict()
        self._done: OrderedDict[_Key, None] = OrderedDict()  # span ids already printed
        self._shutdown = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            with self._lock:
                if not self._shutdown:
                    self._collect(spans)
        except Exception:  # never break the app
            _log.debug("waterfall export failed", exc_info=True)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        try:
            with self._lock:
                if self._shutdown:
                    return
                self._shutdown = True
                leftovers = list(self._pending.values())
                self._pending.clear()
                self._done.clear()
                by_trace: dict[int, list[ReadableSpan]] = {}
                for span in leftovers:
                    by_trace.setdefault(_key(span)[0], []).append(span)
                for group in by_trace.values():
                    self._print(group)
        except Exception:
            _log.debug("waterfall shutdown failed", exc_info=True)

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True

    # -- internals

    def _collect(self, spans: Iterable[Any]) -> None:
        sessions: list[_Key] = []
        for span in spans:
            if not isinstance(span, ReadableSpan):
                continue
            key = _key(span)
            parent = _parent_key(span)
            if parent is not None and parent in self._done:
                self._mark_done(key)  # a late child of a session already printed
                continue
            self._pending[key] = span
            self._pending.move_to_end(key)
            if _operation(span) == sc.OPERATION_SESSION:
                sessions.append(key)
        while len(self._pending) > _MAX_PENDING:
            self._pending.popitem(last=False)
        for key in sessions:
            if key in self._pending:  # else printed with an enclosing session of the same batch
                tree = self._take_tree(key)
                try:
                    self._print(tree)
                except Exception:
                    _log.debug("waterfall render failed", exc_info=True)

    def _take_tree(self, root: _Key) -> list[ReadableSpan]:
        children: dict[_Key, list[_Key]] = {}
        for key, span in self._pending.items():
            parent = _parent_key(span)
            if parent is not None and key[0] == root[0]:
                children.setdefault(parent, []).append(key)
        keys, todo, seen = [], [root], {root}
        while todo:
            key = todo.pop()
            keys.append(key)
            for child in children.get(key, ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        tree = [self._pending.pop(key) for key in keys]
        for key in keys:
            self._mark_done(key)
        return tree

    def _mark_done(self, key: _Key) -> None:
        self._done[key] = None
        while len(self._done) > _MAX_DONE:
            self._done.popitem(last=False)

    def _print(self, spans: Sequence[ReadableSpan]) -> None:
        stream = self._stream if self._stream is not None else sys.stdout
        if stream is None:  # pythonw
            return
        width = self._width if self._width is not None else _terminal_width()
        color = self._color if self._color is not None else _wants_color(stream)
        text = _render(spans, width, color, _UNICODE)
        if not text:
            return
        try:
            stream.write(text)
        except UnicodeEncodeError:  # a console that cannot print block characters
            stream.write(_render(spans, width, color, _ASCII))
        flush = getattr(stream, "flush", None)
        if callable(flush):
            flush()


def _terminal_width() -> int:
    try:
        columns = shutil.get_terminal_size().columns
    except Exception:
        columns = _DEFAULT_WIDTH_RANGE[0]
    low, high = _DEFAULT_WIDTH_RANGE
    return max(low, min(high, columns))


def _wants_color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR", ""):
        return False
    try:
        return bool(stream.isatty())
    except Exception:
        return False


# --- rendering -------------------------------------------------------------------------------


def render_waterfall(spans: Sequence[ReadableSpan], width: int = 100, color: bool = False) -> str:
    """The waterfall of ``spans`` as text (ANSI colored if ``color``); empty for no spans.

    Spans are drawn in tree order under their parents (a span whose parent is not in ``spans`` is
    a root) on a time axis from the earliest start to the latest end. Every line fits in
    ``width`` columns (at least 40).
    """
    return _render(spans, width, color, _UNICODE)


class _Row(NamedTuple):
    span: ReadableSpan
    depth: int
    label: str
    kind: str  # session | chat | tool | other
    error: bool
    start: Optional[int]
    end: Optional[int]
    summary: list[_Seg]  # items, joined by the separator when laid out


class _Scale:
    def __init__(self, t0: int, total: int, cells: int) -> None:
        self.t0, self.total, self.cells = t0, max(total, 1), cells

    def x(self, t: int) -> float:
        return (t - self.t0) / self.total * self.cells

    def col(self, t: int) -> int:
        return max(0, min(self.cells - 1, math.floor(self.x(t))))


def _render(spans: Sequence[ReadableSpan], width: int, color: bool, g: _Glyphs) -> str:
    width = max(_MIN_WIDTH, int(width))
    ordered = _tree_order([s for s in spans if isinstance(s, ReadableSpan)])
    if not ordered:
        return ""
    rows = [_row(span, depth, g) for span, depth in ordered]
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
    return "".join(_paint(line, color) + "\n" for line in out)


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
            for col in range(first, last):
                cells[col] = (g.full, style)
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


# --- per-span data ---------------------------------------------------------------------------


def _row(span: ReadableSpan, depth: int, g: _Glyphs) -> _Row:
    name = span.name if isinstance(span.name, str) and span.name else "?"
    op = _operation(span)
    kind = {sc.OPERATION_SESSION: "session", sc.OPERATION_CHAT: "chat", sc.OPERATION_EXECUTE_TOOL: "tool"}
    start = _int(span.start_time)
    end = _int(span.end_time)
    error = _is_error(span)
    return _Row(
        span=span,
        depth=depth,
        label="  " * depth + name,
        kind=kind.get(op or "", "other"),
        error=error,
        start=start,
        end=end,
        summary=_summary(span, op, error, start, end, g),
    )


def _summary(
    span: ReadableSpan, op: Optional[str], error: bool, start: Optional[int], end: Optional[int], g: _Glyphs
) -> list[_Seg]:
    attrs = _attrs(span)
    markers: list[_Seg] = []
    parts: list[str] = []
    if error:
        error_type = attrs.get(sc.ERROR_TYPE)
        if not isinstance(error_type, str) or not error_type:
            description = getattr(span.status, "description", None)
            error_type = description[:40] if isinstance(description, str) else ""
        markers.append((f"ERROR {error_type}".rstrip(), "alert"))
    if op == sc.OPERATION_SESSION:
        status = attrs.get(sc.SESSION_STATUS)
        if isinstance(status, str) and status:
            parts.append(status)
        completed = _int(attrs.get(sc.SESSION_TURNS_COMPLETED))
        interrupted = _int(attrs.get(sc.SESSION_TURNS_INTERRUPTED))
        if completed is not None or interrupted is not None:
            parts.append(f"turns {completed or 0} completed / {interrupted or 0} interrupted")
        audio_in = _num(attrs.get(sc.SESSION_AUDIO_IN_SECONDS))
        audio_out = _num(attrs.get(sc.SESSION_AUDIO_OUT_SECONDS))
        if audio_in is not None or audio_out is not None:
            parts.append(f"audio in {_fmt_seconds(audio_in)} / out {_fmt_seconds(audio_out)}")
        for key, noun in ((sc.SESSION_ERRORS, "error"), (sc.SESSION_RECONNECTS, "reconnect")):
            count = _int(attrs.get(key))
            if count:
                parts.append(f"{count} {noun}{'s' if count != 1 else ''}")
    elif op == sc.OPERATION_CHAT:
        if attrs.get(sc.RESPONSE_INTERRUPTED) is True:
            heard = _num(attrs.get(sc.RESPONSE_AUDIO_HEARD_SECONDS))
            generated = _num(attrs.get(sc.RESPONSE_AUDIO_GENERATED_SECONDS))
            text = "INTERRUPTED"
            if heard is not None:
                text += f" heard {_fmt_seconds(heard)}"
                if generated is not None:
                    text += f" of {_fmt_seconds(generated)}"
            markers.append((text, "warn"))
        tokens_in = _int(attrs.get(sc.GEN_AI_USAGE_INPUT_TOKENS))
        tokens_out = _int(attrs.get(sc.GEN_AI_USAGE_OUTPUT_TOKENS))
        cached = _int(attrs.get(sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS))
        if tokens_in is not None or tokens_out is not None:
            text = f"tokens in {_fmt_opt(tokens_in)}"
            if cached:
                text += f" ({cached} cached)"
            parts.append(f"{text} / out {_fmt_opt(tokens_out)}")
        for key, label in (
            (sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, "ttfc"),
            (sc.RESPONSE_VOICE_TO_VOICE, "v2v"),
        ):
            seconds = _num(attrs.get(key))
            if seconds is not None:
                parts.append(f"{label} {_fmt_duration(int(seconds * 1e9), g)}")
        reasons = attrs.get(sc.GEN_AI_RESPONSE_FINISH_REASONS)
        if isinstance(reasons, str):
            reasons = (reasons,)
        if isinstance(reasons, Sequence):
            names = [r for r in reasons if isinstance(r, str) and r]
            if names:
                parts.append("finish " + ",".join(names))
    elif op == sc.OPERATION_EXECUTE_TOOL:
        tool = attrs.get(sc.GEN_AI_TOOL_NAME)
        if isinstance(tool, str) and tool:
            parts.append(tool)
        if start is not None and end is not None:
            parts.append(f"dead air {_fmt_duration(end - start, g)}")
    return markers + [(part, "") for part in parts]


def _tree_order(spans: Sequence[ReadableSpan]) -> list[tuple[ReadableSpan, int]]:
    """``(span, depth)`` depth-first, children by start time; parents missing from ``spans`` make roots."""
    keyed: dict[_Key, ReadableSpan] = {}
    for span in spans:
        key = _key(span)
        if key in keyed:  # duplicate ids: keep both, the second as its own node
            key = (-1, id(span))
        keyed[key] = span
    children: dict[_Key, list[_Key]] = {}
    roots: list[_Key] = []
    for key, span in keyed.items():
        parent = _parent_key(span)
        if parent is not None and parent != key and parent in keyed:
            children.setdefault(parent, []).append(key)
        else:
            roots.append(key)

    def order(key: _Key) -> tuple[int, int, str]:
        span = keyed[key]
        start = _int(span.start_time)
        end = _int(span.end_time)
        return (
            start if start is not None else sys.maxsize,
            end if end is not None else sys.maxsize,
            span.name if isinstance(span.name, str) else "",
        )

    result: list[tuple[ReadableSpan, int]] = []
    seen: set[_Key] = set()

    def walk(tops: list[_Key]) -> None:
        stack = [(key, 0) for key in sorted(tops, key=order, reverse=True)]
        while stack:
            key, depth = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            result.append((keyed[key], depth))
            kids = sorted(children.get(key, ()), key=order, reverse=True)
            stack.extend((kid, depth + 1) for kid in kids)

    walk(roots)
    walk([key for key in keyed if key not in seen])  # cycles of parent links
    return result


def _key(span: ReadableSpan) -> _Key:
    ctx = span.context
    trace_id = getattr(ctx, "trace_id", None)
    span_id = getattr(ctx, "span_id", None)
    if isinstance(trace_id, int) and isinstance(span_id, int) and trace_id and span_id:
        return (trace_id, span_id)
    return (-1, id(span))


def _parent_key(span: ReadableSpan) -> Optional[_Key]:
    parent = span.parent
    trace_id = getattr(parent, "trace_id", None)
    span_id = getattr(parent, "span_id", None)
    if isinstance(trace_id, int) and isinstance(span_id, int) and trace_id and span_id:
        return (trace_id, span_id)
    return None


def _attrs(span: ReadableSpan) -> Mapping[str, Any]:
    attrs = span.attributes
    return attrs if isinstance(attrs, Mapping) else {}


def _operation(span: ReadableSpan) -> Optional[str]:
    op = _attrs(span).get(sc.GEN_AI_OPERATION_NAME)
    return op if isinstance(op, str) else None


def _is_error(span: ReadableSpan) -> bool:
    return getattr(span.status, "status_code", None) is StatusCode.ERROR


def _events(span: ReadableSpan) -> Sequence[Any]:
    events = span.events
    return events if isinstance(events, Sequence) else ()


def _label_style(r: _Row) -> str:
    if r.error:
        return "error"
    return "bold" if r.kind == "session" else ""


def _duration_label(r: _Row, g: _Glyphs) -> str:
    if r.start is None or r.end is None or r.end < r.start:
        return "?"
    return _fmt_duration(r.end - r.start, g)


# --- formatting ------------------------------------------------------------------------------


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _num(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


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
