"""Small realtime apps that talk to the simulator over raw sockets, as relays and frameworks do:
``websockets`` (asyncio, sync, legacy) and ``aiohttp``, with every way of connecting, reading
and sending. Each plays the same two-turn conversation as ``sdk_app`` (a server-VAD voice turn
with three appends, then a typed turn), so the SDK-path checks apply to them unchanged.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from dataclasses import dataclass
from typing import Any, Optional

from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator

from .sdk_app import APIS, APPEND, MODEL, USER_TEXT, conversation, session_update

#: the protocol the socket apps speak by default: GA where the installed SDK has its types (the
#: simulator validates every event against them), else beta (openai < 1.103)
API = "ga" if "ga" in APIS else "beta"

SECRET_KEY = "sk-socket-SECRET-1234567890"
EPHEMERAL = "ek_socket_SECRET_abcdef"


@dataclass(frozen=True)
class SocketPath:
    library: str  # "asyncio" | "sync" | "legacy" | "aiohttp"
    reader: str  # websockets: recv | iterate | stream; aiohttp: receive | receive_str | ... | iterate
    sender: str  # websockets: str | bytes; aiohttp: send_str | send_json | send_bytes | send_frame
    entry: str  # "context" (async with / with) | "await" (plain await or call, then close()) | "module"
    api: str = API

    @property
    def id(self) -> str:
        return f"{self.library}-{self.reader}-{self.sender}-{self.entry}-{self.api}"

    @property
    def mode(self) -> str:
        return "sync" if self.library == "sync" else "async"


def has_legacy() -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import websockets.legacy.client  # noqa: F401
    except ImportError:
        return False
    return True


def has_aiohttp() -> bool:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return False
    return True


def has_send_frame() -> bool:
    import aiohttp

    return hasattr(aiohttp.ClientWebSocketResponse, "send_frame")


def websocket_paths() -> list[SocketPath]:
    paths = [
        SocketPath("asyncio", "iterate", "str", "module"),
        SocketPath("asyncio", "iterate", "str", "context"),
        SocketPath("asyncio", "recv", "bytes", "await"),
        SocketPath("asyncio", "stream", "str", "await"),
        SocketPath("asyncio", "iterate", "str", "context", api="beta"),
        SocketPath("sync", "iterate", "str", "context"),
        SocketPath("sync", "recv", "bytes", "await"),
        SocketPath("sync", "stream", "str", "context"),
    ]
    if has_legacy():
        paths += [
            SocketPath("legacy", "iterate", "str", "context"),
            SocketPath("legacy", "recv", "str", "await"),
        ]
    return paths


def aiohttp_paths() -> list[SocketPath]:
    if not has_aiohttp():
        return []
    paths = [
        SocketPath("aiohttp", "iterate", "send_str", "context"),
        SocketPath("aiohttp", "receive", "send_json", "await"),
        SocketPath("aiohttp", "receive_str", "send_bytes", "context"),
        SocketPath("aiohttp", "receive_json", "send_json", "context", api="beta"),
    ]
    if has_send_frame():
        paths.append(SocketPath("aiohttp", "receive", "send_frame", "context"))
    return paths


def url_of(sim: RealtimeSimulator, query: str = f"model={MODEL}", path: str = "/v1/realtime") -> str:
    return f"ws://{sim.host}:{sim.port}{path}?{query}"


def headers_of(api: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {SECRET_KEY}"}
    if api == "beta":
        headers["OpenAI-Beta"] = "realtime=v1"
    return headers


def _encode(event: dict[str, Any], sender: str) -> Any:
    text = json.dumps(event)
    return text.encode() if sender == "bytes" else text


class Conversation:
    """What the app does with each event it reads: the second turn after the first response."""

    def __init__(self, api: str, turns: int = 2) -> None:
        self.api = api
        self.turns = turns
        self.events: list[dict[str, Any]] = []
        self.done = 0

    def opening(self) -> list[dict[str, Any]]:
        return [session_update(self.api), APPEND, APPEND, APPEND]

    def on(self, data: Any) -> list[dict[str, Any]]:
        event = data if isinstance(data, dict) else json.loads(data)
        self.events.append(event)
        if event.get("type") == "response.done":
            self.done += 1
            if self.done == 1 and self.turns > 1:
                return [USER_TEXT, {"type": "response.create"}]
        return []


# ---------------------------------------------------------------------------- websockets


async def run_asyncio(path: SocketPath, url: str, headers: dict[str, str], turns: int) -> Conversation:
    import websockets

    if path.library == "legacy":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from websockets.legacy.client import connect

        connecting = connect(url, extra_headers=headers)
    elif path.entry == "module":  # websockets.connect, as openai-agents calls it
        connecting = websockets.connect(url, **{_headers_kwarg(websockets.connect): headers})
    else:
        from websockets.asyncio.client import connect as asyncio_connect

        connecting = asyncio_connect(url, additional_headers=headers)
    talk = Conversation(path.api, turns)
    if path.entry in ("context", "module"):
        async with connecting as ws:
            await _talk_async(ws, path, talk)
    else:
        ws = await connecting
        try:
            await _talk_async(ws, path, talk)
        finally:
            await ws.close()
    return talk


def _headers_kwarg(connect: Any) -> str:
    """``websockets.connect`` is the legacy client in websockets 13 (``extra_headers``)."""
    import inspect

    return (
        "additional_headers"
        if "additional_headers" in inspect.signature(connect).parameters
        else "extra_headers"
    )


async def _talk_async(ws: Any, path: SocketPath, talk: Conversation) -> None:
    from websockets.exceptions import ConnectionClosedOK

    for event in talk.opening():
        await ws.send(_encode(event, path.sender))
    if path.reader == "iterate":
        async for message in ws:
            for event in talk.on(message):
                await ws.send(_encode(event, path.sender))
        return
    while True:
        try:
            if path.reader == "stream":
                parts = [part async for part in ws.recv_streaming()]
                message: Any = "".join(parts) if isinstance(parts[0], str) else b"".join(parts)
            else:
                message = await ws.recv()
        except ConnectionClosedOK:
            return
        for event in talk.on(message):
            await ws.send(_encode(event, path.sender))


def run_sync(path: SocketPath, url: str, headers: dict[str, str], turns: int) -> Conversation:
    from websockets.exceptions import ConnectionClosedOK
    from websockets.sync.client import connect

    talk = Conversation(path.api, turns)

    def converse(ws: Any) -> None:
        for event in talk.opening():
            ws.send(_encode(event, path.sender))
        if path.reader == "iterate":
            for message in ws:
                for event in talk.on(message):
                    ws.send(_encode(event, path.sender))
            return
        while True:
            try:
                if path.reader == "stream":
                    message: Any = "".join(ws.recv_streaming())
                else:
                    message = ws.recv()
            except ConnectionClosedOK:
                return
            for event in talk.on(message):
                ws.send(_encode(event, path.sender))

    if path.entry == "context":
        with connect(url, additional_headers=headers) as ws:
            converse(ws)
    else:
        ws = connect(url, additional_headers=headers)
        try:
            converse(ws)
        finally:
            ws.close()
    return talk


# ---------------------------------------------------------------------------- aiohttp


async def run_aiohttp(path: SocketPath, url: str, headers: dict[str, str], turns: int) -> Conversation:
    import aiohttp

    talk = Conversation(path.api, turns)

    async def send(ws: Any, event: dict[str, Any]) -> None:
        if path.sender == "send_json":
            await ws.send_json(event)
        elif path.sender == "send_bytes":
            await ws.send_bytes(json.dumps(event).encode())
        elif path.sender == "send_frame":
            await ws.send_frame(json.dumps(event).encode(), aiohttp.WSMsgType.TEXT)
        else:
            await ws.send_str(json.dumps(event))

    async def converse(ws: Any) -> None:
        for event in talk.opening():
            await send(ws, event)
        if path.reader == "iterate":
            async for msg in ws:
                if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    for event in talk.on(msg.data):
                        await send(ws, event)
            return
        while True:
            try:
                if path.reader == "receive_str":
                    data: Any = await ws.receive_str()
                elif path.reader == "receive_json":
                    data = await ws.receive_json()
                else:
                    msg = await ws.receive()
                    if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                        return
                    data = msg.data
            except TypeError:  # receive_str/json on the close message (WSMessageTypeError)
                return
            for event in talk.on(data):
                await send(ws, event)

    async with aiohttp.ClientSession() as client:
        if path.entry == "context":
            async with client.ws_connect(url, headers=headers) as ws:
                await converse(ws)
        else:
            ws = await client.ws_connect(url, headers=headers)
            try:
                await converse(ws)
            finally:
                await ws.close()
    return talk


# ---------------------------------------------------------------------------- running


def run(
    path: SocketPath,
    scenario: Any = None,
    query: str = f"model={MODEL}",
    headers: Optional[dict[str, str]] = None,
    turns: int = 2,
    path_: str = "/v1/realtime",
) -> tuple[Conversation, RealtimeSimulator]:
    """Run the conversation on ``path`` against a fresh simulator (``turns=1``: the voice turn only)."""
    sim = RealtimeSimulator(scenario or conversation(), dialect=path.api)
    hdrs = headers if headers is not None else headers_of(path.api)
    if path.library == "sync":
        with sim.run_in_thread():
            return run_sync(path, url_of(sim, query, path_), hdrs, turns), sim

    async def main() -> Conversation:
        async with sim:
            runner = run_aiohttp if path.library == "aiohttp" else run_asyncio
            return await asyncio.wait_for(runner(path, url_of(sim, query, path_), hdrs, turns), 30)

    return asyncio.run(main()), sim
