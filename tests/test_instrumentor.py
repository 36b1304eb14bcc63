"""Instrumenting and uninstrumenting: the SDK is put back exactly, open connections keep working."""

from __future__ import annotations

import asyncio
import importlib
import sys
from importlib import metadata

import openai
import pytest
from opentelemetry.trace import StatusCode

from opentelemetry_instrumentation_openai_realtime import (
    OpenAIRealtimeInstrumentor,
    get_session,
    response_context,
    session_context,
)
from opentelemetry_instrumentation_openai_realtime.adapters import _patching, openai_sdk
from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios
from opentelemetry_instrumentation_openai_realtime.simulator.events import audio_chunk

from .sdk_app import APIS, MODEL, ask, typed_turn

pytestmark = pytest.mark.sdk


def _targets():
    """(class, attribute name, class __dict__ entry or None) for every class we may patch."""
    found = []
    for module_name, _api in openai_sdk.MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for cls_name in (
            "Realtime",
            "AsyncRealtime",
            "RealtimeConnectionManager",
            "AsyncRealtimeConnectionManager",
            "RealtimeConnection",
            "AsyncRealtimeConnection",
        ):
            cls = getattr(module, cls_name)
            for name in (
                "connect",
                "__enter__",
                "__aenter__",
                "enter",
                "__exit__",
                "__aexit__",
                "send",
                "send_raw",
                "recv_bytes",
                "close",
                "_reconnect",
            ):
                found.append((cls, name, cls.__dict__.get(name)))
    return found


def test_uninstrument_restores_every_attribute_twice_in_a_row(pipeline):
    before = _targets()
    instrumentor = OpenAIRealtimeInstrumentor()
    for _ in range(2):
        instrumentor.instrument(tracer_provider=pipeline.tracer_provider)
        assert all(
            cls.__dict__.get(name) is not entry
            for cls, name, entry in before
            if entry is not None and name in ("recv_bytes", "send", "connect")
        ), "nothing was wrapped"
        instrumentor.instrument(tracer_provider=pipeline.tracer_provider)  # no double wrapping
        instrumentor.uninstrument()
        after = _targets()
        assert [(c, n, e) for c, n, e in after] == before
        for cls, name, entry in after:
            assert (name in cls.__dict__) == (entry is not None), (cls, name)


@pytest.mark.parametrize("api", APIS)
async def test_another_librarys_wrappers_are_wrapped_in_turn_and_restored(pipeline, api):
    """Another instrumentation wrapped the receive and send paths first (wrapt, as most do): both
    see every event, and uninstrument() gives back its wrappers, not the SDK's functions."""
    from wrapt import FunctionWrapper

    module = importlib.import_module(dict((a, m) for m, a in openai_sdk.MODULES)[api])
    cls = module.AsyncRealtimeConnection
    seen = []

    async def theirs(wrapped, instance, args, kwargs):
        result = await wrapped(*args, **kwargs)
        seen.append(wrapped.__name__)
        return result

    saved = {name: cls.__dict__[name] for name in ("recv_bytes", "send")}
    for name, original in saved.items():
        setattr(cls, name, FunctionWrapper(original, theirs))
    others = {name: cls.__dict__[name] for name in saved}
    instrumentor = OpenAIRealtimeInstrumentor()
    try:
        instrumentor.instrument(tracer_provider=pipeline.tracer_provider)
        sim, types = await typed_turn(api)
        assert "response.done" in types
        assert sim.errors == []
        assert len(pipeline.responses()) == 1
        assert "recv_bytes" in seen and "send" in seen
        instrumentor.uninstrument()
        assert {name: cls.__dict__[name] for name in saved} == others
    finally:
        instrumentor.uninstrument()
        for name, original in saved.items():
            setattr(cls, name, original)


_IMPORT_ORDER_APP = """
import sys
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor

from opentelemetry_instrumentation_openai_realtime.adapters.openai_sdk import MODULES
names = [n for n, _ in MODULES]
before = set(sys.modules)
OpenAIRealtimeInstrumentor().instrument(tracer_provider=TracerProvider())
print("imported by instrument():", sorted(n for n in names if n in sys.modules and n not in before))
{uninstrument_first}
import openai.resources.beta.realtime.realtime as beta
print("recv_bytes in:", beta.AsyncRealtimeConnection.__dict__["recv_bytes"].__code__.co_filename)
OpenAIRealtimeInstrumentor().uninstrument()
print("after uninstrument:", beta.AsyncRealtimeConnection.__dict__["recv_bytes"].__code__.co_filename)
"""


