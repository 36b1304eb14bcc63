"""Calls (WebRTC/SIP sideband sessions): latencies and heard audio from the server's playback
events, driven directly through the state machine with compact frames."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.trace import StatusCode

from opentelemetry_instrumentation_openai_realtime.config import Settings
from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession
from opentelemetry_instrumentation_openai_realtime.telemetry.instruments import Telemetry

from .conftest import frame
from .test_session import audio_delta, created, done, voice_input


@pytest.fixture
def make_call(pipeline, clock):
    def make(call_id: Any = "rtc_u1_abc") -> RealtimeSession:
        settings = Settings.from_options({}, environ={})
        telemetry = Telemetry(
            settings, pipeline.tracer_provider, pipeline.meter_provider, pipeline.logger_provider
        )
        session = RealtimeSession(telemetry, model="gpt-realtime", clock=clock, api="ga", call_id=call_id)
        session.connected()
        return session

    return make


def playback(kind: str, rid: str) -> bytes:
    return frame({"type": "output_audio_buffer." + kind, "event_id": "ev_" + kind, "response_id": rid})


def message_item(rid: str, item: str = "item_out") -> bytes:
    return frame(
        {
            "type": "response.output_item.added",
            "response_id": rid,
            "output_index": 0,
            "item": {"id": item, "type": "message", "role": "assistant", "content": []},
        }
    )


def answered_turn(session: Any, clock: Any, rid: str, user_item: str) -> None:
    """The user speaks; the server starts playing the answer 300 ms after the commit (320 ms after
    the end of the speech)."""
    voice_input(session, clock, user_item)
    clock.advance(30)
    session.server_frame(frame(created(rid)))
    session.server_frame(message_item(rid, "out_" + rid))
    clock.advance(270)
    session.server_frame(playback("started", rid))


def test_a_call_is_timed_from_playback(make_call, pipeline, clock):
    session = make_call()
    answered_turn(session, clock, "resp_1", "user_1")
    clock.advance(500)
    session.server_frame(frame(done("resp_1")))
    clock.advance(2000)
    assert pipeline.responses() == []  # held while the server still plays it
    session.server_frame(playback("stopped", "resp_1"))
    (turn,) = pipeline.responses()
    a = turn.attributes
    assert a["openai.realtime.response.voice_to_voice_latency"] == pytest.approx(0.32)
    assert a["openai.realtime.response.time_to_first_audio"] == pytest.approx(0.3)
    assert a["gen_ai.response.time_to_first_chunk"] == pytest.approx(0.3)
    assert a["openai.realtime.response.audio.played_seconds"] == pytest.approx(2.5)
    assert a["openai.realtime.response.playback.status"] == "completed"
    assert "openai.realtime.response.audio.generated_seconds" not in a
    assert "openai.realtime.response.interrupted" not in a
    assert turn.end_time - turn.start_time == 800 * 1_000_000  # playback never moves the end
    session.close(code=1000)
    root = pipeline.session_span().attributes
    assert root["openai.realtime.session.call"] is True
    assert root["openai.realtime.session.call_id"] == "rtc_u1_abc"
    assert root["openai.realtime.session.audio.output.seconds"] == pytest.approx(2.5)
    assert root["openai.realtime.session.turns.completed"] == 1
    (v2v,) = pipeline.metrics()["openai.realtime.client.voice_to_voice_latency"]
    assert v2v.count == 1 and v2v.sum == pytest.approx(0.32)


def test_barge_in_on_a_call_is_an_interruption_with_heard_seconds(make_call, pipeline, clock):
    session = make_call()
    answered_turn(session, clock, "resp_1", "user_1")
    clock.advance(400)
    session.server_frame(frame(done("resp_1")))
    clock.advance(800)  # 1.2 s played, then the caller speaks over it
    session.server_frame(
        frame({"type": "input_audio_buffer.speech_started", "audio_start_ms": 9000, "item_id": "user_2"})
    )
    clock.advance(20)
    session.server_frame(playback("cleared", "resp_1"))
    clock.advance(10)
    session.server_frame(
        frame(
            {
                "type": "conversation.item.truncated",
                "item_id": "out_resp_1",
                "content_index": 0,
                "audio_end_ms": 1150,
            }
        )
    )
    (turn,) = pipeline.responses()
    a = turn.attributes
    assert a["openai.realtime.response.interrupted"] is True
    assert a["openai.realtime.response.playback.status"] == "interrupted"
    assert a["openai.realtime.response.audio.played_seconds"] == pytest.approx(1.22)
    assert a["openai.realtime.response.audio.heard_seconds"] == pytest.approx(1.15)  # the server's word
    assert turn.status.status_code is StatusCode.UNSET
    assert "error.type" not in a
    session.close(code=1000)
    root = pipeline.session_span().attributes
    assert root["openai.realtime.session.turns.interrupted"] == 1
    assert root["openai.realtime.session.turns.completed"] == 0
    (count,) = pipeline.metrics()["openai.realtime.client.interruptions"]
    assert count.value == 1


def test_without_truncation_heard_is_the_playback_before_the_clear(make_call, pipeline, clock):
    session = make_call()
    answered_turn(session, clock, "resp_1", "user_1")
    clock.advance(700)
    session.server_frame(
        frame({"type": "input_audio_buffer.speech_started", "audio_start_ms": 9000, "item_id": "user_2"})
    )
    clock.advance(50)
    session.server_frame(playback("cleared", "resp_1"))
    clock.advance(30)
    session.server_frame(
        frame(
            done(
                "resp_1", status="cancelled", status_details={"type": "cancelled", "reason": "turn_detected"}
            )
        )
    )
    clock.advance(600)  # past the wait for a truncation
    session.server_frame(frame({"type": "rate_limits.updated", "rate_limits": []}))
    (turn,) = pipeline.responses()
    a = turn.attributes
    assert a["openai.realtime.response.audio.heard_seconds"] == pytest.approx(0.75)
    assert a["openai.realtime.response.interrupted"] is True
    assert a["openai.realtime.response.voice_to_voice_latency"] == pytest.approx(0.32)
    assert turn.status.status_code is StatusCode.UNSET
    session.close()
    assert pipeline.session_span().attributes["openai.realtime.session.turns.interrupted"] == 1


def test_the_apps_clear_is_a_cancellation(make_call, pipeline, clock):
    session = make_call()
    answered_turn(session, clock, "resp_1", "user_1")
    clock.advance(300)
    session.server_frame(
        frame({"type": "input_audio_buffer.speech_started", "audio_start_ms": 9000, "item_id": "user_2"})
    )
    session.client_event({"type": "response.cancel"})
    session.client_frame('{"type":"output_audio_buffer.clear"}')
    clock.advance(40)
    session.server_frame(playback("cleared", "resp_1"))
    session.server_frame(
        frame(
            done(
                "resp_1",
                status="cancelled",
                status_details={"type": "cancelled", "reason": "client_cancelled"},
            )
        )
    )
    session.close()
    (turn,) = pipeline.responses()
    a = turn.attributes
    assert a["openai.realtime.response.playback.status"] == "cancelled"
    assert a["openai.realtime.response.audio.played_seconds"] == pytest.approx(0.34)
    assert "openai.realtime.response.interrupted" not in a
    assert "openai.realtime.response.audio.heard_seconds" not in a
    assert pipeline.session_span().attributes["openai.realtime.session.turns.interrupted"] == 0
    assert "openai.realtime.client.interruptions" not in pipeline.metrics()


def test_playback_that_starts_after_done_still_times_the_response(make_call, pipeline, clock):
    session = make_call()
    transcribed = {"audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}}}
    session.server_frame(frame({"type": "session.updated", "session": {"type": "realtime", **transcribed}}))
    voice_input(session, clock, "user_1")
    session.server_frame(frame(created("resp_1")))
    clock.advance(200)
    session.server_frame(
        frame(
            {"type": "conversation.item.input_audio_transcription.delta", "item_id": "user_1", "delta": "hi"}
        )
    )
    session.server_frame(frame(done("resp_1")))
    clock.advance(100)
    # the transcript is not complete yet: the span is held for it, and playback starts
    session.server_frame(playback("started", "resp_1"))
    clock.advance(1000)
    session.server_frame(playback("stopped", "resp_1"))
    session.close()
    (turn,) = pipeline.responses()
    a = turn.attributes
    assert a["openai.realtime.response.voice_to_voice_latency"] == pytest.approx(0.32)
    (v2v,) = pipeline.metrics()["openai.realtime.client.voice_to_voice_latency"]
    assert v2v.count == 1


def test_a_gateway_with_deltas_and_playback_counts_audio_once(make_call, pipeline, clock):
    """Deltas measure the generated audio, and the first of the two times the first audio."""
    session = make_call(call_id=None)
    voice_input(session, clock, "user_1")
    session.server_frame(frame(created("resp_1")))
    clock.advance(200)
    session.server_frame(frame(audio_delta("resp_1")))
    session.server_frame(frame(audio_delta("resp_1")))
    clock.advance(100)
    session.server_frame(playback("started", "resp_1"))
    session.server_frame(frame(done("resp_1")))
    clock.advance(200)
    session.server_frame(playback("stopped", "resp_1"))
    session.close()
    (turn,) = pipeline.responses()
    a = turn.attributes
    assert a["openai.realtime.response.voice_to_voice_latency"] == pytest.approx(0.22)
    assert a["openai.realtime.response.audio.generated_seconds"] == pytest.approx(0.2)
    assert a["openai.realtime.response.audio.played_seconds"] == pytest.approx(0.2)
    root = pipeline.session_span().attributes
    assert root["openai.realtime.session.audio.output.seconds"] == pytest.approx(0.2)
    assert "openai.realtime.session.call" not in root


def test_a_call_closed_while_playing_ends_every_span(make_call, pipeline, clock):
    session = make_call()
    answered_turn(session, clock, "resp_1", "user_1")
    session.server_frame(frame(done("resp_1")))
    session.server_frame(playback("stopped", "resp_unknown"))
    session.server_frame(frame({"type": "output_audio_buffer.cleared"}))
    session.close()
    (turn,) = pipeline.responses()
    assert "openai.realtime.response.playback.status" not in turn.attributes
    root = pipeline.session_span().attributes
    assert root["openai.realtime.session.status"] == "closed"
    assert turn.status.status_code is StatusCode.UNSET


def test_a_clear_without_speech_is_a_cancellation_and_a_silent_server_is_bounded(make_call, pipeline, clock):
    session = make_call()
    answered_turn(session, clock, "resp_1", "user_1")
    session.server_frame(playback("cleared", "resp_1"))
    session.server_frame(frame(done("resp_1")))
    answered_turn(session, clock, "resp_2", "user_2")
    session.server_frame(frame(done("resp_2")))
    clock.advance(119_000)
    session.server_frame(frame({"type": "rate_limits.updated", "rate_limits": []}))
    assert len(pipeline.responses()) == 1  # resp_2 still playing: held
    clock.advance(2_000)  # no .stopped ever came: released at its deadline
    session.server_frame(frame({"type": "rate_limits.updated", "rate_limits": []}))
    first, second = pipeline.responses()
    assert first.attributes["openai.realtime.response.playback.status"] == "cancelled"
    assert "openai.realtime.response.interrupted" not in first.attributes
    assert "openai.realtime.response.playback.status" not in second.attributes
    assert second.attributes["openai.realtime.response.voice_to_voice_latency"] == pytest.approx(0.32)
    session.close()
    assert pipeline.session_span().attributes["openai.realtime.session.turns.completed"] == 2


def test_a_websocket_session_is_not_a_call(make_session, pipeline, clock):
    session = make_session()
    voice_input(session, clock)
    session.server_frame(frame(created("resp_1")))
    session.server_frame(frame(audio_delta("resp_1")))
    session.server_frame(frame(done("resp_1")))
    session.close()
    assert "openai.realtime.session.call" not in pipeline.session_span().attributes
    assert "openai.realtime.response.playback.status" not in pipeline.responses()[0].attributes
