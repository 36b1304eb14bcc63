"""Shared fixtures: in-memory OpenTelemetry pipelines and a controllable clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor
from opentelemetry_instrumentation_openai_realtime.config import Settings
from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession
from opentelemetry_instrumentation_openai_realtime.telemetry.instruments import Telemetry

MS = 1_000_000


class Clock:
    """A fake nanosecond clock, advanced by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000 * 1_000_000_000

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += int(ms * MS)


class Pipeline:
    """Spans and metrics of one test."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.log_exporter = InMemoryLogRecordExporter()
        self.logger_provider = LoggerProvider()
        self.logger_provider.add_log_record_processor(SimpleLogRecordProcessor(self.log_exporter))

    def logs(self) -> list[Any]:
        return [data.log_record for data in self.log_exporter.get_finished_logs()]

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def by_op(self, operation: str) -> list[ReadableSpan]:
        found = [s for s in self.spans() if (s.attributes or {}).get("gen_ai.operation.name") == operation]
        return sorted(found, key=lambda s: s.start_time or 0)

    def session_span(self) -> ReadableSpan:
        (span,) = self.by_op("realtime_session")
        return span

    def responses(self) -> list[ReadableSpan]:
        return self.by_op("chat")

    def tools(self) -> list[ReadableSpan]:
        return self.by_op("execute_tool")

    def metrics(self) -> dict[str, list[Any]]:
        result: dict[str, list[Any]] = {}
        data = self.reader.get_metrics_data()
        for rm in data.resource_metrics if data else ():
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    result.setdefault(metric.name, []).extend(metric.data.data_points)
        return result


@pytest.fixture
def pipeline() -> Pipeline:
    return Pipeline()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_session(pipeline: Pipeline, clock: Clock) -> Callable[..., RealtimeSession]:
    def make(**options: Any) -> RealtimeSession:
        model = options.pop("model", "gpt-realtime")
        settings = Settings.from_options(options, environ={})
        telemetry = Telemetry(
            settings, pipeline.tracer_provider, pipeline.meter_provider, pipeline.logger_provider
        )
        session = RealtimeSession(telemetry, model=model, clock=clock, api="ga")
        session.connected()
        return session

    return make


@pytest.fixture
def instrumented(pipeline: Pipeline) -> Iterator[Callable[..., Pipeline]]:
    """Instrument the real SDK (call with instrument() options); always uninstrumented after."""
    instrumentor = OpenAIRealtimeInstrumentor()

    def instrument(**options: Any) -> Pipeline:
        instrumentor.instrument(
            tracer_provider=pipeline.tracer_provider,
            meter_provider=pipeline.meter_provider,
            logger_provider=pipeline.logger_provider,
            **options,
        )
        return pipeline

    yield instrument
    instrumentor.uninstrument()


def frame(event: dict[str, Any]) -> bytes:
    """A server frame as the API sends it: compact JSON with ``type`` first."""
    ordered = {"type": event["type"], **{k: v for k, v in event.items() if k != "type"}}
    return json.dumps(ordered, separators=(",", ":")).encode()
