"""The session state machine, driven directly (no socket): edge orders and outcomes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from opentelemetry.trace import StatusCode

from opentelemetry_instrumentation_openai_realtime.core.session import SessionState

from .conftest import MS, frame

AUDIO_100MS = base64.b64encode(b"\x01\x02" * 2400).decode()  # 100 ms of pcm16 at 24 kHz


def usage(inp: int = 120, out: int = 60) -> dict[str, Any]:
    return {
        "total_tokens": inp + out,
        "input_tokens": inp,
        "output_tokens": out,
        "input_token_details": {"cached_tokens": 64, "text_tokens": 20, "audio_tokens": 100},
        "output_token_details": {"text_tokens": 15, "audio_tokens": 45},
    }


def created(rid: str, **extra: Any) -> dict[str, Any]:
    return {"type": "response.created", "response": {"id": rid, "status": "in_progress", **extra}}


def done(rid: str, status: str = "completed", output: Any = (), **extra: Any) -> dict[str, Any]:
    return {
        "type": "response.done",
        "response": {"id": rid, "status": status, "output": list(output), "usage": usage(), **extra},
    }


def audio_delta(rid: str, item: str = "item_out") -> dict[str, Any]:
    return {
        "type": "response.output_audio.delta",
        "response_id": rid,
        "item_id": item,
        "output_index": 0,
        "content_index": 0,
        "delta": AUDIO_100MS,
    }


def voice_input(session: Any, clock: Any, item: str = "item_user") -> None:
    session.server_event(
        {"type": "input_audio_buffer.speech_started", "audio_start_ms": 1000, "item_id": item}
    )
    clock.advance(1500)
    session.server_event({"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 2500, "item_id": item})
    clock.advance(20)
    session.server_event({"type": "input_audio_buffer.committed", "item_id": item})
    session.server_event(
        {
            "type": "conversation.item.created",
            "item": {"id": item, "type": "message", "role": "user", "content": [{"type": "input_audio"}]},
        }
    )


def test_voice_turn_spans_usage_and_latency(make_session, pipeline, clock):
    """A server-VAD turn: chat span under the session, started at the commit, with usage and latencies."""
    session = make_session()
    session.server_event({"type": "session.created", "session": {"id": "sess_1", "model": "gpt-realtime"}})
    voice_input(session, clock)
    commit_at = clock.now
    clock.advance(30)
    session.server_event(created("resp_1"))
    clock.advance(200)
    session.server_frame(frame(audio_delta("resp_1")))
    clock.advance(50)
    session.server_frame(frame(audio_delta("resp_1")))
    session.server_event(done("resp_1"))
    session.close(code=1000)

    root = pipeline.session_span()
    (turn,) = pipeline.responses()
    assert root.name == "realtime_session gpt-realtime"
    assert turn.name == "chat gpt-realtime"
    assert turn.parent.span_id == root.context.span_id
    assert turn.start_time == commit_at
    a = turn.attributes
    assert a["gen_ai.response.id"] == "resp_1"
    assert a["openai.realtime.response.trigger"] == "server_vad"
    assert a["gen_ai.usage.input_tokens"] == 120
    assert a["gen_ai.usage.output_tokens"] == 60
    assert a["gen_ai.usage.cache_read.input_tokens"] == 64
    assert a["gen_ai.usage.audio.input_tokens"] == 100
    assert a["gen_ai.usage.audio.output_tokens"] == 45
    assert a["gen_ai.usage.text.output_tokens"] == 15
    assert "gen_ai.usage.image.input_tokens" not in a
    assert a["gen_ai.response.finish_reasons"] == ("stop",)
    assert a["gen_ai.response.time_to_first_chunk"] == pytest.approx(0.230)
    assert a["openai.realtime.response.voice_to_voice_latency"] == pytest.approx(0.250)
    assert a["openai.realtime.response.input.speech_seconds"] == pytest.approx(1.5)
    assert a["openai.realtime.response.audio.generated_seconds"] == pytest.approx(0.2)
    assert turn.status.status_code is StatusCode.UNSET
    r = root.attributes
    assert r["openai.realtime.session.id"] == "sess_1"
    assert r["openai.realtime.session.status"] == "closed"
    assert r["openai.realtime.session.turns.completed"] == 1
    assert r["openai.realtime.session.audio.output.seconds"] == pytest.approx(0.2)
    assert r["openai.realtime.session.close_code"] == 1000
    assert session.state is SessionState.CLOSED


def test_client_triggered_turn_starts_at_response_create(make_session, pipeline, clock):
    """The app's response.create is the start of the turn."""
    session = make_session()
    start = clock.now
    session.client_event({"type": "response.create"})
    clock.advance(40)
    session.server_event(created("resp_1"))
    clock.advance(100)
    session.server_event(
        {"type": "response.output_text.delta", "response_id": "resp_1", "item_id": "i", "delta": "Hi"}
    )
    clock.advance(100)
    session.server_event(done("resp_1"))
    (turn,) = pipeline.responses()
    assert turn.start_time == start
    assert turn.end_time == clock.now
    assert turn.attributes["openai.realtime.response.trigger"] == "client"
    assert turn.attributes["gen_ai.response.time_to_first_chunk"] == pytest.approx(0.140)


