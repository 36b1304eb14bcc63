"""Tool calls: a function call the model made, from its complete arguments to the output the app
sent back; and server-side MCP calls, from their first event to completed or failed.

A tool span runs from ``response.function_call_arguments.done`` (or the output item that first
names the call) to the app's ``conversation.item.create`` of the matching
``function_call_output``: the caller's "dead air". Calls never answered produce no tool span. It
links to the response span that asked for the call (a span link: a query by response id finds
exactly one response).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from opentelemetry_instrumentation_openai_realtime.telemetry import metrics, spans
from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc

from .records import NS, Output, Response, ToolCall, remember, speech_end
from .shared import Shared
from .values import as_str, as_text

if TYPE_CHECKING:
    from .turns import Turns

_logger = logging.getLogger(__name__)


class Tools:
    """The session's tool calls awaiting their outputs, and its MCP calls in progress."""

    # peer, wired by the session
    turns: Turns

    def __init__(self, shared: Shared) -> None:
        self._s = shared
        self.calls: dict[str, ToolCall] = {}  # call id -> a function call awaiting its output
        self.mcp: dict[str, ToolCall] = {}  # item id -> an MCP call in progress
        self.call_speech: dict[str, int] = {}  # call id -> end of the user speech that led to it

    def register(self, output: Output, response: Response, now: int) -> None:
        """A function call's arguments are complete: its tool call starts (once per call id)."""
        if not output.call_id or output.call_id in self.calls:
            if output.call_id and output.name and self.calls[output.call_id].name is None:
                self.calls[output.call_id].name = output.name
            return
        call = ToolCall(output.call_id, output.name, now, response.id)
        end = speech_end(response)
        if end is not None:
            remember(self.call_speech, output.call_id, end)
        call.arguments = output.arguments
        remember(self.calls, output.call_id, call)

    def on_client_item(self, item: Any, now: int) -> None:
        """The app sent a conversation item: a ``function_call_output`` ends its call's span."""
        if item.get("type") != "function_call_output":
            return
        call_id = as_str(item.get("call_id"))
        if not call_id:
            return
        call = self.calls.pop(call_id, None)
        if call is None:
            _logger.debug("function_call_output for an unknown call id: no tool span")
            return
        self.end(call, now, as_text(item.get("output")), failed=False)

    def on_mcp(self, type_: str, event: dict[str, Any], now: int) -> None:
        """A server-side MCP call event (``response.mcp_call*``)."""
        item_id = as_str(event.get("item_id"))
        if not item_id:
            return
        call = self.mcp.get(item_id)
        if call is None:
            call = ToolCall(item_id, None, now, as_str(event.get("response_id")))
            call.kind = "extension"
            remember(self.mcp, item_id, call)
        if type_ == "response.mcp_call_arguments.done" and isinstance(event.get("arguments"), str):
            call.arguments = event["arguments"]
        if type_ in ("response.mcp_call.completed", "response.mcp_call.failed"):
            self.mcp.pop(item_id, None)
            for response in self.turns.responses.values():
                output = response.outputs.get(item_id)
                if output is not None:
                    call.name = call.name or output.name
                    call.server_label = output.server_label
                    call.arguments = call.arguments or output.arguments
            self.end(call, now, None, failed=type_.endswith(".failed"))

    def end(self, call: ToolCall, now: int, result: Optional[str], failed: bool) -> None:
        """The tool span of a finished call, and its duration metric."""
        shared = self._s
        name = call.name or "unknown"
        caller = self.turns.recent.get(call.response_id) if call.response_id else None
        caller_context = caller.get_span_context() if caller is not None else None
        span = shared.telemetry.tracer.start_span(
            f"{sc.OPERATION_EXECUTE_TOOL} {name}",
            context=shared.context,
            kind=SpanKind.INTERNAL,
            attributes=spans.tool_attributes(shared, call, name, result),
            links=[Link(caller_context)] if caller_context is not None and caller_context.is_valid else None,
            start_time=call.start,
        )
        if failed:
            span.set_attribute(sc.ERROR_TYPE, "tool_error")
            span.set_status(Status(StatusCode.ERROR, "tool_error"))
        span.end(end_time=max(now, call.start))
        shared.counts.tools += 1
        metrics.record_tool(
            shared.telemetry,
            shared.metric_attributes(sc.OPERATION_EXECUTE_TOOL),
            name,
            max(0, now - call.start) / NS,
        )

    def clear(self) -> None:
        """The session ends: calls never answered produce no span."""
        self.calls.clear()
        self.mcp.clear()
