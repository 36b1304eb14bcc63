"""The effective session configuration, read from GA and beta session objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from .audio_format import DEFAULT_FORMAT, AudioFormat, format_of, parse_format
from .values import as_mapping, as_str

# Request parameters a session config (or a response.create, which overrides it per response) sets
# and the GenAI conventions name: gen_ai.request.temperature, gen_ai.request.max_tokens,
# gen_ai.output.type (see telemetry/attributes.request_parameters).
REQUEST_KEYS = (
    "temperature",
    "max_output_tokens",
    "max_response_output_tokens",
    "output_modalities",
    "modalities",
)


def request_params(obj: Any) -> dict[str, Any]:
    """The request parameters an object sets, as it sets them."""
    obj = as_mapping(obj)
    return {key: obj[key] for key in REQUEST_KEYS if key in obj}


class SessionConfig:
    """The effective session configuration, read from GA or beta session objects."""

    __slots__ = (
        "input_format",
        "instructions",
        "kind",
        "model",
        "output_audio",
        "output_format",
        "output_modalities",
        "params",
        "tools",
        "transcription_model",
        "turn_detection",
        "voice",
    )

    def __init__(self) -> None:
        self.model: Optional[str] = None
        self.kind: Optional[str] = None  # "realtime" | "transcription" (GA session.type)
        self.voice: Optional[str] = None
        self.output_modalities: Optional[tuple[str, ...]] = None
        self.input_format: Optional[str] = None
        self.output_format: Optional[str] = None
        self.output_audio: AudioFormat = DEFAULT_FORMAT  # format_of(output_format), kept with it
        self.turn_detection: Optional[str] = None
        self.transcription_model: Optional[str] = None
        self.instructions: Optional[str] = None
        self.tools: Optional[list[Any]] = None
        self.params: dict[str, Any] = {}  # request parameters, as the session says them

    def update(self, session: Any) -> None:
        """Merge a session object (``session.created``/``updated`` or ``session.update``)."""
        session = as_mapping(session)
        if not session:
            return
        self.model = as_str(session.get("model")) or self.model
        self.params.update(request_params(session))
        if session.get("type") in ("realtime", "transcription"):
            self.kind = session["type"]
        audio = as_mapping(session.get("audio"))
        audio_in = as_mapping(audio.get("input"))
        audio_out = as_mapping(audio.get("output"))
        voice = session.get("voice", audio_out.get("voice"))
        if isinstance(voice, str):
            self.voice = voice
        elif isinstance(voice, Mapping) and isinstance(voice.get("id"), str):
            self.voice = voice["id"]
        modalities = session.get("output_modalities", session.get("modalities"))
        if isinstance(modalities, (list, tuple)):
            self.output_modalities = tuple(m for m in modalities if isinstance(m, str))
        for key, target in (("input_audio_format", "input_format"), ("output_audio_format", "output_format")):
            fmt = parse_format(session.get(key))
            if fmt is not None:
                setattr(self, target, fmt.name)
        fmt = parse_format(audio_in.get("format"))
        if fmt is not None:
            self.input_format = fmt.name
        fmt = parse_format(audio_out.get("format"))
        if fmt is not None:
            self.output_format = fmt.name
        self.output_audio = format_of(self.output_format)
        for container, key in ((session, "turn_detection"), (audio_in, "turn_detection")):
            if key in container:
                td = container.get(key)
                self.turn_detection = as_str(as_mapping(td).get("type")) if td is not None else "none"
        for container, key in ((session, "input_audio_transcription"), (audio_in, "transcription")):
            if key in container:
                tr = container.get(key)
                self.transcription_model = as_str(as_mapping(tr).get("model")) if tr is not None else None
        if isinstance(session.get("instructions"), str):
            self.instructions = session["instructions"]
        if isinstance(session.get("tools"), list):
            self.tools = session["tools"]
