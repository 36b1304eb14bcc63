"""Content capture: modes, GenAI message JSON, size limit, redaction, opt-in audio, secrets."""

from __future__ import annotations

import base64
import io
import json
import logging
import wave

import openai
import pytest

from opentelemetry_instrumentation_openai_realtime.config import CaptureMode, Settings, parse_capture_mode
from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios
from opentelemetry_instrumentation_openai_realtime.simulator.events import audio_chunk

from .conftest import frame
from .sdk_app import APIS, MODEL
from .test_session import AUDIO_100MS, audio_delta, created, done, voice_input

CONTENT_KEYS = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")


def _turn(session, clock, transcript="what's the weather", answer="Sunny."):
    session.server_event({"type": "session.updated", "session": {"instructions": "Be brief.", "tools": []}})
    session.server_event(
        {"type": "session.updated", "session": {"input_audio_transcription": {"model": "w"}}}
    )
    voice_input(session, clock)
    session.server_event(
        {
            "type": "conversation.item.input_audio_transcription.completed",
            "item_id": "item_user",
            "content_index": 0,
            "transcript": transcript,
        }
    )
    session.server_event(created("resp_1"))
    session.server_frame(frame(audio_delta("resp_1", item="item_a")))
    session.server_event(
        {
            "type": "response.output_audio_transcript.delta",
            "response_id": "resp_1",
            "item_id": "item_a",
            "delta": answer,
        }
    )
    session.server_event(done("resp_1"))
    session.close()


@pytest.mark.parametrize(
    "value,mode",
    [
        (None, CaptureMode.NO_CONTENT),
        ("", CaptureMode.NO_CONTENT),
        ("NO_CONTENT", CaptureMode.NO_CONTENT),
        ("span_only", CaptureMode.SPAN_ONLY),
        ("EVENT_ONLY", CaptureMode.EVENT_ONLY),
        ("SPAN_AND_EVENT", CaptureMode.SPAN_AND_EVENT),
        ("true", CaptureMode.SPAN_ONLY),
        ("True", CaptureMode.SPAN_ONLY),
        ("false", CaptureMode.NO_CONTENT),
        ("garbage", CaptureMode.NO_CONTENT),
        (True, CaptureMode.SPAN_ONLY),
        (False, CaptureMode.NO_CONTENT),
    ],
)
def test_capture_mode_parsing(value, mode):
    assert parse_capture_mode(value) is mode


def test_settings_read_the_environment_and_arguments_win():
    env = {
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "EVENT_ONLY",
        "OTEL_INSTRUMENTATION_OPENAI_REALTIME_BRAINTRUST": "false",
        "OTEL_INSTRUMENTATION_OPENAI_REALTIME_CAPTURE_AUDIO": "true",
        "OTEL_INSTRUMENTATION_OPENAI_REALTIME_MAX_CONTENT_LENGTH": "100",
    }
    settings = Settings.from_options({}, environ=env)
    assert settings.capture is CaptureMode.EVENT_ONLY
    assert settings.braintrust is False
    assert settings.capture_audio is True
    assert settings.max_content_length == 100
    overridden = Settings.from_options({"capture_content": "SPAN_ONLY", "braintrust": True}, environ=env)
    assert overridden.capture is CaptureMode.SPAN_ONLY
    assert overridden.braintrust is True
    assert (
        Settings.from_options(
            {}, environ={"OTEL_INSTRUMENTATION_OPENAI_REALTIME_MAX_CONTENT_LENGTH": "x"}
        ).max_content_length
        == 16384
    )


def test_span_only_puts_genai_messages_on_the_span(make_session, pipeline, clock):
    _turn(make_session(capture_content="SPAN_ONLY"), clock)
    (turn,) = pipeline.responses()
    assert json.loads(turn.attributes["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Be brief."}
    ]
    assert json.loads(turn.attributes["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "what's the weather"}]}
    ]
    assert json.loads(turn.attributes["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Sunny."}], "finish_reason": "stop"}
    ]
    bt_out = json.loads(turn.attributes["braintrust.output_json"])
    assert bt_out == {"status": "completed", "content": "Sunny.", "tool_calls": []}
    assert json.loads(turn.attributes["braintrust.input_json"])[0]["role"] == "user"
    assert pipeline.logs() == []


def test_event_only_emits_a_log_event_in_the_response_context(make_session, pipeline, clock):
    _turn(make_session(capture_content="EVENT_ONLY"), clock)
    (turn,) = pipeline.responses()
    for key in CONTENT_KEYS:
        assert key not in turn.attributes
    assert "braintrust.output_json" not in turn.attributes
    (record,) = pipeline.logs()
    assert record.event_name == "gen_ai.client.inference.operation.details"
    assert record.trace_id == turn.context.trace_id
    assert record.span_id == turn.context.span_id
    assert (
        json.loads(record.attributes["gen_ai.input.messages"])[0]["parts"][0]["content"]
        == "what's the weather"
    )
    assert record.attributes["gen_ai.response.id"] == "resp_1"