def test_response_created_alone_starts_the_turn(make_session, pipeline, clock):
    """With nothing earlier observable, response.created starts the turn."""
    session = make_session()
    at = clock.now
    session.server_event(created("resp_1"))
    session.server_event(done("resp_1"))
    (turn,) = pipeline.responses()
    assert turn.start_time == at
    assert turn.attributes["openai.realtime.response.trigger"] == "unknown"


def test_interrupted_response_is_not_an_error(make_session, pipeline, clock):
    """A response cancelled by turn_detected is an interruption, not an error."""
    session = make_session()
    session.server_event(created("resp_1"))
    session.server_frame(frame(audio_delta("resp_1")))
    session.server_event({"type": "input_audio_buffer.speech_started", "audio_start_ms": 10, "item_id": "u2"})
    session.server_event(
        done("resp_1", status="cancelled", status_details={"type": "cancelled", "reason": "turn_detected"})
    )
    session.close()
    (turn,) = pipeline.responses()
    assert turn.status.status_code is StatusCode.UNSET
    assert turn.attributes["gen_ai.response.finish_reasons"] == ("turn_detected",)
    assert turn.attributes["openai.realtime.response.interrupted"] is True
    assert "error.type" not in turn.attributes
    assert any(e.name == "openai.realtime.speech_started" for e in turn.events)
    root = pipeline.session_span()
    assert root.attributes["openai.realtime.session.turns.interrupted"] == 1
    assert root.status.status_code is StatusCode.UNSET
    (point,) = pipeline.metrics()["openai.realtime.client.interruptions"]
    assert point.value == 1


def test_client_cancel_is_a_cancellation(make_session, pipeline):
    session = make_session()
    session.server_event(created("resp_1"))
    session.server_event(
        done("resp_1", status="cancelled", status_details={"type": "cancelled", "reason": "client_cancelled"})
    )
    (turn,) = pipeline.responses()
    assert turn.attributes["gen_ai.response.finish_reasons"] == ("client_cancelled",)
    assert "openai.realtime.response.interrupted" not in turn.attributes


def test_failed_response_is_an_error(make_session, pipeline):
    session = make_session()
    session.server_event(created("resp_1"))
    session.server_event(
        done(
            "resp_1",
            status="failed",
            status_details={
                "type": "failed",
                "error": {"type": "server_error", "code": "internal", "message": "x"},
            },
        )
    )
    session.close()
    (turn,) = pipeline.responses()
    assert turn.status.status_code is StatusCode.ERROR
    assert turn.attributes["error.type"] == "server_error"
    assert turn.attributes["gen_ai.response.finish_reasons"] == ("error",)
    durations = pipeline.metrics()["gen_ai.client.operation.duration"]
    assert durations[0].attributes["error.type"] == "server_error"


@pytest.mark.parametrize(
    "reason,expected", [("max_output_tokens", "length"), ("content_filter", "content_filter")]
)
def test_incomplete_finish_reasons(make_session, pipeline, reason, expected):
    session = make_session()
    session.server_event(created("r"))
    session.server_event(
        done("r", status="incomplete", status_details={"type": "incomplete", "reason": reason})
    )
    assert pipeline.responses()[0].attributes["gen_ai.response.finish_reasons"] == (expected,)


