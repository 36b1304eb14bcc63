"""OTLP end to end: what a backend (Braintrust, Phoenix, any collector) actually receives.

1. Zero-code: ``opentelemetry-instrument python -m ...demo`` in a subprocess, configured only by
   the ``OTEL_*`` variables Braintrust documents, exporting OTLP/HTTP protobuf to a local receiver
   (:mod:`tests.otlp_receiver`): the headers, the span tree, the ``braintrust.*`` attributes, no
   content unless opted in, and no secret anywhere in what was sent.
2. ``braintrust[otel]``'s own ``BraintrustSpanProcessor(filter_ai_spans=True)`` pointed at the
   receiver: every instrumentation span survives the AI-span filter, the app's own span does not.
3. ``slow``: an independently written OTLP backend (Arize Phoenix, from PyPI) ingests the demo's
   trace and gives the tree and attributes back through its REST API.

These run on the newest openai SDK only (not marked ``sdk``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest

from .otlp_receiver import OTLPReceiver

ROOT = Path(__file__).resolve().parents[1]
MODEL = "gpt-realtime"
SESSION = f"realtime_session {MODEL}"
CHAT = f"chat {MODEL}"
TOOL = "execute_tool get_weather"
APP_SPAN = "weather_api.lookup"
SERVICE = "realtime-otlp-e2e"
BT_KEY = "sk-bt-test"
BT_PARENT = "project_name:realtime-demo"
# Braintrust's documented format: the space between "Bearer" and the key is written %20
BT_HEADERS = f"Authorization=Bearer%20{BT_KEY},x-bt-parent={BT_PARENT}"
OPENAI_KEY = "sk-test"  # what RealtimeSimulator.client_options() gives the demo's client
SECRETS = (OPENAI_KEY, BT_KEY, "Bearer")

CONTENT_KEYS = {
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.definitions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
    "braintrust.input_json",
}
# words of the demo conversation (user speech, answers, instructions, tool result)
CONTENT_WORDS = ("Paris", "Eiffel", "partly cloudy", "friendly, concise", "light jacket")
METRICS = {
    "gen_ai.client.token.usage",
    "gen_ai.client.operation.duration",
    "gen_ai.client.operation.time_to_first_chunk",
    "openai.realtime.client.voice_to_voice_latency",
    "openai.realtime.client.tool.duration",
    "openai.realtime.client.interruptions",
    "openai.realtime.client.session.duration",
}


# -- helpers -------------------------------------------------------------------------------------


def _clean_env(**otel: str) -> dict[str, str]:
    """The test process's environment without any OTEL_/BRAINTRUST_/OPENAI_ setting, plus ``otel``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "BRAINTRUST_", "OPENAI_"))}
    env.update(otel)
    return env


def _demo_command() -> list[str]:
    instrument = Path(sys.executable).parent / "opentelemetry-instrument"
    if not instrument.exists():
        pytest.fail(f"opentelemetry-instrument not found next to {sys.executable} (opentelemetry-distro)")
    return [
        str(instrument),
        sys.executable,
        "-m",
        "opentelemetry_instrumentation_openai_realtime.demo",
        "--speed",
        "20",
    ]


def _json(value: Any) -> Any:
    assert isinstance(value, str), f"expected a JSON string, got {value!r}"
    return json.loads(value)


def _strings(value: Any) -> list[str]:
    """Every string inside an attribute value (lists, dicts) as text."""
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *_strings(v))]
    return [str(value)]


def _exported_text(spans: list[dict[str, Any]]) -> str:
    """Names, attributes, events and resources of the spans, as one searchable text."""
    parts: list[str] = []
    for span in spans:
        parts.append(span["name"])
        parts.extend(_strings(span["attributes"]))
        parts.extend(_strings(span["resource"]))
        parts.append(span["status"]["message"])
        for event in span["events"]:
            parts.append(event["name"])
            parts.extend(_strings(event["attributes"]))
    return "\n".join(parts)


