"""A sideband call through the real openai SDK (``connect(call_id=...)``) against the simulator:
per response, time to first audio and voice-to-voice from the server's playback events, and the
heard seconds of the answer the caller cut. Defined only where the SDK can join a call."""

from __future__ import annotations

import inspect

import openai
import pytest
from opentelemetry.trace import StatusCode

from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios

pytestmark = pytest.mark.sdk

try:
    from openai.resources.realtime.realtime import AsyncRealtime
except ImportError:  # openai < 1.103: no GA realtime, no calls
    AsyncRealtime = None

JOINS_CALLS = AsyncRealtime is not None and "call_id" in inspect.signature(AsyncRealtime.connect).parameters

if JOINS_CALLS:

    async def test_a_sideband_call_with_a_barge_in(instrumented):
        pipeline = instrumented()
        sim = RealtimeSimulator(scenarios.sideband_call(playback_ms=80, heard_ms=40), dialect="ga")
        async with sim:
            client = openai.AsyncOpenAI(**sim.client_options())
            async with client.realtime.connect(call_id="rtc_u1_test") as conn:
                dones = 0
                async for event in conn:
                    assert event.type != "response.output_audio.delta"
                    dones += event.type == "output_audio_buffer.stopped"
                    if dones == 2:
                        break
        assert sim.errors == []

        first, cut, third = pipeline.responses()
        for turn in (first, cut, third):
            a = turn.attributes
            assert a["openai.realtime.response.time_to_first_audio"] > 0
            assert (
                a["openai.realtime.response.voice_to_voice_latency"]
                >= a["openai.realtime.response.time_to_first_audio"]
            )
            assert turn.status.status_code is StatusCode.UNSET
            assert "openai.realtime.response.audio.generated_seconds" not in a
        for turn in (first, third):
            assert turn.attributes["openai.realtime.response.playback.status"] == "completed"
            assert turn.attributes["openai.realtime.response.audio.played_seconds"] >= 0.08
        c = cut.attributes
        assert c["openai.realtime.response.interrupted"] is True
        assert c["openai.realtime.response.playback.status"] == "interrupted"
        assert c["openai.realtime.response.audio.heard_seconds"] == pytest.approx(0.04)
        assert c["gen_ai.response.finish_reasons"] == ("turn_detected",)
        root = pipeline.session_span()
        r = root.attributes
        assert r["openai.realtime.session.call"] is True
        assert r["openai.realtime.session.call_id"] == "rtc_u1_test"
        assert r["openai.realtime.session.turns.interrupted"] == 1
        assert r["openai.realtime.session.turns.completed"] == 2
        assert r["openai.realtime.session.audio.output.seconds"] > 0.16
        metrics = pipeline.metrics()
        (v2v,) = metrics["openai.realtime.client.voice_to_voice_latency"]
        assert v2v.count == 3
        assert metrics["openai.realtime.client.interruptions"][0].value == 1

    async def test_the_demo_plays_a_call(instrumented, capsys):
        from opentelemetry_instrumentation_openai_realtime import demo

        pipeline = instrumented()
        await demo._simulated_call(20.0)
        turns = pipeline.responses()
        assert [t.attributes.get("openai.realtime.response.interrupted", False) for t in turns] == [
            False,
            True,
            False,
        ]
        assert all("openai.realtime.response.voice_to_voice_latency" in t.attributes for t in turns)
        assert pipeline.session_span().attributes["openai.realtime.session.call"] is True
        assert "the caller cut in" in capsys.readouterr().out
