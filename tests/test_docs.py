"""docs/attributes.md documents exactly what the instrumentation emits.

Every attribute key, span event name, event attribute, log event and metric (with its point
attributes) produced by the demo conversation through the real SDK plus state-machine streams
for the rarer paths must appear in the reference; every name the reference lists in its tables
must be produced by one of them.
"""

from __future__ import annotations

import re
from pathlib import Path

from opentelemetry_instrumentation_openai_realtime import demo

from .conftest import frame
from .test_session import audio_delta, created, done, function_call_turn, mcp_call, voice_input

DOC = Path(__file__).resolve().parents[1] / "docs" / "attributes.md"
NAME = re.compile(r"`((?:gen_ai|openai\.realtime|braintrust|server|error)\.[a-z0-9_.]+)`")


def _collect(pipeline) -> set[str]:
    keys: set[str] = set()
    for span in pipeline.spans():
        keys.update(span.attributes)
        for event in span.events:
            keys.add(event.name)
            keys.update(event.attributes or {})
    for record in pipeline.logs():
        keys.add(record.event_name)
        keys.update(record.attributes or {})
    for name, points in pipeline.metrics().items():
        keys.add(name)
        for point in points:
            keys.update(point.attributes)
    return keys


def _rare_paths(make_session, clock) -> None:
    """State-machine streams for what the demo does not show."""
    session = make_session(capture_content="SPAN_AND_EVENT", capture_audio=True)
    session.server_event({"type": "session.created", "session": {"id": "sess_1", "model": "gpt-realtime"}})
    session.server_event({"type": "conversation.created", "conversation": {"id": "conv_1"}})
    session.server_event(
        {
            "type": "session.updated",
            "session": {
                "input_audio_transcription": {"model": "w"},
                "temperature": 0.7,
                "max_response_output_tokens": 500,
            },
        }
    )
    voice_input(session, clock)
    session.server_event(created("resp_1"))
    session.server_frame(frame(audio_delta("resp_1", item="item_a")))
    session.server_event(
        {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "code": "c",
                "message": "m",
                "param": "p",
                "event_id": "e",
            },
        }
    )
    session.server_event(done("resp_1"))
    session.server_event(
        {
            "type": "conversation.item.input_audio_transcription.failed",
            "item_id": "item_user",
            "content_index": 0,
            "error": {"type": "transcription_error", "code": "c", "message": "m", "param": "p"},
        }
    )
    session.server_event(created("resp_2"))  # releases resp_1; truncation then lands on the session
    session.client_event(
        {"type": "conversation.item.truncate", "item_id": "item_a", "content_index": 0, "audio_end_ms": 10}
    )
    mcp_call(session, "resp_2", "mcp_1", "failed")
    session.server_event(
        done("resp_2", status="failed", status_details={"type": "failed", "error": {"type": "server_error"}})
    )
    session.client_event({"type": "response.create", "response": {"conversation": "none"}})
    session.server_event(created("resp_oob"))
    session.transport_lost(ConnectionResetError(), 1012, reconnecting=True)
    session.reconnected(1)
    session.server_event({"type": "session.created", "session": {"id": "sess_2"}})
    function_call_turn(session, clock, "resp_3", "call_1")
    session.client_event(
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": "call_1", "output": "{}"},
        }
    )
    session.server_event(created("resp_4"))
    session.close(code=1006, error=ConnectionResetError("drop"))
    # a translation session (/v1/realtime/translations)
    translation = make_session(capture_content="SPAN_AND_EVENT")
    translation.server_event(
        {
            "type": "session.created",
            "session": {"id": "s", "type": "translation", "audio": {"output": {"language": "es"}}},
        }
    )
    translation.client_event({"type": "session.input_audio_buffer.append", "audio": "AAAA"})
    clock.advance(200)
    translation.server_event({"type": "session.input_transcript.delta", "delta": "Hola"})
    translation.server_event({"type": "session.output_transcript.delta", "delta": "Hello"})
    translation.server_event({"type": "session.output_audio.delta", "delta": "AAAA"})
    translation.close(code=1000)


def _call_paths(pipeline, clock) -> None:
    """A call's sideband: playback events, a barge-in cut by the server's clear."""
    from opentelemetry_instrumentation_openai_realtime.config import Settings
    from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession
    from opentelemetry_instrumentation_openai_realtime.telemetry.instruments import Telemetry

    from .test_calls import answered_turn, playback

    settings = Settings.from_options({}, environ={})
    telemetry = Telemetry(
        settings, pipeline.tracer_provider, pipeline.meter_provider, pipeline.logger_provider
    )
    session = RealtimeSession(telemetry, model="gpt-realtime", clock=clock, call_id="rtc_1")
    answered_turn(session, clock, "resp_c", "user_c")
    clock.advance(100)
    session.server_frame(frame({"type": "input_audio_buffer.speech_started", "item_id": "user_d"}))
    session.server_frame(playback("cleared", "resp_c"))
    session.close()


