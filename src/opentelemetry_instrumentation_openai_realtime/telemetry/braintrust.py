"""Braintrust's ``braintrust.*`` attributes: pure builders over a session's records.

Braintrust reads ``braintrust.span_attributes`` (the span's type), ``braintrust.metadata``,
``braintrust.metrics`` and ``braintrust.input_json``/``output_json``; see ``docs/braintrust.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from opentelemetry_instrumentation_openai_realtime.core.values import as_int, as_mapping, dumps, maybe_json

from .attributes import tool_definitions
from .redaction import redact

if TYPE_CHECKING:
    from opentelemetry_instrumentation_openai_realtime.core.records import Response
    from opentelemetry_instrumentation_openai_realtime.core.shared import Counts, Shared

SPAN_TYPE_TASK = '{"type":"task"}'  # the session
SPAN_TYPE_LLM = '{"type":"llm"}'  # a response
SPAN_TYPE_TOOL = '{"type":"tool"}'  # a tool call


def metrics(usage: Any, time_to_first_token: Optional[float]) -> dict[str, Any]:
    """Braintrust's canonical metric names from a usage object and the TTFT in seconds."""
    usage = as_mapping(usage)
    inp = as_mapping(usage.get("input_token_details"))
    out = as_mapping(usage.get("output_token_details"))
    metrics: dict[str, Any] = {}
    for key, value in (
        ("prompt_tokens", usage.get("input_tokens")),
        ("completion_tokens", usage.get("output_tokens")),
        ("tokens", usage.get("total_tokens")),
        ("prompt_cached_tokens", inp.get("cached_tokens")),
        ("prompt_audio_tokens", inp.get("audio_tokens")),
        ("completion_audio_tokens", out.get("audio_tokens")),
    ):
        number = as_int(value)
        if number is not None:
            metrics[key] = number
    if "tokens" not in metrics and "prompt_tokens" in metrics and "completion_tokens" in metrics:
        metrics["tokens"] = metrics["prompt_tokens"] + metrics["completion_tokens"]
    if time_to_first_token is not None:
        metrics["time_to_first_token"] = round(time_to_first_token, 6)
    return metrics


def metadata(shared: Shared, input_audio: bool, response_id: Optional[str], payload: Any) -> dict[str, Any]:
    """``braintrust.metadata`` of a response (``response_id``, its ``response.done`` payload) or of
    the session (``None``, ``None``). ``input_audio``: the app has sent audio."""
    result: dict[str, Any] = {"provider": shared.provider}
    if shared.model:
        result["model"] = shared.model
    if shared.session_id:
        result["session_id"] = shared.session_id
    if response_id is not None:
        result["response_id"] = response_id
    config = shared.config
    if config.voice:
        result["voice"] = config.voice
    modalities_in = shared.input_modalities | ({"audio"} if input_audio else set())
    if modalities_in:
        result["input_modalities"] = sorted(modalities_in)
    payload = as_mapping(payload)
    modalities = payload.get("output_modalities", payload.get("modalities"))
    if isinstance(modalities, list):
        result["output_modalities"] = modalities
    elif config.output_modalities is not None:
        result["output_modalities"] = list(config.output_modalities)
    return result


def session_input(shared: Shared, input_audio: bool) -> dict[str, Any]:
    """Braintrust's session input: configuration always, instructions and tools only as content."""
    meta = metadata(shared, input_audio, None, None)
    keys = ("voice", "input_modalities", "output_modalities")
    result: dict[str, Any] = {k: meta[k] for k in keys if k in meta}
    if shared.capture and shared.settings.capture.on_spans:
        instructions = redact(shared.settings, "system_instructions", shared.config.instructions)
        if instructions is not None:
            result["instructions"] = instructions
        if shared.config.tools:
            tools = redact(shared.settings, "tool_definitions", dumps(tool_definitions(shared.config.tools)))
            if tools is not None:
                result["tools"] = maybe_json(tools)
    return result


def session_output(status: str, counts: Counts) -> dict[str, Any]:
    """Braintrust's session output: how it ended and its turns' terminal states."""
    return {
        "status": status,
        "completed_turns": counts.completed,
        "interrupted_turns": counts.interrupted,
    }


def response_output(response: Response, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    """Braintrust's output of a response: its terminal state, text and tool calls."""
    content = "".join(
        part.get("content", "")
        for message in outputs
        for part in message.get("parts", [])
        if part.get("type") == "text"
    )
    tool_calls = [
        {"id": part.get("id"), "name": part.get("name"), "arguments": part.get("arguments")}
        for message in outputs
        for part in message.get("parts", [])
        if part.get("type") == "tool_call"
    ]
    return {"status": terminal_status(response), "content": content or None, "tool_calls": tool_calls}


def terminal_status(response: Response) -> str:
    """Braintrust's terminal state of a response: completed, interrupted, cancelled or failed."""
    if response.interrupted:
        return "interrupted"
    if response.status in ("completed", "incomplete"):
        return "completed"
    if response.status == "failed":
        return "failed"
    return "cancelled"  # client_cancelled, or the session closed before response.done
