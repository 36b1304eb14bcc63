"""Input transcriptions, driven directly with the payloads the real API sends (compact JSON with
``type`` first, ``obfuscation`` on deltas, ``usage`` in tokens or seconds, or none at all):
``speech_to_text`` spans of transcription sessions, and the separate transcription cost of voice
sessions, on the turn it belongs to and in the metrics under the transcription model."""

from __future__ import annotations

import json
from typing import Any, Optional

from opentelemetry.trace import SpanKind, StatusCode

from .conftest import frame
from .test_session import audio_delta, created, done, usage

TOKENS_USAGE = {
    "type": "tokens",
    "total_tokens": 37,
    "input_tokens": 29,
    "input_token_details": {"text_tokens": 0, "audio_tokens": 29},
    "output_tokens": 8,
}
SECONDS_USAGE = {"type": "duration", "seconds": 2.4}


def ga_transcription_session(model: str = "gpt-4o-transcribe") -> dict[str, Any]:
    return {
        "type": "session.created",
        "event_id": "event_1",
        "session": {
            "type": "transcription",
            "object": "realtime.transcription_session",
            "id": "sess_t1",
            "expires_at": 1_700_001_800,
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 24000},
                    "transcription": {"model": model, "language": "en", "prompt": ""},
                    "noise_reduction": None,
                    "turn_detection": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500},
                }
            },
            "include": None,
        },
    }


def send(session: Any, *events: dict[str, Any]) -> None:
    for event in events:
        session.server_frame(frame(event))


def speech(session: Any, clock: Any, item: str, start_ms: int = 1000, end_ms: int = 3400) -> None:
    """Server VAD: speech started and stopped, the commit, the user item (GA added/done)."""
    send(
        session,
        {
            "type": "input_audio_buffer.speech_started",
            "event_id": "e",
            "audio_start_ms": start_ms,
            "item_id": item,
        },
    )
    clock.advance(end_ms - start_ms)
    send(
        session,
        {
            "type": "input_audio_buffer.speech_stopped",
            "event_id": "e",
            "audio_end_ms": end_ms,
            "item_id": item,
        },
    )
    clock.advance(10)
    send(
        session,
        {"type": "input_audio_buffer.committed", "event_id": "e", "previous_item_id": None, "item_id": item},
    )
    user_item = {
        "id": item,
        "object": "realtime.item",
        "type": "message",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_audio", "transcript": None}],
    }
    send(
        session,
        {"type": "conversation.item.added", "event_id": "e", "previous_item_id": None, "item": user_item},
    )
    send(
        session,
        {"type": "conversation.item.done", "event_id": "e", "previous_item_id": None, "item": user_item},
    )


def transcript_delta(item: str, delta: str) -> dict[str, Any]:
    return {
        "type": "conversation.item.input_audio_transcription.delta",
        "event_id": "e",
        "item_id": item,
        "content_index": 0,
        "delta": delta,
        "obfuscation": "x9Fq",
    }


def completed(item: str, transcript: str, usage_: Optional[dict[str, Any]]) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": "e",
        "item_id": item,
        "content_index": 0,
        "transcript": transcript,
    }
    if usage_ is not None:
        event["usage"] = usage_
    return event


def points(pipeline: Any, name: str, operation: str = "speech_to_text") -> list[Any]:
    return [p for p in pipeline.metrics().get(name, []) if p.attributes["gen_ai.operation.name"] == operation]


def token_points(pipeline: Any, model: str) -> dict[str, int]:
    return {
        p.attributes["gen_ai.token.type"]: p.sum
        for p in pipeline.metrics().get("gen_ai.client.token.usage", [])
        if p.attributes.get("gen_ai.request.model") == model
    }


# ------------------------------------------------------------------------------------------------
# Transcription sessions
# ------------------------------------------------------------------------------------------------


