"""An openai-agents voice agent (``RealtimeRunner`` with an agent, a tool and a handoff), run with
the real ``openai-agents`` package against the simulator, is traced through the websockets
adapter with the same spans as an SDK app: the session, a chat span per response (usage,
latencies), a tool span per function call, the handoff's call included.

openai-agents needs openai >= 3 and Python >= 3.10: these tests run in the matrix cell that
installs it (``scripts/test``, marker ``agents``).
"""

from __future__ import annotations

import asyncio
import json

import pytest
from opentelemetry.trace import StatusCode

from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios

try:
    import agents
    from agents import realtime
except ImportError:  # not in this matrix cell: the tests are deselected there (marker "agents")
    agents = realtime = None

pytestmark = [pytest.mark.agents, pytest.mark.skipif(agents is None, reason="openai-agents is not installed")]

WEATHER_ARGS = '{"city": "Paris"}'
SECRET = "sk-agents-SECRET-0987654321"


def _agent():
    @agents.function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"Sunny in {city}"

    specialist = realtime.RealtimeAgent(name="Specialist", instructions="You know everything about rain.")
    return realtime.RealtimeAgent(
        name="Assistant",
        instructions="You are a helpful voice assistant.",
        tools=[get_weather],
        handoffs=[specialist],
    )


def _scenario():
    """A weather tool call, then a handoff (the model calls ``transfer_to_specialist``)."""
    return scenarios.compose(
        scenarios.tool_turn(trigger="text", name="get_weather", arguments=WEATHER_ARGS),
        scenarios.tool_turn(trigger="text", name="transfer_to_specialist", arguments="{}"),
    )


async def _run_agent(sim: RealtimeSimulator, query: str) -> list[str]:
    """Two user messages through a ``RealtimeRunner`` session; the agent events the app saw."""
    runner = realtime.RealtimeRunner(_agent())
    session = await runner.run(model_config={"url": f"{sim.ws_url}?{query}", "api_key": SECRET})
    seen: list[str] = []
    async with session:
        await session.send_message("What's the weather in Paris?")
        messages = iter(["Let me talk to a specialist."])
        done = 0
        async for event in session:
            seen.append(event.type)
            if event.type == "raw_model_event" and getattr(event.data, "type", None) == "raw_server_event":
                data = getattr(event.data, "data", {}) or {}
                if data.get("type") == "response.done":
                    done += 1
                    if done == 2:
                        await session.send_message(next(messages))
                    if done == 4:
                        break
            if event.type == "error":
                break
    return seen


def test_an_agents_session_with_a_tool_and_a_handoff_is_traced(instrumented):
    pipeline = instrumented()
    sim = RealtimeSimulator(_scenario(), dialect="ga")

    async def main():
        async with sim:
            return await asyncio.wait_for(_run_agent(sim, "model=gpt-realtime"), 60)

    seen = asyncio.run(main())
    assert sim.errors == []
    assert "tool_end" in seen and "handoff" in seen

    (session,) = pipeline.by_op("realtime_session")
    assert session.name == "realtime_session gpt-realtime"
    assert session.attributes["openai.realtime.api"] == "ga"
    assert session.attributes["server.address"] == "127.0.0.1"
    created = next(e for e in sim.sent if e["type"] == "session.created")
    assert session.attributes["openai.realtime.session.id"] == created["session"]["id"]
    assert session.status.status_code is StatusCode.UNSET

    responses = pipeline.by_op("chat")
    done = [e["response"]["id"] for e in sim.sent if e["type"] == "response.done"]
    assert [r.attributes["gen_ai.response.id"] for r in responses] == done
    assert len(responses) == 4
    for response in responses:
        assert response.parent.span_id == session.context.span_id
        assert response.attributes["gen_ai.usage.input_tokens"] > 0
        assert response.attributes["gen_ai.usage.output_tokens"] > 0
        assert response.attributes["openai.realtime.response.trigger"] == "client"
    assert [r.attributes["gen_ai.response.finish_reasons"] for r in responses] == [
        ("tool_call",),
        ("stop",),
        ("tool_call",),
        ("stop",),
    ]
    for follow_up in (responses[1], responses[3]):  # the spoken answers
        assert follow_up.attributes["gen_ai.response.time_to_first_chunk"] > 0

    tools = pipeline.by_op("execute_tool")
    assert [t.attributes["gen_ai.tool.name"] for t in tools] == ["get_weather", "transfer_to_specialist"]
    calls = [
        e["item"]["call_id"]
        for e in sim.sent
        if e["type"] == "response.output_item.done" and e["item"]["type"] == "function_call"
    ]
    for tool in tools:
        assert tool.parent.span_id == session.context.span_id
        assert tool.attributes["gen_ai.tool.call.id"] in calls
        assert tool.end_time >= tool.start_time
    metrics = pipeline.metrics()
    assert sum(p.count for p in metrics["gen_ai.client.token.usage"]) == 8  # input + output, per response
    blob = json.dumps([dict(s.attributes) for s in pipeline.spans()], default=str)
    assert SECRET not in blob


def test_the_sideband_connection_by_call_id_is_a_call_session(instrumented):
    """``call_id`` (the sideband of a WebRTC/SIP call) connects without a model: the session takes
    the model from ``session.created``, is marked as a call and records the call id there only (it
    names the call and grants nothing without the project's key: docs/signals.md, *Calls*); the key
    is never recorded."""
    pipeline = instrumented()
    sim = RealtimeSimulator(scenarios.compose(scenarios.text_turn()), dialect="ga")
    call_id = "rtc_sideband_call_SECRET"

    async def main():
        async with sim:
            runner = realtime.RealtimeRunner(realtime.RealtimeAgent(name="A", instructions="hi"))
            session = await runner.run(
                model_config={"url": f"{sim.ws_url}?call_id={call_id}", "api_key": SECRET, "call_id": call_id}
            )
            async with session:
                await session.send_message("hello")
                async for event in session:
                    if (
                        event.type == "raw_model_event"
                        and getattr(event.data, "type", None) == "raw_server_event"
                    ):
                        if (getattr(event.data, "data", {}) or {}).get("type") == "response.done":
                            break

    asyncio.run(asyncio.wait_for(main(), 60))
    assert sim.errors == []
    assert "call_id=" in sim.request_paths[0]
    (session,) = pipeline.by_op("realtime_session")
    created = next(e for e in sim.sent if e["type"] == "session.created")
    assert session.attributes["gen_ai.request.model"] == created["session"]["model"]
    (response,) = pipeline.by_op("chat")
    assert response.attributes["gen_ai.usage.output_tokens"] > 0
    attributes = dict(session.attributes)
    assert attributes.pop("openai.realtime.session.call") is True
    assert attributes.pop("openai.realtime.session.call_id") == call_id
    blob = json.dumps(
        [attributes]
        + [dict(s.attributes) for s in pipeline.by_op("chat")]
        + [s.name for s in pipeline.spans()],
        default=str,
    )
    assert call_id not in blob
    assert SECRET not in json.dumps([dict(s.attributes) for s in pipeline.spans()], default=str)
