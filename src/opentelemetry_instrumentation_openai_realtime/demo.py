"""A voice-agent demo: a realtime session with audio in and out, a tool call and an interruption.

Run it the zero-code way (``./scripts/demo`` does this)::

    opentelemetry-instrument python -m opentelemetry_instrumentation_openai_realtime.demo

It plays a conversation with the **real openai client** against the bundled Realtime simulator
on 127.0.0.1, prints the conversation as it happens, then the session's trace as a waterfall.
``OTEL_EXPORTER_OTLP_ENDPOINT`` (with ``OTEL_TRACES_EXPORTER=otlp``) also exports the trace over
OTLP. ``--live`` talks to the real Realtime API instead (needs ``OPENAI_API_KEY``); the live
conversation is typed (text in, audio out), since the demo has no microphone. ``--call`` plays a
phone call's sideband instead (``connect(call_id=...)``): no audio reaches the app, the server
reports its playback, and the caller cuts one answer off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any, Optional, cast

from opentelemetry import trace

from . import OpenAIRealtimeInstrumentor, response_context

_TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["location"],
        },
    }
]
_INSTRUCTIONS = "You are a friendly, concise voice assistant for travellers."
_LIVE_QUESTIONS = ["What's the weather like in Paris right now?", "What should I wear today?"]
_tracer = trace.get_tracer("realtime-voice-agent-demo")


def _say(who: str, text: str) -> None:
    print(f"  {who:>9} | {text}", flush=True)


def _setup_tracing() -> Optional[Any]:
    """Add the waterfall to the tracer provider; instrument in code when not run zero-code."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from .waterfall import WaterfallExporter

    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    if "realtime_waterfall" not in os.environ.get("OTEL_TRACES_EXPORTER", ""):  # else printed already
        provider.add_span_processor(SimpleSpanProcessor(WaterfallExporter()))
    instrumentor = OpenAIRealtimeInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        print("(not started by opentelemetry-instrument: instrumenting in code)", flush=True)
        instrumentor.instrument()
    return provider


def _session(api: str) -> dict[str, Any]:
    session: dict[str, Any] = {"instructions": _INSTRUCTIONS, "tools": _TOOLS}
    if api == "ga":
        session.update(type="realtime", audio={"input": {"transcription": {"model": "whisper-1"}}})
    else:
        session["input_audio_transcription"] = {"model": "whisper-1"}
    return session


async def _get_weather(connection: Any, response_id: str, arguments: str) -> str:
    """The app's tool implementation, traced as a child of the response that asked for it."""
    with _tracer.start_as_current_span(
        "weather_api.lookup", context=response_context(connection, response_id)
    ):
        await asyncio.sleep(0.35)
        location = json.loads(arguments or "{}").get("location", "Paris")
        return json.dumps({"location": location, "temperature_c": 18, "conditions": "partly cloudy"})


class VoiceAgent:
    """A tiny voice agent: streams "microphone" audio, plays answers, runs tools, barges in."""

    def __init__(self, connection: Any, api: str, speed: float, chunk: Optional[str]) -> None:
        self.connection = connection
        self.api = api
        self.speed = speed
        self.chunk = chunk
        self.playing: Optional[tuple[str, float]] = None  # (item id, playback start)
        self.transcript: list[str] = []

    async def speak(self, text: str) -> None:
        """The user says something: 300 ms of audio, streamed like a microphone would."""
        _say("user", text)
        for _ in range(3):
            await self.connection.input_audio_buffer.append(audio=self.chunk)
            await asyncio.sleep(0.1 / self.speed)

    async def handle(self, event: Any) -> Optional[str]:
        """React to one server event; returns "done" when a response finished."""
        type_ = event.type
        if type_ in ("response.output_audio.delta", "response.audio.delta") and self.playing is None:
            self.playing = (event.item_id, time.monotonic())
        elif type_ in ("response.output_audio_transcript.delta", "response.audio_transcript.delta"):
            self.transcript.append(event.delta)
        elif type_ == "input_audio_buffer.speech_started" and self.playing is not None:
            item_id, started = self.playing
            heard_ms = int((time.monotonic() - started) * 1000 * self.speed)
            _say("(user)", f"interrupts after {heard_ms} ms of the answer")
            await self.connection.conversation.item.truncate(
                item_id=item_id, content_index=0, audio_end_ms=heard_ms
            )
        elif type_ == "response.done":
            if self.transcript:
                _say(
                    "assistant",
                    "".join(self.transcript) + ("..." if event.response.status == "cancelled" else ""),
                )
            self.transcript, self.playing = [], None
            calls = [o for o in event.response.output or [] if o.type == "function_call"]
            for call in calls:
                _say("tool", f"{call.name}({call.arguments})")
                output = await _get_weather(self.connection, event.response.id, call.arguments)
                await self.connection.conversation.item.create(
                    item={"type": "function_call_output", "call_id": call.call_id, "output": output}
                )
                await self.connection.response.create()
            return "tool" if calls else "done"
        return None

    async def until(self, wanted: int) -> None:
        """Handle events until ``wanted`` responses without tool calls have finished."""
        finished = 0
        async for event in self.connection:
            if await self.handle(event) == "done":
                finished += 1
                if finished == wanted:
                    return


