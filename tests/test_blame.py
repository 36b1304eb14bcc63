"""Blame where it belongs: the app's own exception or cancellation is not a model failure (the
response in flight ends ``abandoned``), while failed responses and transport drops stay errors.

The state machine is driven directly first, then the real openai SDK against the simulator."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest
from opentelemetry.trace import StatusCode

from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios

from .conftest import frame
from .sdk_app import APIS, MODEL
from .test_faults import App, by_op, realtime_of, same_as_bare
from .test_session import audio_delta, created, done, voice_input


def _in_flight(make_session: Any, clock: Any) -> Any:
    session = make_session()
    voice_input(session, clock)
    session.server_event(created("resp_1"))
    clock.advance(200)
    session.server_frame(frame(audio_delta("resp_1")))
    clock.advance(50)
    return session


def _duration_points(pipeline: Any, operation: str = "chat") -> list[Any]:
    points = pipeline.metrics()["gen_ai.client.operation.duration"]
    return [p for p in points if p.attributes["gen_ai.operation.name"] == operation]


def test_app_exception_abandons_the_response_in_flight(make_session, pipeline, clock):
    """The app's own exception ends the response in flight as ``abandoned``: no ERROR, no
    ``error.type`` on the span or on its duration; the session span records the exception."""
    session = _in_flight(make_session, clock)
    session.close(error=LookupError("the app's own bug"), by_app=True)

    (response,) = pipeline.responses()
    assert response.attributes["openai.realtime.response.status"] == "abandoned"
    assert "error.type" not in response.attributes
    assert "gen_ai.response.finish_reasons" not in response.attributes
    assert response.status.status_code is StatusCode.UNSET
    (point,) = _duration_points(pipeline)
    assert "error.type" not in point.attributes
    assert point.sum == pytest.approx(0.25)  # commit -> the app's exception

    span = pipeline.session_span()
    assert span.attributes["openai.realtime.session.status"] == "failed"
    assert span.attributes["error.type"] == "LookupError"
    assert span.status.status_code is StatusCode.ERROR
    (event,) = [e for e in span.events if e.name == "exception"]
    assert event.attributes["exception.type"] == "LookupError"
    assert event.attributes["exception.message"] == "the app's own bug"


def test_cancellation_abandons_the_response_and_closes_the_session(make_session, pipeline, clock):
    """The app's task cancelled mid-response: the response is ``abandoned``, the session closed
    normally, nothing is an error."""
    session = _in_flight(make_session, clock)
    session.close(by_app=True)

    (response,) = pipeline.responses()
    assert response.attributes["openai.realtime.response.status"] == "abandoned"
    assert response.status.status_code is StatusCode.UNSET
    span = pipeline.session_span()
    assert span.attributes["openai.realtime.session.status"] == "closed"
    assert span.status.status_code is StatusCode.UNSET
    assert not [e for e in span.events if e.name == "exception"]
    assert all(
        "error.type" not in p.attributes for p in pipeline.metrics()["gen_ai.client.operation.duration"]
    )


def test_transport_drop_still_fails_the_response(make_session, pipeline, clock):
    """A transport error (``by_app`` not set) fails the response in flight, with ``error.type`` on
    the span and on its duration metric."""
    session = _in_flight(make_session, clock)
    session.close(error=ConnectionResetError(), code=1006)

    (response,) = pipeline.responses()
    assert response.status.status_code is StatusCode.ERROR
    assert response.attributes["error.type"] == "ConnectionResetError"
    (point,) = _duration_points(pipeline)
    assert point.attributes["error.type"] == "ConnectionResetError"
    assert not [e for e in pipeline.session_span().events if e.name == "exception"]


def test_a_failed_response_stays_failed_when_the_app_then_raises(make_session, pipeline, clock):
    """``response.done`` said failed before the app's exception: the response keeps its ERROR;
    only responses still in flight are abandoned."""
    session = _in_flight(make_session, clock)
    failed = done(
        "resp_1", status="failed", status_details={"type": "failed", "error": {"type": "server_error"}}
    )
    session.server_event(failed)
    session.server_event(created("resp_2"))
    session.close(error=ValueError(), by_app=True)

    first, second = pipeline.responses()
    assert first.status.status_code is StatusCode.ERROR
    assert first.attributes["error.type"] == "server_error"
    assert second.attributes["openai.realtime.response.status"] == "abandoned"
    assert second.status.status_code is StatusCode.UNSET


# ------------------------------------------------------------------------------------------------
# Through the real SDK
# ------------------------------------------------------------------------------------------------


@pytest.mark.sdk
@pytest.mark.parametrize("mode", ("async", "sync"))
@pytest.mark.parametrize("api", APIS)
def test_app_exception_mid_response_through_the_sdk(instrumented, api, mode):
    """The app raises on the first audio delta of a response, inside ``with connect(...)``: it gets
    its exception back, the response is ``abandoned`` (not an error), the session records it."""

    def boom(conn: Any, event: Any) -> None:
        if event.type in ("response.output_audio.delta", "response.audio.delta"):
            raise LookupError("the app's own bug")

    state: dict[str, Any] = {}

    def instrument() -> None:
        state["pipeline"] = instrumented()

    app = same_as_bare(
        lambda: App(api, mode, before=({"type": "response.create"},), during=boom),
        lambda: scenarios.compose(
            scenarios.voice_turn(trigger="response.create"), scenarios.wait_for_close()
        ),
        instrument,
    )
    assert isinstance(app.error, LookupError)
    pipeline = state["pipeline"]
    (response,) = by_op(pipeline, "chat")
    (session,) = by_op(pipeline, "realtime_session")
    assert response.attributes["openai.realtime.response.status"] == "abandoned"
    assert response.status.status_code is StatusCode.UNSET
    assert session.attributes["error.type"] == "LookupError"
    assert [e.attributes["exception.type"] for e in session.events if e.name == "exception"] == [
        "LookupError"
    ]
    assert all("error.type" not in p.attributes for p in _duration_points(pipeline))


@pytest.mark.sdk
@pytest.mark.parametrize("api", APIS)
def test_cancelled_app_task_mid_response_through_the_sdk(instrumented, api):
    """The app's task is cancelled while a response streams: the response is ``abandoned``, the
    session closed, no span is an error."""
    pipeline = instrumented()
    sim = RealtimeSimulator(
        scenarios.compose(scenarios.voice_turn(trigger="response.create"), scenarios.wait_for_close()),
        dialect=api,
    )
    streaming: Any = None

    async def app() -> None:
        client = openai.AsyncOpenAI(**sim.client_options())
        async with realtime_of(client, api).connect(model=MODEL) as conn:
            await conn.send({"type": "response.create"})
            async for event in conn:
                if event.type in ("response.output_audio.delta", "response.audio.delta"):
                    streaming.set()

    async def main() -> None:
        nonlocal streaming
        streaming = asyncio.Event()  # in the loop (Python 3.9 binds it to the current loop)
        async with sim:
            task = asyncio.ensure_future(app())
            await asyncio.wait_for(streaming.wait(), 10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(main())
    (response,) = by_op(pipeline, "chat")
    (session,) = by_op(pipeline, "realtime_session")
    assert response.attributes["openai.realtime.response.status"] == "abandoned"
    assert response.status.status_code is StatusCode.UNSET
    assert session.attributes["openai.realtime.session.status"] == "closed"
    assert session.status.status_code is StatusCode.UNSET