def test_response_done_without_response_created(make_session, pipeline, clock):
    """A response.done for an unseen response still makes one span."""
    session = make_session()
    session.server_event(done("resp_x"))
    (turn,) = pipeline.responses()
    assert turn.attributes["gen_ai.response.id"] == "resp_x"
    assert turn.attributes["gen_ai.usage.output_tokens"] == 60


@pytest.mark.parametrize("after_done", [True, False])
def test_input_transcript_belongs_to_the_response_it_caused(make_session, pipeline, clock, after_done):
    """The user's transcript lands on its response, before or after response.done."""
    session = make_session(capture_content="SPAN_ONLY")
    session.server_event(
        {
            "type": "session.updated",
            "session": {"audio": {"input": {"transcription": {"model": "whisper-1"}}}},
        }
    )
    voice_input(session, clock)
    transcript = {
        "type": "conversation.item.input_audio_transcription.completed",
        "item_id": "item_user",
        "content_index": 0,
        "transcript": "what's the weather",
    }
    if not after_done:
        session.server_event(transcript)
    session.server_event(created("resp_1"))
    session.server_frame(frame(audio_delta("resp_1")))
    clock.advance(100)
    session.server_event(done("resp_1"))
    done_at = clock.now
    if after_done:
        assert pipeline.responses() == []  # held for the transcript
        clock.advance(300)
        session.server_event(transcript)
    session.server_event(created("resp_2"))  # next turn releases anything held
    (turn,) = pipeline.responses()
    assert turn.end_time == done_at
    messages = json.loads(turn.attributes["gen_ai.input.messages"])
    assert messages == [{"role": "user", "parts": [{"type": "text", "content": "what's the weather"}]}]
    assert turn.attributes["openai.realtime.response.input.transcription_status"] == "completed"


def test_transcript_wait_is_bounded(make_session, pipeline, clock):
    """A transcript that never comes does not hold the span past its deadline."""
    session = make_session(capture_content=True, transcript_wait_seconds=2)
    session.server_event(
        {"type": "session.updated", "session": {"input_audio_transcription": {"model": "w"}}}
    )
    voice_input(session, clock)
    session.server_event(created("resp_1"))
    session.server_event(done("resp_1"))
    clock.advance(1000)
    session.server_event({"type": "rate_limits.updated", "rate_limits": []})
    assert pipeline.responses() == []
    clock.advance(1100)
    session.server_event({"type": "rate_limits.updated", "rate_limits": []})
    (turn,) = pipeline.responses()
    assert turn.attributes["openai.realtime.response.input.transcription_status"] == "pending"


def test_transcription_failure_is_recorded(make_session, pipeline, clock):
    session = make_session()
    session.server_event(
        {"type": "session.updated", "session": {"input_audio_transcription": {"model": "w"}}}
    )
    voice_input(session, clock)
    session.server_event(created("resp_1"))
    session.server_event(done("resp_1"))
    session.server_event(
        {
            "type": "conversation.item.input_audio_transcription.failed",
            "item_id": "item_user",
            "content_index": 0,
            "error": {"type": "transcription_error", "code": "audio_unintelligible", "message": "m"},
        }
    )
    session.close()
    (turn,) = pipeline.responses()
    assert turn.attributes["openai.realtime.response.input.transcription_status"] == "failed"
    (event,) = [e for e in turn.events if e.name == "openai.realtime.input_transcription.failed"]
    assert event.attributes["error.type"] == "transcription_error"


