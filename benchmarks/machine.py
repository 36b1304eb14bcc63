"""The state machine driven directly, as the memory and breakdown modes do: a settable clock, a
telemetry pipeline (the SDK's providers with a dropping exporter, or the API's no-op ones), and a
session fed as ``recv_bytes`` would feed it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

NS_PER_DELTA = 100_000_000  # 100 ms of audio


class Clock:
    """The session's clock, advanced by the caller (100 ms per audio delta)."""

    def __init__(self) -> None:
        self.now = time.time_ns()

    def __call__(self) -> int:
        return self.now


SIGNALS = ("all", "traces", "metrics")


class Pipeline:
    """Telemetry for one session: with ``sdk``, a ``TracerProvider`` + ``BatchSpanProcessor``
    whose exporter counts and drops the spans and a ``MeterProvider`` with an in-memory reader;
    without, the API's no-op providers (the state machine's own work only). ``sdk`` may also name
    one signal (``"traces"`` or ``"metrics"``): the SDK's provider for it, the no-op one for the
    other, to tell what each signal costs."""

    def __init__(self, sdk: bool | str = True, capture: bool = False) -> None:
        from opentelemetry.metrics import NoOpMeterProvider
        from opentelemetry.trace import NoOpTracerProvider

        from opentelemetry_instrumentation_openai_realtime.config import Settings
        from opentelemetry_instrumentation_openai_realtime.telemetry.instruments import Telemetry

        signals = ("all" if sdk is True else sdk) or "none"
        if signals not in (*SIGNALS, "none"):
            raise ValueError(f"sdk: one of {SIGNALS}, True or False, not {sdk!r}")
        self.exported = 0
        self.reader: Any = None
        self.tracer_provider: Any = NoOpTracerProvider()
        meter_provider: Any = NoOpMeterProvider()
        if signals in ("all", "traces"):
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

            pipeline = self

            class DropExporter(SpanExporter):  # type: ignore[misc]
                def export(self, batch: Sequence[Any]) -> Any:
                    pipeline.exported += len(batch)
                    return SpanExportResult.SUCCESS

                def shutdown(self) -> None:
                    pass

            self.tracer_provider = TracerProvider()
            self.tracer_provider.add_span_processor(BatchSpanProcessor(DropExporter()))
        if signals in ("all", "metrics"):
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import InMemoryMetricReader

            self.reader = InMemoryMetricReader()
            meter_provider = MeterProvider(metric_readers=[self.reader])
        options = {"capture_content": "SPAN_ONLY" if capture else False}
        self.telemetry = Telemetry(
            Settings.from_options(options, environ={}), self.tracer_provider, meter_provider
        )

    def flush(self) -> None:
        """Export the ended spans and collect the metrics (the SDK's share of the work)."""
        force_flush = getattr(self.tracer_provider, "force_flush", None)
        if force_flush is not None:
            force_flush()
        if self.reader is not None:
            self.reader.get_metrics_data()

    def session(self, dialect: str, clock: Clock) -> Any:
        """A connected session, as the instrumentor opens one for a connection."""
        from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession

        session = RealtimeSession(
            self.telemetry,
            model="gpt-realtime",
            server_address="api.openai.com",
            server_port=443,
            api=dialect,
            clock=clock,
        )
        session.connected()
        return session


def sizes(session: Any) -> dict[str, int]:
    """Sizes of the containers a session keeps."""
    return {name: len(store) for name, store in sorted(session._stores().items())}