def test_span_and_event_does_both(make_session, pipeline, clock):
    _turn(make_session(capture_content="SPAN_AND_EVENT"), clock)
    (turn,) = pipeline.responses()
    assert "gen_ai.output.messages" in turn.attributes
    assert len(pipeline.logs()) == 1


def test_no_content_by_default(make_session, pipeline, clock):
    _turn(make_session(), clock)
    for span in pipeline.spans():
        for key in (*CONTENT_KEYS, "gen_ai.tool.definitions"):
            assert key not in span.attributes
    (turn,) = pipeline.responses()
    assert "braintrust.input_json" not in turn.attributes
    assert "braintrust.output_json" not in turn.attributes
    session_input = json.loads(pipeline.session_span().attributes["braintrust.input_json"])
    assert set(session_input) <= {"voice", "input_modalities", "output_modalities"}
    assert pipeline.logs() == []


def test_braintrust_session_input_carries_instructions_only_as_content(make_session, pipeline, clock):
    _turn(make_session(capture_content="SPAN_ONLY"), clock)
    session_input = json.loads(pipeline.session_span().attributes["braintrust.input_json"])
    assert session_input["instructions"] == "Be brief."
    assert session_input["input_modalities"] == ["audio"]


def test_long_content_is_truncated_and_marked(make_session, pipeline, clock):
    _turn(make_session(capture_content=True, max_content_length=20), clock, transcript="x" * 70)
    (turn,) = pipeline.responses()
    content = json.loads(turn.attributes["gen_ai.input.messages"])[0]["parts"][0]["content"]
    assert content == "x" * 20 + "...[truncated 50 chars]"


def test_redaction_hook_edits_and_drops_content(make_session, pipeline, clock):
    seen = []

    def redact(kind, text):
        seen.append(kind)
        if kind == "output_text":
            return None
        return text.replace("weather", "[REDACTED]")

    _turn(make_session(capture_content=True, redact=redact), clock)
    (turn,) = pipeline.responses()
    assert "[REDACTED]" in turn.attributes["gen_ai.input.messages"]
    assert "weather" not in turn.attributes["gen_ai.input.messages"]
    assert "gen_ai.output.messages" not in turn.attributes
    assert {"input_text", "output_text", "system_instructions"} <= set(seen)


def test_a_failing_redaction_hook_drops_content_and_never_raises(make_session, pipeline, clock):
    def redact(kind, text):
        raise ValueError("boom")

    _turn(make_session(capture_content=True, redact=redact), clock)
    (turn,) = pipeline.responses()
    assert "gen_ai.input.messages" not in turn.attributes
    assert turn.attributes["gen_ai.response.id"] == "resp_1"


def _wav(part):
    data = base64.b64decode(part["content"])
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getframerate(), wav.getnframes(), wav.getsampwidth()


def test_audio_capture_adds_one_wav_per_turn_and_direction(make_session, pipeline, clock):
    session = make_session(capture_content=True, capture_audio=True)
    for _ in range(3):
        session.client_event({"type": "input_audio_buffer.append", "audio": AUDIO_100MS})
    _turn(session, clock)
    (turn,) = pipeline.responses()
    (user,) = json.loads(turn.attributes["gen_ai.input.messages"])
    (assistant,) = json.loads(turn.attributes["gen_ai.output.messages"])
    user_blob = next(p for p in user["parts"] if p["type"] == "blob")
    out_blob = next(p for p in assistant["parts"] if p["type"] == "blob")
    assert user_blob["mime_type"] == out_blob["mime_type"] == "audio/wav"
    assert user_blob["modality"] == "audio"
    assert _wav(user_blob) == (24000, 7200, 2)  # 300 ms
    assert user_blob["duration_seconds"] == pytest.approx(0.3)
    assert _wav(out_blob) == (24000, 2400, 2)  # 100 ms
    assert out_blob["truncated"] is False


def test_audio_capture_is_capped(make_session, pipeline, clock):
    session = make_session(capture_content=True, capture_audio=True, max_audio_bytes=1000)
    for _ in range(3):
        session.client_event({"type": "input_audio_buffer.append", "audio": AUDIO_100MS})
    _turn(session, clock)
    (user,) = json.loads(pipeline.responses()[0].attributes["gen_ai.input.messages"])
    blob = next(p for p in user["parts"] if p["type"] == "blob")
    assert blob["truncated"] is True
    assert _wav(blob)[1] * 2 <= 1000 + 4800  # at most one chunk past the cap is decoded


def test_audio_is_never_captured_without_the_audio_opt_in(make_session, pipeline, clock):
    session = make_session(capture_content=True)
    session.client_event({"type": "input_audio_buffer.append", "audio": AUDIO_100MS})
    _turn(session, clock)
    for span in pipeline.spans():
        assert '"blob"' not in json.dumps(dict(span.attributes))
        assert AUDIO_100MS[:64] not in json.dumps(dict(span.attributes))


SECRETS = ("sk-test-SECRET-1234567890", "ek_SECRET_ephemeral_987", "hunter2-password", "mcp-bearer-SECRET")