@pytest.mark.parametrize("truncate_after_done", [True, False])
def test_truncation_records_heard_audio(make_session, pipeline, clock, truncate_after_done):
    """After a truncate, the span says how much of the generated audio the user heard."""
    session = make_session()
    session.server_event(created("resp_1"))
    for _ in range(10):  # 1 s of audio
        session.server_frame(frame(audio_delta("resp_1", item="item_a")))
    truncate = {
        "type": "conversation.item.truncate",
        "item_id": "item_a",
        "content_index": 0,
        "audio_end_ms": 400,
    }
    if not truncate_after_done:
        session.client_event(truncate)
    session.server_event(
        done("resp_1", status="cancelled", status_details={"type": "cancelled", "reason": "turn_detected"})
    )
    if truncate_after_done:
        clock.advance(100)
        session.client_event(truncate)
    session.close()
    (turn,) = pipeline.responses()
    assert turn.attributes["openai.realtime.response.audio.generated_seconds"] == pytest.approx(1.0)
    assert turn.attributes["openai.realtime.response.audio.heard_seconds"] == pytest.approx(0.4)
    assert turn.attributes["openai.realtime.response.interrupted"] is True
    assert pipeline.session_span().attributes["openai.realtime.session.turns.interrupted"] == 1


def test_truncation_of_a_completed_response_during_playback(make_session, pipeline, clock):
    """A completed response cut off while playing is an interrupted turn too."""
    session = make_session()
    session.server_event({"type": "session.updated", "session": {"output_audio_format": "g711_ulaw"}})
    session.server_event(created("resp_1"))
    delta = audio_delta("resp_1", item="item_a")
    delta["delta"] = base64.b64encode(b"\x00" * 8000).decode()  # 1 s of g711 at 8 kHz
    session.server_frame(frame(delta))
    session.server_event(done("resp_1"))
    clock.advance(500)
    session.server_event(
        {"type": "conversation.item.truncated", "item_id": "item_a", "content_index": 0, "audio_end_ms": 500}
    )
    (turn,) = pipeline.responses()
    assert turn.attributes["openai.realtime.response.status"] == "completed"
    assert turn.attributes["openai.realtime.response.audio.heard_seconds"] == pytest.approx(0.5)
    assert turn.attributes["openai.realtime.response.interrupted"] is True


def function_call_turn(session: Any, clock: Any, rid: str, call_id: str, name: str = "get_weather") -> None:
    session.server_event(created(rid))
    item = {
        "id": f"item_{call_id}",
        "type": "function_call",
        "call_id": call_id,
        "name": name,
        "arguments": "",
    }
    session.server_event(
        {"type": "response.output_item.added", "response_id": rid, "output_index": 0, "item": item}
    )
    session.server_event(
        {
            "type": "response.function_call_arguments.done",
            "response_id": rid,
            "item_id": item["id"],
            "call_id": call_id,
            "arguments": '{"city":"Paris"}',
        }
    )
    session.server_event(done(rid, output=[{**item, "arguments": '{"city":"Paris"}'}]))


def test_tool_span_runs_from_arguments_to_output(make_session, pipeline, clock):
    session = make_session(capture_content="SPAN_ONLY")
    function_call_turn(session, clock, "resp_1", "call_1")
    start = clock.now
    clock.advance(750)
    session.client_event(
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": "call_1", "output": '{"temp":21}'},
        }
    )
    session.close()
    (tool,) = pipeline.tools()
    (turn,) = pipeline.responses()
    root = pipeline.session_span()
    assert tool.name == "execute_tool get_weather"
    assert tool.parent.span_id == root.context.span_id
    assert (tool.end_time - tool.start_time) == 750 * MS
    assert tool.start_time == start
    assert tool.attributes["gen_ai.tool.call.id"] == "call_1"
    assert tool.attributes["gen_ai.tool.type"] == "function"
    assert tool.attributes["gen_ai.tool.call.arguments"] == '{"city":"Paris"}'
    assert tool.attributes["gen_ai.tool.call.result"] == '{"temp":21}'
    assert turn.attributes["gen_ai.response.finish_reasons"] == ("tool_call",)
    (point,) = pipeline.metrics()["openai.realtime.client.tool.duration"]
    assert point.sum == pytest.approx(0.75)


def test_concurrent_calls_of_one_tool_do_not_collide(make_session, pipeline, clock):
    session = make_session()
    function_call_turn(session, clock, "resp_1", "call_a")
    function_call_turn(session, clock, "resp_2", "call_b")
    for call_id, wait in (("call_b", 100), ("call_a", 300)):
        clock.advance(wait)
        session.client_event(
            {"type": "conversation.item.create", "item": {"type": "function_call_output", "call_id": call_id}}
        )
    tools = {t.attributes["gen_ai.tool.call.id"]: t for t in pipeline.tools()}
    assert set(tools) == {"call_a", "call_b"}
    assert (tools["call_b"].end_time - tools["call_b"].start_time) == 100 * MS
    assert (tools["call_a"].end_time - tools["call_a"].start_time) == 400 * MS
    assert "gen_ai.tool.call.arguments" not in tools["call_a"].attributes  # content off by default


