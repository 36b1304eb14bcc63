"""One socket, one session (the openai SDK's own socket is traced by the SDK adapter only, on every
SDK version of the matrix), the transport switches, and ``uninstrument()`` putting the websocket
libraries back exactly."""

from __future__ import annotations

import importlib
import logging
import warnings

import pytest

from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor, get_session
from opentelemetry_instrumentation_openai_realtime.config import Settings

from .sdk_app import APIS, Path, run
from .socket_apps import API, SocketPath, has_aiohttp
from .socket_apps import run as run_socket
from .test_sdk_paths import check_trace

# (module, class, attribute) the socket adapters wrap
SOCKET_TARGETS = [
    ("websockets.asyncio.client", "ClientConnection", "handshake"),
    ("websockets.asyncio.client", "connect", "__aexit__"),
    ("websockets.legacy.client", "Connect", "__aexit__"),
    ("websockets.sync.client", "ClientConnection", "handshake"),
    ("websockets.legacy.client", "WebSocketClientProtocol", "handshake"),
    ("aiohttp.client", "ClientSession", "_ws_connect"),
]


def _socket_targets():
    found = []
    for module_name, cls_name, name in SOCKET_TARGETS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(module_name)
        except ImportError:
            continue
        cls = getattr(module, cls_name)
        found.append((cls, name, cls.__dict__.get(name)))
    return found


def _sdk_socket(connection):
    """The websocket under an SDK connection."""
    return connection.__dict__.get("_connection") or connection.__dict__.get("_websocket")


@pytest.mark.sdk
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("mode", ["async", "sync"])
def test_an_sdk_connection_is_one_session_traced_by_the_sdk_adapter(instrumented, api, mode):
    """The SDK opens its socket with websockets: the socket adapter leaves it to the SDK adapter."""
    pipeline = instrumented()
    path = Path(api, mode, "recv", "send", "context")
    result, sim = run(path)
    check_trace(pipeline, sim, path)  # exactly one session span, with the SDK's api
    socket = _sdk_socket(result.connection)
    assert socket is not None
    assert get_session(socket) is None
    assert not getattr(type(socket), "_otel_traced", False)
    assert get_session(result.connection) is not None


@pytest.mark.sdk
@pytest.mark.parametrize("api", APIS)
def test_with_the_sdk_adapter_off_the_socket_adapter_traces_the_sdk_socket(instrumented, api):
    """``disabled_transports=openai``: the SDK's socket is still traced, once, by websockets."""
    pipeline = instrumented(disabled_transports="openai")
    path = Path(api, "async", "recv", "send", "context")
    result, sim = run(path)
    check_trace(pipeline, sim, path)
    assert get_session(result.connection) is None
    assert get_session(_sdk_socket(result.connection)) is not None


@pytest.mark.transports
@pytest.mark.parametrize(
    ("disabled", "library"),
    [
        ("websockets", "asyncio"),
        ("websockets", "sync"),
        ("aiohttp", "aiohttp"),
        ("WebSockets, aiohttp", "sync"),
    ],
)
def test_a_disabled_transport_is_not_traced(instrumented, disabled, library):
    if library == "aiohttp" and not has_aiohttp():
        pytest.skip("aiohttp is not installed")
    pipeline = instrumented(disabled_transports=disabled)
    reader = "receive" if library == "aiohttp" else "recv"
    sender = "send_str" if library == "aiohttp" else "str"
    run_socket(SocketPath(library, reader, sender, "context"))
    assert pipeline.spans() == []


@pytest.mark.transports
def test_the_environment_variable_disables_transports(instrumented, monkeypatch):
    monkeypatch.setenv("OTEL_INSTRUMENTATION_OPENAI_REALTIME_DISABLED_TRANSPORTS", "websockets")
    pipeline = instrumented()
    run_socket(SocketPath("asyncio", "recv", "str", "context"))
    assert pipeline.spans() == []


def test_disabled_transports_and_url_prefixes_are_read_from_arguments_and_variables(caplog):
    env = {
        "OTEL_INSTRUMENTATION_OPENAI_REALTIME_DISABLED_TRANSPORTS": " aiohttp , WEBSOCKETS ",
        "OTEL_INSTRUMENTATION_OPENAI_REALTIME_URL_PREFIXES": "/gw/rt, wss://relay.example.com/voice",
    }
    settings = Settings.from_options({}, environ=env)
    assert settings.disabled_transports == frozenset({"aiohttp", "websockets"})
    assert settings.url_prefixes == ("/gw/rt", "wss://relay.example.com/voice")
    settings = Settings.from_options({"disabled_transports": ["openai"], "url_prefixes": ()}, environ=env)
    assert settings.disabled_transports == frozenset({"openai"})
    assert settings.url_prefixes == ()
    assert Settings.from_options({}, environ={}).disabled_transports == frozenset()
    with caplog.at_level(logging.WARNING):
        settings = Settings.from_options({"disabled_transports": "websocket,aiohttp"}, environ={})
    assert settings.disabled_transports == frozenset({"aiohttp"})
    (record,) = caplog.records
    assert "disabled_transports" in record.getMessage() and "websocket" in record.getMessage()


@pytest.mark.transports
def test_a_configured_prefix_makes_another_path_a_session(instrumented):
    pipeline = instrumented(url_prefixes="/gw")
    talk, _ = run_socket(SocketPath("asyncio", "recv", "str", "context"), path_="/gw/voice/realtime")
    (session,) = pipeline.by_op("realtime_session")
    assert session.attributes["gen_ai.request.model"] == "gpt-realtime"
    assert len(talk.events) > 10


@pytest.mark.transports
def test_uninstrument_restores_the_socket_libraries_exactly_twice_in_a_row(pipeline):
    before = _socket_targets()
    assert len(before) >= 3
    instrumentor = OpenAIRealtimeInstrumentor()
    for _ in range(2):
        instrumentor.instrument(tracer_provider=pipeline.tracer_provider)
        assert all(cls.__dict__.get(name) is not entry for cls, name, entry in before), "nothing wrapped"
        instrumentor.instrument(tracer_provider=pipeline.tracer_provider)  # no double wrapping
        instrumentor.uninstrument()
        assert _socket_targets() == before


@pytest.mark.transports
def test_a_socket_outliving_uninstrument_keeps_working_untraced(pipeline):
    """A traced socket still open at uninstrument() passes every call straight through."""
    import asyncio
    import json

    from websockets.asyncio.client import connect

    from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios

    from .sdk_app import APPEND, session_update

    instrumentor = OpenAIRealtimeInstrumentor()
    instrumentor.instrument(tracer_provider=pipeline.tracer_provider)
    received = []

    async def main():
        sim = RealtimeSimulator(scenarios.compose(scenarios.voice_turn(appends=3)), dialect=API)
        async with sim, connect(f"{sim.ws_url}?model=m") as ws:
            await ws.send(json.dumps(session_update(API)))
            received.append(json.loads(await ws.recv()))
            instrumentor.uninstrument()
            for _ in range(3):
                await ws.send(json.dumps(APPEND))
            async for message in ws:
                received.append(json.loads(message))
        return sim

    sim = asyncio.run(main())
    assert [e["type"] for e in received] == [e["type"] for e in sim.sent]
    (session,) = [
        s for s in pipeline.spans() if s.attributes.get("gen_ai.operation.name") == "realtime_session"
    ]
    assert pipeline.by_op("chat") == []  # closed at uninstrument: nothing after it recorded
    assert session.attributes["openai.realtime.session.responses"] == 0
