"""A Realtime app on a raw socket, for the transports' instruction counts.

``python -m benchmarks.sockets --library websockets-asyncio --port P --turns 15 [--instrumented]
[--path other]`` plays one session of :mod:`benchmarks.server`'s audio-heavy stream the way an app
or framework on ``websockets`` (asyncio or sync) or ``aiohttp`` does (openai-agents, Pipecat): per
turn it sends ``input_audio_buffer.commit`` and ``response.create`` as JSON text, then reads every
frame and parses it with ``json.loads`` until the turn's last event. ``--instrumented`` instruments
it first (the SDK's providers, content capture off, as :mod:`benchmarks.client`); ``--path other``
connects on a path that is not a Realtime endpoint (``/media/stream``), where the adapters wrap only
the handshake. Prints one JSON line: the turns and events read, the spans exported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any, Callable, Optional

from .common import LAST_EVENT, MODEL, session_update

LIBRARIES = ("websockets-asyncio", "websockets-sync", "aiohttp")
PATHS = {"realtime": "/v1/realtime", "other": "/media/stream"}
_COMMIT = json.dumps({"type": "input_audio_buffer.commit"})
_CREATE = json.dumps({"type": "response.create"})


class _Turns:
    """The app's side of the session: what it sends first and after each turn, and when it stops."""

    def __init__(self, turns: int) -> None:
        self.turns = turns
        self.done = 0
        self.events = 0
        self.opening = [
            json.dumps({"type": "session.update", "session": session_update("ga")}),
            _COMMIT,
            _CREATE,
        ]

    def read(self, message: Any) -> Optional[list[str]]:
        """A frame read: the frames to send next (none: read on), or ``None`` when the session is over."""
        self.events += 1
        if json.loads(message)["type"] != LAST_EVENT:
            return []
        self.done += 1
        return [_COMMIT, _CREATE] if self.done < self.turns else None


async def _websockets_asyncio(url: str, turns: _Turns) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, max_size=None, compression=None) as ws:
        for frame in turns.opening:
            await ws.send(frame)
        async for message in ws:
            replies = turns.read(message)
            if replies is None:
                break
            for frame in replies:
                await ws.send(frame)


def _websockets_sync(url: str, turns: _Turns) -> None:
    from websockets.sync.client import connect

    with connect(url, max_size=None, compression=None) as ws:
        for frame in turns.opening:
            ws.send(frame)
        for message in ws:
            replies = turns.read(message)
            if replies is None:
                break
            for frame in replies:
                ws.send(frame)


async def _aiohttp(url: str, turns: _Turns) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as client, client.ws_connect(url, max_msg_size=0) as ws:
        for frame in turns.opening:
            await ws.send_str(frame)
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            replies = turns.read(message.data)
            if replies is None:
                break
            for frame in replies:
                await ws.send_str(frame)


def _player(library: str) -> Callable[[str, _Turns], None]:
    if library == "websockets-sync":
        return _websockets_sync
    play = _aiohttp if library == "aiohttp" else _websockets_asyncio
    return lambda url, turns: asyncio.run(play(url, turns))


def play(library: str, port: int, turns: int, path: str = "realtime", deltas: int = 50) -> _Turns:
    """One session of ``turns`` turns over ``library``'s socket."""
    url = f"ws://127.0.0.1:{port}{PATHS[path]}?model={MODEL}&bench_dialect=ga&bench_deltas={deltas}"
    state = _Turns(turns)
    _player(library)(url, state)
    return state


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--library", choices=LIBRARIES, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--turns", type=int, default=15)
    parser.add_argument("--deltas", type=int, default=50)
    parser.add_argument("--path", choices=tuple(PATHS), default="realtime")
    parser.add_argument("--instrumented", action="store_true")
    args = parser.parse_args(argv)
    otel = None
    if args.instrumented:
        from .client import Otel

        otel = Otel("sdk")
    try:
        state = play(args.library, args.port, args.turns, args.path, args.deltas)
        if otel is not None:
            otel.flush()
    finally:
        if otel is not None:
            otel.close()
    spans = dict(otel.spans) if otel is not None else {}
    print(json.dumps({"turns": state.done, "events": state.events, "spans": spans}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