def test_ga_transcription_session_gives_a_span_per_item(make_session, pipeline, clock):
    """GA ``session.type: "transcription"``: each transcribed item is a ``speech_to_text`` span from
    the end of speech to ``completed``, with the model, usage and latencies; its metrics carry the
    transcription model and the ``speech_to_text`` operation."""
    session = make_session(model=None)
    send(session, ga_transcription_session())
    speech(session, clock, "item_1")
    stopped_at = clock.now - 10 * 1_000_000
    clock.advance(120)
    send(session, transcript_delta("item_1", "Hello"))
    clock.advance(80)
    send(session, transcript_delta("item_1", " there"))
    send(session, completed("item_1", "Hello there", TOKENS_USAGE))
    session.close(code=1000)

    assert pipeline.responses() == []
    (span,) = pipeline.by_op("speech_to_text")
    attrs = span.attributes
    assert span.name == "speech_to_text gpt-4o-transcribe"
    assert span.kind is SpanKind.CLIENT
    assert span.parent.span_id == pipeline.session_span().context.span_id
    assert span.start_time == stopped_at
    assert span.end_time == clock.now
    assert attrs["gen_ai.request.model"] == "gpt-4o-transcribe"
    assert attrs["gen_ai.provider.name"] == "openai"
    assert attrs["openai.realtime.item.id"] == "item_1"
    assert attrs["gen_ai.usage.input_tokens"] == 29
    assert attrs["gen_ai.usage.output_tokens"] == 8
    assert attrs["gen_ai.usage.audio.input_tokens"] == 29
    assert attrs["gen_ai.usage.text.input_tokens"] == 0
    assert attrs["gen_ai.response.time_to_first_chunk"] == 0.13
    assert attrs["openai.realtime.transcription.time_to_completion"] == 0.21
    assert attrs["openai.realtime.transcription.status"] == "completed"
    assert "gen_ai.output.messages" not in attrs  # content capture is off
    assert span.status.status_code is StatusCode.UNSET

    root = pipeline.session_span().attributes
    assert root["openai.realtime.session.type"] == "transcription"
    assert root["openai.realtime.session.transcription_model"] == "gpt-4o-transcribe"
    assert root["openai.realtime.session.transcriptions"] == 1
    assert root["openai.realtime.session.transcription.usage.input_tokens"] == 29
    assert root["openai.realtime.session.transcription.usage.output_tokens"] == 8

    (duration,) = points(pipeline, "gen_ai.client.operation.duration")
    assert duration.attributes["gen_ai.request.model"] == "gpt-4o-transcribe"
    assert duration.sum == 0.21
    (ttfc,) = points(pipeline, "gen_ai.client.operation.time_to_first_chunk")
    assert ttfc.sum == 0.13
    assert token_points(pipeline, "gpt-4o-transcribe") == {"input": 29, "output": 8}


def test_duration_billed_transcription_reports_seconds(make_session, pipeline, clock):
    """whisper-1 bills seconds of audio: on the span, the session roll-up and the billed-audio
    metric; no token points are invented."""
    session = make_session(model=None)
    send(session, ga_transcription_session("whisper-1"))
    speech(session, clock, "item_1")
    clock.advance(300)
    send(session, completed("item_1", "Hello there", SECONDS_USAGE))
    speech(session, clock, "item_2")
    clock.advance(300)
    send(session, completed("item_2", "And again", SECONDS_USAGE))
    session.close()

    spans = pipeline.by_op("speech_to_text")
    assert [s.attributes["openai.realtime.transcription.usage.seconds"] for s in spans] == [2.4, 2.4]
    assert all("gen_ai.usage.input_tokens" not in s.attributes for s in spans)
    root = pipeline.session_span().attributes
    assert root["openai.realtime.session.transcription.usage.seconds"] == 4.8
    assert "openai.realtime.session.transcription.usage.input_tokens" not in root
    (billed,) = pipeline.metrics()["openai.realtime.client.transcription.billed_audio"]
    assert billed.sum == 4.8 and billed.count == 2
    assert billed.attributes["gen_ai.request.model"] == "whisper-1"
    assert token_points(pipeline, "whisper-1") == {}