@pytest.mark.sdk
@pytest.mark.parametrize("api", APIS)
async def test_no_secret_ever_reaches_telemetry_or_logs(instrumented, api, caplog):
    """API keys, client secrets, auth headers and credentialed URLs appear nowhere, in any mode."""
    caplog.set_level(logging.DEBUG)
    pipeline = instrumented(capture_content="SPAN_AND_EVENT", capture_audio=True)
    tools = [
        {"type": "function", "name": "lookup", "description": "d", "parameters": {"type": "object"}},
    ]
    if api == "ga":
        tools.append(
            {
                "type": "mcp",
                "server_label": "crm",
                "server_url": "https://user:hunter2-password@mcp.example/sse",
                "authorization": "mcp-bearer-SECRET",
                "headers": {"Authorization": "Bearer mcp-bearer-SECRET"},
            }
        )
    sim = RealtimeSimulator(scenarios.voice_turn(), dialect=api)
    async with sim:
        options = sim.client_options(api_key=SECRETS[0])
        url = options["websocket_base_url"].replace("ws://", "ws://user:hunter2-password@")
        client = openai.AsyncOpenAI(
            **{**options, "websocket_base_url": url}, default_headers={"api-key": SECRETS[0]}
        )
        realtime = client.realtime if api == "ga" else client.beta.realtime
        async with realtime.connect(model=MODEL, extra_query={"client_secret": SECRETS[1]}) as conn:
            session = {"instructions": "hi", "tools": tools}
            if api == "ga":
                session["type"] = "realtime"
            await conn.session.update(session=session)
            for _ in range(3):
                await conn.input_audio_buffer.append(audio=audio_chunk(100))
            async for event in conn:
                if event.type == "response.done":
                    break
    assert sim.errors == []
    assert any(SECRETS[0] in str(h) for h in sim.request_headers)  # the SDK did send it
    blob = _everything_recorded(pipeline, caplog)
    assert "gen_ai.tool.definitions" in blob or api == "beta"
    for secret in SECRETS:
        assert secret not in blob, secret
    assert "Bearer" not in blob
    (root,) = pipeline.by_op("realtime_session")
    assert root.attributes["server.address"] == "127.0.0.1"


def _everything_recorded(pipeline, caplog) -> str:
    """Every span name, attribute, event, log record, metric point and our own log line, as text."""
    dumps = []
    for span in pipeline.spans():
        dumps.append(json.dumps(dict(span.attributes), default=str))
        dumps.extend(json.dumps(dict(e.attributes), default=str) for e in span.events)
        dumps.append(span.name)
    for record in pipeline.logs():
        dumps.append(json.dumps(dict(record.attributes), default=str))
    for points in pipeline.metrics().values():
        dumps.extend(json.dumps(dict(p.attributes), default=str) for p in points)
    ours = [r for r in caplog.records if r.name.startswith("opentelemetry_instrumentation_openai_realtime")]
    dumps.extend(r.getMessage() + str(r.exc_info) for r in ours)
    return "\n".join(dumps)


@pytest.mark.transports
@pytest.mark.parametrize("library", ["asyncio", "sync", "legacy", "aiohttp"])
def test_no_secret_of_a_socket_url_headers_or_subprotocols_reaches_telemetry(instrumented, library, caplog):
    """Raw sockets carry keys in the URL query (``api_key``, an ephemeral ``ek_`` client secret),
    the user info, ``Authorization`` and ``api-key`` headers and the browser-style
    ``openai-insecure-api-key.<key>`` subprotocol: none of it is recorded, in any capture mode."""
    from .socket_apps import SocketPath, has_aiohttp, has_legacy
    from .socket_apps import run as run_socket

    if (library == "legacy" and not has_legacy()) or (library == "aiohttp" and not has_aiohttp()):
        pytest.skip(f"{library} is not installed")
    caplog.set_level(logging.DEBUG)
    pipeline = instrumented(capture_content="SPAN_AND_EVENT", capture_audio=True)
    headers = {
        "Authorization": f"Bearer {SECRETS[0]}",
        "api-key": SECRETS[0],
        "Sec-WebSocket-Protocol": f"realtime, openai-insecure-api-key.{SECRETS[0]}",
    }
    query = f"model={MODEL}&api_key={SECRETS[0]}&client_secret={SECRETS[1]}&password={SECRETS[2]}"
    reader = "receive" if library == "aiohttp" else "recv"
    sender = "send_str" if library == "aiohttp" else "str"
    talk, sim = run_socket(SocketPath(library, reader, sender, "context"), query=query, headers=headers)
    assert sim.errors == [] and len(talk.events) > 10
    assert SECRETS[1] in sim.request_paths[0] and SECRETS[0] in str(sim.request_headers[0])  # they were sent
    (root,) = pipeline.by_op("realtime_session")
    assert root.attributes["server.address"] == "127.0.0.1"
    assert len(pipeline.by_op("chat")) == 2
    blob = _everything_recorded(pipeline, caplog)
    assert "gen_ai.input.messages" in blob  # content capture was on
    for secret in SECRETS:
        assert secret not in blob, secret
    assert "Bearer" not in blob and "insecure-api-key" not in blob and "client_secret" not in blob