def test_tool_output_for_unknown_call_id_makes_no_span(make_session, pipeline):
    session = make_session()
    session.client_event(
        {"type": "conversation.item.create", "item": {"type": "function_call_output", "call_id": "nope"}}
    )
    session.close()
    assert pipeline.tools() == []


def test_unanswered_tool_call_makes_no_failed_span(make_session, pipeline, clock):
    session = make_session()
    function_call_turn(session, clock, "resp_1", "call_1")
    session.close()
    assert pipeline.tools() == []
    assert pipeline.session_span().status.status_code is StatusCode.UNSET


def test_out_of_band_responses_are_routed_by_id(make_session, pipeline, clock):
    """Interleaved in-band and out-of-band responses keep their own deltas and usage."""
    session = make_session()
    session.client_event(
        {"type": "response.create", "response": {"conversation": "none", "metadata": {"k": "v"}}}
    )
    session.client_event({"type": "response.create"})
    session.server_event(created("resp_main"))
    session.server_event(created("resp_oob", metadata={"k": "v"}))
    session.server_frame(frame(audio_delta("resp_main")))
    session.server_event(
        {"type": "response.output_text.delta", "response_id": "resp_oob", "item_id": "x", "delta": "a"}
    )
    session.server_frame(frame(audio_delta("resp_main")))
    session.server_event(done("resp_oob", metadata={"k": "v"}))
    session.server_event(done("resp_main"))
    session.close()
    spans = {s.attributes["gen_ai.response.id"]: s for s in pipeline.responses()}
    assert spans["resp_oob"].attributes["openai.realtime.response.out_of_band"] is True
    assert "openai.realtime.response.audio.generated_seconds" not in spans["resp_oob"].attributes
    assert spans["resp_main"].attributes["openai.realtime.response.audio.generated_seconds"] == pytest.approx(
        0.2
    )
    assert "openai.realtime.response.out_of_band" not in spans["resp_main"].attributes


def test_error_event_becomes_a_span_event(make_session, pipeline):
    session = make_session()
    session.server_event(created("resp_1"))
    session.server_event(
        {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "code": "bad",
                "message": "nope",
                "param": "x",
                "event_id": "e1",
            },
        }
    )
    session.server_event(done("resp_1"))
    session.server_event({"type": "error", "error": {"type": "invalid_request_error", "message": "later"}})
    session.close()
    (turn,) = pipeline.responses()
    (event,) = turn.events
    assert event.name == "openai.realtime.error"
    assert event.attributes["error.type"] == "invalid_request_error"
    assert event.attributes["openai.realtime.error.code"] == "bad"
    assert event.attributes["openai.realtime.error.param"] == "x"
    root = pipeline.session_span()
    assert [e.name for e in root.events] == ["openai.realtime.error"]
    assert root.attributes["openai.realtime.session.errors"] == 2
    assert root.status.status_code is StatusCode.UNSET


def test_transport_drop_ends_every_span_with_error(make_session, pipeline):
    session = make_session()
    session.server_event(created("resp_1"))
    session.server_frame(frame(audio_delta("resp_1")))
    session.close(code=1006, error=ConnectionResetError("drop"))
    (turn,) = pipeline.responses()
    root = pipeline.session_span()
    assert turn.status.status_code is StatusCode.ERROR
    assert turn.attributes["error.type"] == "ConnectionResetError"
    assert root.status.status_code is StatusCode.ERROR
    assert root.attributes["openai.realtime.session.status"] == "failed"


