"""Faults: drops, cancellations, a dead or hanging OTLP endpoint, uninstrument() mid-session,
hundreds of concurrent sessions, a failing send, SDK reconnects and dispatch_events errors.

Every test runs the real openai SDK against the simulator. Where it matters the same app runs
bare first: with the instrumentation it must see the same events and the same exception.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, Callable, Optional

import openai
import pytest
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.trace import StatusCode

from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor, get_session
from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios
from opentelemetry_instrumentation_openai_realtime.simulator.events import audio_chunk
from opentelemetry_instrumentation_openai_realtime.simulator.scenarios import Timing

from .sdk_app import APIS, MODEL, USER_TEXT, ask

pytestmark = pytest.mark.sdk

CHUNK = audio_chunk(100)
MODES = ("async", "sync")
Outcome = Optional[tuple[str, str]]


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


class Tracker(SpanProcessor):
    """Every span started and ended, to prove none is left open or ended twice."""

    def __init__(self) -> None:
        self.started: dict[int, Any] = {}
        self.ended: dict[int, int] = {}
        self._lock = threading.Lock()

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        with self._lock:
            self.started[span.context.span_id] = span

    def on_end(self, span: ReadableSpan) -> None:
        with self._lock:
            self.ended[span.context.span_id] = self.ended.get(span.context.span_id, 0) + 1

    def open_spans(self) -> list[str]:
        with self._lock:
            return [s.name for i, s in self.started.items() if i not in self.ended]

    def check(self) -> None:
        assert self.open_spans() == [], "spans left open"
        assert all(count == 1 for count in self.ended.values()), "a span was ended twice"


@pytest.fixture
def traced(instrumented: Callable[..., Any]) -> Callable[..., tuple[Any, Tracker]]:
    """Instrument; returns ``(pipeline, tracker)``."""

    def instrument(**options: Any) -> tuple[Any, Tracker]:
        pipeline = instrumented(**options)
        tracker = Tracker()
        pipeline.tracer_provider.add_span_processor(tracker)
        return pipeline, tracker

    return instrument


def realtime_of(client: Any, api: str) -> Any:
    return client.realtime if api == "ga" else client.beta.realtime


def _sdk_class(api: str, name: str) -> Any:
    module = (
        "openai.resources.realtime.realtime" if api == "ga" else "openai.resources.beta.realtime.realtime"
    )
    return getattr(__import__(module, fromlist=[name]), name)


def reconnect_apis() -> list[str]:
    """APIs whose SDK reconnects by itself (openai >= 2.32: ``connect(on_reconnecting=...)``)."""
    return [
        api
        for api in APIS
        if "on_reconnecting" in inspect.signature(_sdk_class(api, "Realtime").connect).parameters
    ]


def dispatch_apis() -> list[str]:
    """APIs whose connections have ``dispatch_events`` (openai >= 2.32)."""
    return [api for api in APIS if hasattr(_sdk_class(api, "AsyncRealtimeConnection"), "dispatch_events")]


def dump(event: Any) -> dict[str, Any]:
    """An event as the app sees it, without the wall-clock ``expires_at`` of session objects."""
    data = event.to_dict() if hasattr(event, "to_dict") else event.model_dump()
    session = data.get("session")
    if isinstance(session, dict):
        session.pop("expires_at", None)
    return data


def outcome(exc: Optional[BaseException]) -> Outcome:
    return None if exc is None else (type(exc).__qualname__, str(exc))


def by_op(pipeline: Any, operation: str) -> list[ReadableSpan]:
    return pipeline.by_op(operation)


class App:
    """The same small app, async or sync: connect, send ``before``, read with ``reader`` until the
    connection ends or ``stop(event)``, sending back what ``react(event)`` returns; ``during(conn,
    event)`` runs after each event and ``after(conn)`` once reading is over, still connected. An
    exception ends the app and is kept in :attr:`error`."""

    def __init__(
        self,
        api: str,
        mode: str,
        *,
        before: tuple[dict[str, Any], ...] = (),
        react: Callable[[Any], list[dict[str, Any]]] = lambda event: [],
        stop: Callable[[Any], bool] = lambda event: False,
        reader: str = "recv",
        connect: Optional[dict[str, Any]] = None,
        during: Optional[Callable[[Any, Any], None]] = None,
        after: Optional[Callable[[Any], Any]] = None,
    ) -> None:
        self.api, self.mode, self.before, self.react, self.stop = api, mode, before, react, stop
        self.reader = reader
        self.connect = connect or {}
        self.during = during
        self.after = after
        self.events: list[dict[str, Any]] = []
        self.error: Optional[BaseException] = None

    def _seen(self, conn: Any, event: Any) -> list[dict[str, Any]]:
        self.events.append(dump(event))
        if self.during is not None:
            self.during(conn, event)
        return self.react(event)

    async def run_async(self, sim: RealtimeSimulator) -> None:
        client = openai.AsyncOpenAI(**sim.client_options())
        try:
            async with realtime_of(client, self.api).connect(model=MODEL, **self.connect) as conn:
                for event in self.before:
                    await conn.send(event)
                iterator = conn.__aiter__()
                while True:
                    if self.reader == "iterate":
                        try:
                            event = await asyncio.wait_for(iterator.__anext__(), 10)
                        except StopAsyncIteration:
                            break
                    elif self.reader == "recv":
                        event = await asyncio.wait_for(conn.recv(), 10)
                    else:
                        event = conn.parse_event(await asyncio.wait_for(conn.recv_bytes(), 10))
                    for reply in self._seen(conn, event):
                        await conn.send(reply)
                    if self.stop(event):
                        break
                if self.after is not None:
                    await self.after(conn)
        except Exception as exc:
            self.error = exc

    def run_sync(self, sim: RealtimeSimulator) -> None:
        client = openai.OpenAI(**sim.client_options())
        try:
            with realtime_of(client, self.api).connect(model=MODEL, **self.connect) as conn:
                for event in self.before:
                    conn.send(event)
                iterator = iter(conn)
                while True:
                    if self.reader == "iterate":
                        try:
                            event = next(iterator)
                        except StopIteration:
                            break
                    elif self.reader == "recv":
                        event = conn.recv()
                    else:
                        event = conn.parse_event(conn.recv_bytes())
                    for reply in self._seen(conn, event):
                        conn.send(reply)
                    if self.stop(event):
                        break
                if self.after is not None:
                    self.after(conn)
        except Exception as exc:
            self.error = exc

    def play(self, scenario: Any) -> RealtimeSimulator:
        """Run against a fresh simulator (so ids are the same on every run)."""
        sim = RealtimeSimulator(scenario, dialect=self.api)
        if self.mode == "async":

            async def main() -> None:
                async with sim:
                    await self.run_async(sim)

            asyncio.run(main())
        else:
            with sim.run_in_thread():
                self.run_sync(sim)
        return sim


def same_as_bare(
    make_app: Callable[[], App], scenario: Callable[[], Any], instrument: Callable[[], Any]
) -> App:
    """Play the app bare, then instrumented: same events, same exception. Returns the traced app."""
    bare = make_app()
    bare.play(scenario())
    instrument()
    traced = make_app()
    traced.play(scenario())
    assert outcome(traced.error) == outcome(bare.error)
    assert traced.events == bare.events
    return traced


def create(**response: Any) -> dict[str, Any]:
    return {"type": "response.create", **({"response": response} if response else {})}


# ------------------------------------------------------------------------------------------------
# Connection dropped mid-response
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("api", APIS)
def test_connection_dropped_mid_response(traced, api, mode):
    """TCP aborted in the middle of a response: the app's ``ConnectionClosedError`` is untouched,
    the session and the response in flight end with ERROR."""
    from websockets.exceptions import ConnectionClosedError

    state: dict[str, Any] = {}

    def instrument() -> None:
        state["pipeline"], state["tracker"] = traced()

    app = same_as_bare(
        lambda: App(api, mode, before=(create(),)), lambda: scenarios.drop_mid_response(), instrument
    )
    pipeline, tracker = state["pipeline"], state["tracker"]
    assert isinstance(app.error, ConnectionClosedError)
    assert app.error.rcvd is None  # no close frame: 1006
    tracker.check()
    (session,) = by_op(pipeline, "realtime_session")
    (response,) = by_op(pipeline, "chat")
    assert session.status.status_code is StatusCode.ERROR
    assert session.attributes["error.type"] == "ConnectionClosedError"
    assert session.attributes["openai.realtime.session.status"] == "failed"
    assert session.attributes["openai.realtime.session.close_code"] == 1006
    assert response.status.status_code is StatusCode.ERROR
    assert response.attributes["error.type"] == "ConnectionClosedError"
    assert response.parent.span_id == session.context.span_id


# ------------------------------------------------------------------------------------------------
# recv() cancelled by timeouts, over and over
# ------------------------------------------------------------------------------------------------

SLOW = Timing(vad_silence=0.02, commit=0.01, response=0.02, first_delta=0.03, delta_interval=0.015)


@pytest.mark.parametrize("reader", ["recv", "recv_bytes"])
@pytest.mark.parametrize("api", APIS)
async def test_recv_cancelled_by_timeouts_loses_nothing_and_records_nothing_twice(traced, api, reader):
    """``asyncio.wait_for(conn.recv(), 3 ms)`` keeps timing out while a slow server streams two
    turns: the app still gets every event once, and every span and count is exactly right."""
    pipeline, tracker = traced()
    sim = RealtimeSimulator(
        scenarios.compose(
            scenarios.voice_turn(deltas=6, timing=SLOW),
            scenarios.text_turn(deltas=6, timing=SLOW),
            scenarios.wait_for_close(),
        ),
        dialect=api,
    )
    received: list[Any] = []
    timeouts = 0
    async with sim:
        client = openai.AsyncOpenAI(**sim.client_options())
        async with realtime_of(client, api).connect(model=MODEL) as conn:

            async def read() -> Any:
                nonlocal timeouts
                while True:
                    try:
                        if reader == "recv":
                            return await asyncio.wait_for(conn.recv(), 0.003)
                        return conn.parse_event(await asyncio.wait_for(conn.recv_bytes(), 0.003))
                    except asyncio.TimeoutError:
                        timeouts += 1

            for _ in range(3):
                await conn.input_audio_buffer.append(audio=CHUNK)
            done = 0
            while done < 2:
                event = await read()
                received.append(event)
                if event.type == "response.done":
                    done += 1
                    if done == 1:
                        await ask(conn)
            # the user's transcript follows the first response.done: read what is left
            while len(received) < len(sim.sent):
                received.append(await asyncio.wait_for(read(), 5))
    assert timeouts > 10, "the reads were hardly ever cancelled"
    assert sim.errors == []
    # nothing lost, nothing duplicated, nothing reordered
    assert [e.event_id for e in received] == [e["event_id"] for e in sim.sent]
    tracker.check()
    (session,) = by_op(pipeline, "realtime_session")
    responses = by_op(pipeline, "chat")
    sent_done = [e["response"]["id"] for e in sim.sent if e["type"] == "response.done"]
    assert [r.attributes["gen_ai.response.id"] for r in responses] == sent_done
    deltas = sum(1 for e in sim.sent if e["type"] in ("response.output_audio.delta", "response.audio.delta"))
    assert deltas == 6
    assert responses[0].attributes["openai.realtime.response.audio.generated_seconds"] == pytest.approx(0.6)
    attrs = session.attributes
    assert attrs["openai.realtime.session.responses"] == 2
    assert attrs["openai.realtime.session.turns.completed"] == 2
    assert attrs["openai.realtime.session.audio.output.seconds"] == pytest.approx(0.6)
    assert attrs["openai.realtime.session.audio.input.seconds"] == pytest.approx(0.3)
    assert responses[0].attributes["openai.realtime.response.input.transcription_status"] == "completed"


# ------------------------------------------------------------------------------------------------
# OTLP endpoint down or hanging: the app's event loop never waits for the export
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def otlp_endpoint(request: Any) -> Iterator[str]:
    """``refused``: nothing listens; ``hanging``: a socket that accepts and never answers."""
    if request.param == "refused":
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        yield f"http://127.0.0.1:{port}/v1/traces"
        return
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)  # never read, never answered
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1/traces"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()
    assert held, "the exporter never reached the hanging endpoint"


@pytest.mark.slow
@pytest.mark.parametrize("otlp_endpoint", ["refused", "hanging"], indirect=True)
async def test_dead_otlp_endpoint_never_blocks_the_event_loop(otlp_endpoint):
    """The real OTLP/HTTP exporter behind a ``BatchSpanProcessor`` exporting every few ms to an
    endpoint that refuses or hangs: the app's loop lag stays tiny while a session runs."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    api = APIS[-1]
    exporter = OTLPSpanExporter(endpoint=otlp_endpoint, timeout=1)
    processor = BatchSpanProcessor(
        exporter,
        max_queue_size=4,
        schedule_delay_millis=5,
        max_export_batch_size=1,
        export_timeout_millis=1000,
    )
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(processor)
    tracker = Tracker()
    provider.add_span_processor(tracker)
    instrumentor = OpenAIRealtimeInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    lag = 0.0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal lag
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            start = loop.time()
            await asyncio.sleep(0.002)
            lag = max(lag, loop.time() - start - 0.002)

    turns, sessions = 3, 2
    scenario = scenarios.compose(
        *[scenarios.voice_turn(timing=SLOW) for _ in range(turns)], scenarios.wait_for_close()
    )
    try:
        sim = RealtimeSimulator(scenario, dialect=api)
        async with sim:
            # built before measuring: the client loads its CA bundle on the loop (~50 ms), as
            # any app's would; we measure the session
            client = openai.AsyncOpenAI(**sim.client_options())
            tick = asyncio.ensure_future(ticker())
            started = time.monotonic()
            for _ in range(sessions):  # many spans to export, each attempt failing
                async with realtime_of(client, api).connect(model=MODEL) as conn:
                    done = 0
                    for _ in range(3):
                        await conn.input_audio_buffer.append(audio=CHUNK)
                    async for event in conn:
                        if event.type == "response.done":
                            done += 1
                            if done == turns:
                                break
                            for _ in range(3):
                                await conn.input_audio_buffer.append(audio=CHUNK)
        elapsed = time.monotonic() - started
        stop.set()
        await tick
    finally:
        instrumentor.uninstrument()
        exporter.shutdown()  # what is still queued is dropped, not retried for a second each
        processor.shutdown()  # waits for the export in flight: at most the exporter's 1 s timeout
    assert sim.errors == []
    tracker.check()
    assert len(tracker.ended) == sessions * (1 + turns)
    # a blocking export stalls the loop for the exporter's timeout (1 s) at least; a busy CI
    # machine can delay a 2 ms sleep by some tens of ms
    assert lag < 0.25, f"the event loop was blocked for {lag:.3f} s"
    assert elapsed < 5