def _tree(spans: list[dict[str, Any]]) -> dict[str, Any]:
    """The demo's tree, checked: one session root, chat and tool children, the app's span."""
    roots = [s for s in spans if s["parent_span_id"] is None]
    assert [s["name"] for s in roots] == [SESSION], [(s["name"], s["parent_span_id"]) for s in spans]
    (session,) = roots
    assert {s["trace_id"] for s in spans} == {session["trace_id"]}
    chats = sorted((s for s in spans if s["name"] == CHAT), key=lambda s: s["start_time_unix_nano"])
    tools = [s for s in spans if s["name"] == TOOL]
    apps = [s for s in spans if s["name"] == APP_SPAN]
    assert len(chats) == 4 and len(tools) == 1 and len(apps) == 1, sorted(s["name"] for s in spans)
    assert len(spans) == 7, sorted(s["name"] for s in spans)
    for child in [*chats, *tools]:
        assert child["parent_span_id"] == session["span_id"], child["name"]
    by_response = {c["attributes"]["gen_ai.response.id"]: c for c in chats}
    (tool,) = tools
    # the tool links to the response that asked for it; only responses carry gen_ai.response.id
    assert "gen_ai.response.id" not in tool["attributes"]
    asking = by_response[tool["attributes"]["openai.realtime.tool.response_id"]]
    assert asking is chats[0]
    if "links" in tool:  # the OTLP receiver's spans (Phoenix's span API does not return links)
        assert tool["links"] == [{"trace_id": asking["trace_id"], "span_id": asking["span_id"]}]
    assert asking["attributes"]["gen_ai.response.finish_reasons"] == ["tool_call"]
    # the app traced its tool under the response that asked for it (response_context)
    assert apps[0]["parent_span_id"] == asking["span_id"]
    return {"session": session, "chats": chats, "tool": tool, "app": apps[0]}


def _bt_metadata(attrs: dict[str, Any]) -> dict[str, Any]:
    """``braintrust.metadata``: the JSON string as sent, or (Phoenix) already parsed into
    ``braintrust.metadata.<key>`` attributes."""
    if "braintrust.metadata" in attrs:
        return dict(_json(attrs["braintrust.metadata"]))
    prefix = "braintrust.metadata."
    found = {k[len(prefix) :]: v for k, v in attrs.items() if k.startswith(prefix)}
    assert found, f"no braintrust.metadata in {sorted(attrs)}"
    return found


def _check_braintrust_attributes(tree: dict[str, Any]) -> None:
    session, chats, tool = tree["session"], tree["chats"], tree["tool"]
    assert _json(session["attributes"]["braintrust.span_attributes"]) == {"type": "task"}
    metadata = _bt_metadata(session["attributes"])
    assert metadata["model"] == MODEL and metadata["provider"] == "openai"
    assert metadata["session_id"] == session["attributes"]["openai.realtime.session.id"]
    assert _json(session["attributes"]["braintrust.output_json"]) == {
        "status": "closed",
        "completed_turns": 3,
        "interrupted_turns": 1,
    }
    for chat in chats:
        attrs = chat["attributes"]
        assert _json(attrs["braintrust.span_attributes"]) == {"type": "llm"}
        assert _bt_metadata(attrs)["response_id"] == attrs["gen_ai.response.id"]
        metrics = _json(attrs["braintrust.metrics"])
        assert metrics["prompt_tokens"] == attrs["gen_ai.usage.input_tokens"]
        assert metrics["completion_tokens"] == attrs["gen_ai.usage.output_tokens"]
        assert metrics["tokens"] == metrics["prompt_tokens"] + metrics["completion_tokens"]
        assert metrics["prompt_cached_tokens"] == attrs["gen_ai.usage.cache_read.input_tokens"]
        assert metrics["time_to_first_token"] > 0
        assert set(metrics) >= {"prompt_audio_tokens", "completion_audio_tokens"}
        assert all(isinstance(v, (int, float)) for v in metrics.values()), metrics
    assert _json(tool["attributes"]["braintrust.span_attributes"]) == {"type": "tool"}


