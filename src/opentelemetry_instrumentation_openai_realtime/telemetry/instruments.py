"""The OpenTelemetry objects a session writes to: tracer, metric instruments, event logger."""

from __future__ import annotations

import logging
from typing import Any, Optional

from opentelemetry import metrics, trace

from opentelemetry_instrumentation_openai_realtime.config import Settings
from opentelemetry_instrumentation_openai_realtime.version import __version__

from . import semconv as sc

_logger = logging.getLogger(__name__)

SCOPE = "opentelemetry.instrumentation.openai_realtime"
SCHEMA_URL = "https://opentelemetry.io/schemas/1.37.0"

# Bucket advice from the GenAI metric conventions.
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
SESSION_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)


def _histogram(meter: metrics.Meter, name: str, unit: str, description: str, buckets: Any) -> Any:
    try:
        return meter.create_histogram(
            name, unit=unit, description=description, explicit_bucket_boundaries_advisory=list(buckets)
        )
    except TypeError:  # opentelemetry-api older than 1.23 has no advisory parameter
        return meter.create_histogram(name, unit=unit, description=description)


class Telemetry:
    """Everything a session needs to emit, created once per ``instrument()`` call."""

    def __init__(
        self,
        settings: Settings,
        tracer_provider: Optional[trace.TracerProvider] = None,
        meter_provider: Optional[metrics.MeterProvider] = None,
        logger_provider: Any = None,
    ) -> None:
        self.settings = settings
        self.tracer = trace.get_tracer(SCOPE, __version__, tracer_provider, schema_url=SCHEMA_URL)
        meter = metrics.get_meter(SCOPE, __version__, meter_provider, schema_url=SCHEMA_URL)
        self.token_usage = _histogram(
            meter,
            sc.METRIC_TOKEN_USAGE,
            "{token}",
            "Tokens used per model response or input transcription.",
            TOKEN_BUCKETS,
        )
        self.operation_duration = _histogram(
            meter,
            sc.METRIC_OPERATION_DURATION,
            "s",
            "Duration of a model response, from its start to response.done.",
            DURATION_BUCKETS,
        )
        self.time_to_first_chunk = _histogram(
            meter,
            sc.METRIC_TIME_TO_FIRST_CHUNK,
            "s",
            "Time from the start of a response to its first content-bearing delta.",
            DURATION_BUCKETS,
        )
        self.voice_to_voice = _histogram(
            meter,
            sc.METRIC_VOICE_TO_VOICE,
            "s",
            "Time from the end of the user's speech to the first output audio of the response.",
            DURATION_BUCKETS,
        )
        self.tool_duration = _histogram(
            meter,
            sc.METRIC_TOOL_DURATION,
            "s",
            "Tool round trip: from the model's function call to the app sending its output.",
            DURATION_BUCKETS,
        )
        self.transcription_audio = _histogram(
            meter,
            sc.METRIC_TRANSCRIPTION_AUDIO,
            "s",
            "Seconds of input audio billed by a duration-priced transcription model (whisper-1).",
            DURATION_BUCKETS,
        )
        self.session_duration = _histogram(
            meter, sc.METRIC_SESSION_DURATION, "s", "Duration of realtime sessions.", SESSION_BUCKETS
        )
        self.interruptions = meter.create_counter(
            sc.METRIC_INTERRUPTIONS, unit="{interruption}", description="Responses interrupted by the user."
        )
        self.event_logger: Any = None
        if settings.capture.on_events:
            try:
                from opentelemetry._logs import get_logger

                self.event_logger = get_logger(SCOPE, __version__, logger_provider, schema_url=SCHEMA_URL)
            except Exception:  # pragma: no cover - very old opentelemetry-api
                _logger.debug("no logs API: content events are disabled", exc_info=True)

    def emit_event(self, name: str, attributes: dict[str, Any], context: Any, timestamp: int) -> None:
        """Emit a GenAI event as a log record in ``context`` (the span it belongs to)."""
        if self.event_logger is None:
            return
        try:
            from opentelemetry._logs import LogRecord

            try:
                record = LogRecord(
                    timestamp=timestamp,
                    observed_timestamp=timestamp,
                    context=context,
                    attributes=attributes,
                    event_name=name,
                )
            except TypeError:  # opentelemetry-api < 1.35: no context/event_name parameters
                span_context = trace.get_current_span(context).get_span_context()
                record = LogRecord(
                    timestamp=timestamp,
                    observed_timestamp=timestamp,
                    trace_id=span_context.trace_id,
                    span_id=span_context.span_id,
                    trace_flags=span_context.trace_flags,
                    attributes={"event.name": name, **attributes},
                )
            self.event_logger.emit(record)
        except Exception:
            _logger.debug("could not emit %s", name, exc_info=True)
