"""Tests of the Realtime protocol simulator, driven by the real openai client (async and sync).

Every scenario is run in each dialect the installed SDK supports; the checks are:

* the client received exactly ``sim.sent`` (types and event ids, in order);
* every server event validates against the installed SDK's models;
* ``sim.errors == []``;
* the scenario-specific behaviour.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
from typing import Any, Callable, Optional

import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai import AsyncOpenAI, OpenAI

from opentelemetry_instrumentation_openai_realtime.simulator import (
    EventValidationError,
    RealtimeSimulator,
    SimConnection,
    audio_chunk,
    event_type,
    events,
    installed_dialects,
    make_id,
    scenarios,
    validate_server_event,
)

pytestmark = pytest.mark.sdk

MODELS = {"ga": "gpt-realtime", "beta": "gpt-4o-realtime-preview"}


def _client_supports(dialect: str) -> bool:
    client = OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1")
    if dialect == "ga":
        return hasattr(client, "realtime") and hasattr(client.realtime, "connect")
    return hasattr(client.beta, "realtime") and hasattr(client.beta.realtime, "connect")


DIALECTS = [d for d in installed_dialects() if _client_supports(d)]
assert DIALECTS, f"openai {openai.__version__} supports no Realtime dialect"

dialects = pytest.mark.parametrize("dialect", DIALECTS)


def _resource(client: Any, dialect: str) -> Any:
    return client.realtime if dialect == "ga" else client.beta.realtime


def _has_param(func: Callable[..., Any], name: str) -> bool:
    return name in inspect.signature(func).parameters


# -- client events -------------------------------------------------------------------------------------


def session_update(dialect: str) -> dict[str, Any]:
    if dialect == "ga":
        session: dict[str, Any] = {
            "type": "realtime",
            "instructions": "Answer in one short sentence.",
            "audio": {"output": {"voice": "verse"}},
        }
    else:
        session = {"instructions": "Answer in one short sentence.", "voice": "verse"}
    return {"type": "session.update", "session": session}


def append(ms: int = 100) -> dict[str, Any]:
    return {"type": "input_audio_buffer.append", "audio": audio_chunk(ms)}


def user_text(text: str) -> dict[str, Any]:
    return {
        "type": "conversation.item.create",
        "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
    }


def response_create(**response: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "response.create"}
    if response:
        event["response"] = response
    return event


def function_output(call_id: str, output: str) -> dict[str, Any]:
    return {
        "type": "conversation.item.create",
        "item": {"type": "function_call_output", "call_id": call_id, "output": output},
    }


def truncate(item_id: str, audio_end_ms: int) -> dict[str, Any]:
    return {
        "type": "conversation.item.truncate",
        "item_id": item_id,
        "content_index": 0,
        "audio_end_ms": audio_end_ms,
    }


# -- drivers ------------------------------------------------------------------------------------------

React = Callable[[Any], list[dict[str, Any]]]


async def drive(
    sim: RealtimeSimulator,
    dialect: str,
    initial: list[dict[str, Any]],
    react: Optional[React] = None,
    stop: Optional[Callable[[Any], bool]] = None,
    **connect_kwargs: Any,
) -> list[Any]:
    """A small async client app: send ``initial``, then answer server events with ``react`` until the
    server closes the connection (or ``stop`` says so)."""
    client = AsyncOpenAI(**sim.client_options())
    received: list[Any] = []
    async with _resource(client, dialect).connect(model=MODELS[dialect], **connect_kwargs) as conn:
        for event in initial:
            await conn.send(event)
        async for event in conn:
            received.append(event)
            for out in react(event) if react else []:
                await conn.send(out)
            if stop is not None and stop(event):
                break
    return received


def drive_sync(
    sim: RealtimeSimulator,
    dialect: str,
    initial: list[dict[str, Any]],
    react: Optional[React] = None,
) -> list[Any]:
    """The same client app with the synchronous client."""
    client = OpenAI(**sim.client_options())
    received: list[Any] = []
    with _resource(client, dialect).connect(model=MODELS[dialect]) as conn:
        for event in initial:
            conn.send(event)
        for event in conn:
            received.append(event)
            for out in react(event) if react else []:
                conn.send(out)
    return received


def check_traffic(sim: RealtimeSimulator, received: list[Any], dialect: str) -> None:
    assert sim.errors == []
    assert [(e.type, e.event_id) for e in received] == [(d["type"], d["event_id"]) for d in sim.sent]
    for event in sim.sent:
        validate_server_event(event, dialect)
        assert list(event)[:2] == ["type", "event_id"]


def types(sim: RealtimeSimulator) -> list[str]:
    return [e["type"] for e in sim.sent]


def of_type(sim: RealtimeSimulator, name: str, dialect: str) -> list[dict[str, Any]]:
    wanted = event_type(dialect, name)
    return [e for e in sim.sent if e["type"] == wanted]


def expected_message(dialect: str, deltas: int, *, kind: str = "audio", finish: bool = True) -> list[str]:
    """Event types of an assistant message streamed inside a response."""
    seq = [
        "response.output_item.added",
        event_type(dialect, "conversation.item.created"),
        "response.content_part.added",
    ]
    if kind == "audio":
        seq += [
            event_type(dialect, "response.audio.delta"),
            event_type(dialect, "response.audio_transcript.delta"),
        ] * deltas
        if finish:
            seq += [
                event_type(dialect, "response.audio.done"),
                event_type(dialect, "response.audio_transcript.done"),
            ]
    else:
        seq += [event_type(dialect, "response.text.delta")] * deltas
        if finish:
            seq.append(event_type(dialect, "response.text.done"))
    if finish:
        seq += ["response.content_part.done", "response.output_item.done"]
        if dialect == "ga":
            seq.append("conversation.item.done")
    return seq


def expected_user_audio(dialect: str) -> list[str]:
    seq = [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        event_type(dialect, "conversation.item.created"),
    ]
    if dialect == "ga":
        seq.append("conversation.item.done")
    return seq


TRANSCRIPTION = "conversation.item.input_audio_transcription.completed"


# -- scenarios through the real client -----------------------------------------------------------------


@dialects
@pytest.mark.parametrize("transcript_after_done", [True, False])
async def test_voice_turn(dialect: str, transcript_after_done: bool) -> None:
    sim = RealtimeSimulator(scenarios.voice_turn(transcript_after_done=transcript_after_done), dialect)
    async with sim:
        received = await drive(sim, dialect, [session_update(dialect), append(), append(), append()])
    check_traffic(sim, received, dialect)

    expected = ["session.created", "session.updated", *expected_user_audio(dialect)]
    if not transcript_after_done:
        expected.append(TRANSCRIPTION)
    expected += ["response.created", *expected_message(dialect, 5), "response.done"]
    if transcript_after_done:
        expected.append(TRANSCRIPTION)
    assert types(sim) == expected

    assert sim.connections == 1
    assert [e["type"] for e in sim.received] == ["session.update"] + ["input_audio_buffer.append"] * 3
    session = sim.sent[0]["session"]
    assert session["id"] == make_id("sess", 0, 1)
    assert session["model"] == MODELS[dialect]
    updated = sim.sent[1]["session"]
    assert updated["instructions"] == "Answer in one short sentence."
    assert updated["id"] == session["id"]
    if dialect == "ga":
        assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
        assert session["audio"]["input"]["turn_detection"]["type"] == "server_vad"
        assert session["audio"]["input"]["transcription"] == {"model": "whisper-1"}
        assert session["audio"]["output"]["voice"] == "alloy"
        assert updated["audio"]["output"]["voice"] == "verse"
        assert updated["audio"]["input"]["format"]["rate"] == 24000  # merged, not replaced
    else:
        assert session["input_audio_format"] == session["output_audio_format"] == "pcm16"
        assert session["turn_detection"]["type"] == "server_vad"
        assert session["input_audio_transcription"] == {"model": "whisper-1"}
        assert (session["voice"], updated["voice"]) == ("alloy", "verse")

    started, stopped = of_type(sim, "input_audio_buffer.speech_started", dialect)[0], None
    stopped = of_type(sim, "input_audio_buffer.speech_stopped", dialect)[0]
    committed = of_type(sim, "input_audio_buffer.committed", dialect)[0]
    assert started["audio_start_ms"] == 0 and stopped["audio_end_ms"] == 300
    assert started["item_id"] == stopped["item_id"] == committed["item_id"] == make_id("item", 0, 1)
    assert committed["previous_item_id"] is None

    deltas = of_type(sim, "response.audio.delta", dialect)
    assert len(deltas) == 5
    assert all(len(base64.b64decode(d["delta"])) == 4800 for d in deltas)
    transcript = "".join(d["delta"] for d in of_type(sim, "response.audio_transcript.delta", dialect))
    assert transcript == scenarios.DEFAULT_ASSISTANT_TRANSCRIPT
    assert of_type(sim, "response.audio_transcript.done", dialect)[0]["transcript"] == transcript

    done = of_type(sim, "response.done", dialect)[0]["response"]
    assert done["id"] == make_id("resp", 0, 1)
    assert done["status"] == "completed"
    assert done["conversation_id"] == make_id("conv", 0, 1)
    assert done["output"][0]["content"][0]["transcript"] == transcript
    assert done["output"][0]["content"][0]["type"] == ("output_audio" if dialect == "ga" else "audio")
    usage = done["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    details = usage["input_token_details"]
    assert details["audio_tokens"] == 3 and details["text_tokens"] > 0 and details["cached_tokens"] > 0
    assert usage["output_token_details"]["audio_tokens"] == 5
    if dialect == "ga":
        cached = details["cached_tokens_details"]
        assert cached["text_tokens"] + cached["audio_tokens"] == details["cached_tokens"]

    transcription = of_type(sim, TRANSCRIPTION, dialect)[0]
    assert transcription["item_id"] == make_id("item", 0, 1)
    assert transcription["transcript"] == scenarios.DEFAULT_USER_TRANSCRIPT
    assert transcription["usage"] == {"type": "duration", "seconds": 0.3}


@dialects
def test_voice_turn_sync_client(dialect: str) -> None:
    sim = RealtimeSimulator(scenarios.voice_turn(), dialect)
    with sim.run_in_thread():
        received = drive_sync(sim, dialect, [append(), append(), append()])
    check_traffic(sim, received, dialect)
    assert types(sim)[-2:] == ["response.done", TRANSCRIPTION]
    auth = sim.request_headers[0]["Authorization"]
    assert auth == "Bearer sk-test"
    if dialect == "beta":
        assert sim.request_headers[0]["OpenAI-Beta"] == "realtime=v1"
    assert sim.request_paths[0] == f"/v1/realtime?model={MODELS[dialect]}"


@dialects
async def test_text_turn(dialect: str) -> None:
    sim = RealtimeSimulator(scenarios.text_turn(deltas=4), dialect)
    async with sim:
        received = await drive(sim, dialect, [user_text("What is the capital of France?"), response_create()])
    check_traffic(sim, received, dialect)
    user_item = ["conversation.item.done"] if dialect == "ga" else []
    assert types(sim) == [
        "session.created",
        event_type(dialect, "conversation.item.created"),
        *user_item,
        "response.created",
        *expected_message(dialect, 4, kind="text"),
        "response.done",
    ]
    created = sim.sent[1]["item"]
    assert created["content"] == [{"type": "input_text", "text": "What is the capital of France?"}]
    assert created["id"] == make_id("item", 0, 1) and created["status"] == "completed"
    text = "".join(e["delta"] for e in of_type(sim, "response.text.delta", dialect))
    assert text == scenarios.DEFAULT_TEXT_ANSWER
    response = of_type(sim, "response.done", dialect)[0]["response"]
    key = "output_modalities" if dialect == "ga" else "modalities"
    assert response[key] == ["text"]
    assert response["output"][0]["content"] == [
        {"type": "output_text" if dialect == "ga" else "text", "text": text}
    ]
    assert response["usage"]["output_token_details"]["audio_tokens"] == 0


@dialects
def test_text_turn_sync_client(dialect: str) -> None:
    sim = RealtimeSimulator(scenarios.text_turn(), dialect)
    with sim.run_in_thread():
        received = drive_sync(sim, dialect, [user_text("Hello"), response_create()])
    check_traffic(sim, received, dialect)
    assert types(sim)[-1] == "response.done"


@dialects
@pytest.mark.parametrize("trigger", ["response.create", "audio"])
async def test_tool_turn(dialect: str, trigger: str) -> None:
    sim = RealtimeSimulator(scenarios.tool_turn(trigger=trigger), dialect)

    def react(event: Any) -> list[dict[str, Any]]:
        if event.type == "response.function_call_arguments.done":
            args = json.loads(event.arguments)
            output = json.dumps({"location": args["location"], "temperature_c": 18, "sky": "partly cloudy"})
            return [function_output(event.call_id, output), response_create()]
        return []

    initial = [response_create()] if trigger == "response.create" else [append(), append(), append()]
    async with sim:
        received = await drive(sim, dialect, initial, react)
    check_traffic(sim, received, dialect)

    first_done, second_done = of_type(sim, "response.done", dialect)
    call = first_done["response"]["output"]
    assert len(call) == 1 and call[0]["type"] == "function_call"
    assert call[0]["name"] == "get_weather" and call[0]["status"] == "completed"
    assert call[0]["call_id"] == make_id("call", 0, 1)
    assert json.loads(call[0]["arguments"]) == {"location": "Paris, France", "unit": "celsius"}
    arg_deltas = of_type(sim, "response.function_call_arguments.delta", dialect)
    assert len(arg_deltas) == 3
    assert "".join(d["delta"] for d in arg_deltas) == call[0]["arguments"]
    args_done = of_type(sim, "response.function_call_arguments.done", dialect)[0]
    assert ("name" in args_done) == (dialect == "ga")

    # The function output item is acknowledged, then the follow-up is spoken.
    ack = [e for e in sim.sent if e["type"] == event_type(dialect, "conversation.item.created")]
    outputs = [e["item"] for e in ack if e["item"]["type"] == "function_call_output"]
    assert len(outputs) == 1 and outputs[0]["call_id"] == call[0]["call_id"]
    follow = second_done["response"]
    assert follow["status"] == "completed"
    assert follow["output"][0]["content"][0]["transcript"] == scenarios.DEFAULT_TOOL_FOLLOW_UP
    assert follow["usage"]["input_token_details"]["cached_tokens"] > 0
    user = ["input_audio_buffer.speech_started"] if trigger == "audio" else []
    assert types(sim)[1 : 1 + len(user)] == user


@dialects
async def test_barge_in(dialect: str) -> None:
    sim = RealtimeSimulator(scenarios.barge_in(deltas_before=3), dialect)
    state: dict[str, Any] = {}

    def react(event: Any) -> list[dict[str, Any]]:
        if event.type == "response.output_item.added":
            state["item_id"] = event.item.id
        if event.type == "input_audio_buffer.speech_started" and "item_id" in state:
            return [truncate(state["item_id"], 250)]
        return []

    async with sim:
        received = await drive(sim, dialect, [append(), append(), append()], react)
    check_traffic(sim, received, dialect)

    assert types(sim) == [
        "session.created",
        *expected_user_audio(dialect),
        TRANSCRIPTION,
        "response.created",
        *expected_message(dialect, 3, finish=False),
        "input_audio_buffer.speech_started",
        event_type(dialect, "response.audio.done"),
        event_type(dialect, "response.audio_transcript.done"),
        "response.content_part.done",
        "response.output_item.done",
        *(["conversation.item.done"] if dialect == "ga" else []),
        "response.done",
        "conversation.item.truncated",
    ]
    response = of_type(sim, "response.done", dialect)[0]["response"]
    assert response["status"] == "cancelled"
    assert response["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
    partial = response["output"][0]
    assert partial["status"] == "incomplete"
    partial_transcript = "".join(e["delta"] for e in of_type(sim, "response.audio_transcript.delta", dialect))
    assert partial["content"][0]["transcript"] == partial_transcript
    assert scenarios.DEFAULT_LONG_ANSWER.startswith(partial_transcript)
    assert partial_transcript != scenarios.DEFAULT_LONG_ANSWER
    assert response["usage"]["output_token_details"]["audio_tokens"] == 3
    truncated = of_type(sim, "conversation.item.truncated", dialect)[0]
    assert (truncated["item_id"], truncated["content_index"], truncated["audio_end_ms"]) == (
        state["item_id"],
        0,
        250,
    )
    interrupting = of_type(sim, "input_audio_buffer.speech_started", dialect)[1]
    assert interrupting["item_id"] != state["item_id"]


@dialects
async def test_error_event(dialect: str) -> None:
    sim = RealtimeSimulator(scenarios.error_event(), dialect)
    bad = response_create(voice="loud") if dialect == "beta" else response_create(instructions="x")
    bad["event_id"] = "evt_client_0001"
    async with sim:
        received = await drive(sim, dialect, [bad])
    check_traffic(sim, received, dialect)
    assert types(sim) == ["session.created", "error"]
    error = sim.sent[1]["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_value"
    assert error["param"] == "response.voice"
    assert error["event_id"] == "evt_client_0001"
    assert error["message"].startswith("Invalid value")
    assert received[1].error.event_id == "evt_client_0001"


@dialects
async def test_failed_response(dialect: str) -> None:
    sim = RealtimeSimulator(scenarios.failed_response(code="rate_limit_exceeded"), dialect)
    async with sim:
        received = await drive(sim, dialect, [response_create()])
    check_traffic(sim, received, dialect)
    assert types(sim) == ["session.created", "response.created", "response.done"]
    response = sim.sent[-1]["response"]
    assert response["status"] == "failed"
    assert response["status_details"] == {
        "type": "failed",
        "error": {"type": "server_error", "code": "rate_limit_exceeded"},
    }
    assert response["output"] == []


@dialects
async def test_drop_mid_response(dialect: str) -> None:
    from websockets.exceptions import ConnectionClosedError

    sim = RealtimeSimulator(scenarios.drop_mid_response(deltas=2), dialect)
    received: list[Any] = []
    async with sim:
        client = AsyncOpenAI(**sim.client_options())
        with pytest.raises(ConnectionClosedError) as info:
            async with _resource(client, dialect).connect(model=MODELS[dialect]) as conn:
                await conn.send(response_create())
                async for event in conn:
                    received.append(event)
    assert info.value.rcvd is None  # no close frame: abnormal closure (1006)
    check_traffic(sim, received, dialect)
    assert types(sim)[-2:] == [
        event_type(dialect, "response.audio.delta"),
        event_type(dialect, "response.audio_transcript.delta"),
    ]
    assert "response.done" not in types(sim)
    assert sim.connection_log[0].close_code == 1006


@dialects
async def test_reconnect(dialect: str) -> None:
    from websockets.exceptions import ConnectionClosedError

    sim = RealtimeSimulator(scenarios.reconnect(), dialect)
    client = AsyncOpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1")
    connect = _resource(client, dialect).connect
    received: list[Any] = []

    def react(event: Any) -> list[dict[str, Any]]:
        return [response_create()] if event.type == "session.created" else []

    async with sim:
        if _has_param(connect, "on_reconnecting"):
            # openai >= 2.32: the SDK reconnects by itself after the recoverable 1012 close.
            attempts: list[int] = []

            def on_reconnecting(info: Any) -> None:
                attempts.append(info.close_code)

            options: dict[str, Any] = {"on_reconnecting": on_reconnecting}
            if _has_param(connect, "initial_delay"):
                options["initial_delay"] = 0.01
            received = await drive(sim, dialect, [], react, **options)
            assert attempts == [1012]
        else:
            # Older SDKs surface the 1012 close; the app reconnects itself.
            client = AsyncOpenAI(**sim.client_options())
            codes: list[Optional[int]] = []
            for _ in range(2):
                try:
                    async with _resource(client, dialect).connect(model=MODELS[dialect]) as conn:
                        async for event in conn:
                            received.append(event)
                            for out in react(event):
                                await conn.send(out)
                except ConnectionClosedError as exc:
                    codes.append(exc.rcvd.code if exc.rcvd is not None else None)
            assert codes == [1012]
    check_traffic(sim, received, dialect)
    assert sim.connections == 2
    assert [e.type for e in received].count("session.created") == 2
    created = [e for e in sim.sent if e["type"] == "session.created"]
    assert [e["session"]["id"] for e in created] == [make_id("sess", 0, 1), make_id("sess", 1, 1)]
    assert [c.close_code for c in sim.connection_log] == [1012, 1000]
    done = [e for e in sim.sent if e["type"] == "response.done"]
    assert len(done) == 1 and done[0]["response"]["id"] == make_id("resp", 1, 1)
    assert done[0]["response"]["status"] == "completed"


@dialects
async def test_out_of_band_response(dialect: str) -> None:
    sim = RealtimeSimulator(
        scenarios.compose(scenarios.voice_turn(), scenarios.out_of_band_response()), dialect
    )
    modality_key = "output_modalities" if dialect == "ga" else "modalities"
    state = {"responses": 0}

    def react(event: Any) -> list[dict[str, Any]]:
        if event.type == "response.done":
            state["responses"] += 1
            if state["responses"] == 1:
                return [
                    response_create(
                        conversation="none",
                        metadata={"topic": "sentiment", "turn": "1"},
                        instructions="Classify the user's sentiment in one word.",
                        **{modality_key: ["text"]},
                    )
                ]
        return []

    async with sim:
        received = await drive(sim, dialect, [append(), append(), append()], react)
    check_traffic(sim, received, dialect)
    created = of_type(sim, "response.created", dialect)
    done = of_type(sim, "response.done", dialect)
    assert created[0]["response"]["conversation_id"] == make_id("conv", 0, 1)
    assert created[0]["response"]["metadata"] is None
    for event in (created[1], done[1]):
        assert event["response"]["conversation_id"] is None
        assert event["response"]["metadata"] == {"topic": "sentiment", "turn": "1"}
        assert event["response"][modality_key] == ["text"]
    assert done[1]["response"]["output"][0]["content"][0]["text"] == "positive"
    # The out-of-band output item is not added to the conversation.
    oob_item = done[1]["response"]["output"][0]["id"]
    announced = [e["item"]["id"] for e in sim.sent if "item" in e and e["type"].startswith("conversation.")]
    assert oob_item not in announced
    assert oob_item not in sim.connection_log[0].items


@dialects
async def test_voice_agent_demo(dialect: str) -> None:
    sim = RealtimeSimulator(scenarios.voice_agent_demo(speed=10), dialect)
    state: dict[str, Any] = {"done": 0, "item": None, "speaking": False}
    weather = '{"temperature_c":18,"sky":"partly cloudy"}'

    def react(event: Any) -> list[dict[str, Any]]:
        if event.type == "response.function_call_arguments.done":
            return [function_output(event.call_id, weather), response_create()]
        if event.type == "response.created":
            state["speaking"] = True
        if event.type == "response.output_item.added":
            state["item"] = event.item.id
        if event.type == "response.done":
            state["speaking"] = False
            state["done"] += 1
            if state["done"] == 2:  # the follow-up answer is over: ask the next question
                return [append(), append(), append()]
        if event.type == "input_audio_buffer.speech_started" and state["speaking"]:
            return [truncate(state["item"], 400)]
        if event.type == "conversation.item.truncated":
            return [append(), append(), append()]
        return []

    def stop(event: Any) -> bool:
        return event.type == TRANSCRIPTION and state["done"] == 4

    loop = asyncio.get_running_loop()
    start = loop.time()
    async with sim:
        received = await drive(
            sim, dialect, [session_update(dialect), append(), append(), append()], react, stop
        )
    elapsed = loop.time() - start
    check_traffic(sim, received, dialect)
    assert elapsed < 2.0
    statuses = [e["response"]["status"] for e in of_type(sim, "response.done", dialect)]
    assert statuses == ["completed", "completed", "cancelled", "completed"]
    assert types(sim)[:2] == ["session.created", "session.updated"]
    assert len(of_type(sim, "conversation.item.truncated", dialect)) == 1
    transcripts = [e["transcript"] for e in of_type(sim, "response.audio_transcript.done", dialect)]
    assert "eighteen degrees" in transcripts[0]
    assert transcripts[-1].startswith("A light jacket")
    # The final turn continues the interrupting speech: one speech_started for both.
    started = of_type(sim, "input_audio_buffer.speech_started", dialect)
    stopped = of_type(sim, "input_audio_buffer.speech_stopped", dialect)
    assert len(started) == len(stopped) == 3
    assert started[-1]["item_id"] == stopped[-1]["item_id"]
    assert sim.client_disconnects == []  # wait_for_close() ended the scenario normally
    assert sim.connection_log[0].close_code == 1000  # closed by the client


@dialects
async def test_push_to_talk_and_custom_session(dialect: str) -> None:
    """trigger="commit" (no server VAD) and a custom initial session via start_session()."""
    scenario = scenarios.compose(
        scenarios.start_session(voice="coral", turn_detection=None, transcription_model="gpt-4o-transcribe"),
        scenarios.voice_turn(trigger="commit", transcript_after_done=False, deltas=2),
    )
    sim = RealtimeSimulator(scenario, dialect)
    async with sim:
        initial = [append(), append(), {"type": "input_audio_buffer.commit"}, response_create()]
        received = await drive(sim, dialect, initial)
    check_traffic(sim, received, dialect)
    user_item = ["conversation.item.done"] if dialect == "ga" else []
    assert types(sim) == [
        "session.created",
        "input_audio_buffer.committed",
        event_type(dialect, "conversation.item.created"),
        *user_item,
        TRANSCRIPTION,
        "response.created",
        *expected_message(dialect, 2),
        "response.done",
    ]
    session = sim.sent[0]["session"]
    assert events.session_voice(dialect, session) == "coral"
    assert events.session_transcription_model(dialect, session) == "gpt-4o-transcribe"
    usage = of_type(sim, TRANSCRIPTION, dialect)[0]["usage"]
    assert usage["type"] == "tokens" and usage["input_tokens"] == 2


# -- simulator behaviour ------------------------------------------------------------------------------


@dialects
async def test_custom_script_and_frames(dialect: str) -> None:
    """A hand-written scenario; frames are compact JSON with "type" then "event_id" first."""
    from websockets.asyncio.client import connect

    async def scenario(conn: SimConnection) -> None:
        await conn.ensure_session(voice="coral")
        request = await conn.expect("response.create")
        response = conn.response(request)
        await response.start()
        await response.text_message("Hi!", chunks=1)
        await response.done()

    sim = RealtimeSimulator(scenario, dialect)
    async with sim, connect(f"{sim.ws_url}?model=my-model") as ws:
        first = await ws.recv()
        await ws.send(json.dumps({"type": "response.create", "response": {"metadata": {"k": "v"}}}))
        frames = [first] + [frame async for frame in ws]
    assert sim.errors == []
    assert isinstance(first, str)
    assert first.startswith(
        '{"type":"session.created","event_id":"' + make_id("event", 0, 1) + '","session":'
    )
    assert all(", " not in f[:40] and f.startswith('{"type":"') for f in frames)
    assert [json.loads(f) for f in frames] == sim.sent
    assert sim.sent[0]["session"]["model"] == "my-model"
    assert events.session_voice(dialect, sim.sent[0]["session"]) == "coral"
    assert of_type(sim, "response.done", dialect)[0]["response"]["metadata"] == {"k": "v"}


@dialects
async def test_unexpected_client_event_is_an_error(dialect: str) -> None:
    from websockets.exceptions import ConnectionClosedError

    sim = RealtimeSimulator(scenarios.compose(scenarios.expect("response.create")), dialect)
    async with sim:
        with pytest.raises(ConnectionClosedError) as info:
            await drive(sim, dialect, [user_text("hello")])
    assert info.value.rcvd is not None and info.value.rcvd.code == 1011
    assert len(sim.errors) == 1 and isinstance(sim.errors[0], AssertionError)
    assert "expected client event 'response.create'" in str(sim.errors[0])


@dialects
async def test_invalid_server_event_is_not_sent(dialect: str) -> None:
    from websockets.exceptions import ConnectionClosedError

    bad = {"type": "input_audio_buffer.speech_started", "audio_start_ms": "zero", "item_id": "item_1"}
    sim = RealtimeSimulator(scenarios.send(bad), dialect)
    async with sim:
        with pytest.raises(ConnectionClosedError):
            await drive(sim, dialect, [])
    assert len(sim.errors) == 1 and isinstance(sim.errors[0], EventValidationError)
    assert types(sim) == ["session.created"]


@dialects
async def test_validate_false_sends_anything(dialect: str) -> None:
    odd = {"type": "response.not_a_real_event", "payload": 1}
    sim = RealtimeSimulator(scenarios.send(odd), dialect, validate=False)
    async with sim:
        received = await drive(sim, dialect, [])
    assert sim.errors == []
    assert [e.type for e in received] == ["session.created", "response.not_a_real_event"]


@dialects
async def test_client_close_is_not_an_error(dialect: str) -> None:
    """The client leaves while the scenario waits for the next turn: not an error."""
    sim = RealtimeSimulator(scenarios.compose(scenarios.voice_turn(), scenarios.voice_turn()), dialect)
    async with sim:
        received = await drive(
            sim, dialect, [append(), append(), append()], stop=lambda e: e.type == "response.done"
        )
    assert sim.errors == []
    assert sim.client_disconnects == [0]
    assert [e.type for e in received] == types(sim)[: len(received)]


# -- validation --------------------------------------------------------------------------------------


@dialects
def test_builders_validate(dialect: str) -> None:
    """Every builder's output validates in its dialect."""
    ids = events.IdFactory()
    session = events.default_session(dialect, session_id=ids.next("sess"), model=MODELS[dialect])
    item = events.assistant_message_item(
        dialect, item_id="item_1", content=[events.audio_content(dialect, "Hi")]
    )
    call = events.function_call_item(dialect, item_id="item_2", call_id="call_1", name="f", arguments="{}")
    out = events.function_call_output_item(dialect, item_id="item_3", call_id="call_1", output="{}")
    user = events.user_text_item(dialect, item_id="item_4", text="Hello")
    common = {"response_id": "resp_1", "item_id": "item_1", "output_index": 0, "content_index": 0}
    usage = events.usage(
        dialect, input_text_tokens=10, input_audio_tokens=5, output_text_tokens=3, output_audio_tokens=7
    )
    samples = [
        events.session_created(session),
        events.session_updated(events.merge_session(session, {"instructions": "x"})),
        events.speech_started(item_id="item_1", audio_start_ms=0),
        events.speech_stopped(item_id="item_1", audio_end_ms=100),
        events.input_audio_buffer_committed(item_id="item_1", previous_item_id=None),
        events.input_audio_buffer_cleared(),
        events.conversation_item_added(dialect, item=item, previous_item_id=None),
        events.conversation_item_added(dialect, item=call, previous_item_id="item_1"),
        events.conversation_item_added(dialect, item=out, previous_item_id="item_2"),
        events.conversation_item_added(dialect, item=user, previous_item_id="item_3"),
        events.conversation_item_truncated(item_id="item_1", content_index=0, audio_end_ms=10),
        events.conversation_item_deleted(item_id="item_1"),
        events.input_audio_transcription_completed(
            item_id="item_1", transcript="hi", usage=events.transcription_usage_duration(1)
        ),
        events.input_audio_transcription_completed(
            item_id="item_1",
            transcript="hi",
            usage=events.transcription_usage_tokens(input_audio_tokens=3, output_tokens=1),
        ),
        events.input_audio_transcription_failed(item_id="item_1"),
        events.response_created(events.response_object(dialect, response_id="resp_1")),
        events.response_done(
            events.response_object(
                dialect,
                response_id="resp_1",
                status="incomplete",
                output=[item, call],
                usage=usage,
                status_details=events.incomplete_status_details(),
                metadata={"a": "b"},
            )
        ),
        events.output_item_added(response_id="resp_1", output_index=0, item=item),
        events.output_item_done(response_id="resp_1", output_index=0, item=item),
        events.content_part_added(part=events.audio_part(), **common),
        events.content_part_done(part=events.text_part("x"), **common),
        events.output_audio_delta(dialect, delta=audio_chunk(20), **common),
        events.output_audio_done(dialect, **common),
        events.output_audio_transcript_delta(dialect, delta="x", **common),
        events.output_audio_transcript_done(dialect, transcript="x", **common),
        events.output_text_delta(dialect, delta="x", **common),
        events.output_text_done(dialect, text="x", **common),
        events.function_call_arguments_delta(
            response_id="resp_1", item_id="item_2", output_index=1, call_id="call_1", delta="{"
        ),
        events.function_call_arguments_done(
            dialect,
            response_id="resp_1",
            item_id="item_2",
            output_index=1,
            call_id="call_1",
            name="f",
            arguments="{}",
        ),
        events.error_event(),
        events.rate_limits_updated(),
    ]
    if dialect == "ga":
        samples.append(events.conversation_item_done(item=item, previous_item_id=None))
    for n, sample in enumerate(samples):
        sample["event_id"] = f"event_{n}"
        validate_server_event(sample, dialect)
        assert sample["type"] in events.server_event_types(dialect)


