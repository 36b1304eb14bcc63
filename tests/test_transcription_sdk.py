"""End to end through the real openai SDK against the simulator, with the payload shapes recorded
traffic shows: a transcription-only session and a voice session with input transcription. Every
token (or second) the simulator billed is on the trace and in the metrics, each under its model."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import openai
import pytest

from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios
from opentelemetry_instrumentation_openai_realtime.simulator.events import audio_chunk, server_event_types
from opentelemetry_instrumentation_openai_realtime.testing import RealtimeTelemetryRecorder

from .sdk_app import APIS, MODEL
from .test_faults import realtime_of

pytestmark = pytest.mark.sdk

CHUNK = audio_chunk(100)
COMPLETED = "conversation.item.input_audio_transcription.completed"
FAILED = "conversation.item.input_audio_transcription.failed"


def transcription_apis() -> list[str]:
    """APIs whose SDK types know transcription sessions (beta: ``transcription_session.updated``)."""
    return [api for api in APIS if api == "ga" or "transcription_session.updated" in server_event_types(api)]


async def _append_forever(conn: Any) -> None:
    while True:
        await conn.input_audio_buffer.append(audio=CHUNK)
        await asyncio.sleep(0.005)


async def _run(sim: RealtimeSimulator, api: str, setup: list[dict[str, Any]], until: dict[str, int]) -> None:
    """Connect, send ``setup``, stream audio, read until each event type of ``until`` was seen so
    many times (``*.completed``/``*.failed`` transcriptions counted together)."""
    client = openai.AsyncOpenAI(**sim.client_options())
    seen: dict[str, int] = {}
    async with realtime_of(client, api).connect(model=MODEL) as conn:
        for event in setup:
            await conn.send(event)
        appending = asyncio.ensure_future(_append_forever(conn))
        try:
            while any(seen.get(k, 0) < n for k, n in until.items()):
                event = await asyncio.wait_for(conn.recv(), 10)
                type_ = COMPLETED if event.type == FAILED else event.type
                seen[type_] = seen.get(type_, 0) + 1
        finally:
            appending.cancel()


def _play(sim: RealtimeSimulator, api: str, setup: list[dict[str, Any]], until: dict[str, int]) -> None:
    async def main() -> None:
        async with sim:
            await _run(sim, api, setup, until)

    asyncio.run(main())
    assert sim.errors == []


def _sent(sim: RealtimeSimulator, type_: str) -> list[dict[str, Any]]:
    return [e for e in sim.sent if e["type"] == type_]


def _sum(values: Iterable[Any]) -> Any:
    return sum(v for v in values if v is not None)


def _setup(api: str, model: str) -> dict[str, Any]:
    """The app's request for a transcription session."""
    if api == "ga":
        return {"type": "session.update", "session": {"type": "transcription"}}
    return {
        "type": "transcription_session.update",
        "session": {"input_audio_transcription": {"model": model}},
    }


def _token_points(pipeline: Any, model: str, operation: str) -> dict[str, int]:
    return {
        p.attributes["gen_ai.token.type"]: p.sum
        for p in pipeline.metrics().get("gen_ai.client.token.usage", [])
        if p.attributes.get("gen_ai.request.model") == model
        and p.attributes["gen_ai.operation.name"] == operation
    }