@pytest.mark.parametrize("uninstrument_first", [False, True])
def test_sdk_modules_are_wrapped_when_the_app_imports_them(uninstrument_first):
    """instrument() imports no SDK module (a GA app never loads the beta ones); a module imported
    later is wrapped on import, unless uninstrument() came first."""
    import subprocess

    code = _IMPORT_ORDER_APP.format(
        uninstrument_first="OpenAIRealtimeInstrumentor().uninstrument()" if uninstrument_first else "",
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    lines = out.stdout.splitlines()
    assert lines[0] == "imported by instrument(): []"
    sdk = "openai/resources/beta/realtime/realtime.py"
    assert lines[1].startswith("recv_bytes in: ")
    if uninstrument_first:
        assert lines[1].endswith(sdk)
    else:  # ours
        assert "opentelemetry_instrumentation_openai_realtime" in lines[1] and not lines[1].endswith(sdk)
    assert lines[2].startswith("after uninstrument: ") and lines[2].endswith(sdk)


def test_entry_point_loads_the_instrumentor():
    eps = metadata.entry_points()
    group = (
        eps.select(group="opentelemetry_instrumentor")  # Python 3.10+
        if hasattr(eps, "select")
        else eps.get("opentelemetry_instrumentor", [])
    )
    (entry,) = [ep for ep in group if ep.name == "openai_realtime"]
    assert entry.load() is OpenAIRealtimeInstrumentor
    # any one transport library is enough: openai, websockets or aiohttp
    assert OpenAIRealtimeInstrumentor().instrumentation_dependencies() == ()
    assert OpenAIRealtimeInstrumentor()._check_dependency_conflicts() is None
    from opentelemetry.instrumentation.dependencies import get_dist_dependency_conflicts

    dist = metadata.distribution("opentelemetry-instrumentation-openai-realtime")  # entry.dist: 3.10+
    assert get_dist_dependency_conflicts(dist) is None


def test_a_missing_transport_library_is_no_conflict_but_all_missing_is():
    from opentelemetry.instrumentation.dependencies import get_dependency_conflicts

    from opentelemetry_instrumentation_openai_realtime.package import _instruments_any

    assert get_dependency_conflicts((), [*_instruments_any, "not-a-package-xyz >= 1"]) is None
    assert get_dependency_conflicts((), ["not-a-package-xyz >= 1", "nor-this-one-xyz"]) is not None


@pytest.mark.parametrize("api", APIS)
async def test_connection_outliving_uninstrument_keeps_working_untraced(pipeline, api):
    instrumentor = OpenAIRealtimeInstrumentor()
    instrumentor.instrument(tracer_provider=pipeline.tracer_provider)
    try:
        sim = RealtimeSimulator(scenarios.compose(scenarios.text_turn(), scenarios.text_turn()), dialect=api)
        async with sim:
            client = openai.AsyncOpenAI(**sim.client_options())
            realtime = client.realtime if api == "ga" else client.beta.realtime
            async with realtime.connect(model=MODEL) as conn:
                iterator = conn.__aiter__()
                recv = conn.recv_bytes  # a bound wrapper captured before uninstrument
                for round_ in range(2):
                    await ask(conn)
                    while True:
                        event = conn.parse_event(await recv()) if round_ else await iterator.__anext__()
                        if event.type == "response.done":
                            break
                    if round_ == 0:
                        assert len(pipeline.responses()) == 1
                        instrumentor.uninstrument()
                        # the session still open at uninstrument() is ended
                        assert len(pipeline.by_op("realtime_session")) == 1
        assert sim.errors == []
        assert len(pipeline.responses()) == 1  # the second turn was not traced
        (session,) = pipeline.by_op("realtime_session")
        assert session.attributes["openai.realtime.session.status"] == "closed"
    finally:
        instrumentor.uninstrument()


@pytest.mark.parametrize("api", APIS)
def test_failed_connect_ends_the_session_with_error_and_the_app_sees_the_exception(instrumented, api):
    pipeline = instrumented()
    client = openai.OpenAI(
        api_key="sk-test", base_url="http://127.0.0.1:9/v1", websocket_base_url="ws://127.0.0.1:9/v1"
    )
    realtime = client.realtime if api == "ga" else client.beta.realtime
    with pytest.raises(OSError) as raised, realtime.connect(model=MODEL):
        pass
    (session,) = pipeline.by_op("realtime_session")
    assert session.status.status_code is StatusCode.ERROR
    assert session.attributes["error.type"] == type(raised.value).__qualname__
    assert session.attributes["openai.realtime.session.status"] == "failed"


@pytest.mark.parametrize("api", APIS)
async def test_our_failures_never_reach_the_app(instrumented, monkeypatch, api):
    """An exception inside the instrumentation is swallowed; the app's session works as usual."""
    pipeline = instrumented()

    def broken(*args, **kwargs):
        raise RuntimeError("bug in the instrumentation")

    from opentelemetry_instrumentation_openai_realtime.core import decoder, session

    monkeypatch.setattr(decoder, "frame_type", broken)
    monkeypatch.setattr(session.RealtimeSession, "_client", broken)
    sim, types = await typed_turn(api)
    assert "response.done" in types
    assert sim.errors == []
    assert len(pipeline.by_op("realtime_session")) == 1


@pytest.mark.parametrize("api", APIS)
async def test_app_spans_can_be_parented_to_the_session_and_the_response(instrumented, api):
    pipeline = instrumented()
    from opentelemetry import trace

    tracer = pipeline.tracer_provider.get_tracer("app")
    sim = RealtimeSimulator(scenarios.voice_turn(), dialect=api)
    async with sim:
        client = openai.AsyncOpenAI(**sim.client_options())
        realtime = client.realtime if api == "ga" else client.beta.realtime
        async with realtime.connect(model=MODEL) as conn:
            assert get_session(conn) is not None
            for _ in range(3):
                await conn.input_audio_buffer.append(audio=audio_chunk(100))
            async for event in conn:
                if event.type in ("response.output_audio.delta", "response.audio.delta"):
                    with tracer.start_as_current_span("during-response", context=response_context(conn)):
                        pass
                    break
            with tracer.start_as_current_span("on-session", context=session_context(conn)):
                pass
    spans = {s.name: s for s in pipeline.spans()}
    (session,) = pipeline.by_op("realtime_session")
    (response,) = pipeline.responses()
    assert spans["during-response"].parent.span_id == response.context.span_id
    assert spans["on-session"].parent.span_id == session.context.span_id
    assert trace.get_current_span() is trace.INVALID_SPAN or not trace.get_current_span().is_recording()


def test_helpers_on_uninstrumented_objects_return_the_current_context():
    from opentelemetry import context

    assert session_context(object()) == context.get_current()
    assert response_context(object()) == context.get_current()
    assert get_session(object()) is None


@pytest.mark.parametrize("api", APIS)
def test_concurrent_sessions_in_threads_never_mix(instrumented, api):
    pipeline = instrumented()
    import threading

    from .sdk_app import Path, run

    path = Path(api, "sync", "recv", "helpers", "context")
    results = []
    threads = [threading.Thread(target=lambda: results.append(run(path))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 4
    sessions = pipeline.by_op("realtime_session")
    assert len(sessions) == 4
    for session in sessions:
        children = [r for r in pipeline.responses() if r.parent.span_id == session.context.span_id]
        assert len(children) == 2
        assert {c.context.trace_id for c in children} == {session.context.trace_id}
    assert len({s.context.trace_id for s in sessions}) == 4


@pytest.mark.parametrize("api", APIS)
async def test_concurrent_sessions_in_tasks_never_mix(instrumented, api):
    pipeline = instrumented()

    async def one(sim):
        client = openai.AsyncOpenAI(**sim.client_options())
        realtime = client.realtime if api == "ga" else client.beta.realtime
        async with realtime.connect(model=MODEL) as conn:
            for _ in range(3):
                await conn.input_audio_buffer.append(audio=audio_chunk(100))
            async for event in conn:
                if event.type == "response.done":
                    break

    sims = [RealtimeSimulator(scenarios.voice_turn(), dialect=api) for _ in range(10)]
    for sim in sims:
        await sim.start()
    try:
        await asyncio.gather(*(one(sim) for sim in sims))
    finally:
        for sim in sims:
            await sim.stop()
    sessions = pipeline.by_op("realtime_session")
    assert len(sessions) == 10
    responses = pipeline.responses()
    assert len(responses) == 10
    assert {r.parent.span_id for r in responses} == {s.context.span_id for s in sessions}
    assert all(sim.errors == [] for sim in sims)


def test_module_import_does_not_instrument():
    assert "opentelemetry_instrumentation_openai_realtime" in sys.modules
    assert _patching._state.telemetry is None