@dialects
def test_validation_rejects_bad_events(dialect: str) -> None:
    good = {
        "type": "input_audio_buffer.speech_stopped",
        "event_id": "event_1",
        "audio_end_ms": 5,
        "item_id": "i",
    }
    validate_server_event(good, dialect)
    bad_events = [
        {**good, "audio_end_ms": "5"},  # strict: no str for an int
        {**good, "audio_end_ms": 5.5},  # no float for an int
        {key: value for key, value in good.items() if key != "item_id"},  # missing field
        {**good, "itme_id": "x"},  # misspelled extra field
        {**good, "type": "input_audio_buffer.speech_stoped"},  # unknown type
        {"type": "response.created", "event_id": "e", "response": {"id": "r", "status": "started"}},
        {"event_id": "e"},  # no type
    ]
    other = "beta" if dialect == "ga" else "ga"
    # a type that exists only in the other dialect
    bad_events.append({"type": event_type(other, "response.audio.delta"), "event_id": "e", "delta": ""})
    item = events.assistant_message_item(dialect, item_id="x", content=[events.audio_content(dialect, "Hi")])
    item["content"][0]["transcrpt"] = "typo"  # extra field nested in a content part
    bad_events.append(events.output_item_done(response_id="r", output_index=0, item=item, event_id="e"))
    for bad in bad_events:
        with pytest.raises(EventValidationError):
            validate_server_event(bad, dialect)


