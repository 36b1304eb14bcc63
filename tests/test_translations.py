"""Translation sessions (``client.realtime.translations``, ``/v1/realtime/translations``, openai
3.34+): a session span with what the API produces (the target language, audio in and out, the
latency to the first translated audio, transcripts under content capture), through the SDK's
translations client and through raw websockets, against the simulator.

The SDK adapter does not wrap the translations client: its socket is traced by the websockets
adapter (one session).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json

import openai
import pytest
from opentelemetry.trace import StatusCode

from opentelemetry_instrumentation_openai_realtime import get_session
from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios
from opentelemetry_instrumentation_openai_realtime.simulator.events import audio_chunk

MODEL = "gpt-realtime-translate"
CHUNK = audio_chunk(200)


def _has_translations() -> bool:
    try:
        return importlib.util.find_spec("openai.resources.realtime.translations") is not None
    except ImportError:  # openai < 1.103: no openai.resources.realtime
        return False


pytestmark = pytest.mark.skipif(not _has_translations(), reason="openai < 3.34 has no translations client")


async def _sdk_app(sim: RealtimeSimulator, appends: int) -> list[str]:
    client = openai.AsyncOpenAI(**sim.client_options())
    seen = []
    async with client.realtime.translations.connect(model=MODEL) as conn:
        await conn.session.update(session={"audio": {"output": {"language": "es"}}})
        for _ in range(appends):
            await conn.session.input_audio_buffer.append(audio=CHUNK)
        async for event in conn:
            seen.append(event.type)
            if event.type == "session.output_audio.delta" and seen.count(event.type) == appends:
                await conn.session.close()
            if event.type == "session.closed":
                break
        assert get_session(conn) is None  # the SDK adapter leaves translations to the socket
    return seen


async def _raw_app(sim: RealtimeSimulator, appends: int) -> list[str]:
    from websockets.asyncio.client import connect

    seen = []
    url = f"ws://127.0.0.1:{sim.port}/v1/realtime/translations?model={MODEL}"
    async with connect(url, additional_headers={"Authorization": "Bearer sk-x"}) as ws:
        update = {"type": "session.update", "session": {"audio": {"output": {"language": "es"}}}}
        await ws.send(json.dumps(update))
        for _ in range(appends):
            await ws.send(json.dumps({"type": "session.input_audio_buffer.append", "audio": CHUNK}))
        async for message in ws:
            seen.append(json.loads(message)["type"])
            if seen[-1] == "session.output_audio.delta" and seen.count(seen[-1]) == appends:
                await ws.send(json.dumps({"type": "session.close"}))
    return seen


@pytest.mark.parametrize("app", [_sdk_app, _raw_app], ids=["sdk", "websockets"])
@pytest.mark.parametrize("capture", ["NO_CONTENT", "SPAN_ONLY"])
def test_a_translation_session_is_traced(instrumented, app, capture):
    pipeline = instrumented(capture_content=capture)
    sim = RealtimeSimulator(scenarios.translation_stream(language="en"))

    async def main():
        async with sim:
            return await asyncio.wait_for(app(sim, 4), 30)

    seen = asyncio.run(main())
    assert sim.errors == []
    assert seen.count("session.output_audio.delta") == 4 and "session.closed" in seen
    (session,) = pipeline.spans()  # the session alone: a translation has no responses or tools
    attrs = session.attributes
    assert session.name == f"realtime_session {MODEL}"
    assert attrs["openai.realtime.api"] == "translations"
    created = next(e for e in sim.sent if e["type"] == "session.created")
    assert attrs["openai.realtime.session.id"] == created["session"]["id"]
    assert attrs["openai.realtime.translation.output_language"] == "es"
    assert attrs["openai.realtime.session.audio.input.seconds"] == pytest.approx(0.8)
    assert attrs["openai.realtime.session.audio.output.seconds"] == pytest.approx(0.8)
    assert attrs["openai.realtime.translation.time_to_first_audio"] > 0
    assert attrs["openai.realtime.session.status"] == "closed"
    assert attrs["openai.realtime.session.responses"] == 0
    assert session.status.status_code is StatusCode.UNSET
    if capture == "NO_CONTENT":
        assert "gen_ai.input.messages" not in attrs and "gen_ai.output.messages" not in attrs
    else:
        (source,) = json.loads(attrs["gen_ai.input.messages"])
        (translated,) = json.loads(attrs["gen_ai.output.messages"])
        assert source["parts"][0]["content"] == "Bonjour tout le monde"
        assert translated["parts"][0]["content"] == "Hello everyone here"
