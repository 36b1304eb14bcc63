"""Realtime sessions opened with raw sockets are traced like SDK sessions: ``websockets``
(asyncio, sync, legacy) and ``aiohttp``, every way of connecting, reading and sending, against the
simulator. The same checks as the SDK paths (``test_sdk_paths.check_trace``) apply unchanged.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from opentelemetry.trace import StatusCode

from opentelemetry_instrumentation_openai_realtime import get_session
from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios

from .sdk_app import APIS
from .socket_apps import API, SocketPath, aiohttp_paths, has_aiohttp, run, websocket_paths
from .test_sdk_paths import check_trace

pytestmark = pytest.mark.transports


@pytest.mark.parametrize("path", websocket_paths(), ids=lambda p: p.id)
def test_websockets_path_is_traced(instrumented, path):
    """Every websockets client, entry, reader and sender gives the SDK app's trace."""
    pipeline = instrumented()
    talk, sim = run(path)
    check_trace(pipeline, sim, path)
    assert [e["type"] for e in talk.events] == [e["type"] for e in sim.sent]


@pytest.mark.skipif(not has_aiohttp(), reason="aiohttp is not installed")
@pytest.mark.parametrize("path", aiohttp_paths(), ids=lambda p: p.id)
def test_aiohttp_path_is_traced(instrumented, path):
    """Every aiohttp entry, receive method and send method gives the SDK app's trace."""
    pipeline = instrumented()
    talk, sim = run(path)
    check_trace(pipeline, sim, path)
    assert [e["type"] for e in talk.events] == [e["type"] for e in sim.sent]


ALL = websocket_paths()[1:2] + websocket_paths()[5:6] + (aiohttp_paths()[:1] if has_aiohttp() else [])


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.id)
def test_app_sees_the_same_frames_with_and_without_instrumentation(instrumented, path):
    bare, _ = run(path)
    instrumented()
    traced, _ = run(path)
    strip = [{k: v for k, v in e.items() if k != "session"} for e in bare.events]
    assert [{k: v for k, v in e.items() if k != "session"} for e in traced.events] == strip
    assert len(traced.events) > 10


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.id)
def test_other_sockets_keep_their_class_and_get_no_session(instrumented, path):
    """A socket whose path is not a Realtime endpoint is left exactly as it is."""
    pipeline = instrumented()
    seen = {}

    async def main_async(url):
        if path.library == "aiohttp":
            import aiohttp

            async with aiohttp.ClientSession() as client, client.ws_connect(url) as ws:
                seen["class"] = type(ws)
                seen["session"] = get_session(ws)
                await ws.send_str("{}")
                await ws.receive()
        else:
            from websockets.asyncio.client import connect

            async with connect(url) as ws:
                seen["class"] = type(ws)
                seen["session"] = get_session(ws)
                await ws.send("{}")
                await ws.recv()

    sim = RealtimeSimulator(_raw(), validate=False)
    if path.library == "sync":
        from websockets.sync.client import ClientConnection, connect

        with sim.run_in_thread(), connect(f"ws://127.0.0.1:{sim.port}/ws/realtime") as ws:
            seen["class"] = type(ws)
            seen["session"] = get_session(ws)
            ws.send("{}")
            ws.recv()
        assert seen["class"] is ClientConnection
    else:

        async def main():
            async with sim:
                await main_async(f"ws://127.0.0.1:{sim.port}/ws/realtime")

        asyncio.run(main())
        from websockets.asyncio.client import ClientConnection

        expected = ClientConnection
        if path.library == "aiohttp":
            import aiohttp

            expected = aiohttp.ClientWebSocketResponse
        assert seen["class"] is expected
    assert seen["session"] is None
    assert pipeline.spans() == []


def _raw():
    """A scenario for any path: one frame back, whatever the client sends."""

    async def scenario(conn):
        await conn.recv()
        await conn.send({"type": "pong"})

    return scenario


def _sessions(pipeline):
    return pipeline.by_op("realtime_session")


