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
        {
            "type": "session.updated",
            "session": {
                "input_audio_transcription": {"model": "w"},
                "temperature": 0.7,
                "max_response_output_tokens": 500,
            },
        }
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


def _transcription_paths(make_session, clock) -> None:
    """A transcription session (tokens, seconds, a failure) and a voice turn whose transcription
    reports tokens and seconds, ended by the app's own exception."""
    from .test_transcription import SECONDS_USAGE, TOKENS_USAGE, completed, ga_transcription_session, speech

    session = make_session(model=None, capture_content="SPAN_AND_EVENT")
    session.server_event(ga_transcription_session())
    speech(session, clock, "item_1")
    session.server_event(
        {"type": "conversation.item.input_audio_transcription.delta", "item_id": "item_1", "delta": "Hi"}
    )
    session.server_event(completed("item_1", "Hi", TOKENS_USAGE))
    speech(session, clock, "item_2")
    session.server_event(completed("item_2", "Hi", SECONDS_USAGE))
    speech(session, clock, "item_3")
    session.server_event(
        {
            "type": "conversation.item.input_audio_transcription.failed",
            "item_id": "item_3",
            "error": {"type": "transcription_error", "code": "c", "message": "m"},
        }
    )
    session.close()

    session = make_session()
    session.server_event(
        {"type": "session.updated", "session": {"input_audio_transcription": {"model": "w"}}}
    )
    speech(session, clock, "item_a")
    speech(session, clock, "item_b")
    session.server_event(completed("item_a", "Hi", TOKENS_USAGE))
    session.server_event(completed("item_b", "Hi", SECONDS_USAGE))
    session.server_event(created("resp_t"))
    session.server_event(done("resp_t"))
    session.server_event(created("resp_u"))
    session.close(error=LookupError("app"), by_app=True)


def test_the_reference_matches_what_is_emitted(instrumented, make_session, clock, capsys):
    pipeline = instrumented(capture_content="SPAN_AND_EVENT", capture_audio=True)
    import asyncio

    asyncio.run(demo._simulated("ga", 20.0))
    _rare_paths(make_session, clock)
    _transcription_paths(make_session, clock)
    emitted = _collect(pipeline)
    text = DOC.read_text()
    documented = set(NAME.findall(text))
    undocumented = sorted(k for k in emitted if f"`{k}`" not in text)
    assert undocumented == [], f"emitted but not in docs/attributes.md: {undocumented}"
    ours = {k for k in emitted if NAME.fullmatch(f"`{k}`")}
    never_emitted = sorted(documented - ours)
    assert never_emitted == [], f"documented but never emitted by the scenarios: {never_emitted}"
