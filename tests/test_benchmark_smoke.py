"""The overhead benchmark (``scripts/bench``, ``benchmarks/``) cannot rot: a few turns of each of its
paths run here and must produce numbers. Nothing is asserted about the numbers themselves."""

from __future__ import annotations

import io
import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip("websockets")
openai = pytest.importorskip("openai")

from benchmarks import breakdown, client, memory, run, stream  # noqa: E402

from opentelemetry_instrumentation_openai_realtime.simulator import events as ev  # noqa: E402


def _finite(*values: float) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


@pytest.mark.timeout(60)
def test_benchmark_paths_produce_numbers(monkeypatch, capsys):
    # 1. The traffic is valid for the installed SDK, in both dialects (template turns included).
    for dialect in ev.installed_dialects():
        frames = stream.Stream(dialect, deltas=3)
        sent = [frames.session_created()] + [f for _ in range(3) for f in frames.turn()]
        for frame in sent:
            ev.validate_server_event(json.loads(frame), dialect)
        assert len(sent) == 1 + 3 * frames.events_per_turn()

    # 2. The server in its own process, the real client in this one: bare, content off, content on.
    turns = 3
    monkeypatch.delenv(run.CONTENT_ENV, raising=False)
    runs = []
    with run.Server() as server:
        base = ["--port", str(server.port), "--turns", str(turns), "--deltas", "4", "--warmup", "1"]
        for kind in run.KINDS:
            if kind == "on":
                monkeypatch.setenv(run.CONTENT_ENV, "SPAN_ONLY")
            mode = "bare" if kind == "bare" else "instrumented"
            result = client.run(client.parse_args([*base, "--mode", mode, "--chunk", "1"]))
            result.update(kind=kind, round=0)
            assert run.check_run(result, turns) is None, result
            assert _finite(result["cpu"], result["wall"], result["maxrss"], *result["chunks"])
            runs.append(result)
        # the instrumented client taken apart (for the instruction counts): no-op providers record
        # nothing; with the wrappers alone, the session span is all there is
        monkeypatch.delenv(run.CONTENT_ENV)
        for otel, spans in (("noop", {}), ("hooks", {"realtime_session": 1})):
            result = client.run(client.parse_args([*base, "--mode", "instrumented", "--otel", otel]))
            assert result["turns"] == turns and result["spans"] == spans, (otel, result)
        from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession

        assert RealtimeSession.server_frame.__name__ == "server_frame"  # given back
        # the worker protocol of the runner, in-process
        out = io.StringIO()
        client.serve(client.parse_args([*base, "--mode", "bare", "--worker"]), ['{"turns": 2}'], out)
        ready, measured = (json.loads(line) for line in out.getvalue().splitlines())
        assert ready == {"ready": True} and measured["turns"] == 2
    rows = run.summarize(runs)
    assert [(r["api"], r["content"]) for r in rows] == [("ga", "off"), ("ga", "on")]
    for row in rows:
        assert _finite(row["cpu_ratio"], row["extra_us_per_event"], row["peak_rss_ratio"])
    run.print_table(rows)

    # 3. The hour-long memory check, in miniature.
    plain = memory.run(turns=6, deltas=5, probes=[2, 4], dialect="ga", trace=False)
    traced = memory.run(turns=6, deltas=5, probes=[2, 4], dialect="ga", trace=True)
    assert plain["audio_deltas"] == 30 and plain["spans_exported"] == 7
    assert [p["turn"] for p in traced["probes"]] == [2, 4, 6]
    assert len(traced["tracemalloc_windows"]) == 2
    hour = {
        "turns": 6,
        "deltas": 5,
        "audio_deltas": 30,
        "state_machine": plain,
        "state_machine_traced": traced,
    }
    assert run.print_hour(hour) in (True, False)

    # 4. The breakdown per frame kind, with the SDK and with no-op providers.
    parts = breakdown.run("ga", turns=2, deltas=3, repeat=1)
    for label in ("off", "on"):
        row = parts[label]
        assert _finite(row["sdk"]["us_per_turn"], row["noop"]["us_per_turn"], row["sdk_share_us_per_turn"])
        assert {k: v["per_turn"] for k, v in row["kinds"].items()} == {
            "audio_delta": 3,
            "transcript_delta": 3,
            "other": stream.Stream("ga", deltas=3).events_per_turn() - 6,
        }
    breakdown.print_breakdown(parts, bare_us_per_event=200.0)

    # 5. --instructions: the arithmetic on valgrind's counts (valgrind itself is too slow here).
    assert run.irefs("==1312== Collected : 5\n==1312== I   refs:      2,221,361,556\n") == 2_221_361_556
    assert run.irefs("valgrind: command not found") is None
    fake = {
        ("ga", "bare"): 1000,
        ("ga", "hooks"): 1010,
        ("ga", "noop"): 1040,
        ("ga", "off"): 1050,
        ("ga", "on"): 1100,
        ("beta", "bare"): 2000,
        ("beta", "off"): 2060,
        ("beta", "on"): 2100,
        ("beta", "peer"): 2040,
    }
    monkeypatch.setattr(
        run,
        "instruction_count",
        lambda port, api, kind, turns, deltas: 7 + fake[api, kind] * (turns - 5) // 10,
    )
    monkeypatch.setattr(run, "_peer_installed", lambda: True)
    args = run.parse_args(["--instructions"])
    counted = run.instructions(args, type("S", (), {"port": 0})())
    assert counted["counts"]["ga"] == {"bare": 1000, "hooks": 1010, "noop": 1040, "off": 1050, "on": 1100}
    assert counted["ratios"]["ga"] == {"bare": 1.0, "hooks": 1.01, "noop": 1.04, "off": 1.05, "on": 1.1}
    assert counted["ratios"]["beta"] == pytest.approx({"bare": 1.0, "off": 1.03, "on": 1.05, "peer": 1.02})
    printed = capsys.readouterr().out
    assert "CPU ratio" in printed and "tracemalloc" in printed and "OpenTelemetry SDK" in printed
    assert "content off 1.0500x" in printed and "OpenLLMetry 1.0200x" in printed
    assert "SDK wrappers +1.00%, the session +3.00%, the OpenTelemetry SDK +1.00%" in printed
    assert "target GA content off <= 1.025: FAIL" in printed
    assert "target beta content off <= OpenLLMetry: FAIL" in printed
    assert counted["drift"] == {"ga": 0.0, "beta": 0.0} and "apart (steady)" in printed
    assert "WARNING" not in printed

    # the bare client is counted again last: a run that drifted (other work on the machine) says
    # so, and its ratios divide by the mean of the two bare counts
    bare_counts = iter([1000, 1020])
    monkeypatch.setattr(
        run,
        "instruction_count",
        lambda port, api, kind, turns, deltas: (
            0 if turns == 5 else next(bare_counts) if kind == "bare" else fake[api, kind]
        ),
    )
    args = run.parse_args(["--instructions", "--apis", "ga"])
    drifted = run.instructions(args, type("S", (), {"port": 0})())
    assert drifted["drift"] == {"ga": pytest.approx(0.02)}
    assert drifted["counts"]["ga"]["bare"] == 1010
    assert drifted["ratios"]["ga"]["off"] == pytest.approx(1050 / 1010)
    printed = capsys.readouterr().out
    assert "WARNING: the bare client counted first and last differs by +2.00%" in printed


