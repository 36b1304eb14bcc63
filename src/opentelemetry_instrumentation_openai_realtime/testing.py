"""Test helpers for apps that want to assert on their realtime telemetry.

Requires ``opentelemetry-sdk``::

    from opentelemetry_instrumentation_openai_realtime.testing import RealtimeTelemetryRecorder

    with RealtimeTelemetryRecorder() as recorder:       # instruments with in-memory exporters
        run_my_agent()
    session = recorder.sessions()[0]
    turns = recorder.responses(session)
    assert turns[0].attributes["gen_ai.usage.output_tokens"] > 0
"""

from __future__ import annotations

from typing import Any, Optional

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from . import OpenAIRealtimeInstrumentor
from .telemetry import semconv as sc


class RealtimeTelemetryRecorder:
    """Instrument with in-memory span and metric exporters; query what a session emitted."""

    def __init__(self, **instrument_options: Any) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.metric_reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.metric_reader])
        self.instrumentor = OpenAIRealtimeInstrumentor()
        self._options = instrument_options

    def __enter__(self) -> RealtimeTelemetryRecorder:
        self.instrumentor.instrument(
            tracer_provider=self.tracer_provider, meter_provider=self.meter_provider, **self._options
        )
        return self

    def __exit__(self, *exc: Any) -> None:
        self.instrumentor.uninstrument()

    def spans(self) -> list[ReadableSpan]:
        """Every finished span, in end order."""
        return list(self.exporter.get_finished_spans())

    def clear(self) -> None:
        self.exporter.clear()

    def _operation(self, operation: str, parent: Optional[ReadableSpan]) -> list[ReadableSpan]:
        found = [s for s in self.spans() if (s.attributes or {}).get(sc.GEN_AI_OPERATION_NAME) == operation]
        if parent is not None:
            parent_id = parent.context.span_id if parent.context else None
            found = [s for s in found if s.parent is not None and s.parent.span_id == parent_id]
        return sorted(found, key=lambda s: s.start_time or 0)

    def sessions(self) -> list[ReadableSpan]:
        """Finished session spans, by start time."""
        return self._operation(sc.OPERATION_SESSION, None)

    def responses(self, session: Optional[ReadableSpan] = None) -> list[ReadableSpan]:
        """Finished response (``chat``) spans, of one session if given, by start time."""
        return self._operation(sc.OPERATION_CHAT, session)

    def tools(self, session: Optional[ReadableSpan] = None) -> list[ReadableSpan]:
        """Finished tool spans, of one session if given, by start time."""
        return self._operation(sc.OPERATION_EXECUTE_TOOL, session)

    def transcriptions(self, session: Optional[ReadableSpan] = None) -> list[ReadableSpan]:
        """Finished ``speech_to_text`` spans (transcription sessions), of one session if given."""
        return self._operation(sc.OPERATION_TRANSCRIPTION, session)

    def metrics(self) -> dict[str, list[Any]]:
        """Metric name -> data points collected so far."""
        result: dict[str, list[Any]] = {}
        data = self.metric_reader.get_metrics_data()
        for resource_metrics in data.resource_metrics if data else ():
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    result.setdefault(metric.name, []).extend(metric.data.data_points)
        return result