@dialects
def test_validation_accepts_what_the_live_api_sends_beyond_the_sdk_types(dialect: str) -> None:
    """GA deltas with ``obfuscation`` and transcriptions without ``usage`` validate; a misspelled
    field beside them still fails, and ``obfuscation`` is not accepted where the API never sends it."""
    completed = events.input_audio_transcription_completed(item_id="i", transcript="Hi", usage=None)
    completed["event_id"] = "e"
    validate_server_event(completed, dialect)
    with pytest.raises(EventValidationError):
        validate_server_event({**completed, "usge": {"type": "duration", "seconds": 1.0}}, dialect)
    ids = {"response_id": "r", "item_id": "i", "output_index": 0, "content_index": 0, "event_id": "e"}
    delta = events.output_text_delta(dialect, delta="Hi", obfuscation="x9Fq", **ids)
    speech = {"type": "input_audio_buffer.speech_stopped", "event_id": "e", "audio_end_ms": 5, "item_id": "i"}
    if dialect == "ga":
        validate_server_event(delta, dialect)
    else:  # beta deltas never carried it
        with pytest.raises(EventValidationError):
            validate_server_event(delta, dialect)
    with pytest.raises(EventValidationError):
        validate_server_event({**speech, "obfuscation": "x"}, dialect)