def _check_interruption(tree: dict[str, Any]) -> None:
    """The barged-in answer is an interrupted, not a failed, llm span; nothing is an error."""
    interrupted = [c for c in tree["chats"] if c["attributes"].get("openai.realtime.response.interrupted")]
    assert len(interrupted) == 1
    (chat,) = interrupted
    assert chat["attributes"]["gen_ai.response.finish_reasons"] == ["turn_detected"]
    assert [e["name"] for e in chat["events"]] == [
        "openai.realtime.speech_started",
        "openai.realtime.truncated",
    ]
    spans = [tree["session"], *tree["chats"], tree["tool"], tree["app"]]
    assert [s["status"]["code"] for s in spans] == ["UNSET"] * len(spans)
    assert all("error.type" not in s["attributes"] for s in spans)


def _check_no_secrets(spans: list[dict[str, Any]], bodies: list[bytes]) -> None:
    text = _exported_text(spans)
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} was exported"
        assert all(secret.encode() not in body for body in bodies), f"{secret!r} is in an OTLP body"


# -- 1. zero-code, through opentelemetry-instrument -----------------------------------------------


@dataclass
class DemoRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    spans: list[dict[str, Any]]
    requests: list[Any] = field(repr=False)
    metric_names: set[str] = field(default_factory=set)

    def explain(self) -> str:
        return f"rc={self.returncode}\n--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}"


def _run_demo(receiver: OTLPReceiver, **extra: str) -> DemoRun:
    env = _clean_env(
        OTEL_TRACES_EXPORTER="otlp",
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_EXPORTER_OTLP_HEADERS=BT_HEADERS,
        OTEL_SERVICE_NAME=SERVICE,
        **extra,
    )
    started = time.monotonic()
    proc = subprocess.run(
        _demo_command(), check=False, env=env, capture_output=True, text=True, timeout=90, cwd=ROOT
    )
    return DemoRun(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        time.monotonic() - started,
        receiver.spans(),
        receiver.requests(),
        receiver.metric_names(),
    )


@pytest.fixture(scope="module")
def zero_code() -> dict[str, DemoRun]:
    """The demo, zero-code, twice at once: default settings (metrics on), and content on spans."""
    configs = {
        "default": {"OTEL_METRICS_EXPORTER": "otlp"},
        "content": {
            "OTEL_METRICS_EXPORTER": "none",
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY",
        },
    }
    receivers = {name: OTLPReceiver().start() for name in configs}
    try:
        with ThreadPoolExecutor(len(configs)) as pool:
            futures = {name: pool.submit(_run_demo, receivers[name], **cfg) for name, cfg in configs.items()}
            runs = {name: future.result() for name, future in futures.items()}
    finally:
        for receiver in receivers.values():
            receiver.stop()
    for name, run in runs.items():
        assert run.returncode == 0, f"{name}: {run.explain()}"
        assert "not started by opentelemetry-instrument" not in run.stdout, run.explain()
    return runs


def test_zero_code_sends_braintrust_headers(zero_code):
    run = zero_code["default"]
    traces = [r for r in run.requests if r.signal == "traces"]
    assert traces, run.explain()
    for request in run.requests:  # traces and metrics alike
        assert request.path == f"/v1/{request.signal}"
        assert request.headers["authorization"] == f"Bearer {BT_KEY}"
        assert request.headers["x-bt-parent"] == BT_PARENT
        assert request.headers["content-type"] == "application/x-protobuf"
    assert {s["resource"]["service.name"] for s in run.spans} == {SERVICE}
    # OTEL_METRICS_EXPORTER=otlp: the metrics go to the same endpoint; =none: nothing is sent
    assert run.metric_names >= METRICS, run.metric_names
    assert [r.signal for r in zero_code["content"].requests if r.signal != "traces"] == []


def test_zero_code_tree_with_braintrust_types_and_metrics(zero_code):
    run = zero_code["default"]
    tree = _tree(run.spans)
    _check_braintrust_attributes(tree)
    _check_interruption(tree)
    assert tree["session"]["kind"] == "INTERNAL"
    assert {c["kind"] for c in tree["chats"]} == {"CLIENT"}
    assert tree["tool"]["attributes"]["gen_ai.tool.name"] == "get_weather"
    assert tree["session"]["scope"] == tree["chats"][0]["scope"] == tree["tool"]["scope"]


