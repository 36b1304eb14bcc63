"""The terminal waterfall: layout, attribute summaries, colors, and the exporter's buffering."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any, Optional

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanContext, Status, StatusCode, TraceFlags

from opentelemetry_instrumentation_openai_realtime.waterfall import (
    WaterfallExporter,
    exporter,
    layout,
    render_waterfall,
    text,
)

S = 1_000_000_000
T0 = 1_700_000_000 * S
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SESSION = "realtime_session gpt-realtime"
CHAT = "chat gpt-realtime"
TOOL = "execute_tool get_weather"


def at(seconds: float) -> int:
    return T0 + int(seconds * S)


def build_session(provider: TracerProvider) -> None:
    """A 10 s session: an interrupted turn, a tool call turn, the tool (with an app span), a failed turn."""
    tracer = provider.get_tracer("test")
    session = tracer.start_span(
        SESSION,
        start_time=at(0),
        attributes={
            "gen_ai.operation.name": "realtime_session",
            "openai.realtime.session.id": "sess_1",
            "openai.realtime.session.status": "closed",
            "openai.realtime.session.turns.completed": 2,
            "openai.realtime.session.turns.interrupted": 1,
            "openai.realtime.session.audio.input.seconds": 6.5,
            "openai.realtime.session.audio.output.seconds": 3.2,
        },
    )
    ctx = trace.set_span_in_context(session)
    chat1 = tracer.start_span(
        CHAT,
        context=ctx,
        start_time=at(1),
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.usage.input_tokens": 1200,
            "gen_ai.usage.output_tokens": 340,
            "gen_ai.usage.cache_read.input_tokens": 800,
            "gen_ai.response.time_to_first_chunk": 0.32,
            "openai.realtime.response.voice_to_voice_latency": 0.64,
            "gen_ai.response.finish_reasons": ("cancelled",),
            "openai.realtime.response.interrupted": True,
            "openai.realtime.response.audio.heard_seconds": 0.4,
            "openai.realtime.response.audio.generated_seconds": 1.2,
        },
    )
    chat1.add_event("openai.realtime.speech_started", timestamp=at(2.5))
    chat1.add_event("openai.realtime.truncated", timestamp=at(2.6))
    chat1.end(end_time=at(2.7))
    chat2 = tracer.start_span(
        CHAT,
        context=ctx,
        start_time=at(5),
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.usage.input_tokens": 1500,
            "gen_ai.usage.output_tokens": 42,
            "gen_ai.response.time_to_first_chunk": 0.21,
            "gen_ai.response.finish_reasons": ("tool_call",),
        },
    )
    chat2.end(end_time=at(5.6))
    tool = tracer.start_span(
        TOOL,
        context=ctx,
        start_time=at(5.6),
        attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"},
    )
    app = tracer.start_span("weather_api.fetch", context=trace.set_span_in_context(tool), start_time=at(5.7))
    app.end(end_time=at(7.0))
    tool.end(end_time=at(7.1))
    failed = tracer.start_span(
        CHAT,
        context=ctx,
        start_time=at(7.2),
        attributes={"gen_ai.operation.name": "chat", "error.type": "server_error"},
    )
    failed.set_status(Status(StatusCode.ERROR, "boom"))
    failed.add_event(
        "openai.realtime.error",
        {"error.type": "server_error", "openai.realtime.error.message": "The server had an error"},
        timestamp=at(7.9),
    )
    failed.end(end_time=at(8.0))
    session.end(end_time=at(10))


@pytest.fixture
def spans() -> Sequence[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    build_session(provider)
    return exporter.get_finished_spans()


def span_lines(text: str) -> list[str]:
    """The bar lines (those with a duration after a bar), in order."""
    return [line for line in text.splitlines() if re.search(r"[█▏]", line)]


def bar_region(text: str) -> tuple[int, int]:
    """Start and end (exclusive) column of the bar region, read off the axis rule."""
    rule = next(line for line in text.splitlines() if "┬" in line and "─" in line)
    return rule.index("┬"), rule.index("┐") + 1


def bar_start(line: str) -> int:
    return min(i for i, ch in enumerate(line) if ch in "█▏◆▲✕")


def bar_end(line: str) -> int:
    return max(i for i, ch in enumerate(line) if ch in "█▏◆▲✕") + 1


# --- render_waterfall ------------------------------------------------------------------------


def test_tree_order_indentation_and_durations(spans):
    text = render_waterfall(spans, width=100)
    lines = span_lines(text)
    names = [line[:30].rstrip() for line in lines]
    assert names == [
        SESSION,
        "  " + CHAT,
        "  " + CHAT,
        "  " + TOOL,
        "    weather_api.fetch",
        "  " + CHAT,
    ]
    durations = [line.split()[-1] for line in lines]
    assert durations == ["10.00s", "1.70s", "600ms", "1.50s", "1.30s", "800ms"]


def test_header_and_axis(spans):
    text = render_waterfall(spans, width=100)
    first = text.splitlines()[0]
    trace_id = format(spans[0].context.trace_id, "032x")
    assert first.startswith(f"trace {trace_id}")
    assert "6 spans" in first and "10.00s" in first and "sess_1" in first
    labels = text.splitlines()[1]
    start, end = bar_region(text)
    assert labels[start:].startswith("0s")
    assert labels.rstrip().endswith("10.00s")
    assert len(labels.rstrip()) == end


def test_attribute_summaries(spans):
    text = render_waterfall(spans, width=100)
    assert "closed · turns 2 completed / 1 interrupted · audio in 6.50s / out 3.20s" in text
    assert "INTERRUPTED heard 0.40s of 1.20s" in text
    assert "tokens in 1200 (800 cached) / out 340" in text
    assert "ttfc 320ms" in text and "v2v 640ms" in text
    assert "finish cancelled" in text
    assert "tokens in 1500 / out 42 · ttfc 210ms · finish tool_call" in text
    assert "get_weather · dead air 1.50s" in text
    assert "ERROR server_error" in text
    lines = text.splitlines()
    # Summaries sit on the line after their bar, indented one level deeper than the name.
    session_at = lines.index(next(line for line in lines if line.startswith(SESSION)))
    assert lines[session_at + 1].startswith("  closed")
    error_at = max(i for i, line in enumerate(lines) if line.startswith("  " + CHAT))
    assert lines[error_at + 1] == "    ERROR server_error"


def test_events_are_drawn_and_listed(spans):
    text = render_waterfall(spans, width=100)
    chat1 = span_lines(text)[1]
    assert "▲" in chat1 and "✕" in chat1
    assert "◆" in span_lines(text)[-1]
    legend = text[text.index("events:") :].splitlines()
    assert [line.split()[0] for line in legend[1:]] == ["▲", "✕", "◆"]
    assert "+2.50s" in legend[1] and "speech_started" in legend[1]
    assert "truncated" in legend[2]
    assert "error" in legend[3] and "server_error: The server had an error" in legend[3]


@pytest.mark.parametrize("width", [40, 80, 100, 123, 160, 220])
def test_lines_fit_the_width(spans, width):
    text = render_waterfall(spans, width=width)
    assert text.endswith("\n")
    assert max(len(line) for line in text.splitlines()) <= width
    start, end = bar_region(text)
    for line in span_lines(text):
        assert start <= bar_start(line) and bar_end(line) <= end


def test_bars_are_proportional(spans):
    text = render_waterfall(spans, width=120)
    start, end = bar_region(text)
    cells = end - start
    lines = span_lines(text)

    def frac(col: int) -> float:
        return (col - start) / cells

    session, chat1, chat2, tool, app, failed = lines
    assert bar_start(session) == start and bar_end(session) == end  # the root spans the axis
    assert frac(bar_start(chat1)) == pytest.approx(0.1, abs=0.02)
    assert frac(bar_end(chat1)) == pytest.approx(0.27, abs=0.02)
    assert frac(bar_start(chat2)) == pytest.approx(0.5, abs=0.02)  # starts halfway: middle of the bars
    assert frac(bar_start(tool)) == pytest.approx(0.56, abs=0.02)
    assert frac(bar_end(failed)) == pytest.approx(0.8, abs=0.02)
    assert bar_start(tool) <= bar_start(app) and bar_end(app) <= bar_end(tool)


def test_short_spans_still_get_a_cell():
    provider, exporter = pipeline()
    tracer = provider.get_tracer("t")
    root = tracer.start_span("root", start_time=at(0))
    ctx = trace.set_span_in_context(root)
    tracer.start_span("blip", context=ctx, start_time=at(3)).end(end_time=at(3.001))
    tracer.start_span("zero", context=ctx, start_time=at(6)).end(end_time=at(6))
    root.end(end_time=at(10))
    text = render_waterfall(exporter.get_finished_spans(), width=100)
    blip, zero = span_lines(text)[1:]
    assert "▏" in blip and blip.split()[-1] == "1.0ms"
    assert "▏" in zero and zero.split()[-1] == "0ms"


def test_short_summaries_go_on_the_bar_line():
    provider, exporter = pipeline()
    tracer = provider.get_tracer("t")
    session = tracer.start_span(
        SESSION,
        start_time=at(0),
        attributes={"gen_ai.operation.name": "realtime_session", "openai.realtime.session.status": "closed"},
    )
    tool = tracer.start_span(
        TOOL,
        context=trace.set_span_in_context(session),
        start_time=at(40),
        attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"},
    )
    tool.end(end_time=at(42))
    session.end(end_time=at(125))
    text = render_waterfall(exporter.get_finished_spans(), width=120)
    lines = span_lines(text)
    assert len(text.splitlines()) == 5  # header, axis labels, axis rule, two spans: no summary lines
    assert lines[0].endswith("2m05s  closed")
    assert lines[1].endswith("2.00s  get_weather · dead air 2.00s")
    assert max(len(line) for line in text.splitlines()) <= 120


def test_color():
    provider, exporter = pipeline()
    build_session(provider)
    spans = exporter.get_finished_spans()
    plain = render_waterfall(spans, width=100, color=False)
    assert "\x1b[" not in plain
    colored = render_waterfall(spans, width=100, color=True)
    assert "\x1b[36m" in colored  # session bar
    assert "\x1b[32m" in colored  # chat bars
    assert "\x1b[33m" in colored  # tool bar
    assert "\x1b[37m" in colored  # the app's own span: neutral
    assert "\x1b[31m" in colored and "\x1b[1;31mERROR server_error" in colored
    assert ANSI.sub("", colored) == plain


def test_foreign_and_orphan_spans():
    provider, exporter = pipeline()
    tracer = provider.get_tracer("t")
    parent = tracer.start_span("request", start_time=at(0))
    child = tracer.start_span("db.query", context=trace.set_span_in_context(parent), start_time=at(1))
    child.end(end_time=at(2))
    parent.end(end_time=at(4))
    only_child = [s for s in exporter.get_finished_spans() if s.name == "db.query"]
    text = render_waterfall(only_child, width=80)  # its parent is missing: it is the root
    assert span_lines(text)[0].startswith("db.query ")
    assert render_waterfall([], width=80) == ""


def test_garbage_spans_render():
    junk: list[Any] = [
        ReadableSpan(name="no-context"),
        ReadableSpan(name="open", context=context(1, 2), start_time=at(1), end_time=None),
        ReadableSpan(name="", context=context(1, 3), parent=context(1, 3), start_time=at(2), end_time=at(1)),
        ReadableSpan(
            name="bad-attrs",
            context=context(1, 4),
            start_time=at(0),
            end_time=at(2),
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.usage.input_tokens": "many",
                "gen_ai.response.finish_reasons": 7,
                "openai.realtime.response.interrupted": True,
                "openai.realtime.response.audio.heard_seconds": float("nan"),
            },
        ),
        None,
        "not a span",
    ]
    text = render_waterfall(junk, width=80)
    assert "no-context" in text and "open" in text and "bad-attrs" in text
    assert "INTERRUPTED" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_many_events_are_summarised():
    provider, exporter = pipeline()
    root = provider.get_tracer("t").start_span("realtime_session", start_time=at(0))
    for i in range(30):
        root.add_event("openai.realtime.speech_started", timestamp=at(i / 10))
    root.end(end_time=at(3))
    text = render_waterfall(exporter.get_finished_spans(), width=80)
    legend = text[text.index("events:") :].splitlines()
    assert len(legend) == 1 + 12
    assert "19 more: speech_started x19" in legend[-1]


def test_ascii_fallback_and_formatting():
    assert text._fmt_duration(230 * 1_000_000, text._UNICODE) == "230ms"
    assert text._fmt_duration(1_234_000_000, text._UNICODE) == "1.23s"
    assert text._fmt_duration(125 * S, text._UNICODE) == "2m05s"
    assert text._fmt_duration(999_700_000, text._UNICODE) == "1.00s"
    assert layout._nice_step(0.7) == 1.0 and layout._nice_step(0.21) == 0.25
    assert layout._nice_step(45) == 60.0


# --- WaterfallExporter -----------------------------------------------------------------------


class CountingStream(io.StringIO):
    def __init__(self, tty: bool = False) -> None:
        super().__init__()
        self.writes = 0
        self.tty = tty

    def write(self, s: str) -> int:
        self.writes += 1
        return super().write(s)

    def isatty(self) -> bool:
        return self.tty


def test_exporter_prints_each_session_once_when_it_ends():
    stream = CountingStream()
    provider = TracerProvider()
    exporter = WaterfallExporter(stream=stream, width=100, color=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("t")
    session = tracer.start_span(
        SESSION, start_time=at(0), attributes={"gen_ai.operation.name": "realtime_session"}
    )
    ctx = trace.set_span_in_context(session)
    tracer.start_span(CHAT, context=ctx, start_time=at(1), attributes={"gen_ai.operation.name": "chat"}).end(
        end_time=at(2)
    )
    tracer.start_span("unrelated", start_time=at(1)).end(end_time=at(2))
    assert stream.writes == 0 and stream.getvalue() == ""
    session.end(end_time=at(3))
    assert stream.writes == 1
    text = stream.getvalue()
    assert [re.split(r" +[█▏]", line)[0].strip() for line in span_lines(text)] == [SESSION, CHAT]
    assert "unrelated" not in text

    build_session(provider)  # a second session: printed on its own
    assert stream.writes == 2
    second = stream.getvalue()[len(text) :]
    assert len(span_lines(second)) == 6 and "ERROR server_error" in second

    exporter.shutdown()  # what was left (the unrelated span) is printed at shutdown
    assert stream.writes == 3 and "unrelated" in stream.getvalue()[len(text) + len(second) :]
    exporter.shutdown()
    assert stream.writes == 3
    assert exporter.export([]) is SpanExportResult.SUCCESS


def test_exporter_batches_and_late_children(spans):
    stream = CountingStream()
    exporter = WaterfallExporter(stream=stream, width=100, color=False)
    session = next(s for s in spans if s.name == SESSION)
    others = [s for s in spans if s is not session]
    assert exporter.export(others[:2]) is SpanExportResult.SUCCESS
    assert exporter.export([*others[2:], session]) is SpanExportResult.SUCCESS
    assert stream.writes == 1 and len(span_lines(stream.getvalue())) == 6
    assert exporter._pending == {}
    late = ReadableSpan(
        name="late", context=context(session.context.trace_id, 99), parent=session.context, start_time=at(11)
    )
    exporter.export([late])  # a child ending after its session was printed is dropped
    exporter.shutdown()
    assert stream.writes == 1


def test_exporter_survives_garbage_and_broken_streams():
    stream = CountingStream()
    exporter = WaterfallExporter(stream=stream, width=80, color=False)
    garbage: list[Any] = [
        None,
        42,
        ReadableSpan(name="no-context"),
        ReadableSpan(name="no-attrs", context=context(5, 6), start_time=at(0), end_time=None),
        ReadableSpan(
            name="session-without-times",
            context=context(5, 7),
            attributes={"gen_ai.operation.name": "realtime_session"},
        ),
    ]
    assert exporter.export(garbage) is SpanExportResult.SUCCESS
    assert exporter.export(None) is SpanExportResult.SUCCESS  # type: ignore[arg-type]
    assert stream.writes == 1 and "session-without-times" in stream.getvalue()
    exporter.shutdown()
    assert "no-attrs" in stream.getvalue() and "no-context" in stream.getvalue()

    class Broken(io.StringIO):
        def write(self, s: str) -> int:
            raise BrokenPipeError

    broken = WaterfallExporter(stream=Broken(), width=80, color=False)
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(broken))
    build_session(provider)  # must not raise
    assert broken.export([]) is SpanExportResult.SUCCESS
    broken.shutdown()


def test_exporter_falls_back_to_ascii():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(WaterfallExporter(stream=stream, width=80, color=False)))
    build_session(provider)
    text = raw.getvalue().decode("ascii")
    assert text.count("\n") > 10 and "#" in text and "ERROR server_error" in text


def test_exporter_defaults(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(exporter.shutil, "get_terminal_size", lambda: TerminalSize(300))
    stream = CountingStream(tty=True)
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(WaterfallExporter(stream=stream)))
    build_session(provider)
    text = stream.getvalue()
    assert "\x1b[" in text
    assert max(len(ANSI.sub("", line)) for line in text.splitlines()) <= 160

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(exporter.shutil, "get_terminal_size", lambda: TerminalSize(20))
    stream = CountingStream(tty=True)
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(WaterfallExporter(stream=stream)))
    build_session(provider)
    text = stream.getvalue()
    assert "\x1b[" not in text
    assert 75 <= max(len(line) for line in text.splitlines()) <= 80


def test_exporter_writes_to_current_stdout_by_default(capsys):
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(WaterfallExporter(width=80)))
    build_session(provider)
    out = capsys.readouterr().out
    assert SESSION in out and "\x1b[" not in out


# --- helpers ---------------------------------------------------------------------------------


class TerminalSize:
    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.lines = 24


def pipeline() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def context(trace_id: int, span_id: int, flags: Optional[int] = None) -> SpanContext:
    return SpanContext(trace_id, span_id, is_remote=False, trace_flags=TraceFlags(flags or 1))


def _turn_with_a_span_running_past_it() -> Sequence[ReadableSpan]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("t")
    session = tracer.start_span(
        SESSION, start_time=at(0), attributes={"gen_ai.operation.name": "realtime_session"}
    )
    chat = tracer.start_span(
        CHAT,
        context=trace.set_span_in_context(session),
        start_time=at(1),
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.response.time_to_first_chunk": 0.3,
            "openai.realtime.response.voice_to_voice_latency": 0.5,
        },
    )
    lookup = tracer.start_span("lookup-order", context=trace.set_span_in_context(chat), start_time=at(1.5))
    chat.end(end_time=at(2))
    lookup.end(end_time=at(3.5))  # the app's own span, still running when its turn was over
    session.end(end_time=at(4))
    return memory.get_finished_spans()


def test_a_child_running_past_its_turn_is_drawn_lighter_from_the_turns_end():
    text = render_waterfall(_turn_with_a_span_running_past_it(), width=120)
    session_line, chat_line, lookup_line = span_lines(text)
    assert "░" not in session_line and "░" not in chat_line
    assert "ends 1.50s after its turn" in lookup_line
    chat_end = chat_line.rindex("█") + 1
    bar = lookup_line[: lookup_line.index(" 2.00s")]
    assert bar.index("░") == chat_end  # lighter exactly from the column where the turn ends
    assert set(bar[chat_end:].strip()) == {"░"} and "█" in bar[:chat_end]


def test_the_key_explains_the_short_labels_a_waterfall_uses():
    spans = _turn_with_a_span_running_past_it()
    assert "key:" not in render_waterfall(spans, width=120)  # off by default for render_waterfall
    text = render_waterfall(spans, width=80, key=True)
    key = text[text.index("key:") :].splitlines()[1:]
    assert [line.split()[0] for line in key] == ["ttfc", "v2v", "ends"]
    assert "time to first chunk" in key[0] and "the user stops speaking -> first audio back" in key[1]
    assert "░" in key[2]
    assert max(len(line) for line in text.splitlines()) <= 80
    stream = io.StringIO()
    printer = WaterfallExporter(stream=stream, width=100, color=False)  # the exporter shows it
    printer.export(spans)
    assert "key:" in stream.getvalue() and "dead air" not in stream.getvalue()


def test_the_ascii_fallback_marks_the_overrun_too():
    ascii_text = layout._render(_turn_with_a_span_running_past_it(), 100, False, text._ASCII, True)
    ascii_text.encode("ascii")
    (lookup_line,) = [line for line in ascii_text.splitlines() if line.lstrip().startswith("lookup-order")]
    bar = lookup_line[len("    lookup-order") : lookup_line.index(" 2.00s")].strip()
    assert bar.startswith("#") and bar.endswith(":") and set(bar) == {"#", ":"}


def test_transcription_spans_get_their_summary_colour_and_key():
    """A transcription session's ``speech_to_text`` spans: the transcription model's tokens or
    billed audio, its time to first delta, a status other than completed; blue bars."""
    provider, exporter = pipeline()
    tracer = provider.get_tracer("test")
    session = tracer.start_span(
        "realtime_session gpt-4o-transcribe",
        start_time=at(0),
        attributes={"gen_ai.operation.name": "realtime_session", "openai.realtime.session.status": "closed"},
    )
    ctx = trace.set_span_in_context(session)
    spans = (
        (
            1,
            {
                "gen_ai.usage.input_tokens": 31,
                "gen_ai.usage.output_tokens": 9,
                "gen_ai.response.time_to_first_chunk": 0.18,
                "openai.realtime.transcription.status": "completed",
            },
        ),
        (3, {"openai.realtime.transcription.usage.seconds": 2.4}),
        (5, {"openai.realtime.transcription.status": "failed", "error.type": "transcription_failed"}),
    )
    for start, attributes in spans:
        stt = tracer.start_span(
            "speech_to_text gpt-4o-transcribe",
            context=ctx,
            start_time=at(start),
            attributes={"gen_ai.operation.name": "speech_to_text", **attributes},
        )
        if "error.type" in attributes:
            stt.set_status(Status(StatusCode.ERROR))
        stt.end(end_time=at(start + 0.5))
    session.end(end_time=at(6))
    finished = exporter.get_finished_spans()
    text = render_waterfall(finished, width=100, key=True)
    assert "tokens in 31 / out 9 · ttfc 180ms" in text
    assert "completed" not in text.replace("closed", "")  # the usual status goes unsaid
    assert "billed audio 2.40s" in text
    assert "ERROR transcription_failed · failed" in text
    key = [line.split()[0] for line in text[text.index("key:") :].splitlines()[1:]]
    assert key == ["ttfc", "billed", "tokens"]
    colored = render_waterfall(finished, width=100, color=True)
    assert colored.count("\x1b[34m") == 2  # the two transcriptions that did not fail: blue
    assert ANSI.sub("", colored) == render_waterfall(finished, width=100)
