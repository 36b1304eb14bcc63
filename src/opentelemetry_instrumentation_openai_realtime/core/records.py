"""Plain records the session state machine keeps: pending creates, inputs, outputs, responses, tool
calls; and the bound every store of them keeps."""

from __future__ import annotations

from typing import Any, Optional

from opentelemetry.trace import Span

from .session_config import request_params
from .values import as_mapping, as_str

NS = 1_000_000_000
MAX_TRACKED = 256  # bound on remembered items, pending creates, tool calls, held responses


def remember(store: dict[str, Any], key: str, value: Any) -> None:
    """``store[key] = value``, dropping the oldest entry past :data:`MAX_TRACKED`."""
    store[key] = value
    if len(store) > MAX_TRACKED:
        del store[next(iter(store))]


class Pending:
    """A client ``response.create`` not yet matched with a ``response.created``."""

    __slots__ = ("at", "input", "instructions", "metadata", "out_of_band", "params", "tools")

    def __init__(self, at: int, response: Any) -> None:
        response = as_mapping(response)
        self.at = at
        self.params = request_params(response)  # the overrides of the session's parameters
        self.out_of_band = response.get("conversation") == "none"
        self.metadata = response.get("metadata")
        self.instructions = as_str(response.get("instructions"))
        self.tools = response.get("tools") if isinstance(response.get("tools"), list) else None
        self.input = response.get("input") if isinstance(response.get("input"), list) else None


class Input:
    """A conversation item that is input to a response: user speech or text, or a tool result."""

    __slots__ = (
        "audio",
        "call_id",
        "committed_at",
        "id",
        "kind",
        "response",
        "speech_seconds",
        "speech_stopped_at",
        "text",
        "transcript_status",
        "transcription_model",
        "transcription_usage",
    )

    def __init__(self, item_id: str, kind: str) -> None:
        self.id = item_id
        self.kind = kind  # "audio" | "text" | "tool_result"
        self.text: Optional[str] = None
        self.call_id: Optional[str] = None
        self.committed_at: Optional[int] = None
        self.speech_stopped_at: Optional[int] = None
        self.speech_seconds: Optional[float] = None
        self.transcript_status: Optional[str] = None  # "pending" | "completed" | "failed"
        self.response: Optional[Response] = None
        self.audio: Optional[bytearray] = None
        self.transcription_model: Optional[str] = None
        self.transcription_usage: Any = None  # the usage of its transcription.completed, as sent


class Output:
    """An output item of a response."""

    __slots__ = ("arguments", "audio_bytes", "call_id", "id", "name", "server_label", "text", "type")

    def __init__(self, item_id: str, type_: str) -> None:
        self.id = item_id
        self.type = type_
        self.name: Optional[str] = None
        self.call_id: Optional[str] = None
        self.arguments: Optional[str] = None
        self.server_label: Optional[str] = None
        self.text: Optional[list[str]] = None
        self.audio_bytes = 0


class Response:
    __slots__ = (
        "audio_bytes",
        "audio_out",
        "deadline",
        "done_at",
        "ended",
        "first_audio_at",
        "first_chunk_at",
        "heard_seconds",
        "held",
        "id",
        "inputs",
        "instructions",
        "interrupted",
        "metadata",
        "out_of_band",
        "outputs",
        "playback_end",
        "playback_start",
        "span",
        "start",
        "status",
        "status_reason",
        "text_length",
        "tools",
        "trigger",
        "truncated",
    )

    def __init__(self, response_id: str, start: int, trigger: str) -> None:
        self.id = response_id
        self.start = start
        self.trigger = trigger
        self.span: Optional[Span] = None
        self.first_chunk_at: Optional[int] = None
        self.first_audio_at: Optional[int] = None
        self.audio_bytes = 0
        self.outputs: dict[str, Output] = {}
        self.inputs: list[Input] = []
        self.status: Optional[str] = None
        self.status_reason: Optional[str] = None
        self.done_at: Optional[int] = None
        self.out_of_band = False
        self.metadata: Any = None
        self.instructions: Optional[str] = None
        self.tools: Optional[list[Any]] = None
        self.interrupted = False
        self.truncated = False
        self.heard_seconds: Optional[float] = None
        self.held = False
        self.deadline = 0
        self.ended = False
        self.text_length = 0
        self.audio_out: Optional[bytearray] = None
        # the server's playback of its audio (calls: output_audio_buffer.started, .stopped/.cleared)
        self.playback_start: Optional[int] = None
        self.playback_end: Optional[int] = None


class Transcription:
    """The transcription of one input audio item, from its commit (or the end of the speech) to
    ``...input_audio_transcription.completed`` or ``.failed``."""

    __slots__ = ("first_delta_at", "item_id", "model", "span", "start")

    def __init__(self, item_id: str, model: Optional[str], start: int) -> None:
        self.item_id = item_id
        self.model = model
        self.start = start
        self.first_delta_at: Optional[int] = None
        self.span: Optional[Span] = None  # transcription sessions only


class ToolCall:
    __slots__ = ("arguments", "call_id", "kind", "name", "response_id", "server_label", "start")

    def __init__(self, call_id: str, name: Optional[str], start: int, response_id: Optional[str]) -> None:
        self.call_id = call_id
        self.name = name
        self.start = start
        self.response_id = response_id
        self.arguments: Optional[str] = None
        self.kind = "function"
        self.server_label: Optional[str] = None


def speech_end(response: Response) -> Optional[int]:
    """End of the user speech a response answers, directly or through a tool call's result."""
    stopped = [i.speech_stopped_at for i in response.inputs if i.speech_stopped_at is not None]
    return max(stopped) if stopped else None


def seconds(end: Optional[int], start: Optional[int]) -> Optional[float]:
    """Seconds from ``start`` to ``end`` (nanoseconds), rounded to the microsecond; ``None`` if
    either is unknown."""
    if end is None or start is None:
        return None
    return round(max(0, end - start) / NS, 6)
