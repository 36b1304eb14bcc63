"""``python -m opentelemetry_instrumentation_openai_realtime.simulator``: serve a scenario to your app.

Runs the Realtime simulator on a port of your choice so that your own agent, pointed at it, plays
a session without an API key, a network or a bill::

    python -m opentelemetry_instrumentation_openai_realtime.simulator --port 8765
    python -m opentelemetry_instrumentation_openai_realtime.simulator --scenario tool --lenient

Every accepted connection plays the chosen scenario (``--list`` shows them); ``respond``, the
default, answers whatever the client sends. ``--lenient`` makes a scripted scenario answer an
event it does not expect instead of failing, and keep answering once its script is over.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Callable, NamedTuple, Optional, TextIO

from . import scenarios
from .connection import Scenario, SimConnection
from .errors import SimulatorDisconnected
from .lenient import respond
from .scenarios.timing import DEMO_TIMING, Timing
from .server import RealtimeSimulator

__all__ = ["CATALOG", "main"]


class Entry(NamedTuple):
    description: str
    make: Callable[[Timing, float], Scenario]


def _repeat(make_step: Callable[[], scenarios.Step]) -> Scenario:
    """The step over and over until the client leaves."""

    async def scenario(conn: SimConnection) -> None:
        await conn.ensure_session()
        while True:
            await make_step()(conn)

    return scenario


CATALOG: dict[str, Entry] = {
    "respond": Entry(
        "answer whatever the client sends: server-VAD voice turns (a turn ends when the audio "
        "pauses), typed turns, a call of the first tool when the session has tools",
        lambda t, speed: respond(timing=t),
    ),
    "voice": Entry(
        "spoken turns on server VAD, each after 3 input_audio_buffer.append, over and over",
        lambda t, speed: _repeat(lambda: scenarios.voice_turn(timing=t)),
    ),
    "text": Entry(
        "typed turns (conversation.item.create + response.create) answered with text, over and over",
        lambda t, speed: _repeat(lambda: scenarios.text_turn(timing=t)),
    ),
    "tool": Entry(
        "on response.create a get_weather call; after your function_call_output and "
        "response.create, a spoken answer; over and over",
        lambda t, speed: _repeat(lambda: scenarios.tool_turn(timing=t)),
    ),
    "barge-in": Entry(
        "a spoken answer interrupted by the user's speech (speech_started, response cancelled "
        "turn_detected, your conversation.item.truncate answered), over and over",
        lambda t, speed: _repeat(lambda: scenarios.barge_in(timing=t)),
    ),
    "demo": Entry(
        "the demo story on server VAD: a tool call, an interruption, a last answer",
        lambda t, speed: scenarios.voice_agent_demo(speed=speed),
    ),
    "failed": Entry(
        "every response.create gets a response that fails (status failed, server_error)",
        lambda t, speed: _repeat(lambda: scenarios.failed_response(timing=t)),
    ),
    "error": Entry(
        "every response.create is answered with an error event (invalid_request_error)",
        lambda t, speed: _repeat(scenarios.error_event),
    ),
    "drop": Entry(
        "on response.create a spoken answer starts, then the connection drops (1006)",
        lambda t, speed: scenarios.drop_mid_response(timing=t),
    ),
}


def _logged(scenario: Scenario, out: TextIO) -> Scenario:
    """``scenario``, telling ``out`` when each connection starts and ends and why."""

    async def wrapper(conn: SimConnection) -> None:
        print(f"connection {conn.index}: {conn.path}", file=out, flush=True)
        outcome = "the client left"
        try:
            await scenario(conn)
            outcome = "scenario over"
        except SimulatorDisconnected:
            raise
        except Exception as exc:
            outcome = f"FAILED: {type(exc).__name__}: {exc}"
            raise
        finally:
            answered = f", {len(conn.unexpected)} answered leniently" if conn.unexpected else ""
            print(
                f"connection {conn.index}: {outcome} ({len(conn.received)} client events, "
                f"{len(conn.sent)} server events{answered})",
                file=out,
                flush=True,
            )

    return wrapper


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m opentelemetry_instrumentation_openai_realtime.simulator",
        description="Serve a scripted OpenAI Realtime session to your own app, on 127.0.0.1.",
    )
    p.add_argument("--scenario", default="respond", help="what to play (default: respond); see --list")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0: any free port)")
    p.add_argument("--dialect", choices=("ga", "beta"), default="ga", help="protocol: ga (default) or beta")
    p.add_argument(
        "--lenient",
        action="store_true",
        help="answer events the scenario does not expect instead of failing; keep answering after it",
    )
    p.add_argument(
        "--speed", type=float, default=1.0, help="speed-up of the realistic delays (default: 1; 10: fast)"
    )
    p.add_argument(
        "--no-validate",
        action="store_true",
        help="do not check the events sent against the installed openai SDK's models",
    )
    return p


async def serve(args: argparse.Namespace, out: TextIO, ready: Optional[asyncio.Event] = None) -> None:
    """Run the simulator of ``args`` until cancelled."""
    entry = CATALOG[args.scenario]
    timing = DEMO_TIMING.scaled(1.0 / args.speed)
    sim = RealtimeSimulator(
        _logged(entry.make(timing, args.speed), out),
        dialect=args.dialect,
        validate=not args.no_validate,
        host=args.host,
        port=args.port,
        lenient=args.lenient,
        timeout=None,
    )
    async with sim:
        print(
            f"Realtime simulator ({args.dialect}, scenario {args.scenario!r}"
            f"{', lenient' if args.lenient else ''}) listening on {sim.ws_url}\n"
            f"Point your app at it (any API key):\n"
            f"  AsyncOpenAI(api_key='sk-test', base_url='{sim.http_url}', "
            f"websocket_base_url='{sim.websocket_base_url}')\n"
            f"  or OPENAI_BASE_URL={sim.http_url} OPENAI_API_KEY=sk-test "
            f"(GA clients of openai >= 2)\n"
            f"Ctrl-C to stop.",
            file=out,
            flush=True,
        )
        if ready is not None:
            ready.set()
        await asyncio.Event().wait()


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout) -> int:
    args = parser().parse_args(argv)
    if args.list:
        width = max(len(name) for name in CATALOG)
        for name, entry in CATALOG.items():
            print(f"{name:<{width}}  {entry.description}", file=out)
        return 0
    if args.scenario not in CATALOG:
        print(f"unknown scenario {args.scenario!r}: one of {', '.join(CATALOG)}", file=sys.stderr)
        return 2
    if args.speed <= 0:
        print("--speed must be > 0", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(args, out))
    except KeyboardInterrupt:
        print("stopped", file=out)
    except OSError as exc:  # the port is taken, the address is not ours ...
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0