@pytest.mark.parametrize(
    ("query", "model"),
    [("model=gpt-realtime-mini", "gpt-realtime-mini"), ("call_id=rtc_secret_call", None)],
)
def test_model_comes_from_the_query_or_from_the_server(instrumented, query, model):
    """``model=`` names the session's model; a sideband ``call_id`` socket learns it from
    ``session.created``, is marked as a call and records the call id there only (an identifier:
    docs/signals.md, *Calls*)."""
    pipeline = instrumented()
    path = SocketPath("asyncio", "iterate", "str", "context")
    _, sim = run(path, scenarios.compose(scenarios.voice_turn(appends=3)), query=query, turns=1)
    (session,) = _sessions(pipeline)
    created = next(e for e in sim.sent if e["type"] == "session.created")
    assert session.attributes["gen_ai.request.model"] == (model or created["session"]["model"])
    attributes = dict(session.attributes)
    if model is None:
        assert attributes.pop("openai.realtime.session.call") is True
        assert attributes.pop("openai.realtime.session.call_id") == "rtc_secret_call"
    else:
        assert "openai.realtime.session.call" not in attributes
    assert "rtc_secret_call" not in json.dumps(
        [attributes]
        + [dict(s.attributes) for s in pipeline.responses()]
        + [s.name for s in pipeline.spans()],
        default=str,
    )


def test_a_failed_handshake_ends_the_session_as_an_error(instrumented):
    """The app sees the handshake's exception unchanged; the session span records it."""
    import websockets
    from websockets.asyncio.client import connect

    pipeline = instrumented()

    from websockets.asyncio.server import serve

    async def main():
        def refuse(connection, request):
            return connection.respond(403, "no\n")

        async with serve(lambda ws: None, "127.0.0.1", 0, process_request=refuse) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            url = f"ws://127.0.0.1:{port}/openai/v1/realtime?model=gpt-realtime"
            with pytest.raises(websockets.exceptions.InvalidStatus):
                await connect(url)

    asyncio.run(main())
    (session,) = _sessions(pipeline)
    assert session.status.status_code is StatusCode.ERROR
    assert session.attributes["gen_ai.provider.name"] == "azure.ai.openai"


def test_a_dropped_socket_ends_the_session_as_an_error(instrumented):
    pipeline = instrumented()
    path = SocketPath("asyncio", "recv", "str", "await")
    with pytest.raises(Exception) as raised:
        run(path, scenarios.compose(scenarios.drop_mid_response(trigger="audio")), turns=1)
    assert type(raised.value).__name__ == "ConnectionClosedError"
    (session,) = _sessions(pipeline)
    assert session.status.status_code is StatusCode.ERROR
    assert session.attributes["error.type"] == "ConnectionClosedError"


def test_an_app_exception_in_the_block_fails_the_session(instrumented):
    from websockets.asyncio.client import connect

    pipeline = instrumented()

    async def main():
        sim = RealtimeSimulator(scenarios.text_turn(), dialect=API)
        async with sim:
            with pytest.raises(ValueError, match="app bug"):
                async with connect(f"{sim.ws_url}?model=m") as ws:
                    await ws.recv()
                    raise ValueError("app bug")

    asyncio.run(main())
    (session,) = _sessions(pipeline)
    assert session.status.status_code is StatusCode.ERROR
    assert session.attributes["error.type"] == "ValueError"


@pytest.mark.timeout(90)
def test_the_transports_benchmark_produces_numbers(capsys):
    """``python -m benchmarks.transports`` cannot rot (nothing is asserted about the figures)."""
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from benchmarks import transports

    libraries = "websockets-asyncio,websockets-sync" + (",aiohttp" if has_aiohttp() else "")
    args = ["--frames", "300", "--rounds", "1", "--connects", "5", "--libraries", libraries]
    assert transports.main(args) == 0
    out = capsys.readouterr().out
    for library in libraries.split(","):
        (line,) = [row for row in out.splitlines() if row.startswith(library)]
        assert len(line.split()) == 6
    assert "CPU per connection" in out