def test_reconnect_keeps_the_session_span(make_session, pipeline, clock):
    session = make_session()
    session.server_event({"type": "session.created", "session": {"id": "sess_1"}})
    session.server_event(created("resp_1"))
    session.transport_lost(ConnectionResetError(), 1012, reconnecting=True)
    assert session.state is SessionState.RECONNECTING
    session.reconnected(1)
    session.server_event({"type": "session.created", "session": {"id": "sess_2"}})
    session.server_event(created("resp_2"))
    session.server_event(done("resp_2"))
    session.close()
    root = pipeline.session_span()
    turns = {s.attributes["gen_ai.response.id"]: s for s in pipeline.responses()}
    assert turns["resp_1"].status.status_code is StatusCode.ERROR
    assert turns["resp_1"].attributes["error.type"] == "connection_lost"
    assert turns["resp_2"].status.status_code is StatusCode.UNSET
    assert root.attributes["openai.realtime.session.reconnects"] == 1
    assert root.attributes["openai.realtime.session.status"] == "closed"
    assert [e.name for e in root.events] == ["openai.realtime.reconnect", "openai.realtime.reconnect"]


def test_expired_session(make_session, pipeline):
    session = make_session()
    session.server_event(
        {"type": "error", "error": {"type": "invalid_request_error", "code": "session_expired"}}
    )
    session.close()
    assert pipeline.session_span().attributes["openai.realtime.session.status"] == "expired"


def test_close_is_idempotent_and_events_after_close_are_ignored(make_session, pipeline):
    session = make_session()
    session.close()
    session.close(error=RuntimeError())
    session.server_event(created("resp_late"))
    assert len(pipeline.spans()) == 1
    assert pipeline.session_span().status.status_code is StatusCode.UNSET


def test_metrics_have_low_cardinality_attributes(make_session, pipeline, clock):
    session = make_session()
    voice_input(session, clock)
    session.server_event(created("resp_1"))
    clock.advance(100)
    session.server_frame(frame(audio_delta("resp_1")))
    session.server_event(done("resp_1"))
    session.close()
    metrics = pipeline.metrics()
    for name in (
        "gen_ai.client.token.usage",
        "gen_ai.client.operation.duration",
        "gen_ai.client.operation.time_to_first_chunk",
        "openai.realtime.client.voice_to_voice_latency",
        "openai.realtime.client.session.duration",
    ):
        assert name in metrics, name
        for point in metrics[name]:
            keys = set(point.attributes)
            assert keys <= {
                "gen_ai.operation.name",
                "gen_ai.provider.name",
                "gen_ai.request.model",
                "gen_ai.token.type",
                "error.type",
                "gen_ai.tool.name",
            }
    tokens = {p.attributes["gen_ai.token.type"]: p.sum for p in metrics["gen_ai.client.token.usage"]}
    assert tokens == {"input": 120, "output": 60}


def test_fast_path_and_parsed_path_agree(make_session, pipeline, clock):
    """An audio delta read from raw bytes counts the same as the parsed event."""
    session = make_session()
    session.server_event(created("r1"))
    session.server_frame(frame(audio_delta("r1")))
    session.server_event(audio_delta("r1"))
    odd = {"event_id": "e", **audio_delta("r1")}  # "type" not first: parsed
    session.server_frame(json.dumps(odd).encode())
    session.server_event(done("r1"))
    session.close()
    (turn,) = pipeline.responses()
    assert turn.attributes["openai.realtime.response.audio.generated_seconds"] == pytest.approx(0.3)


def test_input_audio_seconds_from_client_appends(make_session, pipeline):
    session = make_session()
    session.client_event({"type": "input_audio_buffer.append", "audio": AUDIO_100MS})
    session.client_frame(json.dumps({"type": "input_audio_buffer.append", "audio": AUDIO_100MS}))
    session.close()
    assert pipeline.session_span().attributes["openai.realtime.session.audio.input.seconds"] == pytest.approx(
        0.2
    )


def test_garbage_never_raises(make_session, pipeline):
    session = make_session()
    for junk in (
        b"",
        b"not json",
        b"[1,2]",
        b'{"type":',
        b'{"type":"response.output_audio.delta"}',
        42,
        None,
        {"type": 5},
        {"type": "response.done", "response": "x"},
        {"type": "response.created"},
    ):
        session.server_frame(junk)
        session.server_event(junk)
        session.client_event(junk)
        session.client_frame(junk)
    session.close()
    assert pipeline.session_span().attributes["openai.realtime.session.status"] == "closed"


