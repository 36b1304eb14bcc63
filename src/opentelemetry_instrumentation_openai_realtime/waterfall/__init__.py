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

from .exporter import WaterfallExporter
from .layout import render_waterfall

__all__ = ["WaterfallExporter", "render_waterfall"]