def test_zero_code_exports_no_content_by_default(zero_code):
    run = zero_code["default"]
    tree = _tree(run.spans)
    for span in run.spans:
        keys = set(span["attributes"]) - ({"braintrust.input_json"} if span is tree["session"] else set())
        assert not CONTENT_KEYS & keys, span["name"]
    # the session's Braintrust input is configuration only, without content
    session_input = _json(tree["session"]["attributes"]["braintrust.input_json"])
    assert set(session_input) <= {"voice", "input_modalities", "output_modalities"}
    for span in [*tree["chats"], tree["tool"]]:
        assert "braintrust.output_json" not in span["attributes"], span["name"]
    text = _exported_text(run.spans)
    for word in CONTENT_WORDS:
        assert word not in text, f"content {word!r} was exported without opt-in"
    _check_no_secrets(run.spans, [r.body for r in run.requests])


def test_zero_code_content_opt_in_span_only(zero_code):
    run = zero_code["content"]
    tree = _tree(run.spans)
    _check_braintrust_attributes(tree)
    _check_interruption(tree)
    session, chats, tool = tree["session"], tree["chats"], tree["tool"]
    instructions = _json(session["attributes"]["gen_ai.system_instructions"])
    assert instructions[0]["content"].startswith("You are a friendly, concise voice assistant")
    assert [t["name"] for t in _json(session["attributes"]["gen_ai.tool.definitions"])] == ["get_weather"]
    for chat in chats:
        attrs = chat["attributes"]
        output = _json(attrs["gen_ai.output.messages"])
        assert output[0]["role"] == "assistant"
        expected = "interrupted" if attrs.get("openai.realtime.response.interrupted") else "completed"
        assert _json(attrs["braintrust.output_json"])["status"] == expected
        if "gen_ai.input.messages" in attrs:
            assert _json(attrs["braintrust.input_json"]) == _json(attrs["gen_ai.input.messages"])
    first_input = _json(chats[0]["attributes"]["gen_ai.input.messages"])
    assert first_input[0]["role"] == "user"
    assert first_input[0]["parts"][0]["content"] == "What's the weather like in Paris right now?"
    tool_output = _json(chats[0]["attributes"]["braintrust.output_json"])["tool_calls"]
    assert [c["name"] for c in tool_output] == ["get_weather"]
    # the tool result the app sent is the next response's input
    follow_up = _json(chats[1]["attributes"]["gen_ai.input.messages"])
    assert follow_up[0]["role"] == "tool"
    assert _json(tool["attributes"]["gen_ai.tool.call.arguments"])["location"] == "Paris, France"
    assert _json(tool["attributes"]["gen_ai.tool.call.result"])["conditions"] == "partly cloudy"
    assert _json(tool["attributes"]["braintrust.input_json"])["location"] == "Paris, France"
    assert _json(tool["attributes"]["braintrust.output_json"])["temperature_c"] == 18
    # content on spans only (SPAN_ONLY): no log events were sent
    assert [r for r in run.requests if r.signal == "logs"] == []
    _check_no_secrets(run.spans, [r.body for r in run.requests])


# -- 2. braintrust[otel]'s BraintrustSpanProcessor -----------------------------------------------


async def _voice_agent(sim: Any, tracer: Any) -> None:
    """A small voice agent on the real client: a tool turn (its tool traced by the app), a voice turn."""
    from openai import AsyncOpenAI

    from opentelemetry_instrumentation_openai_realtime import response_context
    from opentelemetry_instrumentation_openai_realtime.simulator.events import audio_chunk

    chunk = audio_chunk(100)
    client = AsyncOpenAI(**sim.client_options())
    async with client.realtime.connect(model=MODEL) as conn:
        await conn.session.update(session={"type": "realtime", "instructions": "Be brief."})
        for _turn in range(2):
            for _ in range(3):
                await conn.input_audio_buffer.append(audio=chunk)
            async for event in conn:
                if event.type != "response.done":
                    continue
                calls = [o for o in event.response.output or [] if o.type == "function_call"]
                for call in calls:
                    context = response_context(conn, event.response.id)
                    with tracer.start_as_current_span(APP_SPAN, context=context):
                        output = json.dumps({"temperature_c": 18})
                    await conn.conversation.item.create(
                        item={"type": "function_call_output", "call_id": call.call_id, "output": output}
                    )
                    await conn.response.create()
                if not calls:
                    break