def mcp_call(session: Any, rid: str, item_id: str, outcome: str) -> None:
    item = {"id": item_id, "type": "mcp_call", "name": "search_docs", "server_label": "docs", "arguments": ""}
    session.server_event(
        {"type": "response.output_item.added", "response_id": rid, "output_index": 0, "item": item}
    )
    session.server_event({"type": "response.mcp_call.in_progress", "item_id": item_id, "output_index": 0})
    session.server_event(
        {
            "type": "response.mcp_call_arguments.done",
            "response_id": rid,
            "item_id": item_id,
            "arguments": '{"q":"x"}',
        }
    )
    session.server_event({"type": f"response.mcp_call.{outcome}", "item_id": item_id, "output_index": 0})


def test_server_side_mcp_calls_get_tool_spans(make_session, pipeline, clock):
    session = make_session(capture_content=True)
    session.server_event(created("resp_1"))
    mcp_call(session, "resp_1", "mcp_ok", "completed")
    mcp_call(session, "resp_1", "mcp_bad", "failed")
    session.server_event(done("resp_1"))
    session.close()
    tools = {t.attributes["gen_ai.tool.call.id"]: t for t in pipeline.tools()}
    assert set(tools) == {"mcp_ok", "mcp_bad"}
    ok, bad = tools["mcp_ok"], tools["mcp_bad"]
    assert ok.name == "execute_tool search_docs"
    assert ok.attributes["gen_ai.tool.type"] == "extension"
    assert ok.attributes["openai.realtime.tool.server_label"] == "docs"
    assert ok.attributes["gen_ai.tool.call.arguments"] == '{"q":"x"}'
    assert ok.status.status_code is StatusCode.UNSET
    assert bad.status.status_code is StatusCode.ERROR
    assert bad.attributes["error.type"] == "tool_error"


def test_a_turn_has_one_terminal_state_interrupted_wins(make_session, pipeline, clock):
    """A completed response cut off during playback counts as interrupted, not completed."""
    session = make_session(capture_content="SPAN_ONLY")
    for rid, item in (("resp_1", "item_a"), ("resp_2", "item_b")):
        session.server_event(created(rid))
        for _ in range(5):
            session.server_frame(frame(audio_delta(rid, item=item)))
        session.server_event(done(rid))
    session.client_event(
        {"type": "conversation.item.truncate", "item_id": "item_b", "content_index": 0, "audio_end_ms": 100}
    )
    session.close()
    root = pipeline.session_span().attributes
    assert root["openai.realtime.session.turns.completed"] == 1
    assert root["openai.realtime.session.turns.interrupted"] == 1
    assert json.loads(root["braintrust.output_json"]) == {
        "status": "closed",
        "completed_turns": 1,
        "interrupted_turns": 1,
    }
    outputs = {
        s.attributes["gen_ai.response.id"]: json.loads(s.attributes["braintrust.output_json"])
        for s in pipeline.responses()
    }
    assert outputs["resp_1"]["status"] == "completed"
    assert outputs["resp_2"]["status"] == "interrupted"


@pytest.mark.parametrize(
    "status,details,expected",
    [
        ("cancelled", {"type": "cancelled", "reason": "turn_detected"}, "interrupted"),
        ("cancelled", {"type": "cancelled", "reason": "client_cancelled"}, "cancelled"),
        ("failed", {"type": "failed", "error": {"type": "server_error"}}, "failed"),
        ("incomplete", {"type": "incomplete", "reason": "max_output_tokens"}, "completed"),
    ],
)
def test_braintrust_terminal_status(make_session, pipeline, status, details, expected):
    session = make_session(capture_content="SPAN_ONLY")
    session.server_event(created("r"))
    session.server_event(done("r", status=status, status_details=details))
    session.close()
    (turn,) = pipeline.responses()
    assert json.loads(turn.attributes["braintrust.output_json"])["status"] == expected


def test_dropped_response_is_failed_for_braintrust(make_session, pipeline):
    session = make_session(capture_content="SPAN_ONLY")
    session.server_event(created("r"))
    session.close(error=ConnectionResetError())
    (turn,) = pipeline.responses()
    assert json.loads(turn.attributes["braintrust.output_json"])["status"] == "failed"