def test_failed_transcription_is_an_error_of_its_span(make_session, pipeline, clock):
    """``...transcription.failed``: the span ends with ERROR and the provider's error type; its
    duration metric carries ``error.type``."""
    session = make_session(model=None)
    send(session, ga_transcription_session())
    speech(session, clock, "item_1")
    clock.advance(50)
    failure = {
        "type": "conversation.item.input_audio_transcription.failed",
        "event_id": "e",
        "item_id": "item_1",
        "content_index": 0,
        "error": {
            "type": "transcription_error",
            "code": "audio_unintelligible",
            "message": "Could not transcribe.",
        },
    }
    send(session, failure)
    session.close()

    (span,) = pipeline.by_op("speech_to_text")
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "Could not transcribe."
    assert span.attributes["error.type"] == "transcription_error"
    assert span.attributes["openai.realtime.transcription.status"] == "failed"
    (duration,) = points(pipeline, "gen_ai.client.operation.duration")
    assert duration.attributes["error.type"] == "transcription_error"
    assert pipeline.session_span().status.status_code is StatusCode.UNSET


def test_transcript_only_with_content_capture(make_session, pipeline, clock):
    """The transcript is the span's output message with content capture on, redacted as the
    user's words; never without."""
    session = make_session(model=None, capture_content="SPAN_ONLY")
    send(session, ga_transcription_session())
    speech(session, clock, "item_1")
    send(session, completed("item_1", "Call me at five", TOKENS_USAGE))
    session.close()

    (span,) = pipeline.by_op("speech_to_text")
    (message,) = json.loads(span.attributes["gen_ai.output.messages"])
    assert message["parts"] == [{"type": "text", "content": "Call me at five"}]


def test_beta_transcription_session(make_session, pipeline, clock):
    """Beta transcription sessions (``transcription_session.updated``) get the same spans."""
    session = make_session(model=None)
    beta = {
        "type": "transcription_session.updated",
        "event_id": "e",
        "session": {
            "id": "sess_b1",
            "object": "realtime.transcription_session",
            "input_audio_format": "pcm16",
            "input_audio_transcription": {"model": "gpt-4o-mini-transcribe", "language": "en"},
            "turn_detection": {"type": "server_vad"},
            "modalities": ["text"],
        },
    }
    send(session, beta)
    speech(session, clock, "item_1")
    clock.advance(100)
    send(session, completed("item_1", "Hi", TOKENS_USAGE))
    session.close()

    (span,) = pipeline.by_op("speech_to_text")
    assert span.name == "speech_to_text gpt-4o-mini-transcribe"
    assert span.attributes["gen_ai.usage.input_tokens"] == 29
    assert pipeline.session_span().attributes["openai.realtime.session.type"] == "transcription"


def test_transcription_in_flight_at_close(make_session, pipeline, clock):
    """A session that closes before ``completed`` ends the span ``closed``, not an error; a
    transport drop fails it."""
    for error, status, code in (
        (None, "closed", StatusCode.UNSET),
        (ConnectionError(), "failed", StatusCode.ERROR),
    ):
        pipeline.exporter.clear()
        session = make_session(model=None)
        send(session, ga_transcription_session())
        speech(session, clock, "item_1")
        session.close(error=error)
        (span,) = pipeline.by_op("speech_to_text")
        assert span.attributes["openai.realtime.transcription.status"] == status
        assert span.status.status_code is code


# ------------------------------------------------------------------------------------------------
# Voice sessions: the transcription's cost on the turn it belongs to
# ------------------------------------------------------------------------------------------------


def voice_session(make_session: Any, model: str = "gpt-4o-transcribe", **options: Any) -> Any:
    session = make_session(**options)
    ga = {
        "type": "session.created",
        "event_id": "e",
        "session": {
            "type": "realtime",
            "object": "realtime.session",
            "id": "sess_v1",
            "model": "gpt-realtime",
            "output_modalities": ["audio"],
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 24000},
                    "transcription": {"model": model},
                    "turn_detection": {"type": "server_vad"},
                },
                "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"},
            },
        },
    }
    send(session, ga)
    return session