@pytest.mark.parametrize(
    "sdk, spans, metrics",
    [
        (True, True, True),
        ("all", True, True),
        ("traces", True, False),
        ("metrics", False, True),
        (False, False, False),
    ],
)
def test_replay_pipeline_signals(sdk, spans, metrics):
    # ``python -m benchmarks.replay --sdk traces|metrics``: the SDK's provider for that signal alone,
    # so what each signal costs can be told apart
    from benchmarks.machine import Clock, Pipeline

    pipeline = Pipeline(sdk=sdk)
    frames = stream.Stream("ga", deltas=2)
    session = pipeline.session("ga", Clock())
    for frame in [frames.session_created(), *frames.turn()]:
        session.server_frame(frame.encode())
    session.close()
    pipeline.flush()
    assert (pipeline.exported >= 2) is spans and (pipeline.exported == 0) is not spans
    data = pipeline.reader.get_metrics_data() if pipeline.reader is not None else None
    names = (
        {m.name for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
        if data
        else set()
    )
    assert ("gen_ai.client.token.usage" in names) is metrics and (not names) is not metrics


def test_replay_pipeline_rejects_unknown_signals():
    from benchmarks.machine import Pipeline

    with pytest.raises(ValueError, match="logs"):
        Pipeline(sdk="logs")
