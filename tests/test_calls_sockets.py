"""A sideband call (``?call_id=``) on the socket transports (websockets, aiohttp) against the
simulator: per response, time to first audio and voice-to-voice from the server's playback
events, and the heard seconds of the answer the caller cut; the same as through the openai SDK."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios
from opentelemetry_instrumentation_openai_realtime.simulator.events import installed_dialects

from .socket_apps import has_aiohttp, headers_of

pytestmark = pytest.mark.transports
LIBRARIES = ["websockets"] + (["aiohttp"] if has_aiohttp() else [])


async def _follow(library: str, url: str) -> None:
    """Read the call's events until two answers have finished playing."""
    stopped = 0
    if library == "aiohttp":
        import aiohttp

        async with aiohttp.ClientSession() as client, client.ws_connect(url, headers=headers_of("ga")) as ws:
            async for msg in ws:
                stopped += json.loads(msg.data)["type"] == "output_audio_buffer.stopped"
                if stopped == 2:
                    return
        return
    from websockets.asyncio.client import connect

    async with connect(url, additional_headers=headers_of("ga")) as ws:
        async for data in ws:
            stopped += json.loads(data)["type"] == "output_audio_buffer.stopped"
            if stopped == 2:
                return


# the call's events (output_audio_buffer.*) are GA events: the simulator validates them against the
# installed SDK's GA types, which openai 1.58 does not have (so the test exists only where it can run)
if "ga" in installed_dialects():

    @pytest.mark.parametrize("library", LIBRARIES)
    def test_a_sideband_call_with_a_barge_in_on_a_socket(instrumented, library):
        pipeline = instrumented()
        sim = RealtimeSimulator(scenarios.sideband_call(playback_ms=80, heard_ms=40), dialect="ga")

        async def main() -> Any:
            async with sim:
                await asyncio.wait_for(
                    _follow(library, f"ws://{sim.host}:{sim.port}/v1/realtime?call_id=rtc_u1_sock"), 30
                )

        asyncio.run(main())
        assert sim.errors == []
        first, cut, third = pipeline.responses()
        for turn in (first, cut, third):
            a = turn.attributes
            assert a["openai.realtime.response.time_to_first_audio"] > 0
            assert a["openai.realtime.response.voice_to_voice_latency"] > 0
        assert first.attributes["openai.realtime.response.playback.status"] == "completed"
        c = cut.attributes
        assert c["openai.realtime.response.interrupted"] is True
        assert c["openai.realtime.response.audio.heard_seconds"] == pytest.approx(0.04)
        r = pipeline.session_span().attributes
        assert r["openai.realtime.session.call"] is True
        assert r["openai.realtime.session.call_id"] == "rtc_u1_sock"
        assert r["openai.realtime.session.turns.interrupted"] == 1
        (v2v,) = pipeline.metrics()["openai.realtime.client.voice_to_voice_latency"]
        assert v2v.count == 3
