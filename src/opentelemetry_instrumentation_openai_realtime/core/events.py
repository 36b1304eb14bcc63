"""The Realtime server events the core reads, by name: the one list the decoder and the state
machine share.

The decoder uses it to leave unparsed every frame no handler reads (content parts, rate limits,
finished audio ...); the state machine's routing table (``core/session.py``) has a handler for
exactly the names in :data:`HANDLED` (a test checks both agree). Beta names are read through
their GA aliases, so one handler serves both dialects.
"""

from __future__ import annotations

# Beta (and GA variant) names -> the GA name whose handler reads them.
ALIASES = {
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "conversation.item.added": "conversation.item.created",
    "conversation.item.done": "conversation.item.created",
    # beta transcription sessions (the handler reads the original name: the session's kind)
    "transcription_session.created": "session.created",
    "transcription_session.updated": "session.updated",
}

AUDIO_DELTA = "response.output_audio.delta"
# deltas of text whose first one marks the response's first chunk (their text is kept only with
# content capture; arguments deltas never)
TEXT_DELTAS = frozenset(
    (
        "response.output_audio_transcript.delta",
        "response.output_text.delta",
        "response.function_call_arguments.delta",
    )
)
# finished texts: read only when content is captured (they replace the deltas' text)
TEXT_DONE = frozenset(("response.output_audio_transcript.done", "response.output_text.done"))

# Every GA name the state machine has a handler for (server-side MCP events are recognised by
# their prefix, see is_mcp).
HANDLED = frozenset(
    (
        "session.created",
        "session.updated",
        "conversation.created",
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.created",
        "conversation.item.truncated",
        "conversation.item.input_audio_transcription.completed",
        "conversation.item.input_audio_transcription.delta",
        "conversation.item.input_audio_transcription.segment",
        "conversation.item.input_audio_transcription.failed",
        "response.created",
        "response.output_item.added",
        "response.output_item.done",
        AUDIO_DELTA,
        *TEXT_DELTAS,
        *TEXT_DONE,
        "response.function_call_arguments.done",
        "response.done",
        "error",
        # translation sessions
        "session.output_audio.delta",
        "session.output_transcript.delta",
        "session.input_transcript.delta",
        # calls (WebRTC/SIP sideband): the server's playback of a response's audio
        "output_audio_buffer.started",
        "output_audio_buffer.stopped",
        "output_audio_buffer.cleared",
    )
)

# Server events no handler reads, recognised by the decoder's type table too (other unread types
# are found on its generic path).
UNREAD = (
    "response.content_part.added",
    "response.content_part.done",
    "response.output_audio.done",
    "response.audio.done",
    "rate_limits.updated",
    "input_audio_buffer.cleared",
    "conversation.item.deleted",
    "conversation.item.retrieved",
    "session.closed",
)


def is_mcp(name: str) -> bool:
    """A server-side MCP call event (the tool tracker reads them; their argument deltas are not
    read)."""
    return name.startswith("response.mcp_call") and not name.startswith("response.mcp_call_arguments.delta")


def reads(type_: str, capture: bool) -> bool:
    """Whether the state machine reads a server event of this type (finished texts only when
    content is captured); a frame of a type it does not read need not be parsed."""
    name = ALIASES.get(type_, type_)
    if name not in HANDLED:
        return is_mcp(name)
    return capture or name not in TEXT_DONE