def test_validation_of_missing_dialect() -> None:
    for dialect in ("ga", "beta"):
        if dialect not in installed_dialects():
            with pytest.raises(EventValidationError, match=r"has no (ga|beta) Realtime types"):
                validate_server_event({"type": "session.created", "event_id": "e", "session": {}}, dialect)
    with pytest.raises(ValueError):
        validate_server_event({"type": "error"}, "v2")


def test_ga_only_event_in_beta() -> None:
    if "beta" not in installed_dialects():
        return
    event = events.conversation_item_done(
        item=events.user_text_item("beta", item_id="i", text="x"), previous_item_id=None
    )
    event["event_id"] = "e"
    with pytest.raises(EventValidationError, match="defines no beta server event"):
        validate_server_event(event, "beta")


# -- helpers ------------------------------------------------------------------------------------------


def test_audio_and_ids() -> None:
    chunk = base64.b64decode(audio_chunk(100))
    assert len(chunk) == 4800 and any(chunk) and chunk == base64.b64decode(audio_chunk(100))
    assert events.audio_ms(audio_chunk(100)) == 100 and events.audio_ms("") == 0
    assert make_id("resp", 0, 1) == "resp_Sim000000000000000001"
    assert len(make_id("item", 3, 42).split("_", 1)[1]) == 21
    ids = events.IdFactory(2)
    assert [ids.next("item"), ids.next("item"), ids.next("call")] == [
        make_id("item", 2, 1),
        make_id("item", 2, 2),
        make_id("call", 2, 1),
    ]
    assert event_type("ga", "response.audio.delta") == "response.output_audio.delta"
    assert event_type("ga", "response.output_audio.delta") == "response.output_audio.delta"
    assert event_type("beta", "response.output_text.done") == "response.text.done"
    assert event_type("beta", "conversation.item.added") == "conversation.item.created"
    assert event_type("ga", "response.done") == "response.done"
    with pytest.raises(ValueError):
        event_type("v3", "response.done")