@pytest.mark.timeout(120)
def test_the_transports_instruction_benchmark_plays_real_sessions(monkeypatch, capsys):
    """``python -m benchmarks.transports --instructions``: the app it counts plays whole sessions of
    the benchmark's stream over each library (traced on the Realtime path, untouched on another),
    and the counts become ratios to the bare app's (valgrind itself is too slow here)."""
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from benchmarks import client, run, sockets, transports
    from benchmarks.stream import Stream

    libraries = [lib for lib in sockets.LIBRARIES if lib != "aiohttp" or has_aiohttp()]
    per_turn = Stream("ga", 3).events_per_turn()
    with run.Server() as server:
        for library in libraries:
            for path, spans in (("realtime", {"realtime_session": 1, "chat": 2}), ("other", {})):
                otel = client.Otel("sdk")
                try:
                    played = sockets.play(library, server.port, turns=2, path=path, deltas=3)
                    otel.flush()
                finally:
                    otel.close()
                assert (played.done, played.events) == (2, 2 + 2 * per_turn), (library, path)
                assert dict(otel.spans) == spans, (library, path)
            bare = sockets.play(library, server.port, turns=1, deltas=3)
            assert (bare.done, bare.events) == (1, 2 + per_turn)

    fake = {"bare": 1000, "other": 1000, "realtime": 1300}
    monkeypatch.setattr(
        transports,
        "instruction_count",
        lambda library, port, mode, turns, deltas: 50 + fake[mode] * (turns - 5) // 10,
    )
    counted = transports.instructions(libraries, (5, 15), 50)
    for library in libraries:
        row = counted["libraries"][library]
        assert row["ratios"] == {"bare": 1.0, "other": 1.0, "realtime": 1.3} and row["drift"] == 0.0
    out = capsys.readouterr().out
    assert "1.0000x" in out and "1.3000x" in out and "apart (steady)" in out


def _tree(pipeline):
    """The span tree as comparable data: names, kinds, parents, status and attributes, timings and
    the server's port aside."""

    def stable(key, value):
        if key == "braintrust.metrics":
            metrics = json.loads(value)
            return json.dumps({k: v for k, v in metrics.items() if "time" not in k}, sort_keys=True)
        return value

    timing = ("latency", "time_to_first", "duration", "server.port")
    spans = sorted(pipeline.spans(), key=lambda s: s.start_time)
    index = {s.context.span_id: i for i, s in enumerate(spans)}
    return [
        (
            s.name,
            s.kind,
            index.get(s.parent.span_id) if s.parent else None,
            s.status.status_code,
            {k: stable(k, v) for k, v in s.attributes.items() if not any(t in k for t in timing)},
            [e.name for e in s.events],
        )
        for s in spans
    ]


@pytest.mark.sdk
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("capture", ["NO_CONTENT", "SPAN_AND_EVENT"])
def test_the_sdk_and_raw_websockets_give_the_same_trace(api, capture):
    """The same conversation played through the openai SDK and through raw websockets gives the
    same span tree and attributes (timings aside): one core, whatever the transport."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor

    from .conftest import Pipeline
    from .sdk_app import Path
    from .sdk_app import run as run_sdk

    trees = []
    for play in (
        lambda: run_sdk(
            Path(api, "async", "iterate", "send_raw" if _has_send_raw(api) else "send", "context")
        ),
        lambda: run(SocketPath("asyncio", "iterate", "str", "context", api=api)),
    ):
        recorded = Pipeline()
        recorded.exporter = InMemorySpanExporter()
        recorded.tracer_provider = TracerProvider()
        recorded.tracer_provider.add_span_processor(SimpleSpanProcessor(recorded.exporter))
        instrumentor = OpenAIRealtimeInstrumentor()
        instrumentor.instrument(
            tracer_provider=recorded.tracer_provider,
            meter_provider=recorded.meter_provider,
            logger_provider=recorded.logger_provider,
            capture_content=capture,
        )
        try:
            _, sim = play()
        finally:
            instrumentor.uninstrument()
        assert sim.errors == []
        trees.append(_tree(recorded))
    sdk, raw = trees
    assert len(sdk) == 3  # the session and two responses
    assert raw == sdk


def _has_send_raw(api):
    from .sdk_app import _has

    return _has(api, "AsyncRealtimeConnection", "send_raw")