# ------------------------------------------------------------------------------------------------
# uninstrument() in the middle of a session
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("api", APIS)
def test_uninstrument_in_the_middle_of_a_response(traced, api, mode):
    """``uninstrument()`` while a response streams: the app goes on unchanged, the session and the
    response in flight are ended (``closed``), nothing more is recorded."""

    def scenario() -> Any:
        return scenarios.compose(scenarios.text_turn(deltas=5), scenarios.text_turn(deltas=5))

    turn = (USER_TEXT, create())
    state: dict[str, Any] = {"done": 0, "removed": False, "tracker": None}

    def react(event: Any) -> list[dict[str, Any]]:
        if event.type == "response.done":
            state["done"] += 1
            return list(turn) if state["done"] == 1 else []
        return []

    def during(conn: Any, event: Any) -> None:
        if state["tracker"] is not None and not state["removed"] and "delta" in event.type:
            state["spans_before"] = len(state["tracker"].started)
            OpenAIRealtimeInstrumentor().uninstrument()  # mid-response, from the app's own thread
            state["removed"] = True

    def make() -> App:
        state.update(done=0)
        return App(api, mode, before=turn, react=react, stop=lambda e: state["done"] == 2, during=during)

    bare = make()
    bare.play(scenario())
    pipeline, tracker = traced()
    state["tracker"] = tracker
    app = make()
    app.play(scenario())
    assert state["removed"]
    assert app.error is None and bare.error is None
    assert app.events == bare.events
    tracker.check()
    assert len(tracker.started) == state["spans_before"], "spans were started after uninstrument()"
    (session,) = by_op(pipeline, "realtime_session")
    (response,) = by_op(pipeline, "chat")
    assert session.attributes["openai.realtime.session.status"] == "closed"
    assert response.attributes["openai.realtime.response.status"] == "closed"
    assert response.parent.span_id == session.context.span_id