def test_merge_session() -> None:
    session = {"a": {"b": 1, "c": 2}, "tools": [1], "voice": "alloy"}
    merged = events.merge_session(session, {"a": {"b": 5}, "tools": [], "voice": None})
    assert merged == {"a": {"b": 5, "c": 2}, "tools": [], "voice": None}
    assert session == {"a": {"b": 1, "c": 2}, "tools": [1], "voice": "alloy"}


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=80), st.integers(min_value=1, max_value=12))
def test_split_words_roundtrip(text: str, parts: int) -> None:
    chunks = events.split_words(text, parts)
    assert "".join(chunks) == text
    assert len(chunks) <= parts


def test_timing_scaled() -> None:
    timing = scenarios.DEMO_TIMING.scaled(0.1)
    assert timing.first_delta == pytest.approx(0.02)
    with pytest.raises(ValueError):
        scenarios.voice_agent_demo(speed=0)
    with pytest.raises(ValueError):
        scenarios.voice_turn(trigger="telepathy")


# --------------------------------------------------------------------------------------------------
# Validation must not distort latencies
# --------------------------------------------------------------------------------------------------

_TTFC_APP = """
import asyncio, json, statistics, sys
import openai
from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, audio_chunk, scenarios

dialect, model, validate = sys.argv[1], sys.argv[2], sys.argv[3] == "validate"
timing = scenarios.Timing(first_delta=0.02)
TURNS = 4

async def main():
    scenario = scenarios.compose(*[scenarios.voice_turn(timing=timing) for _ in range(TURNS)])
    sim = RealtimeSimulator(scenario, dialect=dialect, validate=validate)
    with sim.run_in_thread():  # its own loop: its timers do not wait for the client's work
        client = openai.AsyncOpenAI(**sim.client_options())
        realtime = client.realtime if dialect == "ga" else client.beta.realtime
        async with realtime.connect(model=model) as conn:
            for _ in range(TURNS):
                for _ in range(3):
                    await conn.input_audio_buffer.append(audio=audio_chunk(100))
                async for event in conn:
                    if event.type == "response.done":
                        break
    assert sim.errors == [], sim.errors
    conn = sim.connection_log[0]
    gaps, start = [], None  # per turn: committed -> first audio delta, as the simulator sent them
    for event, at in zip(conn.sent, conn.sent_times):
        if event["type"] == "input_audio_buffer.committed":
            start = at
        elif event["type"].endswith("audio.delta") and start is not None:
            gaps.append(at - start)
            start = None
    assert len(gaps) == TURNS and min(gaps) >= 0.02, gaps
    print(json.dumps(gaps[0] - statistics.median(gaps[1:])))

asyncio.run(main())
"""