# Defined only where the SDK knows transcription sessions (openai 1.58 has no GA API and no beta
# transcription_session events): no skipped tests elsewhere.
if transcription_apis():

    @pytest.mark.parametrize("api", transcription_apis())
    def test_transcription_session_bills_every_token(instrumented, api):
        """A transcription session (three utterances: tokens, no usage, a failure): one
        ``speech_to_text`` span each, and every billed token on the spans, the session and the metrics
        under the transcription model; no chat span."""
        pipeline = instrumented()
        model = "gpt-4o-transcribe"
        scenario = scenarios.transcription_session(
            model=model,
            transcripts=("Hello there", "How are you", "Bye now"),
            without_usage=(1,),
            failed=(2,),
        )
        sim = RealtimeSimulator(scenario, dialect=api)
        _play(sim, api, [_setup(api, model)], {COMPLETED: 3})

        billed = [e["usage"] for e in _sent(sim, COMPLETED) if "usage" in e]
        assert len(billed) == 1 and billed[0]["type"] == "tokens"
        billed_in, billed_out = (
            _sum(u["input_tokens"] for u in billed),
            _sum(u["output_tokens"] for u in billed),
        )
        assert billed_in > 0 and billed_out > 0

        assert pipeline.responses() == []
        spans = pipeline.by_op("speech_to_text")
        assert [s.attributes["openai.realtime.transcription.status"] for s in spans] == [
            "completed",
            "completed",
            "failed",
        ]
        assert all(s.name == f"speech_to_text {model}" for s in spans)
        assert _sum(s.attributes.get("gen_ai.usage.input_tokens") for s in spans) == billed_in
        assert _sum(s.attributes.get("gen_ai.usage.output_tokens") for s in spans) == billed_out
        assert "gen_ai.usage.input_tokens" not in spans[1].attributes  # no usage sent: none invented
        root = pipeline.session_span().attributes
        assert root["openai.realtime.session.type"] == "transcription"
        assert root["openai.realtime.session.transcriptions"] == 2
        assert root["openai.realtime.session.transcription.usage.input_tokens"] == billed_in
        assert root["openai.realtime.session.transcription.usage.output_tokens"] == billed_out
        assert _token_points(pipeline, model, "speech_to_text") == {"input": billed_in, "output": billed_out}
        durations = [
            p
            for p in pipeline.metrics()["gen_ai.client.operation.duration"]
            if p.attributes["gen_ai.operation.name"] == "speech_to_text"
        ]
        assert sum(p.count for p in durations) == 3
        assert {p.attributes.get("error.type") for p in durations} == {None, "transcription_error"}

    @pytest.mark.parametrize("api", transcription_apis())
    def test_the_testing_recorder_lists_transcriptions(api):
        """``RealtimeTelemetryRecorder.transcriptions()`` finds a session's ``speech_to_text`` spans."""
        with RealtimeTelemetryRecorder() as recorder:
            sim = RealtimeSimulator(scenarios.transcription_session(transcripts=("Hi there",)), dialect=api)
            _play(sim, api, [_setup(api, "gpt-4o-transcribe")], {COMPLETED: 1})
        (session,) = recorder.sessions()
        (transcription,) = recorder.transcriptions(session)
        assert transcription.attributes["gen_ai.usage.input_tokens"] > 0
        assert recorder.responses(session) == []


@pytest.mark.parametrize("api", APIS)
def test_voice_session_bills_every_token_to_its_model(instrumented, api):
    """A voice session in recorded shapes (obfuscated deltas, tokens-only rate limits, a late
    transcript, a barge-in with all-zero usage): the realtime model's tokens are the chat spans'
    ``gen_ai.usage.*``, the transcription model's are on the turns and the session apart, and the
    token metric has each under its own model."""
    pipeline = instrumented()
    sim = RealtimeSimulator(scenarios.recorded_voice_session(), dialect=api)
    _play(sim, api, [], {"response.done": 3, COMPLETED: 3})

    if api == "ga":  # what the recorded shapes look like on the wire
        deltas = _sent(sim, "response.output_audio_transcript.delta")
        assert deltas and all("obfuscation" in d for d in deltas)
    limits = _sent(sim, "rate_limits.updated")
    assert limits and all([r["name"] for r in e["rate_limits"]] == ["tokens"] for e in limits)

    responses = [e["response"]["usage"] for e in _sent(sim, "response.done")]
    zero = [u for u in responses if u["input_tokens"] == 0 and u["output_tokens"] == 0]
    assert len(zero) == 1  # the barge-in
    chat_in, chat_out = (
        _sum(u["input_tokens"] for u in responses),
        _sum(u["output_tokens"] for u in responses),
    )
    transcriptions = [e["usage"] for e in _sent(sim, COMPLETED)]
    asr_in = _sum(u["input_tokens"] for u in transcriptions)
    asr_out = _sum(u["output_tokens"] for u in transcriptions)
    assert asr_in > 0 and asr_out > 0

    turns = pipeline.responses()
    assert len(turns) == 3
    assert _sum(t.attributes.get("gen_ai.usage.input_tokens") for t in turns) == chat_in
    assert _sum(t.attributes.get("gen_ai.usage.output_tokens") for t in turns) == chat_out
    key = "openai.realtime.response.input.transcription.usage."
    assert _sum(t.attributes.get(key + "input_tokens") for t in turns) == asr_in
    assert _sum(t.attributes.get(key + "output_tokens") for t in turns) == asr_out
    assert {t.attributes["openai.realtime.response.input.transcription.model"] for t in turns} == {
        "gpt-4o-transcribe"
    }
    interrupted = [t for t in turns if t.attributes.get("openai.realtime.response.interrupted")]
    assert len(interrupted) == 1 and interrupted[0].attributes["gen_ai.usage.input_tokens"] == 0
    root = pipeline.session_span().attributes
    assert root["openai.realtime.session.transcription.usage.input_tokens"] == asr_in
    assert root["openai.realtime.session.transcription.usage.output_tokens"] == asr_out
    assert _token_points(pipeline, MODEL, "chat") == {"input": chat_in, "output": chat_out}
    assert _token_points(pipeline, "gpt-4o-transcribe", "speech_to_text") == {
        "input": asr_in,
        "output": asr_out,
    }
    assert pipeline.by_op("speech_to_text") == []
