"""Fuzzing: generated event streams never break the app and never leave a span open.

Part 1 feeds thousands of generated streams to :class:`RealtimeSession` directly: realistic turns
(voice, text, tool, barge-in, out-of-band, failures, MCP) in both dialects, then mutated --
fields dropped or replaced by values of the wrong type, events dropped, duplicated, swapped,
junk events and frames inserted, huge deltas -- and delivered in every input form the session
accepts (dicts, JSON ``str``/``bytes``/``bytearray``/``memoryview`` frames with ``type`` first or
not, SDK models, non-JSON frames, non-dict objects), mixed with clock jumps, transport losses,
reconnects and early closes. After ``close()``: nothing raised, every span started was ended
exactly once, every child span points to its session, every attribute is a valid OTel value
(and encodes to OTLP), internal bookkeeping stayed bounded, and the instrumentation never had
to swallow an exception of its own.

Part 2 plays generated streams (including frames that are not valid events, or not JSON at all)
through the real openai SDK and a local WebSocket server, once bare and once instrumented: the
app must see the same events and the same exception, and every span must be ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pprint
import random
import warnings
from collections.abc import Iterator
from typing import Any, Optional

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from opentelemetry_instrumentation_openai_realtime.config import Settings
from opentelemetry_instrumentation_openai_realtime.core import records
from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession, SessionState
from opentelemetry_instrumentation_openai_realtime.simulator import events as ev
from opentelemetry_instrumentation_openai_realtime.telemetry.instruments import Telemetry

CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
INT64 = (-(2**63), 2**63 - 1)
PACKAGE_LOGGER = "opentelemetry_instrumentation_openai_realtime"


def fuzz_settings(max_examples: int) -> settings:
    """Modest example counts, no deadline (CI machines are slow); derandomized under ``CI=true``."""
    options: dict[str, Any] = {
        "max_examples": max_examples,
        "deadline": None,
        # fixtures (log capture, pipelines) are shared by the examples on purpose, reset by each
        "suppress_health_check": [
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
        # no "explain" phase: its line tracer makes shrinking a failure take minutes
        "phases": [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    }
    if CI:
        options.update(derandomize=True, database=None)
    return settings(**options)


# ------------------------------------------------------------------------------------------------
# Telemetry pipeline shared by every example: span tracking and log capture
# ------------------------------------------------------------------------------------------------


class Tracker(SpanProcessor):
    """Remembers every span started and every span ended (and how many times)."""

    def __init__(self) -> None:
        self.started: dict[int, Any] = {}
        self.ended: dict[int, int] = {}

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self.started[span.context.span_id] = span

    def on_end(self, span: ReadableSpan) -> None:
        span_id = span.context.span_id
        self.ended[span_id] = self.ended.get(span_id, 0) + 1

    def clear(self) -> None:
        self.started.clear()
        self.ended.clear()

    def open_spans(self) -> list[str]:
        return [span.name for span_id, span in self.started.items() if span_id not in self.ended]


class Records(logging.Handler):
    """Log records of the instrumentation and of the OTel SDK, for assertions."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def swallowed(self) -> list[str]:
        """Exceptions the instrumentation caught in itself (it must never need to; a failing
        ``redact`` hook is the app's exception, dropped on purpose)."""
        return [
            f"{r.getMessage()}: {r.exc_info[1]!r}"
            for r in self.records
            if r.name.startswith(PACKAGE_LOGGER)
            and r.exc_info
            and r.exc_info[1] is not None
            and not r.getMessage().startswith("redaction hook failed")
        ]

    def sdk_warnings(self) -> list[str]:
        """OTel SDK complaints: invalid attribute values, writes to ended spans, double ends."""
        return [
            r.getMessage()
            for r in self.records
            if r.name.startswith("opentelemetry")
            and r.levelno >= logging.WARNING
            and "surrogates not allowed" not in r.getMessage()
        ]


@contextlib.contextmanager
def capture_logs() -> Iterator[Records]:
    handler = Records()
    loggers = [logging.getLogger(PACKAGE_LOGGER), logging.getLogger("opentelemetry")]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
    loggers[0].setLevel(logging.DEBUG)
    loggers[0].propagate = False  # keep pytest's log capture out of the hot loop
    loggers[1].setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        for logger, (level, propagate) in zip(loggers, saved):
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


class FuzzPipeline:
    def __init__(self) -> None:
        self.tracker = Tracker()
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(self.tracker)
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.metric_reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.metric_reader])
        self.logs: Any = None
        self.logger_provider: Any = None
        try:
            from opentelemetry.sdk._logs import LoggerProvider
            from opentelemetry.sdk._logs import export as logs_export

            exporter_class = (
                getattr(logs_export, "InMemoryLogRecordExporter", None) or logs_export.InMemoryLogExporter
            )
            self.logs = exporter_class()
            self.logger_provider = LoggerProvider()
            self.logger_provider.add_log_record_processor(logs_export.SimpleLogRecordProcessor(self.logs))
        except ImportError:  # pragma: no cover - old opentelemetry-sdk
            pass
        self._telemetry: dict[Any, Telemetry] = {}

    def telemetry(self, options: dict[str, Any]) -> Telemetry:
        key = tuple(sorted(options.items(), key=lambda kv: kv[0]))
        if key not in self._telemetry:
            self._telemetry[key] = Telemetry(
                Settings.from_options(options, environ={}),
                self.tracer_provider,
                self.meter_provider,
                self.logger_provider,
            )
        return self._telemetry[key]

    def reset(self) -> None:
        self.tracker.clear()
        self.exporter.clear()
        if self.logs is not None:
            self.logs.clear()


_PIPELINE: Optional[FuzzPipeline] = None


def fuzz_pipeline() -> FuzzPipeline:
    global _PIPELINE
    if _PIPELINE is None:
        _PIPELINE = FuzzPipeline()
    return _PIPELINE


# ------------------------------------------------------------------------------------------------
# Invariants
# ------------------------------------------------------------------------------------------------


def _valid_scalar(value: Any) -> bool:
    if isinstance(value, (bool, float)):
        return True
    if isinstance(value, int):
        return INT64[0] <= value <= INT64[1]
    # strings: any str (a lone surrogate escaped in the JSON of a broken server is passed through;
    # OTLP exporters drop such an attribute with a log, they never fail the batch)
    return isinstance(value, str)


