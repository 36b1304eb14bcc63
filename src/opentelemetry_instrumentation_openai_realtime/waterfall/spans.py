"""What the waterfall reads from each span: tree order, kind, times and the one-line summary."""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Optional

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc

from .text import _fmt_duration, _fmt_opt, _fmt_seconds, _Glyphs, _Seg

_Key = tuple[int, int]  # (trace id, span id); (-1, id(span)) for spans without a context


class _Row(NamedTuple):
    span: ReadableSpan
    depth: int
    label: str
    kind: str  # session | chat | tool | transcription | other
    error: bool
    start: Optional[int]
    end: Optional[int]
    summary: list[_Seg]  # items, joined by the separator when laid out
    past_from: Optional[int] = None  # the parent's end, when this span ends after it


def _row(span: ReadableSpan, depth: int, g: _Glyphs) -> _Row:
    name = span.name if isinstance(span.name, str) and span.name else "?"
    op = _operation(span)
    kind = {
        sc.OPERATION_SESSION: "session",
        sc.OPERATION_CHAT: "chat",
        sc.OPERATION_EXECUTE_TOOL: "tool",
        sc.OPERATION_TRANSCRIPTION: "transcription",
    }
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
        _tokens(attrs, parts)
        _latencies(
            attrs,
            ((sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, "ttfc"), (sc.RESPONSE_VOICE_TO_VOICE, "v2v")),
            parts,
            g,
        )
        reasons = attrs.get(sc.GEN_AI_RESPONSE_FINISH_REASONS)
        if isinstance(reasons, str):
            reasons = (reasons,)
        if isinstance(reasons, Sequence):
            names = [r for r in reasons if isinstance(r, str) and r]
            if names:
                parts.append("finish " + ",".join(names))
    elif op == sc.OPERATION_TRANSCRIPTION:
        status = attrs.get(sc.TRANSCRIPTION_STATUS)
        if isinstance(status, str) and status and status != "completed":
            parts.append(status)
        _tokens(attrs, parts)
        billed = _num(attrs.get(sc.TRANSCRIPTION_SECONDS))
        if billed is not None:
            parts.append(f"billed audio {_fmt_seconds(billed)}")
        _latencies(attrs, ((sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, "ttfc"),), parts, g)
    elif op == sc.OPERATION_EXECUTE_TOOL:
        tool = attrs.get(sc.GEN_AI_TOOL_NAME)
        if isinstance(tool, str) and tool:
            parts.append(tool)
        if start is not None and end is not None:
            parts.append(f"dead air {_fmt_duration(end - start, g)}")
    return markers + [(part, "") for part in parts]


def _tokens(attrs: Mapping[str, Any], parts: list[str]) -> None:
    """``tokens in N (M cached) / out K`` of a turn or a transcription, if it reported usage."""
    tokens_in = _int(attrs.get(sc.GEN_AI_USAGE_INPUT_TOKENS))
    tokens_out = _int(attrs.get(sc.GEN_AI_USAGE_OUTPUT_TOKENS))
    cached = _int(attrs.get(sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS))
    if tokens_in is not None or tokens_out is not None:
        text = f"tokens in {_fmt_opt(tokens_in)}"
        if cached:
            text += f" ({cached} cached)"
        parts.append(f"{text} / out {_fmt_opt(tokens_out)}")


def _latencies(
    attrs: Mapping[str, Any], labels: Sequence[tuple[str, str]], parts: list[str], g: _Glyphs
) -> None:
    """``label duration`` for each latency attribute (seconds) of ``labels`` the span has."""
    for key, label in labels:
        seconds = _num(attrs.get(key))
        if seconds is not None:
            parts.append(f"{label} {_fmt_duration(int(seconds * 1e9), g)}")


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


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _num(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None
