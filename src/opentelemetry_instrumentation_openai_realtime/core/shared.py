"""What every part of one session's state machine reads and writes: settings, identity, the
session span and its configuration, and the session's counters."""

from __future__ import annotations

from typing import Any, Callable, Optional

from opentelemetry import context as otel_context
from opentelemetry.trace import Span

from opentelemetry_instrumentation_openai_realtime.telemetry.instruments import Telemetry
from opentelemetry_instrumentation_openai_realtime.telemetry.metrics import metric_attributes

from .session_config import SessionConfig

Clock = Callable[[], int]


class Counts:
    """The session's roll-ups, reported on its span when it ends."""

    __slots__ = (
        "completed",
        "errors",
        "interrupted",
        "played_seconds",
        "responses",
        "tools",
        "transcription_input_tokens",
        "transcription_output_tokens",
        "transcription_seconds",
        "transcriptions",
    )

    def __init__(self) -> None:
        self.completed = 0  # turns whose terminal state is completed (interrupted ones are not)
        self.interrupted = 0
        self.responses = 0
        self.tools = 0
        self.errors = 0
        self.played_seconds = 0.0  # audio the server played of responses that sent no audio deltas
        self.transcriptions = 0  # input transcriptions completed, and the usage they reported
        self.transcription_input_tokens: Optional[int] = None
        self.transcription_output_tokens: Optional[int] = None
        self.transcription_seconds: Optional[float] = None


class Shared:
    """One session's common state, handed to each of its parts (turns, inputs, tools, audio)."""

    __slots__ = (
        "capture",
        "clock",
        "config",
        "context",
        "conversation_id",
        "counts",
        "input_modalities",
        "model",
        "provider",
        "session_id",
        "settings",
        "span",
        "store_limit",
        "telemetry",
    )

    def __init__(
        self,
        telemetry: Telemetry,
        clock: Clock,
        model: Optional[str],
        provider: str,
    ) -> None:
        self.telemetry = telemetry
        self.settings = telemetry.settings
        self.capture = self.settings.capture.enabled
        # captured text is kept up to 4x the attribute limit, so the truncation marker can count
        self.store_limit = 4 * self.settings.max_content_length
        self.clock = clock
        self.model = model
        self.provider = provider
        self.config = SessionConfig()
        self.session_id: Optional[str] = None
        self.conversation_id: Optional[str] = None
        self.counts = Counts()
        self.input_modalities: set[str] = set()
        self.span: Span = None  # type: ignore[assignment]  # set by the session once started
        self.context: otel_context.Context = None  # type: ignore[assignment]

    def name(self, operation: str, model: Optional[str] = None) -> str:
        """A span name: ``{operation} {model}``, or the operation alone when the model is unknown."""
        model = model or self.model
        return f"{operation} {model}" if model else operation

    def metric_attributes(self, operation: str, error_type: Optional[str] = None) -> dict[str, Any]:
        """The attributes every metric point of this session carries."""
        return metric_attributes(operation, self.provider, self.model, error_type)