def _transcription_paths(make_session, clock) -> None:
    """A transcription session (tokens, seconds, a failure) and a voice turn whose transcription
    reports tokens and seconds, ended by the app's own exception."""
    from .test_transcription import SECONDS_USAGE, TOKENS_USAGE, completed, ga_transcription_session, speech

    session = make_session(model=None, capture_content="SPAN_AND_EVENT")
    session.server_event(ga_transcription_session())
    speech(session, clock, "item_1")
    session.server_event(
        {"type": "conversation.item.input_audio_transcription.delta", "item_id": "item_1", "delta": "Hi"}
    )
    session.server_event(completed("item_1", "Hi", TOKENS_USAGE))
    speech(session, clock, "item_2")
    session.server_event(completed("item_2", "Hi", SECONDS_USAGE))
    speech(session, clock, "item_3")
    session.server_event(
        {
            "type": "conversation.item.input_audio_transcription.failed",
            "item_id": "item_3",
            "error": {"type": "transcription_error", "code": "c", "message": "m"},
        }
    )
    session.close()

    session = make_session()
    session.server_event(
        {"type": "session.updated", "session": {"input_audio_transcription": {"model": "w"}}}
    )
    speech(session, clock, "item_a")
    speech(session, clock, "item_b")
    session.server_event(completed("item_a", "Hi", TOKENS_USAGE))
    session.server_event(completed("item_b", "Hi", SECONDS_USAGE))
    session.server_event(created("resp_t"))
    session.server_event(done("resp_t"))
    session.server_event(created("resp_u"))
    session.close(error=LookupError("app"), by_app=True)


def test_the_reference_matches_what_is_emitted(instrumented, make_session, clock, capsys):
    pipeline = instrumented(capture_content="SPAN_AND_EVENT", capture_audio=True)
    import asyncio

    asyncio.run(demo._simulated("ga", 20.0))
    _rare_paths(make_session, clock)
    _transcription_paths(make_session, clock)
    _call_paths(pipeline, clock)
    emitted = _collect(pipeline)
    text = DOC.read_text()
    documented = set(NAME.findall(text))
    undocumented = sorted(k for k in emitted if f"`{k}`" not in text)
    assert undocumented == [], f"emitted but not in docs/attributes.md: {undocumented}"
    ours = {k for k in emitted if NAME.fullmatch(f"`{k}`")}
    never_emitted = sorted(documented - ours)
    assert never_emitted == [], f"documented but never emitted by the scenarios: {never_emitted}"


def _readme_app() -> str:
    """The README's complete example (the python block after "**In code.**")."""
    text = (DOC.parents[1] / "README.md").read_text()
    after = text[text.index("**In code.**") :]
    return after[after.index("```python\n") + len("```python\n") : after.index("\n```\n")]


