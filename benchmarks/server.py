"""A lean Realtime server for the benchmark, run in its own process (its CPU is never measured).

``python -m benchmarks.server`` listens on ``127.0.0.1`` (random port, printed as ``PORT <n>`` on
the first line of stdout) and serves until stdin closes. Per connection (query parameters
``bench_dialect`` = ``ga``/``beta`` and ``bench_deltas``): ``session.created`` at once;
``session.updated`` for each ``session.update``; one turn of :class:`benchmarks.stream.Stream`
for each ``response.create``. Nothing is recorded and nothing is validated, so the server is much
faster than the client it feeds.
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.parse
from typing import Any

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from .stream import Stream


async def _handle(ws: Any) -> None:
    path = str(ws.request.path) if ws.request is not None else ""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
    stream = Stream(query.get("bench_dialect", "ga"), int(query.get("bench_deltas", "50")))
    try:
        await ws.send(stream.session_created())
        async for message in ws:
            try:
                event = json.loads(message)
            except ValueError:
                continue
            type_ = event.get("type") if isinstance(event, dict) else None
            if type_ == "session.update":
                await ws.send(stream.session_updated(event.get("session")))
            elif type_ == "response.create":
                for frame in stream.turn():
                    await ws.send(frame)
    except ConnectionClosed:
        pass


async def _main() -> None:
    async with serve(_handle, "127.0.0.1", 0, max_size=None, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"PORT {port}", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin


if __name__ == "__main__":
    asyncio.run(_main())