@pytest.mark.parametrize("braintrust", [True, False], ids=["braintrust-on", "braintrust-off"])
async def test_braintrust_span_processor_keeps_the_ai_tree(braintrust):
    pytest.importorskip("braintrust.otel", reason="braintrust[otel] (Python >= 3.10)")
    from braintrust.otel import BraintrustSpanProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor
    from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios

    with OTLPReceiver() as receiver:
        provider = TracerProvider()
        everything = InMemorySpanExporter()  # what the app produced, unfiltered
        provider.add_span_processor(SimpleSpanProcessor(everything))
        provider.add_span_processor(
            BraintrustSpanProcessor(
                api_key=BT_KEY, parent=BT_PARENT, api_url=receiver.endpoint, filter_ai_spans=True
            )
        )
        instrumentor = OpenAIRealtimeInstrumentor()
        instrumentor.instrument(
            tracer_provider=provider, meter_provider=MeterProvider(), braintrust=braintrust
        )
        try:
            scenario = scenarios.compose(
                scenarios.tool_turn(trigger="audio"),
                scenarios.voice_turn(trigger="audio"),
                scenarios.wait_for_close(),
            )
            sim = RealtimeSimulator(scenario, dialect="ga")
            async with sim:
                await _voice_agent(sim, provider.get_tracer("voice-agent"))
            assert sim.errors == []
            assert provider.force_flush(10_000)
        finally:
            instrumentor.uninstrument()
            provider.shutdown()

    produced = sorted(s.name for s in everything.get_finished_spans())
    assert produced == sorted([SESSION, CHAT, CHAT, CHAT, TOOL, APP_SPAN])
    requests = receiver.requests("traces")
    assert requests
    for request in requests:  # BraintrustSpanProcessor's exporter: {api_url}/otel/v1/traces
        assert request.path == "/otel/v1/traces"
        assert request.headers["authorization"] == f"Bearer {BT_KEY}"
        assert request.headers["x-bt-parent"] == BT_PARENT
    spans = receiver.spans()
    # the AI-span filter keeps every instrumentation span (each carries gen_ai.* attributes) and
    # drops the app's own span, which has none
    assert sorted(s["name"] for s in spans) == sorted([SESSION, CHAT, CHAT, CHAT, TOOL])
    (session,) = [s for s in spans if s["parent_span_id"] is None]
    assert session["name"] == SESSION
    for span in spans:
        assert span["attributes"]["gen_ai.operation.name"]
        if span is not session:
            assert span["parent_span_id"] == session["span_id"]
    kinds = {s["name"]: s["attributes"].get("braintrust.span_attributes") for s in spans}
    if braintrust:
        assert {name: _json(value) for name, value in kinds.items()} == {
            SESSION: {"type": "task"},
            CHAT: {"type": "llm"},
            TOOL: {"type": "tool"},
        }
        for chat in (s for s in spans if s["name"] == CHAT):
            assert _json(chat["attributes"]["braintrust.metrics"])["tokens"] > 0
    else:
        # only what the Braintrust SDK itself adds (span origin), none of ours
        for span in spans:
            ours = {k for k in span["attributes"] if k.startswith("braintrust.")}
            assert ours <= {"braintrust.context_json", "braintrust.parent"}, ours
    _check_no_secrets(spans, [r.body for r in requests])


# -- the receiver itself ----------------------------------------------------------------------------