def test_the_readme_example_runs_and_exports_its_session_over_otlp(tmp_path):
    """The README's complete app, run as written against the simulator (the respond scenario: a
    tool call, then an answer) with OPENAI_BASE_URL, exports its session over OTLP, with the app's
    tool span a child of the response that called the tool."""
    import os
    import subprocess
    import sys

    from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator
    from opentelemetry_instrumentation_openai_realtime.simulator.lenient import respond

    from .otlp_receiver import OTLPReceiver

    app = tmp_path / "app.py"
    app.write_text(_readme_app())
    sim = RealtimeSimulator(respond(), dialect="ga")
    with OTLPReceiver() as receiver, sim.run_in_thread():
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OPENAI_"))},
            "OPENAI_BASE_URL": sim.http_url,
            "OPENAI_API_KEY": "sk-test",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        }
        proc = subprocess.run(
            [sys.executable, str(app)], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        spans = receiver.spans()
        metric_names = receiver.metric_names()
    assert sim.errors == []
    assert "content" in proc.stdout  # the final answer's output items were printed
    by_name: dict[str, list[dict]] = {}
    for span in spans:
        by_name.setdefault(span["name"], []).append(span)
    (session,) = by_name["realtime_session gpt-realtime"]
    first, second = sorted(by_name["chat gpt-realtime"], key=lambda s: s["start_time_unix_nano"])
    (tool_span,) = by_name["tool get_weather"]
    assert tool_span["parent_span_id"] == first["span_id"]
    assert first["attributes"]["gen_ai.response.finish_reasons"] == ["tool_call"]
    assert second["parent_span_id"] == session["span_id"]
    assert len(by_name["execute_tool get_weather"]) == 1
    assert {s["resource"]["service.name"] for s in spans} == {"my-voice-agent"}
    assert "gen_ai.client.operation.duration" in metric_names


DOCS = DOC.parent


def test_the_collector_configuration_is_wired_and_samples_whole_sessions_as_documented():
    """docs/collector/otel-collector.yaml parses, every pipeline uses defined components, traces
    are tail-sampled (errors, interruptions, a share of the rest) then batched, metrics never."""
    import yaml

    config = yaml.safe_load((DOCS / "collector" / "otel-collector.yaml").read_text())
    pipelines = config["service"]["pipelines"]
    for pipeline in pipelines.values():
        for kind in ("receivers", "processors", "exporters"):
            for name in pipeline.get(kind, []):
                assert name in config[kind], f"{name} is not defined under {kind}"
    traces, metrics = pipelines["traces"], pipelines["metrics"]
    assert traces["processors"][-1] == "batch" and "tail_sampling" in traces["processors"]
    assert traces["processors"].index("memory_limiter") == 0
    assert "tail_sampling" not in metrics["processors"]  # metrics count every session
    sampling = config["processors"]["tail_sampling"]
    policies = {p["type"]: p for p in sampling["policies"]}
    assert policies["status_code"]["status_code"]["status_codes"] == ["ERROR"]
    assert policies["boolean_attribute"]["boolean_attribute"] == {
        "key": "openai.realtime.response.interrupted",
        "value": True,
    }
    assert 0 < policies["probabilistic"]["probabilistic"]["sampling_percentage"] < 100
    assert int(sampling["decision_wait"].rstrip("s")) >= 300  # longer than a long session
    attributes_doc = DOC.read_text()
    assert "`openai.realtime.response.interrupted`" in attributes_doc
    text = (DOCS / "collector" / "otel-collector.yaml").read_text()
    assert "${env:TRACES_OTLP_ENDPOINT}" in text and not re.search(
        r"(?i)(api[_-]?key|bearer|basic)\s*[:=]", text
    )


def test_metrics_are_recorded_whatever_the_sampler_and_the_promql_names_exist(tmp_path):
    """With a sampler that keeps no trace, a session still records every metric; scraped by the
    Prometheus exporter, every metric and label that docs/metrics.md names exists."""
    import asyncio

    import openai
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
    from prometheus_client import REGISTRY, generate_latest

    from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor
    from opentelemetry_instrumentation_openai_realtime.simulator import (
        RealtimeSimulator,
        audio_chunk,
        scenarios,
    )

    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider(sampler=ALWAYS_OFF)
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = PrometheusMetricReader()
    instrumentor = OpenAIRealtimeInstrumentor()
    meter_provider = MeterProvider(metric_readers=[reader])
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    scenario = scenarios.compose(
        scenarios.voice_turn(),
        scenarios.tool_turn(),
        scenarios.barge_in(trigger="response.create", expect_truncate=False),
        scenarios.failed_response(),
    )

    async def app() -> None:
        sim = RealtimeSimulator(scenario, dialect="ga")
        async with sim:
            client = openai.AsyncOpenAI(**sim.client_options())
            async with client.realtime.connect(model="gpt-realtime") as conn:
                for _ in range(3):
                    await conn.input_audio_buffer.append(audio=audio_chunk(100))
                done = 0
                async for event in conn:
                    if event.type == "response.function_call_arguments.done":
                        item = {"type": "function_call_output", "call_id": event.call_id, "output": "{}"}
                        await conn.conversation.item.create(item=item)
                        await conn.response.create()
                    elif event.type == "response.done":
                        done += 1
                        if done in (1, 3, 4):
                            await conn.response.create()
                        elif done == 5:
                            break
        assert sim.errors == []

    try:
        asyncio.run(app())
        scraped = generate_latest(REGISTRY).decode()
    finally:
        instrumentor.uninstrument()
        meter_provider.shutdown()  # takes the reader off the registry
    assert spans.get_finished_spans() == ()  # the sampler kept nothing ...
    series = set(re.findall(r"^([a-z_]+)\{", scraped, re.M))
    labels = set(re.findall(r"[{,]([a-z_]+)=", scraped))
    doc = (DOCS / "metrics.md").read_text()
    table_names = re.findall(r"^\| `[a-z_.]+` \| `([a-z_]+)` \|", doc, re.M)
    assert len(table_names) == 7
    for name in table_names:  # ... and every metric was recorded
        assert name in series or f"{name}_bucket" in series, f"{name} not in {sorted(series)}"
    promql = "\n".join(re.findall(r"```promql\n(.*?)```", doc, re.S))
    for name in set(
        re.findall(r"\b((?:gen_ai|openai_realtime)_[a-z_]+?(?:_bucket|_sum|_count|_total))\b", promql)
    ):
        assert name in series, f"{name} (in a query) not in {sorted(series)}"
    for label in set(re.findall(r"\b([a-z_]+)\s*(?:=|!=)\s*\"", promql)) | {
        "gen_ai_token_type",
        "gen_ai_tool_name",
    }:
        assert label in labels, f"label {label} not in {sorted(labels)}"
