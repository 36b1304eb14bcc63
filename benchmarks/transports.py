"""What the socket adapters cost a websocket that is not a Realtime session (and, for reference,
one that is): ``python -m benchmarks.transports`` (``--quick`` for a short run, ``--json PATH``).

A server in its own process (its CPU is never measured) sends ``--frames`` frames per connection,
each a 6.4 KB audio-delta JSON frame as the Realtime API sends them, then closes. The client, in
this process, reads them all (``async for`` / ``for`` / aiohttp ``async for``) and the CPU time of
this process per frame is compared:

- ``bare``: not instrumented;
- ``other``: instrumented, the socket's path is not a Realtime endpoint (``/media/stream``): the
  adapters wrap only the handshake, so the connection keeps its class and every frame costs what
  it costs bare (the ratio should be 1.00 within noise);
- ``realtime``: instrumented, path ``/v1/realtime``: every frame goes to the session (for
  reference: the price of being traced).

The per-connection price of the URL check is measured too (``--connects`` connections opened
and closed on the ``other`` path, bare vs instrumented). Rounds are interleaved and the median
of each is printed.

``--instructions`` counts instructions instead (valgrind, as ``./scripts/bench --instructions``
does for the openai SDK): an app on each library's socket (:mod:`benchmarks.sockets`) plays the
benchmark's audio-heavy session from :mod:`benchmarks.server` (turns of 50 audio and 50 transcript
deltas and their 14 other events), parsing every frame with ``json.loads`` as apps and frameworks
do; a 15-turn session minus a 5-turn one, bare, instrumented on a path that is not a Realtime
endpoint, and instrumented on ``/v1/realtime`` (content off, the SDK's providers); the bare app is
counted first and again last, as there.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any, Callable

from .sockets import LIBRARIES

MODES = ("bare", "other", "realtime")
PATHS = {"other": "/media/stream", "realtime": "/v1/realtime", "bare": "/media/stream"}


def _frame(i: int) -> str:
    audio = base64.b64encode(bytes(4800)).decode()
    return json.dumps(
        {
            "type": "response.output_audio.delta",
            "event_id": f"event_{i}",
            "response_id": "resp_1",
            "item_id": "item_1",
            "output_index": 0,
            "content_index": 0,
            "delta": audio,
        },
        separators=(",", ":"),
    )


# ---------------------------------------------------------------------------- server process


async def _serve(frames: int) -> None:
    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosed

    payload = [_frame(i) for i in range(16)]

    async def handle(ws: Any) -> None:
        path = str(ws.request.path) if ws.request is not None else ""
        count = 0 if "frames=0" in path else frames
        try:
            for i in range(count):
                await ws.send(payload[i % 16])
            await ws.close()
        except ConnectionClosed:
            pass

    async with serve(handle, "127.0.0.1", 0, max_size=None, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"PORT {port}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


# ---------------------------------------------------------------------------- clients


async def _read_asyncio(url: str) -> int:
    from websockets.asyncio.client import connect

    count = 0
    async with connect(url, max_size=None, compression=None) as ws:
        async for _ in ws:
            count += 1
    return count


def _read_sync(url: str) -> int:
    from websockets.sync.client import connect

    count = 0
    with connect(url, max_size=None, compression=None) as ws:
        for _ in ws:
            count += 1
    return count


async def _read_aiohttp(url: str) -> int:
    import aiohttp

    count = 0
    async with aiohttp.ClientSession() as client, client.ws_connect(url, max_msg_size=0) as ws:
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                count += 1
    return count


def _reader(library: str) -> Callable[[str], int]:
    if library == "websockets-sync":
        return _read_sync
    run = _read_aiohttp if library == "aiohttp" else _read_asyncio
    return lambda url: asyncio.run(run(url))


async def _connects_asyncio(url: str, count: int) -> None:
    from websockets.asyncio.client import connect

    for _ in range(count):
        ws = await connect(url, compression=None)
        await ws.close()


class _Instrumented:
    """Instrument with no-op-cheap in-memory providers; a context manager."""

    def __enter__(self) -> None:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider

        from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor

        self.instrumentor = OpenAIRealtimeInstrumentor()
        self.instrumentor.instrument(
            tracer_provider=TracerProvider(),
            meter_provider=MeterProvider(metric_readers=[InMemoryMetricReader()]),
        )

    def __exit__(self, *exc: Any) -> None:
        self.instrumentor.uninstrument()


def _measure(library: str, mode: str, base: str, frames: int) -> float:
    """CPU microseconds per frame of one connection read to its end."""
    read = _reader(library)
    url = f"{base}{PATHS[mode]}?model=gpt-realtime"
    if mode == "bare":
        start = time.process_time()
        count = read(url)
        cpu = time.process_time() - start
    else:
        with _Instrumented():  # instrument() itself is outside the measured window
            start = time.process_time()
            count = read(url)
            cpu = time.process_time() - start
    if count != frames:
        raise RuntimeError(f"{library} {mode}: read {count} of {frames} frames")
    return cpu / count * 1e6


def _connect_cost(base: str, count: int, instrumented: bool) -> float:
    """CPU microseconds per connection opened and closed on a path that is not a session."""
    url = f"{base}{PATHS['other']}?frames=0"
    if not instrumented:
        start = time.process_time()
        asyncio.run(_connects_asyncio(url, count))
        return (time.process_time() - start) / count * 1e6
    with _Instrumented():
        start = time.process_time()
        asyncio.run(_connects_asyncio(url, count))
        return (time.process_time() - start) / count * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", type=int, metavar="FRAMES", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="fewer frames and rounds")
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connects", type=int, default=300)
    parser.add_argument("--libraries", default=",".join(LIBRARIES))
    parser.add_argument("--json", metavar="PATH", help="write the raw figures here")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions (valgrind) of a whole Realtime session instead of CPU per frame",
    )
    parser.add_argument(
        "--instruction-turns", default="5,15", help="the short and the long session (default 5,15)"
    )
    parser.add_argument("--deltas", type=int, default=50, help="audio deltas per turn (--instructions)")
    args = parser.parse_args(argv)
    if args.serve is not None:
        asyncio.run(_serve(args.serve))
        return 0
    if args.instructions:
        turns = tuple(int(n) for n in args.instruction_turns.split(","))
        counted = instructions([lib for lib in args.libraries.split(",") if lib], turns, args.deltas)
        if args.json:
            with open(args.json, "w") as out:
                json.dump(counted, out, indent=1)
        return 0
    if args.quick:
        args.frames, args.rounds, args.connects = 3_000, 3, 100
    libraries = [lib for lib in args.libraries.split(",") if lib]
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.transports", "--serve", str(args.frames)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split()[1])
        base = f"ws://127.0.0.1:{port}"
        figures: dict[str, dict[str, list[float]]] = {lib: {m: [] for m in MODES} for lib in libraries}
        for library in libraries:
            _measure(library, "bare", base, args.frames)  # warm-up: imports, first connection
            for _ in range(args.rounds):
                for mode in MODES:
                    figures[library][mode].append(_measure(library, mode, base, args.frames))
        connects = {"bare": [], "instrumented": []}  # type: dict[str, list[float]]
        for _ in range(args.rounds):
            connects["bare"].append(_connect_cost(base, args.connects, False))
            connects["instrumented"].append(_connect_cost(base, args.connects, True))
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(10)
    print(
        f"CPU per frame received, 6.4 KB audio deltas, {args.frames} frames x {args.rounds} rounds (median)"
    )
    print(f"{'library':<20}{'bare us':>10}{'other us':>10}{'ratio':>8}{'realtime us':>13}{'ratio':>8}")
    for library in libraries:
        med = {m: statistics.median(figures[library][m]) for m in MODES}
        print(
            f"{library:<20}{med['bare']:>10.2f}{med['other']:>10.2f}{med['other'] / med['bare']:>8.3f}"
            f"{med['realtime']:>13.2f}{med['realtime'] / med['bare']:>8.3f}"
        )
    bare, inst = statistics.median(connects["bare"]), statistics.median(connects["instrumented"])
    print(
        f"CPU per connection opened and closed, not a Realtime path ({args.connects} x {args.rounds}): "
        f"bare {bare:.0f} us, instrumented {inst:.0f} us ({inst - bare:+.0f} us)"
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"frames": figures, "connects": connects, "args": vars(args)}, out, indent=1)
    return 0


# A socket app's session is about a sixth of the openai client's instructions, and its bare count
# moved by up to 0.5% between runs alone on an idle machine (docs/transports.md): the openai
# client's 0.1% limit would flag every run
DRIFT_LIMIT = 0.01


def instruction_count(library: str, port: int, mode: str, turns: int, deltas: int) -> int:
    """Instructions of one app process playing a session of ``turns`` turns over ``library``."""
    from .run import valgrind_count

    args = ["--library", library, "--port", str(port), "--turns", str(turns), "--deltas", str(deltas)]
    if mode != "bare":
        args += ["--instrumented", "--path", mode]
    return valgrind_count("benchmarks.sockets", args)


def instructions(libraries: list[str], turns: tuple[int, ...], deltas: int) -> dict[str, Any]:
    """Per library: (long - short session) instructions per mode, the ratios to the bare app's
    and the drift of its two counts."""
    from .run import Server, against_bare

    short, long_ = turns
    result: dict[str, Any] = {"turns": [short, long_], "deltas": deltas, "libraries": {}}
    with Server() as server:
        for library in libraries:

            def count(mode: str, library: str = library) -> int:
                long_count = instruction_count(library, server.port, mode, long_, deltas)
                return long_count - instruction_count(library, server.port, mode, short, deltas)

            counts, ratios, drift = against_bare(count, MODES)
            result["libraries"][library] = {"counts": counts, "ratios": ratios, "drift": drift}
    print_instructions(result)
    return result


def print_instructions(result: dict[str, Any]) -> None:
    from .run import drift_line

    short, long_ = result["turns"]
    print(
        f"Instructions, {long_}-turn minus {short}-turn sessions ({result['deltas']} audio deltas a turn,"
        " every frame parsed by the app), each / the bare app's:"
    )
    print(f"{'library':<20}{'bare':>12}{'other path':>12}{'Realtime path':>15}")
    for library, row in result["libraries"].items():
        ratios = row["ratios"]
        print(
            f"{library:<20}{row['counts']['bare']:>12.4g}{ratios['other']:>11.4f}x{ratios['realtime']:>14.4f}x"
        )
        print(f"{'':<20}{drift_line(row['drift'], DRIFT_LIMIT)}")


if __name__ == "__main__":
    sys.exit(main())