# ------------------------------------------------------------------------------------------------
# Many concurrent sessions
# ------------------------------------------------------------------------------------------------


def light_turn() -> Any:
    """A voice turn with few events: hundreds of sessions stay quick (the simulator runs
    unvalidated here: these scenarios are validated by their own tests)."""
    return scenarios.voice_turn(appends=1, deltas=2, user_transcript=None)


def check_no_mixing(pipeline: Any, seen: list[tuple[Any, str]]) -> None:
    """``seen``: (session span context, id of the response the app received) per session. Each
    session has exactly one response child, and it is the response its own app received (the
    simulator's ids repeat every 100 connections: the parent link is what matters)."""
    sessions = by_op(pipeline, "realtime_session")
    assert len(sessions) == len(seen)
    assert len({s.context.trace_id for s in sessions}) == len(seen), "sessions share a trace"
    children: dict[int, list[ReadableSpan]] = {}
    for response in by_op(pipeline, "chat"):
        children.setdefault(response.parent.span_id, []).append(response)
    assert len(children) == len(seen)
    for context, response_id in seen:
        (response,) = children[context.span_id]
        assert response.attributes["gen_ai.response.id"] == response_id, (
            "a response landed in another session"
        )
        assert response.context.trace_id == context.trace_id


@pytest.mark.parametrize("api", APIS)
async def test_200_concurrent_sessions_in_tasks_never_mix(traced, api):
    pipeline, tracker = traced()
    sim = RealtimeSimulator(light_turn(), dialect=api, validate=False)  # validated elsewhere

    async def one(realtime: Any) -> tuple[Any, str]:
        async with realtime.connect(model=MODEL) as conn:
            context = get_session(conn).span.get_span_context()
            await conn.input_audio_buffer.append(audio=CHUNK)
            async for event in conn:
                if event.type == "response.done":
                    return context, event.response.id
        raise AssertionError("no response.done")

    async with sim:
        client = openai.AsyncOpenAI(**sim.client_options())
        realtime = realtime_of(client, api)
        seen = await asyncio.gather(*(one(realtime) for _ in range(200)))
    assert sim.errors == []
    assert sim.connections == 200
    tracker.check()
    check_no_mixing(pipeline, list(seen))