def check_attributes(where: str, attributes: Any) -> None:
    for key, value in (attributes or {}).items():
        assert isinstance(key, str) and key, (where, key)
        if isinstance(value, (tuple, list)):
            assert all(_valid_scalar(v) for v in value), (where, key, value)
            assert len({type(v) for v in value}) <= 1, (where, key, value)
        else:
            assert _valid_scalar(value), (where, key, value)


def check_spans(
    pipeline: FuzzPipeline, session: RealtimeSession, logs: Records, *, encode: bool = True
) -> list[ReadableSpan]:
    """The invariants every session must hold once closed."""
    tracker = pipeline.tracker
    assert session.state is SessionState.CLOSED
    assert tracker.open_spans() == [], "spans left open after close()"
    assert all(count == 1 for count in tracker.ended.values()), "a span was ended twice"
    spans = list(pipeline.exporter.get_finished_spans())
    assert len(spans) == len(tracker.started)
    root = session.span.get_span_context()
    roots = [s for s in spans if s.context.span_id == root.span_id]
    assert len(roots) == 1 and roots[0].parent is None
    for span in spans:
        assert span.context.trace_id == root.trace_id, "a span left the session's trace"
        if span.context.span_id != root.span_id:
            assert span.parent is not None and span.parent.span_id == root.span_id, span.name
        assert span.end_time is not None
        check_attributes(span.name, span.attributes)
        for event in span.events:
            check_attributes(f"{span.name}/{event.name}", event.attributes)
    if pipeline.logs is not None:
        for log in pipeline.logs.get_finished_logs():
            check_attributes("log record", log.log_record.attributes)
    if encode:  # what an OTLP exporter would send (it logs, never raises, on a bad value)
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

        encode_spans(spans).SerializeToString()
    assert logs.sdk_warnings() == []
    assert logs.swallowed() == []
    # nothing is kept once the session is over
    stores = session._stores()
    assert not stores["responses"] and not stores["held"] and not stores["tools"]
    return spans


def check_bounded(session: RealtimeSession) -> None:
    limit = records.MAX_TRACKED + 1
    for name, store in session._stores().items():
        assert len(store) <= limit, name


# ------------------------------------------------------------------------------------------------
# Stream generation
#
# Hypothesis draws a small genome -- dialect, the kinds of turns, how chaotic the stream is and a
# seed -- and a seeded ``random.Random`` expands it into events. Drawing every field through
# Hypothesis costs ~0.2 ms a draw, which would make thousands of streams far too slow; the genome
# still shrinks to the fewest turns with the least chaos that fail.
# ------------------------------------------------------------------------------------------------


class Blob(str):
    """A long string with a short repr, so a failing example stays readable."""

    def __repr__(self) -> str:
        return f"Blob({len(self)} chars, ...{str.__repr__(self[-6:])})"


RESPONSE_IDS = ("resp_1", "resp_2", "resp_3")
USER_ITEMS = ("item_u1", "item_u2", "item_u3")
OUT_ITEMS = ("item_o1", "item_o2", "item_o3")
CALL_IDS = ("call_1", "call_2")
IDS = RESPONSE_IDS + USER_ITEMS + OUT_ITEMS + CALL_IDS
AUDIO_100MS = Blob(ev.audio_chunk(100))
HUGE_SIZES = (4096, 65_536, 1_000_000)
SERVER_TYPES = (
    "session.created",
    "session.updated",
    "conversation.created",
    "conversation.item.created",
    "conversation.item.added",
    "conversation.item.done",
    "conversation.item.truncated",
    "conversation.item.deleted",
    "conversation.item.input_audio_transcription.completed",
    "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.segment",
    "conversation.item.input_audio_transcription.failed",
    "input_audio_buffer.speech_started",
    "input_audio_buffer.speech_stopped",
    "input_audio_buffer.committed",
    "input_audio_buffer.cleared",
    "response.created",
    "response.done",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_audio.delta",
    "response.audio.delta",
    "response.output_audio.done",
    "response.output_audio_transcript.delta",
    "response.audio_transcript.delta",
    "response.output_audio_transcript.done",
    "response.output_text.delta",
    "response.text.delta",
    "response.output_text.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.mcp_call.in_progress",
    "response.mcp_call_arguments.delta",
    "response.mcp_call_arguments.done",
    "response.mcp_call.completed",
    "response.mcp_call.failed",
    "rate_limits.updated",
    "output_audio_buffer.started",
    "error",
    "",
    "totally.unknown",
)
CLIENT_TYPES = (
    "response.create",
    "response.cancel",
    "conversation.item.create",
    "conversation.item.truncate",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "session.update",
    "unknown.client",
)
FIELDS = (
    "response_id",
    "item_id",
    "call_id",
    "delta",
    "response",
    "item",
    "session",
    "error",
    "audio_start_ms",
    "audio_end_ms",
    "transcript",
    "text",
    "arguments",
    "name",
    "conversation",
    "audio",
    "status",
    "usage",
    "output",
)
RAW_FRAMES = (
    b"",
    b"null",
    b"[]",
    b"42",
    b'"str"',
    b"{}",
    b'{"type":',
    b'{"type":"response.output_audio.delta","response_id":"resp_1","delta":"AAAA',
    b'{"type":"response.output_text.delta","response_id":"resp_2"',
    b'{"type":"response.audio.delta","response_id":"resp_1","delta":"A',
    b'{"type":"response.output_audio.delta","response_id":"resp_1","delta":3}',
    b'{"type":"response.output_audio.delta","response_id":"","delta":"AAAA"}',
    b'{"type":"response.output_text.delta","response_id":"\\u00e9\\"x"}',
    b'{"type":"response.done","response":{"id":"\\ud800","usage":{"input_tokens":1e400}}}',
    b'{"type":"response.created","response":{"id":"resp_1"},"response":{"id":"resp_2"}}',
    b'{"type":"' + b"x" * 200 + b'"}',
    b'{"type":"response.done","response":{"id":"resp_1","output":[' + b"[" * 3000 + b"]" * 3000 + b"]}}",
    b"\xff\xfe\x00",
    b'{"a":' * 5000,
    b'{"type":"error","error":NaN}',
    '{"type":"response.output_text.delta","response_id":"résp","delta":"é"}'.encode(),
)
TEXTS = ("", "hi", "Hi there", 'quote " and \\ backslash', "é ü 你好 🎤", "\x00\x1f", "x" * 300)
FORMS = ("dict", "str", "bytes", "bytearray", "memoryview", "unordered", "model")
# mostly what the SDK's recv_bytes() hands us (bytes, type first); SDK models are slow to build
FRAME_FORMS = ("frame",) * 14 + FORMS[:-1] * 2 + FORMS[-1:]
TICKS = (0, 0, 0, 0, 1, 5, 20, 300)
TURN_KINDS = (
    "session",
    "voice",
    "text",
    "tool",
    "barge_in",
    "out_of_band",
    "failed",
    "incomplete",
    "error",
    "mcp",
)
Op = tuple[Any, ...]