def _first_turn_excess(dialect: str, validate: bool) -> float:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _TTFC_APP, dialect, MODELS[dialect], "validate" if validate else "no"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return float(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("dialect", DIALECTS[:1])
def test_validation_does_not_make_the_first_turn_slower(dialect: str) -> None:
    """In a fresh interpreter, the first voice turn's time to first chunk (the end of the user's
    speech to the first audio delta, as the simulator sends them) exceeds the later turns' by no
    more with validation than without: the simulator builds the SDK's validators when it starts,
    not on the first response's events (which added 15 to 60 ms). Without validation, what is left
    is the client's own first-time work (the same process), which the simulator cannot remove."""
    on: list[float] = []
    off: list[float] = []
    for _attempt in range(4):  # a busy machine can delay any one turn; a systematic cost shows in all
        on.append(_first_turn_excess(dialect, validate=True))
        off.append(_first_turn_excess(dialect, validate=False))
        if min(on) - min(off) < 0.008:
            break
    assert min(on) - min(off) < 0.008, f"first-turn excess with validation {on}, without {off}"


# --------------------------------------------------------------------------------------------------
# Lenient mode and the command line
# --------------------------------------------------------------------------------------------------


def _text_turn_with_a_stray_commit(dialect: str) -> list[dict[str, Any]]:
    return [{"type": "input_audio_buffer.commit"}, user_text("Hi"), response_create()]


@dialects
async def test_a_strict_scenario_fails_on_an_unexpected_event(dialect: str) -> None:
    sim = RealtimeSimulator(scenarios.text_turn(), dialect=dialect)
    async with sim:
        with pytest.raises(Exception, match="1011"):  # the scenario failed: the server closes with 1011
            await drive(sim, dialect, _text_turn_with_a_stray_commit(dialect))
    assert len(sim.errors) == 1 and "expected client event 'conversation.item.create'" in str(sim.errors[0])


@dialects
async def test_lenient_mode_answers_unexpected_events_and_keeps_answering_after_the_script(
    dialect: str,
) -> None:
    """The stray commit is answered (committed + user item) and the typed turn plays on; once the
    script is over, a further response.create still gets a whole response."""
    sim = RealtimeSimulator(scenarios.text_turn(), dialect=dialect, lenient=True)
    done: list[Any] = []

    def react(event: Any) -> list[dict[str, Any]]:
        if event.type == "response.done":
            done.append(event)
            return [response_create()] if len(done) == 1 else []
        return []

    async with sim:
        received = await drive(
            sim, dialect, _text_turn_with_a_stray_commit(dialect), react, stop=lambda e: len(done) == 2
        )
    assert sim.errors == []
    assert [e["type"] for e in sim.connection_log[0].unexpected] == [
        "input_audio_buffer.commit",
        "response.create",
    ]
    kinds = [e.type for e in received]
    assert kinds.index("input_audio_buffer.committed") < kinds.index("response.created")
    assert [d.response.status for d in done] == ["completed", "completed"]
    for event in sim.sent:
        validate_server_event(event, dialect)


@dialects
async def test_respond_serves_voice_turns_tool_calls_and_says_what_it_does_not_simulate(dialect: str) -> None:
    """The respond scenario: audio then a pause ends a VAD turn; with tools the answer is a call of
    the first tool; after its output, a spoken answer; an unknown event gets an error event."""
    from opentelemetry_instrumentation_openai_realtime.simulator.lenient import respond

    update = session_update(dialect)
    update["session"]["tools"] = [
        {"type": "function", "name": "lookup", "description": "Look up.", "parameters": {"type": "object"}}
    ]
    sim = RealtimeSimulator(respond(vad_pause=0.05), dialect=dialect)
    outputs: list[Any] = []

    def react(event: Any) -> list[dict[str, Any]]:
        if event.type != "response.done":
            return []
        outputs.append(event.response.output[0])
        if event.response.output[0].type == "function_call":
            return [function_output(event.response.output[0].call_id, '{"ok": true}'), response_create()]
        return [{"type": "simulator.unknown"}]

    async with sim:
        received = await drive(
            sim, dialect, [update, append(), append(), append()], react, stop=lambda e: e.type == "error"
        )
    assert sim.errors == []
    kinds = [e.type for e in received]
    assert (
        kinds[kinds.index("input_audio_buffer.speech_started") :].index("input_audio_buffer.speech_stopped")
        > 0
    )
    assert [o.type for o in outputs] == ["function_call", "message"]
    assert outputs[0].name == "lookup"
    assert received[-1].type == "error" and received[-1].error.code == "unknown_event"
    check_traffic(sim, received, dialect)


def test_cli_lists_its_scenarios() -> None:
    import io

    from opentelemetry_instrumentation_openai_realtime.simulator import cli

    out = io.StringIO()
    assert cli.main(["--list"], out=out) == 0
    names = [line.split()[0] for line in out.getvalue().splitlines()]
    assert names == list(cli.CATALOG) and "respond" in names and "tool" in names
    assert cli.main(["--scenario", "nope"], out=out) == 2


@pytest.mark.parametrize("dialect", DIALECTS[:1])
async def test_cli_serves_a_chosen_scenario_on_a_chosen_port(dialect: str) -> None:
    """``python -m ...simulator --scenario text --port 0`` serves typed turns to the real client
    and tells, per connection, how it went."""
    import re
    import subprocess
    import sys

    args = ["--scenario", "text", "--port", "0", "--speed", "50", "--dialect", dialect]
    proc = subprocess.Popen(
        [sys.executable, "-m", "opentelemetry_instrumentation_openai_realtime.simulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"listening on ws://127\.0\.0\.1:(\d+)/v1/realtime", first)
        assert match, first + proc.stderr.read() if proc.stderr else first
        port = match.group(1)
        client = AsyncOpenAI(
            api_key="sk-test",
            base_url=f"http://127.0.0.1:{port}/v1",
            websocket_base_url=f"ws://127.0.0.1:{port}/v1",
        )
        texts = []
        async with _resource(client, dialect).connect(model=MODELS[dialect]) as conn:
            for question in ("Hi", "And then?"):
                await conn.send(user_text(question))
                await conn.send(response_create())
                async for event in conn:
                    if event.type == "response.done":
                        texts.append(event.response.output[0].content[0].text)
                        break
        assert len(texts) == 2 and all(texts)
        lines: list[str] = []
        while not any("the client left" in line for line in lines):
            line = proc.stdout.readline()
            assert line, "the simulator exited"
            if line.startswith("connection"):
                lines.append(line)
        assert lines[0].startswith("connection 0: /v1/realtime?model=")
        assert "FAILED" not in "".join(lines)
    finally:
        proc.terminate()
        proc.wait(10)