@pytest.mark.parametrize("api", APIS)
def test_20_concurrent_sessions_in_threads_never_mix(traced, api):
    pipeline, tracker = traced()
    sim = RealtimeSimulator(light_turn(), dialect=api, validate=False)  # validated elsewhere
    seen: list[tuple[Any, str]] = []
    failures: list[BaseException] = []

    def one(realtime: Any) -> None:
        try:
            with realtime.connect(model=MODEL) as conn:
                context = get_session(conn).span.get_span_context()
                conn.input_audio_buffer.append(audio=CHUNK)
                for event in conn:
                    if event.type == "response.done":
                        seen.append((context, event.response.id))
                        return
        except BaseException as exc:  # reported below
            failures.append(exc)

    with sim.run_in_thread():
        client = openai.OpenAI(**sim.client_options())
        realtime = realtime_of(client, api)
        threads = [threading.Thread(target=one, args=(realtime,)) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert failures == []
    assert sim.errors == []
    tracker.check()
    check_no_mixing(pipeline, seen)


# ------------------------------------------------------------------------------------------------
# The SDK raising on send
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("api", APIS)
def test_send_after_the_server_closed_raises_the_same_exception(traced, api, mode):
    """The server closes; the app sends anyway: the SDK's exception reaches the app unchanged and
    the (already ended) session is not disturbed."""
    state: dict[str, Any] = {}

    def send_late(conn: Any) -> Any:
        return conn.send(create())  # the iteration ended: the server closed (1000)

    def make() -> App:
        return App(api, mode, reader="iterate", after=send_late)

    def instrument() -> None:
        state["pipeline"], state["tracker"] = traced()

    app = same_as_bare(make, lambda: scenarios.compose(scenarios.close(1000)), instrument)
    assert app.error is not None
    pipeline, tracker = state["pipeline"], state["tracker"]
    tracker.check()
    (session,) = by_op(pipeline, "realtime_session")
    assert session.attributes["openai.realtime.session.status"] == "closed"
    assert session.attributes["openai.realtime.session.close_code"] == 1000
    assert session.status.status_code is StatusCode.UNSET
    assert by_op(pipeline, "chat") == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("api", APIS)
def test_send_that_raises_leaves_no_phantom_response_create(traced, api, mode):
    """A ``response.create`` the SDK refuses to send (not JSON-serializable) raises in the app
    exactly as without us, and the next, server-VAD, turn is not taken for the app's create."""
    unsendable = create(metadata={"topic": object()})

    class App2(App):
        async def run_async(self, sim: RealtimeSimulator) -> None:
            client = openai.AsyncOpenAI(**sim.client_options())
            async with realtime_of(client, self.api).connect(model=MODEL) as conn:
                try:
                    await conn.send(unsendable)
                except Exception as exc:
                    self.error = exc
                for _ in range(3):
                    await conn.input_audio_buffer.append(audio=CHUNK)
                async for event in conn:
                    self.events.append(dump(event))
                    if event.type == "response.done":
                        break

        def run_sync(self, sim: RealtimeSimulator) -> None:
            client = openai.OpenAI(**sim.client_options())
            with realtime_of(client, self.api).connect(model=MODEL) as conn:
                try:
                    conn.send(unsendable)
                except Exception as exc:
                    self.error = exc
                for _ in range(3):
                    conn.input_audio_buffer.append(audio=CHUNK)
                for event in conn:
                    self.events.append(dump(event))
                    if event.type == "response.done":
                        break

    state: dict[str, Any] = {}

    def instrument() -> None:
        state["pipeline"], state["tracker"] = traced()

    app = same_as_bare(lambda: App2(api, mode), lambda: scenarios.voice_turn(), instrument)
    assert isinstance(app.error, TypeError)
    pipeline, tracker = state["pipeline"], state["tracker"]
    tracker.check()
    (response,) = by_op(pipeline, "chat")
    assert response.attributes["openai.realtime.response.trigger"] == "server_vad"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("api", APIS)
def test_app_exception_leaving_the_block_fails_the_session(traced, api, mode):
    """The app raises inside ``with connect(...)``: it gets its exception back, and the session
    is ``failed`` with that ``error.type`` (the SDK's ``__exit__`` closing the connection used to
    make it a normal close)."""

    def boom(conn: Any, event: Any) -> None:
        raise LookupError("the app's own bug")

    state: dict[str, Any] = {}

    def instrument() -> None:
        state["pipeline"], state["tracker"] = traced()

    app = same_as_bare(lambda: App(api, mode, during=boom), lambda: scenarios.wait_for_close(), instrument)
    assert isinstance(app.error, LookupError)
    state["tracker"].check()
    (session,) = by_op(state["pipeline"], "realtime_session")
    assert session.attributes["openai.realtime.session.status"] == "failed"
    assert session.attributes["error.type"] == "LookupError"
    assert session.status.status_code is StatusCode.ERROR


# ------------------------------------------------------------------------------------------------
# SDK reconnects (openai >= 2.32)
# ------------------------------------------------------------------------------------------------


# Defined only where the SDK can reconnect: no skipped tests elsewhere.
if reconnect_apis():

    @pytest.mark.parametrize("mode", MODES)
    @pytest.mark.parametrize("api", reconnect_apis())
    def test_sdk_reconnect_keeps_one_session_and_fails_the_response_in_flight(traced, api, mode):
        """The server restarts (1012) mid-response; the SDK reconnects by itself: one session span with
        a reconnect event, the response in flight failed with ``connection_lost``, the next one fine."""
        attempts: list[Any] = []

        def make() -> App:
            def on_reconnecting(info: Any) -> None:
                attempts.append(info.close_code)

            return App(
                api,
                mode,
                reader="iterate",  # the SDK reconnects inside its iterator (recv() raises)
                connect={"on_reconnecting": on_reconnecting, "initial_delay": 0.01},
                react=lambda e: [create()] if e.type == "session.created" else [],
                stop=lambda e: e.type == "response.done",
            )

        state: dict[str, Any] = {}

        def instrument() -> None:
            state["pipeline"], state["tracker"] = traced()

        app = same_as_bare(make, lambda: scenarios.reconnect(), instrument)
        assert app.error is None
        assert attempts == [1012, 1012]  # bare, then instrumented
        pipeline, tracker = state["pipeline"], state["tracker"]
        tracker.check()
        (session,) = by_op(pipeline, "realtime_session")
        lost, completed = by_op(pipeline, "chat")
        assert session.attributes["openai.realtime.session.reconnects"] == 1
        assert session.attributes["openai.realtime.session.status"] == "closed"
        assert session.status.status_code is StatusCode.UNSET
        reconnects = [e for e in session.events if e.name == "openai.realtime.reconnect"]
        (transport,) = [
            e for e in reconnects if e.attributes.get("openai.realtime.session.close_code") == 1012
        ]
        # the attempt number is known when the SDK keeps it on the connection (not in every version)
        assert transport.attributes.get("openai.realtime.reconnect.attempt", 1) == 1
        assert lost.attributes["error.type"] == "connection_lost"
        assert lost.status.status_code is StatusCode.ERROR
        assert completed.attributes["openai.realtime.response.status"] == "completed"
        for response in (lost, completed):
            assert response.parent.span_id == session.context.span_id


# ------------------------------------------------------------------------------------------------
# dispatch_events() raising on an unhandled error event (openai >= 2.32)
# ------------------------------------------------------------------------------------------------


if dispatch_apis():

    @pytest.mark.parametrize("mode", MODES)
    @pytest.mark.parametrize("api", dispatch_apis())
    def test_dispatch_events_raises_on_an_unhandled_error_as_without_us(traced, api, mode):
        """An ``error`` event with no ``error``/``event`` handler makes ``dispatch_events()`` raise
        ``OpenAIError``: same exception, and the session records the error and fails."""

        class Dispatcher(App):
            async def run_async(self, sim: RealtimeSimulator) -> None:
                client = openai.AsyncOpenAI(**sim.client_options())
                try:
                    async with realtime_of(client, self.api).connect(model=MODEL) as conn:
                        conn.on("session.created", lambda event: self.events.append(dump(event)))
                        await asyncio.wait_for(conn.dispatch_events(), 10)
                except Exception as exc:
                    self.error = exc

            def run_sync(self, sim: RealtimeSimulator) -> None:
                client = openai.OpenAI(**sim.client_options())
                try:
                    with realtime_of(client, self.api).connect(model=MODEL) as conn:
                        conn.on("session.created", lambda event: self.events.append(dump(event)))
                        conn.dispatch_events()
                except Exception as exc:
                    self.error = exc

        state: dict[str, Any] = {}

        def instrument() -> None:
            state["pipeline"], state["tracker"] = traced()

        def scenario() -> Any:
            return scenarios.compose(scenarios.error_event(trigger=None), scenarios.wait_for_close())

        app = same_as_bare(lambda: Dispatcher(api, mode), scenario, instrument)
        assert type(app.error) is openai.OpenAIError
        assert len(app.events) == 1
        pipeline, tracker = state["pipeline"], state["tracker"]
        tracker.check()
        (session,) = by_op(pipeline, "realtime_session")
        assert session.attributes["openai.realtime.session.status"] == "failed"
        assert session.attributes["error.type"] == "OpenAIError"
        assert session.attributes["openai.realtime.session.errors"] == 1
        (error,) = [e for e in session.events if e.name == "openai.realtime.error"]
        assert error.attributes["error.type"] == "invalid_request_error"
