"""Every way an app talks to the Realtime API through the real openai SDK is traced.

Each path runs the same two-turn conversation against the simulator: a server-VAD voice turn
(audio appended by the app) and a typed text turn (the app's response.create). The spans prove
that server events arrived (ids, usage), that client events were seen (input audio seconds,
the client trigger), and that the session was opened and closed.
"""

from __future__ import annotations

import pytest
from opentelemetry.trace import StatusCode

from .sdk_app import MODEL, Path, paths, run

pytestmark = pytest.mark.sdk


def _stable(events):
    """Events without the wall-clock ``expires_at`` of the session object."""
    for event in events:
        session = event.get("session")
        if isinstance(session, dict):
            session.pop("expires_at", None)
    return events


def _response_ids(sim):
    return [e["response"]["id"] for e in sim.sent if e["type"] == "response.done"]


def check_trace(pipeline, sim, path: Path) -> None:
    assert sim.errors == []
    (session,) = pipeline.by_op("realtime_session")
    responses = pipeline.by_op("chat")
    attrs = session.attributes
    assert session.name == f"realtime_session {MODEL}"
    assert attrs["openai.realtime.api"] == path.api
    assert attrs["server.address"] == "127.0.0.1"
    created = next(e for e in sim.sent if e["type"] == "session.created")
    assert attrs["openai.realtime.session.id"] == created["session"]["id"]
    assert attrs["openai.realtime.session.status"] == "closed"
    assert attrs["openai.realtime.session.responses"] == 2
    assert attrs["openai.realtime.session.turns.completed"] == 2
    # 3 appends of 100 ms: the client events were seen through this send path
    assert attrs["openai.realtime.session.audio.input.seconds"] == pytest.approx(0.3)
    assert session.status.status_code is StatusCode.UNSET
    assert [r.attributes["gen_ai.response.id"] for r in responses] == _response_ids(sim)
    for response in responses:
        assert response.parent.span_id == session.context.span_id
        assert response.attributes["gen_ai.usage.output_tokens"] > 0
        assert response.attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert responses[0].attributes["openai.realtime.response.trigger"] == "server_vad"
    assert responses[0].attributes["openai.realtime.response.voice_to_voice_latency"] > 0
    assert responses[1].attributes["openai.realtime.response.trigger"] == "client"


@pytest.mark.parametrize("path", paths(), ids=lambda p: p.id)
def test_path_is_traced(instrumented, path):
    pipeline = instrumented()
    result, sim = run(path)
    check_trace(pipeline, sim, path)
    assert [e["type"] for e in result.events] == [e["type"] for e in sim.sent]


@pytest.mark.parametrize("path", paths()[:1] + paths()[-1:], ids=lambda p: p.id)
def test_app_sees_the_same_events_with_and_without_instrumentation(instrumented, path):
    bare, _ = run(path)
    instrumented()
    traced, _ = run(path)
    assert _stable(traced.events) == _stable(bare.events)
    assert len(traced.events) > 10
