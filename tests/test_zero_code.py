"""The zero-code path: ``opentelemetry-instrument`` loads the instrumentor from its entry point."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.sdk


def _console_spans(text: str) -> list[dict]:
    """The JSON objects the console exporter printed, among other output."""
    decoder = json.JSONDecoder()
    spans, index = [], 0
    while True:
        start = text.find("{\n", index)
        if start < 0:
            return spans
        try:
            obj, end = decoder.raw_decode(text, start)
        except ValueError:
            index = start + 1
            continue
        if isinstance(obj, dict) and "context" in obj and "name" in obj:
            spans.append(obj)
        index = end


def test_opentelemetry_instrument_traces_the_demo_with_the_console_exporter():
    bindir = Path(sys.executable).parent
    env = {
        **os.environ,
        "OTEL_TRACES_EXPORTER": "console",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_SERVICE_NAME": "zero-code-test",
    }
    env.pop("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", None)
    proc = subprocess.run(
        [
            str(bindir / "opentelemetry-instrument"),
            sys.executable,
            "-m",
            "opentelemetry_instrumentation_openai_realtime.demo",
            "--speed",
            "20",
        ],
        env=env,
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "instrumenting in code" not in proc.stdout  # the entry point did it
    spans = _console_spans(proc.stdout)
    by_name: dict[str, list[dict]] = {}
    for span in spans:
        by_name.setdefault(span["name"], []).append(span)
    (session,) = by_name["realtime_session gpt-realtime"]
    assert len(by_name["chat gpt-realtime"]) == 4
    assert len(by_name["execute_tool get_weather"]) == 1
    session_id = session["context"]["span_id"]
    for span in by_name["chat gpt-realtime"] + by_name["execute_tool get_weather"]:
        assert span["parent_id"] == session_id
        assert span["context"]["trace_id"] == session["context"]["trace_id"]
    assert session["attributes"]["openai.realtime.session.turns.interrupted"] == 1
    assert session["resource"]["attributes"]["service.name"] == "zero-code-test"
    # the waterfall was printed too
    assert "INTERRUPTED heard" in proc.stdout
    assert "execute_tool get_weather" in proc.stdout


_APP = '''
"""An app with no OpenTelemetry code: a voice turn, then a tool call it answers after a lookup
that it parents to the response (and that runs past it)."""
import asyncio, json
import openai
from opentelemetry import trace
from opentelemetry_instrumentation_openai_realtime import response_context
from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, audio_chunk, scenarios

client_probe = openai.AsyncOpenAI(api_key="x", base_url="http://127.0.0.1:9/v1")
GA = hasattr(client_probe, "realtime") and hasattr(client_probe.realtime, "connect")
tracer = trace.get_tracer("app")

async def run_tool(conn, response_id, call_id):
    with tracer.start_as_current_span("lookup-weather", context=response_context(conn, response_id)):
        await asyncio.sleep(0.05)
        await conn.conversation.item.create(
            item={"type": "function_call_output", "call_id": call_id, "output": "{}"}
        )
        await conn.response.create()
        await asyncio.sleep(0.05)  # still busy when its turn is over

async def main():
    scenario = scenarios.compose(scenarios.voice_turn(), scenarios.tool_turn(), scenarios.wait_for_close())
    sim = RealtimeSimulator(scenario, dialect="ga" if GA else "beta")
    async with sim:
        client = openai.AsyncOpenAI(**sim.client_options())
        realtime = client.realtime if GA else client.beta.realtime
        async with realtime.connect(model="gpt-realtime") as conn:
            for _ in range(3):
                await conn.input_audio_buffer.append(audio=audio_chunk(100))
            done = 0
            tasks = []
            async for event in conn:
                if event.type == "response.done":
                    done += 1
                    if done == 1:
                        await conn.response.create()
                    elif done == 3:
                        break
                if event.type == "response.function_call_arguments.done":
                    # the tool runs beside the event loop, parented to the response that called it
                    tasks.append(asyncio.ensure_future(run_tool(conn, event.response_id, event.call_id)))
            await asyncio.gather(*tasks)
    assert sim.errors == [], sim.errors
    print("app done")

asyncio.run(main())
'''


def test_opentelemetry_instrument_prints_an_apps_sessions_with_the_realtime_waterfall_exporter(tmp_path):
    """OTEL_TRACES_EXPORTER=realtime_waterfall (our entry point in opentelemetry_traces_exporter)
    prints each session of an app without OpenTelemetry code as a waterfall, with its key."""
    app = tmp_path / "app.py"
    app.write_text(_APP)
    bindir = Path(sys.executable).parent
    env = {
        **os.environ,
        "OTEL_TRACES_EXPORTER": "realtime_waterfall",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_SERVICE_NAME": "waterfall-test",
        "COLUMNS": "120",
    }
    proc = subprocess.run(
        [str(bindir / "opentelemetry-instrument"), sys.executable, str(app)],
        env=env,
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "app done" in out
    waterfall = out[out.index("trace ") :]
    lines = waterfall.splitlines()
    rows = [line for line in lines if re.search(r"[█▏░]", line)]
    names = [re.split(r" +[█▏░]", line)[0].strip() for line in rows]
    assert names[0] == "realtime_session gpt-realtime"
    assert names.count("chat gpt-realtime") == 3
    assert "execute_tool get_weather" in names
    (lookup,) = [line for line in rows if line.lstrip().startswith("lookup-weather")]
    summary = lookup + lines[lines.index(lookup) + 1]  # inline, or on the next line when narrow
    assert "░" in lookup and re.search(r"ends \S+ after its turn", summary)
    assert "ttfc" in waterfall and "\nkey:\n" in waterfall and "time to first chunk" in waterfall
