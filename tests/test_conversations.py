"""Conversation semantics through the real openai client and the simulator.

Each test plays a scripted conversation (GA and beta dialects) and asserts on the exported spans
and metrics: interruptions and what the user heard, tool spans, error events, failed responses,
out-of-band responses, late transcripts.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import openai
import pytest
from opentelemetry.trace import StatusCode

from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios
from opentelemetry_instrumentation_openai_realtime.simulator.events import audio_chunk

from .sdk_app import APIS, MODEL

pytestmark = pytest.mark.sdk
CHUNK = audio_chunk(100)
AUDIO_DELTAS = ("response.output_audio.delta", "response.audio.delta")


async def converse(api: str, scenario: Any, app: Callable[[Any, Any], Any]) -> RealtimeSimulator:
    """Run ``app(connection, simulator)`` against ``scenario``; the simulator must see no error."""
    sim = RealtimeSimulator(scenario, dialect=api)
    async with sim:
        client = openai.AsyncOpenAI(**sim.client_options())
        realtime = client.realtime if api == "ga" else client.beta.realtime
        async with realtime.connect(model=MODEL) as conn:
            await app(conn, sim)
    assert sim.errors == []
    return sim


async def speak(conn: Any) -> None:
    for _ in range(3):
        await conn.input_audio_buffer.append(audio=CHUNK)


async def until_done(conn: Any, on_event: Callable[[Any], Any] = lambda e: None) -> Any:
    async for event in conn:
        await on_event(event) if callable(on_event) and _is_coro(on_event) else on_event(event)
        if event.type == "response.done":
            return event
    raise AssertionError("connection closed before response.done")


def _is_coro(fn: Any) -> bool:
    import inspect

    return inspect.iscoroutinefunction(fn)


@pytest.mark.parametrize("api", APIS)
async def test_barge_in_is_an_interruption_with_heard_audio(instrumented, api):
    pipeline = instrumented()
    played: dict[str, Any] = {}

    async def app(conn, sim):
        await speak(conn)

        async def on_event(event):
            if event.type in AUDIO_DELTAS:
                played.setdefault("item", event.item_id)
                played["ms"] = played.get("ms", 0) + 100
            if event.type == "input_audio_buffer.speech_started" and "item" in played:
                await conn.conversation.item.truncate(
                    item_id=played["item"], content_index=0, audio_end_ms=150
                )

        done = await until_done(conn, on_event)
        assert done.response.status == "cancelled"
        async for event in conn:  # the truncated acknowledgement, then the close
            if event.type == "conversation.item.truncated":
                break

    await converse(api, scenarios.barge_in(), app)
    (turn,) = pipeline.responses()
    attrs = turn.attributes
    assert turn.status.status_code is StatusCode.UNSET
    assert attrs["gen_ai.response.finish_reasons"] == ("turn_detected",)
    assert attrs["openai.realtime.response.interrupted"] is True
    assert attrs["openai.realtime.response.audio.heard_seconds"] == pytest.approx(0.15)
    assert attrs["openai.realtime.response.audio.generated_seconds"] == pytest.approx(played["ms"] / 1000)
    assert "openai.realtime.speech_started" in [e.name for e in turn.events]
    (session,) = pipeline.by_op("realtime_session")
    assert session.attributes["openai.realtime.session.turns.interrupted"] == 1
    assert session.status.status_code is StatusCode.UNSET
    assert pipeline.metrics()["openai.realtime.client.interruptions"][0].value == 1


@pytest.mark.parametrize("api", APIS)
async def test_tool_call_gets_a_tool_span_and_the_follow_up_is_traced(instrumented, api):
    pipeline = instrumented(capture_content="SPAN_ONLY")

    async def app(conn, sim):
        await speak(conn)
        done = await until_done(conn)
        (call,) = [o for o in done.response.output if o.type == "function_call"]
        await conn.conversation.item.create(
            item={"type": "function_call_output", "call_id": call.call_id, "output": '{"temp_c": 18}'}
        )
        await conn.response.create()
        await until_done(conn)

    await converse(api, scenarios.tool_turn(trigger="audio"), app)
    (tool,) = pipeline.tools()
    first, follow_up = pipeline.responses()
    (session,) = pipeline.by_op("realtime_session")
    assert tool.name == "execute_tool get_weather"
    assert tool.parent.span_id == session.context.span_id
    assert tool.attributes["gen_ai.tool.type"] == "function"
    # a span link to the response that asked for the call; gen_ai.response.id is the response's alone
    assert "gen_ai.response.id" not in tool.attributes
    assert tool.attributes["openai.realtime.tool.response_id"] == first.attributes["gen_ai.response.id"]
    assert [link.context.span_id for link in tool.links] == [first.context.span_id]
    assert json.loads(tool.attributes["gen_ai.tool.call.arguments"])["location"] == "Paris, France"
    assert tool.attributes["gen_ai.tool.call.result"] == '{"temp_c": 18}'
    assert first.attributes["gen_ai.response.finish_reasons"] == ("tool_call",)
    # the call starts at function_call_arguments.done, inside the response that asked for it
    assert first.start_time <= tool.start_time <= first.end_time <= tool.end_time <= follow_up.start_time
    inputs = json.loads(follow_up.attributes["gen_ai.input.messages"])
    assert inputs == [
        {
            "role": "tool",
            "parts": [
                {
                    "type": "tool_call_response",
                    "id": tool.attributes["gen_ai.tool.call.id"],
                    "response": '{"temp_c": 18}',
                }
            ],
        }
    ]
    # the caller's silence runs from the end of their speech, across the tool, to the answer
    v2v = follow_up.attributes["openai.realtime.response.voice_to_voice_latency"]
    assert v2v >= (tool.end_time - tool.start_time) / 1e9
    (point,) = pipeline.metrics()["openai.realtime.client.tool.duration"]
    assert point.attributes["gen_ai.tool.name"] == "get_weather"


@pytest.mark.parametrize("api", APIS)
async def test_error_event_is_recorded_and_the_session_continues(instrumented, api):
    pipeline = instrumented()

    async def app(conn, sim):
        await conn.response.create()
        async for event in conn:
            if event.type == "error":
                break
        await conn.response.create()
        await until_done(conn)

    sim = await converse(
        api, scenarios.compose(scenarios.error_event(), scenarios.text_turn(trigger="response.create")), app
    )
    (session,) = pipeline.by_op("realtime_session")
    (error,) = [e for e in session.events if e.name == "openai.realtime.error"]
    sent = next(e for e in sim.sent if e["type"] == "error")["error"]
    assert error.attributes["error.type"] == sent["type"]
    assert error.attributes["openai.realtime.error.code"] == sent["code"]
    assert error.attributes["openai.realtime.error.param"] == sent["param"]
    assert session.attributes["openai.realtime.session.errors"] == 1
    assert session.status.status_code is StatusCode.UNSET
    assert len(pipeline.responses()) == 1


@pytest.mark.parametrize("api", APIS)
async def test_failed_response_sets_error(instrumented, api):
    pipeline = instrumented()

    async def app(conn, sim):
        await conn.response.create()
        done = await until_done(conn)
        assert done.response.status == "failed"

    await converse(api, scenarios.failed_response(trigger="response.create"), app)
    (turn,) = pipeline.responses()
    assert turn.status.status_code is StatusCode.ERROR
    assert turn.attributes["error.type"] == "server_error"
    assert turn.attributes["gen_ai.response.finish_reasons"] == ("error",)
    durations = pipeline.metrics()["gen_ai.client.operation.duration"]
    assert [p.attributes.get("error.type") for p in durations] == ["server_error"]


@pytest.mark.parametrize("api", APIS)
async def test_out_of_band_response_is_routed_by_id(instrumented, api):
    pipeline = instrumented()

    async def app(conn, sim):
        await speak(conn)
        await until_done(conn)
        await conn.response.create(response={"conversation": "none", "metadata": {"purpose": "summary"}})
        await until_done(conn)

    await converse(api, scenarios.compose(scenarios.voice_turn(), scenarios.out_of_band_response()), app)
    in_band, out_of_band = pipeline.responses()
    assert "openai.realtime.response.out_of_band" not in in_band.attributes
    assert out_of_band.attributes["openai.realtime.response.out_of_band"] is True
    assert out_of_band.attributes["openai.realtime.response.trigger"] == "client"
    assert "gen_ai.conversation.id" not in out_of_band.attributes
    assert in_band.attributes["openai.realtime.response.trigger"] == "server_vad"


@pytest.mark.parametrize("after_done", [True, False])
@pytest.mark.parametrize("api", APIS)
async def test_user_transcript_lands_on_the_response_it_caused(instrumented, api, after_done):
    pipeline = instrumented(capture_content="SPAN_ONLY")

    async def app(conn, sim):
        await speak(conn)
        await until_done(conn)
        async for _event in conn:  # read until the server closes (the transcript may come last)
            pass

    sim = await converse(api, scenarios.voice_turn(transcript_after_done=after_done), app)
    (turn,) = pipeline.responses()
    completed = next(e for e in sim.sent if e["type"].endswith("input_audio_transcription.completed"))
    messages = json.loads(turn.attributes["gen_ai.input.messages"])
    assert messages == [{"role": "user", "parts": [{"type": "text", "content": completed["transcript"]}]}]
    outputs = json.loads(turn.attributes["gen_ai.output.messages"])
    assert outputs[0]["role"] == "assistant" and outputs[0]["parts"][0]["type"] == "text"
    assert turn.attributes["openai.realtime.response.input.transcription_status"] == "completed"


@pytest.mark.parametrize("api", APIS)
async def test_content_is_off_by_default(instrumented, api):
    pipeline = instrumented()

    async def app(conn, sim):
        await conn.session.update(
            session={"instructions": "secret instructions", **({"type": "realtime"} if api == "ga" else {})}
        )
        await speak(conn)
        await until_done(conn)

    await converse(api, scenarios.voice_turn(), app)
    for span in pipeline.spans():
        for key, value in span.attributes.items():
            assert not key.startswith(
                ("gen_ai.input", "gen_ai.output.messages", "gen_ai.system", "gen_ai.tool.call.")
            )
            assert "secret instructions" not in str(value)