async def _simulated(api: str, speed: float) -> None:
    from openai import AsyncOpenAI

    from .simulator import RealtimeSimulator, scenarios
    from .simulator.events import audio_chunk

    simulator = RealtimeSimulator(scenarios.voice_agent_demo(speed=speed), dialect=api)
    async with simulator:
        print(
            f"Realtime simulator on {simulator.ws_url} ({api} API); real openai client; zero-code tracing\n"
        )
        client = AsyncOpenAI(**simulator.client_options())
        realtime = client.realtime if api == "ga" else client.beta.realtime
        async with realtime.connect(model="gpt-realtime") as connection:
            agent = VoiceAgent(connection, api, speed, audio_chunk(100))
            await connection.session.update(session=cast(Any, _session(api)))
            await agent.speak("What's the weather like in Paris right now?")
            await agent.until(1)
            await agent.speak("Great. Can you tell me a bit about the history of the Eiffel Tower?")
            await agent.until(1)  # the answer is interrupted...
            await agent.speak("Sorry, actually, what should I wear today?")
            await agent.until(1)
    if simulator.errors:
        raise SystemExit(f"simulator errors: {simulator.errors}")


async def _simulated_call(speed: float) -> None:
    """The sideband of a phone call: the caller's audio and the answers travel over the call, the
    app sees the server's VAD, the transcripts and the playback events."""
    from openai import AsyncOpenAI

    from .simulator import RealtimeSimulator, scenarios

    scenario = scenarios.sideband_call(
        speech_ms=int(600 / speed),
        playback_ms=int(1500 / speed),
        heard_ms=int(700 / speed),
        timing=scenarios.DEMO_TIMING.scaled(1 / speed),
    )
    simulator = RealtimeSimulator(scenario, dialect="ga")
    async with simulator:
        print(f"Realtime simulator on {simulator.ws_url}: the sideband of a call; real openai client\n")
        client = AsyncOpenAI(**simulator.client_options())
        async with client.realtime.connect(call_id="rtc_demo_call") as connection:
            transcript: list[str] = []
            stopped = 0
            async for received in connection:
                event: Any = received  # read by type string, as the SDK's union has no narrowing here
                type_ = event.type
                if type_ == "input_audio_buffer.speech_started":
                    _say("(caller)", "speaks")
                elif type_ == "output_audio_buffer.started":
                    _say("(server)", "starts playing the answer to the caller")
                elif type_ == "response.output_audio_transcript.delta":
                    transcript.append(event.delta)
                elif type_ == "output_audio_buffer.cleared":
                    _say("(server)", "the caller cut in: playback cleared")
                elif type_ == "response.done":
                    _say(
                        "assistant",
                        "".join(transcript) + ("..." if event.response.status == "cancelled" else ""),
                    )
                    transcript = []
                elif type_ == "output_audio_buffer.stopped":
                    _say("(server)", "playback finished")
                    stopped += 1
                    if stopped == 2:
                        break
    if simulator.errors:
        raise SystemExit(f"simulator errors: {simulator.errors}")


async def _live(api: str) -> None:
    from openai import AsyncOpenAI

    client = AsyncOpenAI()
    realtime = client.realtime if api == "ga" else client.beta.realtime
    async with realtime.connect(model=os.environ.get("OPENAI_REALTIME_MODEL", "gpt-realtime")) as connection:
        agent = VoiceAgent(connection, api, 1.0, None)
        await connection.session.update(session=cast(Any, _session(api)))
        for question in _LIVE_QUESTIONS:
            _say("user", question)
            await connection.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": question}],
                }
            )
            await connection.response.create()
            await agent.until(1)


def _default_api() -> str:
    """GA when the installed SDK has it (openai >= 1.103), else beta."""
    try:
        import openai.resources.realtime.realtime  # noqa: F401
    except ImportError:
        return "beta"
    return "ga"


def _joins_calls() -> bool:
    """Whether the installed SDK can join a call (``connect(call_id=...)``, GA)."""
    try:
        import inspect

        from openai.resources.realtime.realtime import AsyncRealtime
    except ImportError:
        return False
    return "call_id" in inspect.signature(AsyncRealtime.connect).parameters


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--api",
        choices=("ga", "beta"),
        default=_default_api(),
        help="Realtime API (default: ga if available)",
    )
    parser.add_argument("--speed", type=float, default=1.0, help="simulated time speed-up (default: 1)")
    parser.add_argument(
        "--live", action="store_true", help="talk to the real Realtime API (needs OPENAI_API_KEY)"
    )
    parser.add_argument(
        "--call", action="store_true", help="play the sideband of a phone call (simulated, GA API)"
    )
    args = parser.parse_args(argv)
    if args.call and (args.live or not _joins_calls()):
        print("--call needs the simulator and an openai SDK with connect(call_id=...)", file=sys.stderr)
        return 2
    if args.live and not os.environ.get("OPENAI_API_KEY"):
        print("--live needs OPENAI_API_KEY in the environment", file=sys.stderr)
        return 2
    if args.speed <= 0:
        parser.error("--speed must be > 0")
    provider = _setup_tracing()
    print("Voice agent demo: one realtime session, traced with OpenTelemetry\n", flush=True)
    try:
        if args.call:
            asyncio.run(_simulated_call(args.speed))
        else:
            asyncio.run(_live(args.api) if args.live else _simulated(args.api, args.speed))
    finally:
        if provider is not None:
            provider.force_flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