def _huge_audio(size: int) -> str:
    return Blob("AQID" * (size // 4) + "AA=="[: size % 4])


class Gen:
    """Realistic turns (``[(who, event)]``, who ``server``/``client``), junk and mutations."""

    def __init__(self, dialect: str, rng: random.Random) -> None:
        self.dialect = dialect
        self.rng = rng

    # -- junk ------------------------------------------------------------------------------------

    def junk(self, depth: int = 0) -> Any:
        rng = self.rng
        kind = rng.randrange(13 if depth < 2 else 10)
        if kind == 0:
            return None
        if kind == 1:
            return rng.random() < 0.5
        if kind == 2:
            return rng.randint(-10, 10_000)
        if kind == 3:
            return rng.choice((0, -1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30, -(10**30)))
        if kind == 4:
            return rng.choice((0.5, -1.0, 1e308, -1e-300, float("nan"), float("inf"), float("-inf")))
        if kind == 5:
            return rng.choice(TEXTS)
        if kind in (6, 7):
            return rng.choice(IDS)
        if kind == 8:
            return rng.choice(("completed", "cancelled", "failed", "incomplete", "in_progress", "message"))
        if kind == 9:
            return _huge_audio(rng.choice(HUGE_SIZES)) if rng.random() < 0.2 else "AAAA"
        if kind == 10:
            return [self.junk(depth + 1) for _ in range(rng.randrange(4))]
        keys = rng.sample(("id", "type", "status", "x", "usage", "error", "call_id"), rng.randrange(4))
        return {key: self.junk(depth + 1) for key in keys}

    def junk_event(self, who: str) -> dict[str, Any]:
        """An event of a known (or unknown) type with arbitrary fields."""
        types = SERVER_TYPES if who == "server" else CLIENT_TYPES
        event: dict[str, Any] = {"type": self.rng.choice(types)}
        for key in self.rng.sample(FIELDS, self.rng.randrange(6)):
            event[key] = self.junk()
        return event

    def mutate(self, value: Any, depth: int = 0) -> Any:
        """Drop keys, replace values with junk, recurse into nested objects."""
        rng = self.rng
        if isinstance(value, dict):
            result = {}
            for key, inner in value.items():
                roll = rng.randrange(100)
                if roll < 10 and key != "type":
                    continue  # field missing
                if roll < 25:
                    result[key] = self.junk()  # wrong type or value
                elif depth < 3 and isinstance(inner, (dict, list)) and roll < 60:
                    result[key] = self.mutate(inner, depth + 1)
                else:
                    result[key] = inner
            return result
        if isinstance(value, list):
            return [self.mutate(v, depth + 1) for v in value if rng.random() < 0.9]
        return value

    def extra(self) -> Op:
        """A junk event or frame, a clock jump, or a transport fact."""
        rng = self.rng
        kind = rng.randrange(11)
        who = rng.choice(("server", "client"))
        if kind <= 3:
            return (who, rng.choice(FORMS), self.junk_event(who))
        if kind == 4:
            frame: Any = rng.choice(RAW_FRAMES)
            if rng.random() < 0.3:
                frame = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
            if rng.random() < 0.3:
                frame = frame.decode("utf-8", "replace")
            return (who, "raw", frame)
        if kind == 5:
            return (who, "object", rng.choice((None, 3, [], "x", object(), b"", {"type": object()})))
        if kind == 6:
            return ("tick", rng.choice((-50, 7_000, 60_000)))
        if kind == 7:
            error = rng.choice((None, ConnectionResetError("reset"), OSError()))
            return ("lost", error, rng.choice((None, 1000, 1006, 1012)), rng.random() < 0.5)
        if kind == 8:
            return ("reconnected", rng.choice((None, 1, 3)))
        if kind == 9:
            return ("context", rng.choice((None, "", *IDS)))
        return ("close", rng.choice((None, 1000, 1011)), rng.choice((None, RuntimeError("x"))))

    # -- realistic turns -------------------------------------------------------------------------

    def added(self, item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        if self.dialect == "beta":
            return [("server", ev.conversation_item_added("beta", item=item, previous_item_id=None))]
        return [
            ("server", ev.conversation_item_added("ga", item=item, previous_item_id=None)),
            ("server", ev.conversation_item_done(item=item, previous_item_id=None)),
        ]

    def user_audio(self, item: str) -> list[tuple[str, dict[str, Any]]]:
        rng = self.rng
        steps: list[tuple[str, dict[str, Any]]] = [
            ("client", {"type": "input_audio_buffer.append", "audio": AUDIO_100MS}) for _ in range(3)
        ]
        if rng.random() < 0.2:
            steps.append(("client", {"type": "input_audio_buffer.commit"}))
        steps += [
            ("server", ev.speech_started(item_id=item, audio_start_ms=rng.randrange(5000))),
            ("server", ev.speech_stopped(item_id=item, audio_end_ms=rng.randrange(9000))),
            ("server", ev.input_audio_buffer_committed(item_id=item, previous_item_id=None)),
        ]
        return steps + self.added(ev.user_audio_item(self.dialect, item_id=item))

    def transcript(self, item: str) -> tuple[str, dict[str, Any]]:
        roll = self.rng.randrange(4)
        if roll == 0:
            return ("server", ev.input_audio_transcription_failed(item_id=item))
        if roll == 1:
            return ("server", ev.input_audio_transcription_delta(item_id=item, delta="hel"))
        usage = ev.transcription_usage_duration(1.0)
        return (
            "server",
            ev.input_audio_transcription_completed(item_id=item, transcript="hello there", usage=usage),
        )

    def response(
        self, rid: str, *, kind: str = "audio", status: str = "completed", details: Any = None, **extra: Any
    ) -> list[tuple[str, dict[str, Any]]]:
        rng, dialect = self.rng, self.dialect
        out = rng.choice(OUT_ITEMS)
        where = {"response_id": rid, "item_id": out, "output_index": 0}
        ids_ = {**where, "content_index": 0}
        steps: list[tuple[str, dict[str, Any]]] = [
            ("server", ev.response_created(ev.response_object(dialect, response_id=rid, **extra)))
        ]
        if kind == "tool":
            call = rng.choice(CALL_IDS)
            args = '{"city":"Paris"}'
            item = ev.function_call_item(dialect, item_id=out, call_id=call, name="get_weather")
            steps.append(("server", ev.output_item_added(response_id=rid, output_index=0, item=item)))
            for piece in ('{"city":', '"Paris"}')[: rng.randrange(3)]:
                steps.append(("server", ev.function_call_arguments_delta(call_id=call, delta=piece, **where)))
            steps.append(
                (
                    "server",
                    ev.function_call_arguments_done(
                        dialect, call_id=call, name="get_weather", arguments=args, **where
                    ),
                )
            )
            final = ev.function_call_item(
                dialect, item_id=out, call_id=call, name="get_weather", arguments=args, status="completed"
            )
        else:
            item = ev.assistant_message_item(dialect, item_id=out)
            steps.append(("server", ev.output_item_added(response_id=rid, output_index=0, item=item)))
            for _ in range(rng.randrange(4)):
                if kind == "audio":
                    huge = rng.random() < 0.03
                    delta = _huge_audio(rng.choice(HUGE_SIZES)) if huge else AUDIO_100MS
                    steps.append(("server", ev.output_audio_delta(dialect, delta=delta, **ids_)))
                    steps.append(("server", ev.output_audio_transcript_delta(dialect, delta="Hi ", **ids_)))
                else:
                    steps.append(("server", ev.output_text_delta(dialect, delta="Hi ", **ids_)))
            if kind == "audio":
                steps.append(("server", ev.output_audio_done(dialect, **ids_)))
                steps.append(
                    ("server", ev.output_audio_transcript_done(dialect, transcript="Hi there", **ids_))
                )
                content = [ev.audio_content(dialect, "Hi there")]
            else:
                steps.append(("server", ev.output_text_done(dialect, text="Hi there", **ids_)))
                content = [ev.text_content(dialect, "Hi there")]
            final = ev.assistant_message_item(dialect, item_id=out, status="completed", content=content)
        steps.append(("server", ev.output_item_done(response_id=rid, output_index=0, item=final)))
        usage = ev.usage(
            dialect, input_text_tokens=10, input_audio_tokens=20, output_text_tokens=5, output_audio_tokens=30
        )
        body = ev.response_object(
            dialect,
            response_id=rid,
            status=status,
            output=[final],
            usage=usage,
            status_details=details,
            **extra,
        )
        steps.append(("server", ev.response_done(body)))
        return steps

    def turn(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        rng, dialect = self.rng, self.dialect
        rid = rng.choice(RESPONSE_IDS)
        user = rng.choice(USER_ITEMS)
        if kind == "session":
            session = ev.default_session(
                dialect, session_id=rng.choice(("sess_1", "sess_2")), model="gpt-realtime"
            )
            update = {"instructions": "Be brief.", "tools": [{"type": "function", "name": "get_weather"}]}
            make = rng.choice((ev.session_created, ev.session_updated))
            return [
                ("client", {"type": "session.update", "session": update}),
                ("server", make(session)),
                ("server", {"type": "conversation.created", "conversation": {"id": "conv_1"}}),
            ]
        if kind == "voice":
            steps = self.user_audio(user)
            late = rng.random() < 0.5
            if not late:
                steps.append(self.transcript(user))
            steps += self.response(rid)
            if late:
                steps.append(self.transcript(user))
            return steps
        if kind == "text":
            item = ev.user_text_item(dialect, item_id=user, text="And tomorrow?")
            return [
                ("client", {"type": "conversation.item.create", "item": item}),
                *self.added(item),
                ("client", {"type": "response.create"}),
                *self.response(rid, kind="text", modalities=["text"]),
            ]
        if kind == "tool":
            call_steps = self.response(rid, kind="tool")
            call = next(e["call_id"] for _, e in call_steps if e["type"].endswith("arguments.done"))
            output = ev.function_call_output_item(dialect, item_id=user, call_id=call, output='{"t":18}')
            follow = rng.choice([r for r in RESPONSE_IDS if r != rid])
            return [
                ("client", {"type": "response.create"}),
                *call_steps,
                ("client", {"type": "conversation.item.create", "item": output}),
                *self.added(output),
                ("client", {"type": "response.create"}),
                *self.response(follow),
            ]
        if kind == "barge_in":
            steps = self.user_audio(user)
            turn = self.response(rid, status="cancelled", details=ev.cancelled_status_details())
            done = turn.pop()
            steps += turn
            steps.append(("server", ev.speech_started(item_id="item_u9", audio_start_ms=4000)))
            steps.append(done)
            out = next(e["item_id"] for _, e in turn if "item_id" in e)
            end_ms = rng.randrange(2000)
            truncate = {"type": "conversation.item.truncate", "item_id": out, "content_index": 0}
            steps.append(("client", {**truncate, "audio_end_ms": end_ms}))
            steps.append(
                ("server", ev.conversation_item_truncated(item_id=out, content_index=0, audio_end_ms=end_ms))
            )
            return steps
        if kind == "out_of_band":
            metadata = {"topic": "summary"}
            create = {"conversation": "none", "metadata": metadata, "instructions": "Sum up."}
            return [
                ("client", {"type": "response.create", "response": create}),
                *self.response(rid, kind="text", modalities=["text"], metadata=metadata),
            ]
        if kind == "failed":
            details = ev.failed_status_details(message="boom")
            return [
                ("client", {"type": "response.create"}),
                *self.response(rid, status="failed", details=details),
            ]
        if kind == "incomplete":
            reason = rng.choice(("max_output_tokens", "content_filter"))
            return self.response(rid, status="incomplete", details=ev.incomplete_status_details(reason))
        if kind == "error":
            code = rng.choice(("invalid_value", "session_expired", None))
            return [("server", ev.error_event(error_type="invalid_request_error", code=code, message="bad"))]
        if kind == "mcp":
            done = rng.choice(("response.mcp_call.completed", "response.mcp_call.failed"))
            return [
                ("server", {"type": "response.mcp_call.in_progress", "item_id": user, "output_index": 0}),
                ("server", {"type": "response.mcp_call_arguments.done", "item_id": user, "arguments": "{}"}),
                ("server", {"type": done, "item_id": user, "output_index": 0}),
            ]
        raise AssertionError(kind)

    # -- whole streams ---------------------------------------------------------------------------

    def stream(self, kinds: list[str], chaos: int) -> list[Op]:
        """The turns, each event delivered in some form; ``chaos`` percent of them mutated,
        dropped, swapped, duplicated, or followed by junk or a transport fact."""
        rng = self.rng
        events: list[tuple[str, Any]] = []
        for kind in kinds:
            events += self.turn(kind)
        ops: list[Op] = []
        i = 0
        while i < len(events):
            who, event = events[i]
            action = rng.choice(("drop", "swap", "mutate", "mutate", "twice", "extra"))
            if rng.randrange(100) >= chaos:
                action = "none"
            if action == "drop":
                i += 1
                continue
            if action == "swap" and i + 1 < len(events):
                events[i], events[i + 1] = events[i + 1], events[i]
                who, event = events[i]
            if action == "mutate":
                event = self.mutate(event)
            form = rng.choice(FRAME_FORMS)
            ops.append((who, form, event))
            if action == "twice":
                ops.append((who, rng.choice(FRAME_FORMS), event))
            if action == "extra":
                ops.append(self.extra())
            tick = rng.choice(TICKS)
            if tick:
                ops.append(("tick", tick))
            i += 1
        if rng.random() < 0.5:  # let held responses reach their deadline
            ops.append(("tick", rng.choice((10, 2_000, 10_000))))
            ops.append(("server", "dict", {"type": "rate_limits.updated", "rate_limits": []}))
        return ops


def _typed_first(event: Any) -> str:
    if isinstance(event, dict) and "type" in event:
        event = {"type": event["type"], **{k: v for k, v in event.items() if k != "type"}}
    return json.dumps(event, separators=(",", ":"))


def stream_ops(dialect: str, kinds: list[str], chaos: int, seed: int) -> list[Op]:
    return Gen(dialect, random.Random(seed)).stream(kinds, chaos)


def junk_ops(dialect: str, count: int, seed: int) -> list[Op]:
    gen = Gen(dialect, random.Random(seed))
    return [gen.extra() for _ in range(count)]


dialects = st.sampled_from(ev.DIALECTS)
turn_kinds = st.lists(st.sampled_from(TURN_KINDS), min_size=1, max_size=6)
chaos_levels = st.integers(0, 40)
seeds = st.integers(0, 2**32 - 1)


# ------------------------------------------------------------------------------------------------
# Driving the session
# ------------------------------------------------------------------------------------------------


def _models(dialect: str) -> tuple[Any, Any]:
    """(parse a server frame into an SDK model, build an SDK client event model), or Nones."""
    try:
        from openai._models import construct_type_unchecked

        if dialect == "ga":
            from openai.resources.realtime.realtime import RealtimeConnection
            from openai.types.realtime import RealtimeClientEvent
        else:
            from openai.resources.beta.realtime.realtime import RealtimeConnection
            from openai.types.beta.realtime import RealtimeClientEvent
    except ImportError:
        return None, None

    def server(event: Any) -> Any:
        return RealtimeConnection.parse_event(None, json.dumps(event))

    def client(event: Any) -> Any:
        return construct_type_unchecked(value=event, type_=RealtimeClientEvent)

    return server, client


def deliver(session: RealtimeSession, dialect: str, op: tuple[Any, ...]) -> None:
    who = op[0]
    if who in ("server", "client"):
        _, form, event = op
        server = who == "server"
        if form == "raw":
            (session.server_frame if server else session.client_frame)(event)
        elif form in ("object", "dict"):
            (session.server_event if server else session.client_event)(event)
        elif form == "model":
            to_server_model, to_client_model = _models(dialect)
            try:
                model = (to_server_model if server else to_client_model)(event)
            except Exception:
                model = None  # not even the SDK can build it
            if model is not None:
                (session.server_event if server else session.client_event)(model)
        else:
            text = json.dumps(event) if form == "unordered" else _typed_first(event)
            data: Any = {
                "str": text,
                "unordered": text,
                "bytes": text.encode(),
                "frame": text.encode(),
                "bytearray": bytearray(text.encode()),
                "memoryview": memoryview(text.encode()),
            }[form]
            (session.server_frame if server else session.client_frame)(data)
    elif who == "tick":
        pass  # handled by the caller (it owns the clock)
    elif who == "lost":
        session.transport_lost(op[1], op[2], op[3])
    elif who == "reconnected":
        session.reconnected(op[1])
    elif who == "context":
        session.response_context(op[1])
    elif who == "close":
        session.close(code=op[1], error=op[2])
    else:
        raise AssertionError(op)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000 * 10**9

    def __call__(self) -> int:
        return self.now


def run_stream(
    dialect: str, ops: list[Op], options: dict[str, Any], logs: Records, *, encode: bool = True
) -> list[ReadableSpan]:
    """Feed ``ops`` to a fresh session, close it, check every invariant; returns the spans."""
    pipeline = fuzz_pipeline()
    pipeline.reset()
    logs.records.clear()
    clock = FakeClock()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydantic complains about models built from junk
        session = RealtimeSession(
            pipeline.telemetry(options), model="gpt-realtime", clock=clock, api=dialect, server_port=443
        )
        session.connected()
        closed_with: Optional[int] = None
        for op in ops:
            if op[0] == "tick":
                clock.now += int(op[1] * 1_000_000)
                continue
            deliver(session, dialect, op)  # must never raise
            check_bounded(session)
            if session.closed and closed_with is None:
                closed_with = len(pipeline.tracker.started)
        session.close()
        session.close()  # idempotent
        if closed_with is not None:
            assert len(pipeline.tracker.started) == closed_with, "a span was started after close()"
        return check_spans(pipeline, session, logs, encode=encode)


def _redact(kind: str, value: str) -> Optional[str]:
    if "raise" in value or kind == "tool_result":
        raise ValueError("redaction hook failure")
    return None if kind == "input_text" else value.upper()


OPTIONS = st.sampled_from(
    [
        {},
        {"capture_content": "SPAN_ONLY"},
        {"capture_content": "SPAN_AND_EVENT", "capture_audio": True, "max_content_length": 64},
        {"capture_content": "EVENT_ONLY", "braintrust": False, "transcript_wait_seconds": 0},
        {"capture_content": "SPAN_ONLY", "redact": _redact, "max_audio_bytes": 10},
    ]
)


@pytest.fixture
def logs() -> Iterator[Records]:
    """Log capture for a whole Hypothesis test (cleared before each example)."""
    with capture_logs() as records:
        yield records


def run_genome(dialect: str, ops: list[Op], options: dict[str, Any], logs: Records, seed: int) -> None:
    try:
        run_stream(dialect, ops, options, logs, encode=seed % 4 == 0)
    except BaseException:
        note(f"operations:\n{pprint.pformat(ops, width=110)}")
        raise


@fuzz_settings(1000)
@given(dialect=dialects, kinds=turn_kinds, chaos=chaos_levels, seed=seeds, options=OPTIONS)
def test_generated_streams_never_raise_and_end_every_span(logs, dialect, kinds, chaos, seed, options):
    """Realistic turns of both dialects, made chaotic, in every input form."""
    run_genome(dialect, stream_ops(dialect, kinds, chaos, seed), options, logs, seed)


@fuzz_settings(1000)
@given(dialect=dialects, count=st.integers(0, 60), seed=seeds, options=OPTIONS)
def test_junk_streams_never_raise_and_end_every_span(logs, dialect, count, seed, options):
    """Nothing but junk events and frames, clock jumps, transport losses, reconnects and closes."""
    run_genome(dialect, junk_ops(dialect, count, seed), options, logs, seed)


# ------------------------------------------------------------------------------------------------
# Regressions the fuzzer found, and bounded memory
# ------------------------------------------------------------------------------------------------


def _session(options: Optional[dict[str, Any]] = None, tracer_provider: Any = None) -> RealtimeSession:
    pipeline = fuzz_pipeline()
    pipeline.reset()
    telemetry = Telemetry(
        Settings.from_options(options or {}, environ={}),
        tracer_provider or pipeline.tracer_provider,
        pipeline.meter_provider,
    )
    session = RealtimeSession(telemetry, model="gpt-realtime", clock=FakeClock(), api="ga")
    session.connected()
    return session


def test_response_done_whose_output_is_not_a_list_still_ends_the_turn(logs):
    """Found by the fuzzer: ``"output": 7`` made ``response.done`` raise half-way and be lost."""
    session = _session()
    session.server_event({"type": "response.created", "response": {"id": "resp_1"}})
    done = {"id": "resp_1", "status": "completed", "output": 7, "usage": {"input_tokens": 3}}
    session.server_event({"type": "response.done", "response": done})
    (turn,) = fuzz_pipeline().exporter.get_finished_spans()  # ended at response.done, not at close
    assert turn.attributes["openai.realtime.response.status"] == "completed"
    assert turn.attributes["gen_ai.usage.input_tokens"] == 3
    assert logs.swallowed() == []


def test_counts_outside_int64_are_not_recorded(logs):
    """Found by the fuzzer: a usage count of 2**64 became an attribute no OTLP exporter can send."""
    session = _session()
    usage = {
        "input_tokens": 2**64,
        "output_tokens": -(2**63) - 1,
        "input_token_details": {"cached_tokens": 5},
    }
    session.server_event(
        {"type": "response.done", "response": {"id": "r", "status": "completed", "usage": usage}}
    )
    session.close()
    (turn,) = [s for s in fuzz_pipeline().exporter.get_finished_spans() if s.name.startswith("chat")]
    assert "gen_ai.usage.input_tokens" not in turn.attributes
    assert "gen_ai.usage.output_tokens" not in turn.attributes
    assert turn.attributes["gen_ai.usage.cache_read.input_tokens"] == 5


def test_negative_token_counts_are_not_recorded_in_the_histogram(logs):
    """Found by the fuzzer: a negative count made the SDK warn "Record amount must be non-negative"."""
    session = _session()
    usage = {"input_tokens": -3, "output_tokens": 7}
    session.server_event(
        {"type": "response.done", "response": {"id": "r", "status": "completed", "usage": usage}}
    )
    session.close()
    assert logs.sdk_warnings() == []
    data = fuzz_pipeline().metric_reader.get_metrics_data()
    points = [
        (dict(p.attributes)["gen_ai.token.type"], p.sum)
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        if m.name == "gen_ai.client.token.usage"
        for p in m.data.data_points
    ]
    assert ("input", -3) not in points and all(total >= 0 for _, total in points)
    assert any(kind == "output" for kind, _ in points)


@pytest.mark.parametrize("event", [None, 3, "response.create", object()])
def test_client_events_that_are_not_objects_are_ignored_quietly(logs, event):
    """Found by the fuzzer: a non-dict client event raised inside the session (caught, but a bug)."""
    session = _session()
    session.client_event(event)
    session.close()
    assert logs.swallowed() == []


def _voice_turn(session: RealtimeSession, clock: FakeClock, n: int, audio: str) -> None:
    user, rid, out = f"item_u{n}", f"resp_{n}", f"item_o{n}"
    for _ in range(2):
        session.client_event({"type": "input_audio_buffer.append", "audio": audio})
    frames = [
        ev.speech_started(item_id=user, audio_start_ms=0),
        ev.speech_stopped(item_id=user, audio_end_ms=400),
        ev.input_audio_buffer_committed(item_id=user, previous_item_id=None),
        ev.input_audio_transcription_completed(
            item_id=user, transcript="hello", usage=ev.transcription_usage_duration(0.4)
        ),
        ev.response_created(ev.response_object("ga", response_id=rid)),
        *[
            ev.output_audio_delta(
                "ga", response_id=rid, item_id=out, output_index=0, content_index=0, delta=audio
            )
            for _ in range(2)
        ],
        ev.output_audio_transcript_done(
            "ga", response_id=rid, item_id=out, output_index=0, content_index=0, transcript="hi"
        ),
        ev.response_done(ev.response_object("ga", response_id=rid, status="completed")),
    ]
    for event in frames:
        session.server_frame(_typed_first(event).encode())
    clock.now += 5 * 10**9  # past every hold deadline


@pytest.mark.parametrize(
    "options",
    [{}, {"capture_content": "SPAN_AND_EVENT", "capture_audio": True}],
    ids=["default", "audio-capture"],
)
def test_memory_stays_bounded_over_a_long_session(options):
    """A long voice session keeps a small, constant amount of memory (ended spans are the
    exporter's business, not ours).

    Before the fix, each of the 256 remembered turns kept its ended span, with the captured WAV
    content, and its raw audio: ~400 MB after 1000 turns of 2 s with audio capture on.
    """
    import gc
    import tracemalloc

    audio = ev.audio_chunk(200)
    gc.collect()
    tracemalloc.start()
    try:
        provider = TracerProvider()  # no processor: spans are dropped once ended
        session = _session(options, tracer_provider=provider)
        clock = session._clock
        for n in range(records.MAX_TRACKED + 20):  # every bounded store full
            _voice_turn(session, clock, n, audio)
        gc.collect()
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    check_bounded(session)
    # 276 turns moved ~11 MB of audio in and out: what stays is a few KB a remembered turn
    assert kept < 3 * 1024 * 1024, f"{kept} bytes kept"
    session.close()


def test_ids_that_never_complete_stay_bounded(logs):
    """A server that starts and never finishes things: every store is capped, every span ends."""
    session = _session()
    for n in range(3 * records.MAX_TRACKED):
        session.server_event({"type": "response.created", "response": {"id": f"resp_{n}"}})
        session.server_event(
            {"type": "input_audio_buffer.speech_started", "item_id": f"u{n}", "audio_start_ms": 1}
        )
        session.server_event({"type": "input_audio_buffer.committed", "item_id": f"c{n}"})
        session.server_event(
            {
                "type": "response.function_call_arguments.done",
                "response_id": f"resp_{n}",
                "item_id": f"o{n}",
                "call_id": f"call_{n}",
            }
        )
        session.server_event({"type": "response.mcp_call.in_progress", "item_id": f"m{n}"})
        session.client_event({"type": "response.create"})
        check_bounded(session)
    session.close()
    check_spans(fuzz_pipeline(), session, logs)
    evicted = [
        s
        for s in fuzz_pipeline().exporter.get_finished_spans()
        if (s.attributes or {}).get("error.type") == "evicted"
    ]
    assert len(evicted) >= 2 * records.MAX_TRACKED


# ------------------------------------------------------------------------------------------------
# Part 2: generated streams through the real openai SDK, bare and instrumented
# ------------------------------------------------------------------------------------------------

SENTINEL = b'{"type":"fuzz.sentinel","event_id":"fuzz"}'
ACK = {"type": "conversation.item.retrieve", "item_id": "fuzz_ack"}
ENDINGS = ("close:1000", "close:1001", "close:1011", "close:4000", "drop")
READERS = ("iterate", "recv", "recv_bytes")
# An app that stops reading (it raised) leaves frames queued; with websockets' flow control the
# client then never reads the server's close frame and close() waits its 10 s timeout, with or
# without us. The examples would be slow, not different.
NO_FLOW_CONTROL = {"max_queue": None}


def _frame(op: Op) -> Optional[bytes]:
    """The bytes a server would send for a generated server operation (None: not a frame)."""
    if op[0] != "server":
        return None
    _, form, event = op
    if form == "raw":
        return event if isinstance(event, bytes) else str(event).encode("utf-8", "surrogatepass")
    if form == "object":
        return None
    try:
        text = json.dumps(event) if form == "unordered" else _typed_first(event)
    except (TypeError, ValueError):
        return None
    return text.encode("utf-8", "surrogatepass")


class SdkScripts:
    """What the server plays on each connection, keyed by the model the app connects with."""

    def __init__(self) -> None:
        self.scripts: dict[str, tuple[list[bytes], str]] = {}
        self.count = 0

    def add(self, frames: list[bytes], ending: str) -> str:
        self.count += 1
        model = f"fuzz-{self.count}"
        self.scripts[model] = (frames, ending)
        return model

    async def scenario(self, conn: Any) -> None:
        """Send the frames as they are (the simulator has no raw-frame API: write to its socket),
        then a sentinel the app acknowledges, then end the connection the scripted way."""
        from websockets.exceptions import ConnectionClosed

        frames, ending = self.scripts.pop(conn.model)
        ws = conn._ws
        try:
            for data in [*frames, SENTINEL]:
                try:
                    await ws.send(data.decode("utf-8"))  # a text frame, as the API sends
                except UnicodeDecodeError:
                    await ws.send(data)  # not UTF-8: a binary frame
            while (await conn.recv(timeout=10)).get("type") != ACK["type"]:
                pass
        except (ConnectionClosed, ConnectionError, TimeoutError, OSError):
            return  # the app left early (an exception of its own): nothing more to play
        if ending == "drop":
            await conn.drop()
        else:
            await conn.close(int(ending.split(":")[1]))


def _dump(event: Any) -> str:
    return repr(event)  # NaN-safe, and covers every field of an SDK model


def _outcome(exc: Optional[BaseException]) -> Optional[tuple[str, str]]:
    return None if exc is None else (type(exc).__qualname__, str(exc))


async def _async_app(
    client: Any, api: str, reader: str, model: str, sends: list[Any]
) -> tuple[list[str], Optional[tuple[str, str]]]:
    realtime = client.realtime if api == "ga" else client.beta.realtime
    seen: list[str] = []
    try:
        async with realtime.connect(model=model, websocket_connection_options=NO_FLOW_CONTROL) as conn:
            for event in sends:
                await conn.send(event)
            iterator = conn.__aiter__()
            while True:
                if reader == "iterate":
                    event = await asyncio.wait_for(iterator.__anext__(), 10)
                elif reader == "recv":
                    event = await asyncio.wait_for(conn.recv(), 10)
                else:
                    event = conn.parse_event(await asyncio.wait_for(conn.recv_bytes(), 10))
                seen.append(_dump(event))
                if getattr(event, "type", None) == "fuzz.sentinel":
                    await conn.send(ACK)
    except StopAsyncIteration:
        return seen, ("end", "")
    except Exception as exc:
        return seen, _outcome(exc)
    raise AssertionError("unreachable")


def _sync_app(
    client: Any, api: str, reader: str, model: str, sends: list[Any]
) -> tuple[list[str], Optional[tuple[str, str]]]:
    realtime = client.realtime if api == "ga" else client.beta.realtime
    seen: list[str] = []
    try:
        with realtime.connect(model=model, websocket_connection_options=NO_FLOW_CONTROL) as conn:
            for event in sends:
                conn.send(event)
            iterator = iter(conn)
            while True:
                if reader == "iterate":
                    event = next(iterator)
                elif reader == "recv":
                    event = conn.recv()
                else:
                    event = conn.parse_event(conn.recv_bytes())
                seen.append(_dump(event))
                if getattr(event, "type", None) == "fuzz.sentinel":
                    conn.send(ACK)
    except StopIteration:
        return seen, ("end", "")
    except Exception as exc:
        return seen, _outcome(exc)


class SdkRig:
    """One simulator per dialect, in a thread, serving every example's two connections."""

    def __init__(self) -> None:
        from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator

        self.scripts = SdkScripts()
        self.sims: dict[str, Any] = {}
        self.clients: dict[tuple[str, str], Any] = {}
        self._stack = contextlib.ExitStack()
        for api in ev.installed_dialects():
            sim = RealtimeSimulator(
                self.scripts.scenario, dialect=api, validate=False, auto_respond=False, timeout=10
            )
            self._stack.enter_context(sim.run_in_thread())
            self.sims[api] = sim

    def close(self) -> None:
        self._stack.close()

    def run(
        self, api: str, mode: str, reader: str, frames: list[bytes], ending: str, sends: list[Any]
    ) -> Any:
        model = self.scripts.add(frames, ending)
        client = self.clients.get((api, mode))
        if client is None:  # made once: building a client loads the CA bundle (~50 ms)
            import openai

            cls = openai.AsyncOpenAI if mode == "async" else openai.OpenAI
            client = self.clients[(api, mode)] = cls(**self.sims[api].client_options())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydantic warns when dumping models built from junk
            if mode == "async":
                return asyncio.run(_async_app(client, api, reader, model, sends))
            return _sync_app(client, api, reader, model, sends)


@pytest.fixture(scope="module")
def sdk_rig() -> Iterator[SdkRig]:
    rig = SdkRig()
    try:
        yield rig
    finally:
        rig.close()


def sdk_stream(
    api: str, kinds: list[str], chaos: int, seed: int, junk: bool
) -> tuple[list[bytes], list[Any]]:
    """Server frames (possibly not JSON, possibly huge) and a few client events to send."""
    gen = Gen(api, random.Random(seed))
    ops = gen.stream(kinds, chaos)
    frames: list[bytes] = []
    sends: list[Any] = []
    for op in ops:
        frame = _frame(op)
        if frame is not None:
            frames.append(frame)
        elif op[0] == "client" and op[1] != "raw" and isinstance(op[2], dict) and len(sends) < 4:
            sends.append(op[2])
        if junk and gen.rng.random() < 0.02:
            frames.append(gen.rng.choice(RAW_FRAMES))
    return frames, sends


@pytest.mark.sdk
@fuzz_settings(150)
@given(
    api=st.sampled_from(ev.installed_dialects()),
    mode=st.sampled_from(("async", "async", "sync")),
    reader=st.sampled_from(READERS),
    kinds=st.lists(st.sampled_from(TURN_KINDS), min_size=1, max_size=3),
    chaos=chaos_levels,
    seed=seeds,
    junk=st.booleans(),
    ending=st.sampled_from(ENDINGS),
)
def test_sdk_app_sees_the_same_events_and_exceptions_instrumented(
    sdk_rig, logs, api, mode, reader, kinds, chaos, seed, junk, ending
):
    """Through the real SDK: the app sees the same events and the same exception with and without
    the instrumentation, nothing of ours escapes, and every span is ended once the connection is."""
    from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor

    frames, sends = sdk_stream(api, kinds, chaos, seed, junk)
    bare = sdk_rig.run(api, mode, reader, frames, ending, sends)
    pipeline = fuzz_pipeline()
    pipeline.reset()
    logs.records.clear()
    instrumentor = OpenAIRealtimeInstrumentor()
    instrumentor.instrument(
        tracer_provider=pipeline.tracer_provider, meter_provider=pipeline.meter_provider, skip_dep_check=True
    )
    try:
        traced = sdk_rig.run(api, mode, reader, frames, ending, sends)
        open_spans = pipeline.tracker.open_spans()  # before uninstrument() ends what is left
    finally:
        instrumentor.uninstrument()
    note(f"bare outcome: {bare[1]}, events: {len(bare[0])}")
    hypothesis.event(f"app outcome: {bare[1][0] if bare[1] else None}")
    assert traced[1] == bare[1], "the app saw a different exception"
    assert traced[0] == bare[0], "the app saw different events"
    assert open_spans == [], "spans still open after the connection closed"
    sessions = [s for s in pipeline.exporter.get_finished_spans() if s.parent is None]
    assert len(sessions) == 1
    root = sessions[0].context
    for span in pipeline.exporter.get_finished_spans():
        assert span.context.trace_id == root.trace_id
        assert span.parent is None or span.parent.span_id == root.span_id
        check_attributes(span.name, span.attributes)
    assert all(count == 1 for count in pipeline.tracker.ended.values())
    assert logs.swallowed() == []
