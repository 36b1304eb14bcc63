"""docs/attributes.md documents exactly what the instrumentation emits.

Every attribute key, span event name, event attribute, log event and metric (with its point
attributes) produced by the demo conversation through the real SDK plus state-machine streams
for the rarer paths must appear in the reference; every name the reference lists in its tables
must be produced by one of them.
"""

from __future__ import annotations

import re
from pathlib import Path

from opentelemetry_instrumentation_openai_realtime import demo

from .conftest import frame
from .test_session import audio_delta, created, done, function_call_turn, mcp_call, voice_input

DOC = Path(__file__).resolve().parents[1] / "docs" / "attributes.md"
NAME = re.compile(r"`((?:gen_ai|openai\.realtime|braintrust|server|error)\.[a-z0-9_.]+)`")


def _collect(pipeline) -> set[str]:
    keys: set[str] = set()
    for span in pipeline.spans():
        keys.update(span.attributes)
        for event in span.events:
            keys.add(event.name)
            keys.update(event.attributes or {})
    for record in pipeline.logs():
        keys.add(record.event_name)
        keys.update(record.attributes or {})
    for name, points in pipeline.metrics().items():
        keys.add(name)
        for point in points:
            keys.update(point.attributes)
    return keys


def _rare_paths(make_session, clock) -> None:
    """State-machine streams for what the demo does not show."""
    session = make_session(capture_content="SPAN_AND_EVENT", capture_audio=True)
    session.server_event({"type": "session.created", "session": {"id": "sess_1", "model": "gpt-realtime"}})
    session.server_event({"type": "conversation.created", "conversation": {"id": "conv_1"}})
    session.server_event(
        {"type": "session.updated", "session": {"input_audio_transcription": {"model": "w"}}}
    )
    voice_input(session, clock)
    session.server_event(created("resp_1"))
    session.server_frame(frame(audio_delta("resp_1", item="item_a")))
    session.server_event(
        {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "code": "c",
                "message": "m",
                "param": "p",
                "event_id": "e",
            },
        }
    )
    session.server_event(done("resp_1"))
    session.server_event(
        {
            "type": "conversation.item.input_audio_transcription.failed",
            "item_id": "item_user",
            "content_index": 0,
            "error": {"type": "transcription_error", "code": "c", "message": "m", "param": "p"},
        }
    )
    session.server_event(created("resp_2"))  # releases resp_1; truncation then lands on the session
    session.client_event(
        {"type": "conversation.item.truncate", "item_id": "item_a", "content_index": 0, "audio_end_ms": 10}
    )
    mcp_call(session, "resp_2", "mcp_1", "failed")
    session.server_event(
        done("resp_2", status="failed", status_details={"type": "failed", "error": {"type": "server_error"}})
    )
    session.client_event({"type": "response.create", "response": {"conversation": "none"}})
    session.server_event(created("resp_oob"))
    session.transport_lost(ConnectionResetError(), 1012, reconnecting=True)
    session.reconnected(1)
    session.server_event({"type": "session.created", "session": {"id": "sess_2"}})
    function_call_turn(session, clock, "resp_3", "call_1")
    session.client_event(
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": "call_1", "output": "{}"},
        }
    )
    session.server_event(created("resp_4"))
    session.close(code=1006, error=ConnectionResetError("drop"))
    # a translation session (/v1/realtime/translations)
    translation = make_session(capture_content="SPAN_AND_EVENT")
    translation.server_event(
        {
            "type": "session.created",
            "session": {"id": "s", "type": "translation", "audio": {"output": {"language": "es"}}},
        }
    )
    translation.client_event({"type": "session.input_audio_buffer.append", "audio": "AAAA"})
    clock.advance(200)
    translation.server_event({"type": "session.input_transcript.delta", "delta": "Hola"})
    translation.server_event({"type": "session.output_transcript.delta", "delta": "Hello"})
    translation.server_event({"type": "session.output_audio.delta", "delta": "AAAA"})
    translation.close(code=1000)


def test_the_reference_matches_what_is_emitted(instrumented, make_session, clock, capsys):
    pipeline = instrumented(capture_content="SPAN_AND_EVENT", capture_audio=True)
    import asyncio

    asyncio.run(demo._simulated("ga", 20.0))
    _rare_paths(make_session, clock)
    emitted = _collect(pipeline)
    text = DOC.read_text()
    documented = set(NAME.findall(text))
    undocumented = sorted(k for k in emitted if f"`{k}`" not in text)
    assert undocumented == [], f"emitted but not in docs/attributes.md: {undocumented}"
    ours = {k for k in emitted if NAME.fullmatch(f"`{k}`")}
    never_emitted = sorted(documented - ours)
    assert never_emitted == [], f"documented but never emitted by the scenarios: {never_emitted}"
