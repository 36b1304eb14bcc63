"""A small realtime app, driven through the real openai SDK in every supported way.

Used by the SDK-path tests: the same two-turn conversation (a server-VAD voice turn, then a
typed text turn) is run with each combination of API (GA/beta), mode (sync/async), reader,
sender and way of entering/closing, instrumented or not.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import openai

from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios
from opentelemetry_instrumentation_openai_realtime.simulator.events import audio_chunk, installed_dialects

MODEL = "gpt-realtime"
APIS = tuple(installed_dialects())
CHUNK = audio_chunk(100)


def _has(api: str, cls_name: str, attr: str) -> bool:
    module = (
        "openai.resources.realtime.realtime" if api == "ga" else "openai.resources.beta.realtime.realtime"
    )
    try:
        mod = __import__(module, fromlist=[cls_name])
    except ImportError:
        return False
    return hasattr(getattr(mod, cls_name, None), attr)


def readers(api: str) -> list[str]:
    found = ["iterate", "recv", "recv_bytes", "raw"]
    if _has(api, "AsyncRealtimeConnection", "dispatch_events"):
        found.append("dispatch")
    return found


def senders(api: str) -> list[str]:
    found = ["helpers", "send"]
    if _has(api, "AsyncRealtimeConnection", "send_raw"):
        found.append("send_raw")
    if _has(api, "AsyncRealtimeConnectionManager", "send"):
        found.append("manager_send")
    return found


@dataclass(frozen=True)
class Path:
    api: str
    mode: str  # "sync" | "async"
    reader: str
    sender: str
    entry: str  # "context" (with/async with) | "enter" (enter() + close())

    @property
    def id(self) -> str:
        return f"{self.api}-{self.mode}-{self.reader}-{self.sender}-{self.entry}"


def paths() -> list[Path]:
    """Every reader and every sender at least once, both entries, for each API and mode."""
    result = []
    for api in APIS:
        rs, ss = readers(api), senders(api)
        count = max(len(rs), len(ss))
        for mode in ("async", "sync"):
            for i in range(count):
                entry = "context" if i % 2 == 0 else "enter"
                result.append(Path(api, mode, rs[i % len(rs)], ss[i % len(ss)], entry))
    return result


def session_update(api: str) -> dict[str, Any]:
    session: dict[str, Any] = {"instructions": "You are a test agent."}
    if api == "ga":
        session["type"] = "realtime"
    return {"type": "session.update", "session": session}


USER_TEXT = {
    "type": "conversation.item.create",
    "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "And tomorrow?"}]},
}
APPEND = {"type": "input_audio_buffer.append", "audio": CHUNK}
CLOSED = object()  # put in the dispatch readers' queue when dispatch_events() returns


async def ask(conn: Any) -> None:
    """A typed user turn through the SDK's resources: the user's item, then ``response.create``."""
    await conn.conversation.item.create(item=USER_TEXT["item"])
    await conn.response.create()


async def typed_turn(api: str) -> tuple[RealtimeSimulator, list[str]]:
    """One typed turn (:func:`ask`) through the async client against the simulator: the
    simulator, and the type of every event the app read until the server closed."""
    sim = RealtimeSimulator(scenarios.text_turn(), dialect=api)
    async with sim:
        client = openai.AsyncOpenAI(**sim.client_options())
        realtime = client.realtime if api == "ga" else client.beta.realtime
        async with realtime.connect(model=MODEL) as conn:
            await ask(conn)
            types = [event.type async for event in conn]
    return sim, types


def conversation() -> Any:
    """The simulator side: a server-VAD voice turn, then a typed text turn."""
    return scenarios.compose(scenarios.voice_turn(appends=3), scenarios.text_turn())


@dataclass
class Result:
    events: list[dict[str, Any]] = field(default_factory=list)  # what the app received
    connection: Any = None


def _as_dict(event: Any) -> dict[str, Any]:
    return event.to_dict() if hasattr(event, "to_dict") else event.model_dump()


class RawEvent(dict):  # type: ignore[type-arg]
    """A frame an app read with ``recv_bytes()`` and parsed itself (never ``parse_event``)."""

    @property
    def type(self) -> Any:
        return self.get("type")

    def to_dict(self) -> dict[str, Any]:
        return dict(self)


def raw_event(data: Any) -> RawEvent:
    return RawEvent(json.loads(data))


def _resource_call(conn: Any, event: dict[str, Any]) -> Callable[[], Any]:
    type_ = event["type"]
    if type_ == "session.update":
        return lambda: conn.session.update(session=event["session"])
    if type_ == "input_audio_buffer.append":
        return lambda: conn.input_audio_buffer.append(audio=event["audio"])
    if type_ == "conversation.item.create":
        return lambda: conn.conversation.item.create(item=event["item"])
    if type_ == "response.create":
        return lambda: conn.response.create()
    raise AssertionError(type_)


def _client(path: Path, sim: RealtimeSimulator) -> Any:
    cls = openai.AsyncOpenAI if path.mode == "async" else openai.OpenAI
    client = cls(**sim.client_options())
    return client.realtime if path.api == "ga" else client.beta.realtime


async def run_async(path: Path, sim: RealtimeSimulator) -> Result:
    result = Result()
    manager = _client(path, sim).connect(model=MODEL)
    early = [session_update(path.api)] if path.sender != "manager_send" else []
    if path.sender == "manager_send":
        manager.send(session_update(path.api))
        for _ in range(3):
            manager.send(APPEND)
    conn = await (manager.__aenter__() if path.entry == "context" else manager.enter())
    result.connection = conn

    async def send(event: dict[str, Any]) -> None:
        if path.sender == "send":
            await conn.send(event)
        elif path.sender == "send_raw":
            await conn.send_raw(json.dumps(event))
        else:
            await _resource_call(conn, event)()

    events: asyncio.Queue[Any] = asyncio.Queue()
    task = None
    if path.reader == "dispatch":
        conn.on("event", events.put_nowait)

        async def dispatch() -> None:
            try:
                await conn.dispatch_events()
            finally:
                events.put_nowait(CLOSED)  # the connection is over: no need to wait out a timeout

        task = asyncio.ensure_future(dispatch())
    iterator = conn.__aiter__() if path.reader == "iterate" else None

    async def read() -> Any:
        if path.reader == "dispatch":
            event = await asyncio.wait_for(events.get(), 10)
            if event is CLOSED:
                raise StopAsyncIteration
            return event
        if path.reader == "iterate":
            return await iterator.__anext__()  # type: ignore[union-attr]
        if path.reader == "recv":
            return await conn.recv()
        if path.reader == "raw":
            return raw_event(await conn.recv_bytes())
        return conn.parse_event(await conn.recv_bytes())

    async def read_until_done() -> None:
        while True:
            event = await read()
            result.events.append(_as_dict(event))
            if event.type == "response.done":
                return

    for event in early:
        await send(event)
    if path.sender != "manager_send":
        for _ in range(3):
            await send(APPEND)
    await read_until_done()
    await send(USER_TEXT)
    await send({"type": "response.create"})
    await read_until_done()
    # the user's transcript follows response.done; read until the server closes
    try:
        while True:
            event = await asyncio.wait_for(read(), 10)
            result.events.append(_as_dict(event))
    except (StopAsyncIteration, asyncio.TimeoutError):
        pass
    except Exception as exc:  # recv() on a closed connection
        if "ConnectionClosed" not in type(exc).__name__:
            raise
    if path.entry == "context":
        await manager.__aexit__(None, None, None)
    else:
        await conn.close()
    if task is not None:
        await asyncio.wait_for(task, 10)
    return result


def run_sync(path: Path, sim: RealtimeSimulator) -> Result:
    result = Result()
    manager = _client(path, sim).connect(model=MODEL)
    early = [session_update(path.api)] if path.sender != "manager_send" else []
    if path.sender == "manager_send":
        manager.send(session_update(path.api))
        for _ in range(3):
            manager.send(APPEND)
    conn = manager.__enter__() if path.entry == "context" else manager.enter()
    result.connection = conn

    def send(event: dict[str, Any]) -> None:
        if path.sender == "send":
            conn.send(event)
        elif path.sender == "send_raw":
            conn.send_raw(json.dumps(event))
        else:
            _resource_call(conn, event)()

    events: queue.Queue[Any] = queue.Queue()
    thread = None
    if path.reader == "dispatch":
        conn.on("event", events.put_nowait)

        def dispatch() -> None:
            try:
                conn.dispatch_events()
            finally:
                events.put(CLOSED)  # the connection is over: no need to wait out a timeout

        thread = threading.Thread(target=dispatch, daemon=True)
        thread.start()
    iterator = iter(conn) if path.reader == "iterate" else None

    def read() -> Any:
        if path.reader == "dispatch":
            event = events.get(timeout=10)
            if event is CLOSED:
                raise StopIteration
            return event
        if path.reader == "iterate":
            return next(iterator)  # type: ignore[arg-type]
        if path.reader == "recv":
            return conn.recv()
        if path.reader == "raw":
            return raw_event(conn.recv_bytes())
        return conn.parse_event(conn.recv_bytes())

    def read_until_done() -> None:
        while True:
            event = read()
            result.events.append(_as_dict(event))
            if event.type == "response.done":
                return

    for event in early:
        send(event)
    if path.sender != "manager_send":
        for _ in range(3):
            send(APPEND)
    read_until_done()
    send(USER_TEXT)
    send({"type": "response.create"})
    read_until_done()
    try:
        while True:
            result.events.append(_as_dict(read()))
    except (StopIteration, queue.Empty):
        pass
    except Exception as exc:
        if "ConnectionClosed" not in type(exc).__name__:
            raise
    if path.entry == "context":
        manager.__exit__(None, None, None)
    else:
        conn.close()
    if thread is not None:
        thread.join(10)
    return result


def run(path: Path, scenario: Any = None) -> tuple[Result, RealtimeSimulator]:
    """Run the conversation on ``path`` against a fresh simulator; returns what the app saw."""
    sim = RealtimeSimulator(scenario or conversation(), dialect=path.api)
    if path.mode == "async":

        async def main() -> Result:
            async with sim:
                return await run_async(path, sim)

        return asyncio.run(main()), sim
    with sim.run_in_thread():
        return run_sync(path, sim), sim