def test_receiver_decodes_gzip_and_refuses_otlp_json():
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    with OTLPReceiver() as receiver:
        provider = TracerProvider()
        exporter = OTLPSpanExporter(
            endpoint=f"{receiver.endpoint}/v1/traces", compression=Compression.Gzip, headers={"x-a": "b"}
        )
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracer = provider.get_tracer("t")
        attributes = {"n": 3, "l": ["a", "b"], "f": 0.5}
        with tracer.start_as_current_span("parent", attributes=attributes):
            child = tracer.start_span("child")
            child.add_event("e", {"ok": True})
            child.end()
        provider.shutdown()
        (request,) = [r for r in receiver.requests() if r.path == "/v1/traces"][:1]
        assert request.headers["content-encoding"] == "gzip" and request.headers["x-a"] == "b"
        spans = {s["name"]: s for s in receiver.spans()}
        assert spans["parent"]["attributes"] == {"n": 3, "l": ["a", "b"], "f": 0.5}
        assert spans["child"]["parent_span_id"] == spans["parent"]["span_id"]
        assert spans["child"]["events"][0]["attributes"] == {"ok": True}
        post = urllib.request.Request(
            f"{receiver.endpoint}/v1/traces", data=b"{}", headers={"Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(post, timeout=5)
        assert refused.value.code == 415


# -- 3. an independent OTLP backend: Arize Phoenix ------------------------------------------------

PHOENIX_REQUIREMENT = "arize-phoenix>=20,<21"
PHOENIX_VENV = ROOT / ".venvs" / "phoenix"
PHOENIX_INSTALL_TIMEOUT = 900
PHOENIX_START_TIMEOUT = 240
PHOENIX_PROJECT = "realtime-demo"


def _phoenix_executable() -> Path:
    """``phoenix`` from ``$PHOENIX_EXECUTABLE``, or from ``.venvs/phoenix`` (created on first use).

    Phoenix lives in a venv of its own: it pins its own openai/OpenTelemetry stack and registers an
    OpenInference openai instrumentor under ``opentelemetry_instrumentor``, which would change what
    ``opentelemetry-instrument`` loads in the SDK venvs.
    """
    given = os.environ.get("PHOENIX_EXECUTABLE")
    if given:
        return Path(given)
    executable = PHOENIX_VENV / "bin" / "phoenix"
    if executable.exists():
        return executable
    if sys.version_info < (3, 11):
        pytest.skip("Arize Phoenix needs Python >= 3.11")
    uv = ROOT / ".tools" / "bin" / "uv"
    uv_cmd = str(uv) if uv.exists() else shutil.which("uv")
    if uv_cmd is None:
        pytest.fail("cannot install Arize Phoenix: no uv (.tools/bin/uv or on PATH); run ./scripts/test once")
    python = PHOENIX_VENV / "bin" / "python"
    steps = [
        [uv_cmd, "venv", "-q", "--python", sys.executable, str(PHOENIX_VENV)],
        [uv_cmd, "pip", "install", "-q", "--python", str(python), PHOENIX_REQUIREMENT],
    ]
    for step in steps:
        try:
            subprocess.run(step, check=True, capture_output=True, text=True, timeout=PHOENIX_INSTALL_TIMEOUT)
        except subprocess.TimeoutExpired:
            shutil.rmtree(PHOENIX_VENV, ignore_errors=True)
            pytest.fail(f"installing {PHOENIX_REQUIREMENT} took more than {PHOENIX_INSTALL_TIMEOUT} s")
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(PHOENIX_VENV, ignore_errors=True)
            pytest.fail(f"installing {PHOENIX_REQUIREMENT} failed: {' '.join(step)}\n{exc.stderr[-3000:]}")
    return executable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 5) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


class Phoenix:
    """``phoenix serve`` on 127.0.0.1 with a temporary working dir (SQLite), stopped on exit."""

    def __init__(self, executable: Path, workdir: Path) -> None:
        self.port, grpc_port = _free_port(), _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "phoenix.log"
        env = {k: v for k, v in _clean_env().items() if not k.startswith("PHOENIX_")}
        env.update(
            PHOENIX_WORKING_DIR=str(workdir),
            PHOENIX_HOST="127.0.0.1",
            PHOENIX_PORT=str(self.port),
            PHOENIX_GRPC_PORT=str(grpc_port),
            PHOENIX_TELEMETRY_ENABLED="false",
        )
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([str(executable), "serve"], env=env, stdout=log, stderr=log)
        self.started = time.monotonic()

    def wait_ready(self, timeout: float) -> float:
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"Phoenix exited with {self.proc.returncode} while starting:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - self.started
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.25)
        pytest.fail(f"Phoenix did not answer {self.url}/healthz within {timeout} s:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else "(no log)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def spans(self, project: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: Optional[str] = None
        while True:
            query = "limit=100" + (f"&cursor={cursor}" if cursor else "")
            page = _get(f"{self.url}/v1/projects/{project}/spans?{query}")
            found.extend(page["data"])
            cursor = page.get("next_cursor")
            if not cursor:
                return found


def _phoenix_span(span: dict[str, Any]) -> dict[str, Any]:
    """A Phoenix REST span in the receiver's dict shape (for :func:`_tree`)."""
    return {
        "name": span["name"],
        "trace_id": span["context"]["trace_id"],
        "span_id": span["context"]["span_id"],
        "parent_span_id": span.get("parent_id") or None,
        "kind": span.get("span_kind"),
        "attributes": span.get("attributes") or {},
        "status": {"code": span.get("status_code") or "UNSET", "message": span.get("status_message") or ""},
        "events": [
            {"name": e.get("name"), "attributes": e.get("attributes") or {}} for e in span.get("events") or []
        ],
        "start_time_unix_nano": span["start_time"],  # ISO 8601: sorts like the time
        "resource": {},
    }


@pytest.mark.slow
@pytest.mark.timeout(PHOENIX_INSTALL_TIMEOUT + PHOENIX_START_TIMEOUT + 300)  # our own limits fail first
def test_phoenix_ingests_the_demo_trace(tmp_path):
    began = time.monotonic()
    executable = _phoenix_executable()
    installed = time.monotonic() - began
    phoenix = Phoenix(executable, tmp_path)
    try:
        startup = phoenix.wait_ready(PHOENIX_START_TIMEOUT)
        env = _clean_env(
            OTEL_TRACES_EXPORTER="otlp",
            OTEL_METRICS_EXPORTER="none",
            OTEL_LOGS_EXPORTER="none",
            OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
            OTEL_EXPORTER_OTLP_ENDPOINT=phoenix.url,  # Phoenix serves OTLP/HTTP at /v1/traces
            OTEL_EXPORTER_OTLP_HEADERS=f"x-project-name={PHOENIX_PROJECT}",
            OTEL_SERVICE_NAME=SERVICE,
            OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="SPAN_ONLY",
        )
        demo_started = time.monotonic()
        demo = subprocess.run(
            _demo_command(), check=False, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT
        )
        demo_seconds = time.monotonic() - demo_started
        assert demo.returncode == 0, demo.stderr[-3000:]
        assert "Failed to export" not in demo.stderr, demo.stderr[-3000:]
        deadline = time.monotonic() + 60  # Phoenix ingests asynchronously
        spans: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            try:
                spans = phoenix.spans(PHOENIX_PROJECT)
            except urllib.error.HTTPError as exc:
                if exc.code != 404:  # 404: the project is not created yet
                    raise
            if len(spans) >= 7:
                break
            time.sleep(0.5)
        assert len(spans) == 7, f"Phoenix has {[s['name'] for s in spans]}\n{phoenix.tail()}"
        tree = _tree([_phoenix_span(s) for s in spans])
        _check_braintrust_attributes(tree)
        _check_interruption(tree)
        session = tree["session"]["attributes"]
        assert session["gen_ai.operation.name"] == "realtime_session"
        assert session["openai.realtime.session.turns.interrupted"] == 1
        assert session["server.address"] == "127.0.0.1"
        for chat in tree["chats"]:
            attrs = chat["attributes"]
            assert attrs["gen_ai.usage.input_tokens"] > 0
            assert _json(attrs["gen_ai.output.messages"])[0]["role"] == "assistant"
            # Phoenix reads the GenAI conventions itself: an LLM span with its token counts
            assert chat["kind"] == "LLM"
            assert attrs.get("llm.token_count.prompt") == attrs["gen_ai.usage.input_tokens"]
            assert attrs.get("llm.token_count.completion") == attrs["gen_ai.usage.output_tokens"]
        assert tree["tool"]["kind"] == "TOOL"
        assert tree["tool"]["attributes"]["gen_ai.tool.call.id"].startswith("call_")
        _check_no_secrets(tree["chats"] + [tree["session"], tree["tool"]], [])
        print(
            f"\nPhoenix: install {installed:.1f} s, startup {startup:.1f} s, demo {demo_seconds:.1f} s, "
            f"test {time.monotonic() - began:.1f} s"
        )
    finally:
        phoenix.stop()