def test_late_transcription_usage_lands_on_its_turn(make_session, pipeline, clock):
    """The transcript (with usage) arrives after ``response.done``: the held turn reports the
    transcription usage under its own names, its ``gen_ai.usage.*`` stays the response's, and the
    token metric records the transcription under its model."""
    session = voice_session(make_session)
    speech(session, clock, "item_u")
    send(session, created("resp_1"))
    clock.advance(200)
    send(session, audio_delta("resp_1"))
    send(session, done("resp_1"))
    clock.advance(400)
    send(session, completed("item_u", "What's the weather?", TOKENS_USAGE))
    session.close()

    assert pipeline.by_op("speech_to_text") == []  # a voice session: no transcription spans
    (turn,) = pipeline.responses()
    attrs = turn.attributes
    assert attrs["gen_ai.usage.input_tokens"] == 120 and attrs["gen_ai.usage.output_tokens"] == 60
    assert attrs["openai.realtime.response.input.transcription.model"] == "gpt-4o-transcribe"
    assert attrs["openai.realtime.response.input.transcription.usage.input_tokens"] == 29
    assert attrs["openai.realtime.response.input.transcription.usage.output_tokens"] == 8
    assert attrs["openai.realtime.response.input.transcription.usage.audio.input_tokens"] == 29
    assert attrs["openai.realtime.response.input.transcription_status"] == "completed"
    assert token_points(pipeline, "gpt-realtime") == {"input": 120, "output": 60}
    assert token_points(pipeline, "gpt-4o-transcribe") == {"input": 29, "output": 8}
    root = pipeline.session_span().attributes
    assert root["openai.realtime.session.transcription.usage.input_tokens"] == 29
    assert root["openai.realtime.session.type"] == "realtime"


def test_early_whisper_transcription_lands_on_its_turn(make_session, pipeline, clock):
    """whisper-1's transcript arrives before ``response.created``: its seconds are on the turn."""
    session = voice_session(make_session, "whisper-1")
    speech(session, clock, "item_u")
    send(session, completed("item_u", "Hi", SECONDS_USAGE))
    send(session, created("resp_1"))
    send(session, done("resp_1"))
    session.close()

    (turn,) = pipeline.responses()
    assert turn.attributes["openai.realtime.response.input.transcription.model"] == "whisper-1"
    assert turn.attributes["openai.realtime.response.input.transcription.usage.seconds"] == 2.4
    (billed,) = pipeline.metrics()["openai.realtime.client.transcription.billed_audio"]
    assert billed.sum == 2.4


def test_transcription_without_usage_invents_none(make_session, pipeline, clock):
    """Older servers send ``completed`` without ``usage``: the turn names the transcription model
    but reports no usage, and no token point is recorded for it."""
    session = voice_session(make_session)
    speech(session, clock, "item_u")
    send(session, created("resp_1"))
    send(session, done("resp_1"))
    send(session, completed("item_u", "Hi", None))
    session.close()

    (turn,) = pipeline.responses()
    assert turn.attributes["openai.realtime.response.input.transcription.model"] == "gpt-4o-transcribe"
    assert not [
        k for k in turn.attributes if k.startswith("openai.realtime.response.input.transcription.usage")
    ]
    assert token_points(pipeline, "gpt-4o-transcribe") == {}
    assert pipeline.session_span().attributes["openai.realtime.session.transcriptions"] == 1


def test_transcription_after_the_hold_is_still_billed(make_session, pipeline, clock):
    """A transcript later than the hold: the turn has ended without it, but the session roll-up and
    the metrics still count every billed token."""
    session = voice_session(make_session, transcript_wait_seconds=1)
    speech(session, clock, "item_u")
    send(session, created("resp_1"))
    send(session, done("resp_1"))
    clock.advance(1500)
    send(session, completed("item_u", "Hi", TOKENS_USAGE))
    session.close()

    (turn,) = pipeline.responses()
    assert turn.attributes["openai.realtime.response.input.transcription_status"] == "pending"
    assert "openai.realtime.response.input.transcription.usage.input_tokens" not in turn.attributes
    root = pipeline.session_span().attributes
    assert root["openai.realtime.session.transcription.usage.input_tokens"] == 29
    assert root["openai.realtime.session.transcription.usage.output_tokens"] == 8
    assert token_points(pipeline, "gpt-4o-transcribe") == {"input": 29, "output": 8}


