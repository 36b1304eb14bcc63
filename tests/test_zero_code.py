"""The zero-code path: ``opentelemetry-instrument`` loads the instrumentor from its entry point."""

from __future__ import annotations

import json
import os
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
