"""OpenTelemetry instrumentation for OpenAI Realtime sessions.

Zero code: install the package next to ``opentelemetry-distro`` and run your app with
``opentelemetry-instrument python app.py``; the ``openai_realtime`` entry point in the
``opentelemetry_instrumentor`` group loads :class:`OpenAIRealtimeInstrumentor`.

One line::

    from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor

    OpenAIRealtimeInstrumentor().instrument(tracer_provider=..., meter_provider=...)

Every realtime connection then becomes one ``realtime_session {model}`` span, with a
``chat {model}`` span per model response and an ``execute_tool {name}`` span per function call the
app answered, whichever way the app talks (``docs/transports.md``): the openai SDK
(``client.realtime.connect`` or ``client.beta.realtime.connect``, sync or async), or a socket it
opens itself with ``websockets`` (asyncio, sync, legacy; openai-agents, Pipecat, relays) or
``aiohttp`` (LiveKit). ``uninstrument()`` puts every library back as it was.

Options of ``instrument()`` (each also an environment variable, see ``docs/configuration.md``):
``capture_content`` (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``), ``braintrust``,
``capture_audio``, ``max_content_length``, ``max_audio_bytes``, ``transcript_wait_seconds``,
``redact`` (a ``(kind, text) -> text | None`` hook), ``disabled_transports``
(``OTEL_INSTRUMENTATION_OPENAI_REALTIME_DISABLED_TRANSPORTS``: ``openai``, ``websockets``,
``aiohttp``), ``url_prefixes`` (``OTEL_INSTRUMENTATION_OPENAI_REALTIME_URL_PREFIXES``), and
``tracer_provider``, ``meter_provider``, ``logger_provider``.

To parent your own spans (a retrieval, a tool implementation) under the session or the response
in flight::

    from opentelemetry_instrumentation_openai_realtime import response_context

    with tracer.start_as_current_span("lookup", context=response_context(connection)):
        ...
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any, Optional

from opentelemetry import context as otel_context
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]

from . import adapters
from .adapters._patching import session_of
from .config import CaptureMode, Settings
from .core.session import RealtimeSession, SessionState
from .package import _instruments, _instruments_any
from .telemetry.instruments import Telemetry
from .version import __version__

__all__ = [
    "CaptureMode",
    "OpenAIRealtimeInstrumentor",
    "RealtimeSession",
    "SessionState",
    "Settings",
    "__version__",
    "get_session",
    "response_context",
    "session_context",
]

_logger = logging.getLogger(__name__)


class OpenAIRealtimeInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instrument Realtime connections: the openai SDK's (beta and GA, sync and async) and the
    sockets apps open with ``websockets`` or ``aiohttp``."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _check_dependency_conflicts(self) -> Any:
        """Any one of openai, websockets and aiohttp is enough (each is a transport)."""
        try:
            from opentelemetry.instrumentation.dependencies import get_dependency_conflicts

            return get_dependency_conflicts(_instruments, _instruments_any)
        except TypeError:  # an opentelemetry-instrumentation older than "any" dependencies
            return None

    def _instrument(self, **kwargs: Any) -> None:
        settings = Settings.from_options(kwargs)
        telemetry = Telemetry(
            settings,
            tracer_provider=kwargs.get("tracer_provider"),
            meter_provider=kwargs.get("meter_provider"),
            logger_provider=kwargs.get("logger_provider"),
        )
        adapters.install(telemetry)

    def _uninstrument(self, **kwargs: Any) -> None:
        adapters.uninstall()


def get_session(connection: Any) -> Optional[RealtimeSession]:
    """The :class:`RealtimeSession` recording a connection (or its manager), if instrumented."""
    return session_of(connection)


def session_context(connection: Any) -> otel_context.Context:
    """A context whose current span is the connection's session span (the current one if none)."""
    session = session_of(connection)
    return session.context if session is not None else otel_context.get_current()


def response_context(connection: Any, response_id: Optional[str] = None) -> otel_context.Context:
    """A context whose current span is the response in flight (or ``response_id``), else the session."""
    session = session_of(connection)
    return session.response_context(response_id) if session is not None else otel_context.get_current()