def test_barge_in_with_all_zero_usage(make_session, pipeline, clock):
    """A barge-in ``response.done`` (``turn_detected``) with all-zero usage: zeros are the
    provider's values, reported as such; the turn is interrupted, not an error."""
    session = voice_session(make_session)
    speech(session, clock, "item_u")
    send(session, created("resp_1"))
    send(
        session,
        {
            "type": "input_audio_buffer.speech_started",
            "event_id": "e",
            "audio_start_ms": 5000,
            "item_id": "item_2",
        },
    )
    zero = usage(0, 0)
    zero["input_token_details"] = {
        "cached_tokens": 0,
        "text_tokens": 0,
        "audio_tokens": 0,
        "image_tokens": 0,
        "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0, "image_tokens": 0},
    }
    zero["output_token_details"] = {"text_tokens": 0, "audio_tokens": 0}
    barge_in = done(
        "resp_1", status="cancelled", status_details={"type": "cancelled", "reason": "turn_detected"}
    )
    barge_in["response"]["usage"] = zero
    send(session, barge_in)
    send(
        session,
        {
            "type": "rate_limits.updated",
            "event_id": "e",
            "rate_limits": [{"name": "tokens", "limit": 40000, "remaining": 39412, "reset_seconds": 0.882}],
        },
    )
    session.close()

    (turn,) = pipeline.responses()
    assert turn.attributes["gen_ai.usage.input_tokens"] == 0
    assert turn.attributes["gen_ai.usage.output_tokens"] == 0
    assert turn.attributes["gen_ai.usage.audio.output_tokens"] == 0
    assert turn.attributes["openai.realtime.response.interrupted"] is True
    assert turn.status.status_code is StatusCode.UNSET
    assert token_points(pipeline, "gpt-realtime") == {"input": 0, "output": 0}


def test_transcription_of_an_unknown_model_is_not_the_realtime_model(make_session, pipeline, clock):
    """A transcription whose model the session never named: its metric points carry no model
    rather than the session's realtime model (another model, another price)."""
    session = make_session()
    speech(session, clock, "item_u")
    send(session, completed("item_u", "Hi", TOKENS_USAGE))
    session.close()
    points_ = [p for p in pipeline.metrics()["gen_ai.client.token.usage"]]
    assert {p.attributes["gen_ai.operation.name"] for p in points_} == {"speech_to_text"}
    assert all("gen_ai.request.model" not in p.attributes for p in points_)


def test_obfuscated_deltas_read_as_frames_and_as_dicts_agree(make_session, pipeline, clock):
    """GA transcript deltas with ``obfuscation`` after ``delta`` (as the live API sends them), fed
    as compact frames or as dicts: the same captured answer, the same first chunk."""
    results = []
    for as_frame in (True, False):
        pipeline.exporter.clear()
        session = make_session(capture_content="SPAN_ONLY")
        session.server_event(created("resp_1"))
        for i, piece in enumerate(("Hello", " there", "!")):
            clock.advance(10)
            delta = {
                "type": "response.output_audio_transcript.delta",
                "event_id": f"e{i}",
                "response_id": "resp_1",
                "item_id": "item_o",
                "output_index": 0,
                "content_index": 0,
                "delta": piece,
                "obfuscation": "Zq3" * (i + 1),
            }
            if as_frame:
                session.server_frame(frame(delta))
            else:
                session.server_event(delta)
        session.server_event(done("resp_1"))
        session.close()
        (turn,) = pipeline.responses()
        results.append(
            (
                json.loads(turn.attributes["gen_ai.output.messages"])[0]["parts"],
                turn.attributes["gen_ai.response.time_to_first_chunk"],
            )
        )
    assert results[0] == results[1]
    assert results[0][0] == [{"type": "text", "content": "Hello there!"}]
