"""One measured client run: the real openai client reading a benchmark session, bare or instrumented.

``python -m benchmarks.client --port P --api ga --mode instrumented --turns 200`` connects to
:mod:`benchmarks.server`, plays a short warm-up session, then the measured session, and prints one
JSON line: CPU seconds of this process (``time.process_time()``: every thread, so the span
processor's export thread is counted), wall seconds, events read, peak RSS, and for instrumented
runs the spans exported. Content capture follows ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``
(set by the runner).

The app is a push-to-talk voice agent: per turn it sends ``input_audio_buffer.commit`` and
``response.create`` (through the SDK's typed resources), then reads every event with
``async for event in conn`` (or ``for event in conn`` with ``--sync``) until the turn's last event.

Instrumented runs use a real SDK ``TracerProvider`` with a ``BatchSpanProcessor`` whose exporter
counts and drops the spans, and a ``MeterProvider`` with an in-memory reader (collected once at the
end); the measured window ends after ``force_flush()``, so span creation, processing and export
are all counted. ``--otel`` takes them apart (for the instruction counts): ``noop`` gives the
instrumentor the API's no-op providers (our code without the OpenTelemetry SDK's work), ``hooks``
also makes the session ignore what it is fed (the SDK wrappers' own cost); ``peer`` instruments
with OpenLLMetry's ``opentelemetry-instrumentation-openai`` instead of us (installed in the
benchmark's own venv by ``scripts/bench``, never a dependency of the package).

``--probe-turn K`` (memory mode) takes a probe after K measured turns and another after the last
one (before the session closes): RSS, with ``--tracemalloc`` the Python allocations made since the
first probe and still alive, and the sizes of the session object's internal containers.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Callable, Optional, TextIO

from .common import LAST_EVENT, MODEL, session_update


def _rss() -> int:
    """Resident set size now, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _maxrss() -> int:
    """Peak resident set size of this process, in bytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Otel:
    """The instrumented side: SDK providers, a dropping exporter, the instrumentor (``parts``:
    ``sdk``, ``noop`` or ``hooks``, see ``--otel``)."""

    def __init__(self, parts: str = "sdk") -> None:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

        from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor

        spans: Counter[str] = Counter()
        self.spans = spans

        class DropExporter(SpanExporter):  # type: ignore[misc]
            def export(self, batch: Sequence[Any]) -> Any:
                for span in batch:
                    spans[span.name.split(" ", 1)[0]] += 1
                return SpanExportResult.SUCCESS

            def shutdown(self) -> None:
                pass

        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(BatchSpanProcessor(DropExporter()))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        instrumented = (self.tracer_provider, self.meter_provider)
        self.restore: list[tuple[str, Any]] = []
        if parts == "noop":
            from opentelemetry.metrics import NoOpMeterProvider
            from opentelemetry.trace import NoOpTracerProvider

            instrumented = (NoOpTracerProvider(), NoOpMeterProvider())
        elif parts == "hooks":
            from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession

            def ignore(*args: Any, **kwargs: Any) -> None:
                return None

            for name in ("server_frame", "server_event", "client_frame", "client_event"):
                self.restore.append((name, RealtimeSession.__dict__[name]))
                setattr(RealtimeSession, name, ignore)
        self.peer = parts == "peer"
        if self.peer:  # OpenLLMetry's openai instrumentation (the benchmark's venv only)
            from opentelemetry.instrumentation.openai import OpenAIInstrumentor

            OpenAIInstrumentor().instrument(tracer_provider=instrumented[0], meter_provider=instrumented[1])
        else:
            OpenAIRealtimeInstrumentor().instrument(
                tracer_provider=instrumented[0], meter_provider=instrumented[1]
            )

    def flush(self) -> None:
        self.tracer_provider.force_flush()
        self.reader.get_metrics_data()

    def close(self) -> None:
        from opentelemetry_instrumentation_openai_realtime import OpenAIRealtimeInstrumentor

        if self.peer:
            from opentelemetry.instrumentation.openai import OpenAIInstrumentor

            OpenAIInstrumentor().uninstrument()
        else:
            OpenAIRealtimeInstrumentor().uninstrument()
        if self.restore:
            from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession

            for name, method in self.restore:
                setattr(RealtimeSession, name, method)
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


class _Probe:
    """Memory probes of the memory mode."""

    def __init__(self, tracemalloc_on: bool) -> None:
        self.tracemalloc_on = tracemalloc_on
        self.result: dict[str, Any] = {}

    def first(self, conn: Any) -> None:
        gc.collect()
        self.result["rss_after_warmup"] = _rss()
        self.result["state_after_warmup"] = _state_sizes(conn)
        if self.tracemalloc_on:
            import tracemalloc

            tracemalloc.start(1)

    def last(self, conn: Any) -> None:
        gc.collect()
        self.result["rss_end"] = _rss()
        self.result["state_end"] = _state_sizes(conn)
        if self.tracemalloc_on:
            import tracemalloc

            snapshot = tracemalloc.take_snapshot()
            tracemalloc.stop()
            stats = snapshot.statistics("filename")
            self.result["tracemalloc_growth"] = sum(s.size for s in stats)
            self.result["tracemalloc_growth_otel"] = sum(
                s.size for s in stats if "opentelemetry" in (s.traceback[0].filename if s.traceback else "")
            )
            self.result["tracemalloc_top"] = [
                [s.traceback[0].filename.split("site-packages/")[-1].split("/src/")[-1], s.size, s.count]
                for s in stats[:8]
            ]


def _state_sizes(conn: Any) -> dict[str, int]:
    """Sizes of the containers the instrumentation keeps for this connection's session."""
    try:
        from opentelemetry_instrumentation_openai_realtime import get_session
    except ImportError:
        return {}
    from .machine import sizes

    session = get_session(conn)
    return {} if session is None else sizes(session)


class _Turns:
    """Turn bookkeeping shared by the async and sync loops."""

    def __init__(self, turns: int, probe_turn: Optional[int], probe: Optional[_Probe], chunk: int) -> None:
        self.turns = turns
        self.done = 0
        self.events = 0
        self.probe_turn = probe_turn
        self.probe = probe
        self.chunk = chunk
        self.marks: list[tuple[float, int]] = [(time.process_time(), 0)]

    def read(self, event: Any, conn: Any) -> Optional[bool]:
        """An event the app read: ``None`` to read on, ``True`` to start the next turn, ``False``
        when the session is over (the probes are taken here)."""
        self.events += 1
        if event.type != LAST_EVENT:
            return None
        self.done += 1
        if self.chunk and self.done % self.chunk == 0:
            self.marks.append((time.process_time(), self.events))
        if self.probe is not None and self.done == self.probe_turn:
            self.probe.first(conn)
        if self.done < self.turns:
            return True
        if self.probe is not None:
            self.probe.last(conn)
        return False


def _client_options(port: int) -> dict[str, Any]:
    return {
        "api_key": "sk-bench",
        "base_url": f"http://127.0.0.1:{port}/v1",
        "websocket_base_url": f"ws://127.0.0.1:{port}/v1",
        "max_retries": 0,
    }


async def _session_async(args: argparse.Namespace, turns: int, probe: Optional[_Probe]) -> _Turns:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(**_client_options(args.port))
    realtime = client.realtime if args.api == "ga" else client.beta.realtime
    query = {"bench_dialect": args.api, "bench_deltas": str(args.deltas)}
    state = _Turns(turns, args.probe_turn, probe, args.chunk)
    async with realtime.connect(model=MODEL, extra_query=query) as conn:
        await conn.session.update(session=session_update(args.api))
        await conn.input_audio_buffer.commit()
        await conn.response.create()
        async for event in conn:
            next_turn = state.read(event, conn)
            if next_turn is False:
                break
            if next_turn:
                await conn.input_audio_buffer.commit()
                await conn.response.create()
    await client.close()
    return state


def _session_sync(args: argparse.Namespace, turns: int, probe: Optional[_Probe]) -> _Turns:
    from openai import OpenAI

    client = OpenAI(**_client_options(args.port))
    realtime = client.realtime if args.api == "ga" else client.beta.realtime
    query = {"bench_dialect": args.api, "bench_deltas": str(args.deltas)}
    state = _Turns(turns, args.probe_turn, probe, args.chunk)
    with realtime.connect(model=MODEL, extra_query=query) as conn:
        conn.session.update(session=session_update(args.api))
        conn.input_audio_buffer.commit()
        conn.response.create()
        for event in conn:
            next_turn = state.read(event, conn)
            if next_turn is False:
                break
            if next_turn:
                conn.input_audio_buffer.commit()
                conn.response.create()
    client.close()
    return state


Session = Callable[[argparse.Namespace, int, Optional[_Probe]], _Turns]


def _session_runner(args: argparse.Namespace) -> Session:
    if args.sync:
        return _session_sync

    def session(a: argparse.Namespace, turns: int, probe: Optional[_Probe]) -> _Turns:
        return asyncio.run(_session_async(a, turns, probe))

    return session


def measure(args: argparse.Namespace, otel: Optional[Otel], session: Session, turns: int) -> dict[str, Any]:
    """One measured session: CPU from connect to close (and the span flush), plus per-chunk marks."""
    probe = _Probe(args.tracemalloc) if args.probe_turn else None
    gc.collect()
    rss_before = _rss()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    state = session(args, turns, probe)
    if otel is not None:
        otel.flush()
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    marks = state.marks
    result: dict[str, Any] = {
        "mode": args.mode,
        "api": args.api,
        "sync": args.sync,
        "content": os.environ.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", ""),
        "turns": state.done,
        "events": state.events,
        "cpu": cpu,
        "wall": wall,
        # CPU microseconds per event of each chunk of turns (noise shows up as outliers)
        "chunks": [(t1 - t0) / (n1 - n0) * 1e6 for (t0, n0), (t1, n1) in zip(marks, marks[1:]) if n1 > n0],
        "rss_before": rss_before,
        "maxrss": _maxrss(),
    }
    if otel is not None:
        result["spans"] = dict(otel.spans)
        otel.spans.clear()
    if probe is not None:
        result["probe_turn"] = args.probe_turn
        result.update(probe.result)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    """A warm-up session, then one measured session."""
    otel = Otel(args.otel) if args.mode == "instrumented" else None
    session = _session_runner(args)
    try:
        if args.warmup > 0:
            session(args, args.warmup, None)
            if otel is not None:
                otel.flush()
                otel.spans.clear()
        return measure(args, otel, session, args.turns)
    finally:
        if otel is not None:
            otel.close()


def serve(
    args: argparse.Namespace, commands: Optional[Iterable[str]] = None, out: Optional[TextIO] = None
) -> None:
    """Worker mode: a warm-up session, then one measured session per command line (stdin).

    Each command is a JSON object (``{"turns": N}``); each answer is one JSON line (stdout). The
    runner keeps one worker per configuration alive and alternates between them, so bare and
    instrumented sessions run close together in time without paying the imports again.
    """
    commands = sys.stdin if commands is None else commands
    out = sys.stdout if out is None else out
    otel = Otel(args.otel) if args.mode == "instrumented" else None
    session = _session_runner(args)
    try:
        if args.warmup > 0:
            session(args, args.warmup, None)
            if otel is not None:
                otel.flush()
                otel.spans.clear()
        print(json.dumps({"ready": True}), file=out, flush=True)
        for line in commands:
            if line.strip():
                turns = int(json.loads(line)["turns"])
                print(json.dumps(measure(args, otel, session, turns)), file=out, flush=True)
    finally:
        if otel is not None:
            otel.close()


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api", choices=("ga", "beta"), default="ga")
    parser.add_argument("--mode", choices=("bare", "instrumented"), default="bare")
    parser.add_argument(
        "--otel",
        choices=("sdk", "noop", "hooks", "peer"),
        default="sdk",
        help="instrumented with the SDK's providers, the no-op ones, or the wrappers alone; or by "
        "the peer (OpenLLMetry's opentelemetry-instrumentation-openai, SDK providers)",
    )
    parser.add_argument("--sync", action="store_true", help="the sync client (for event in conn)")
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--deltas", type=int, default=50, help="audio deltas per turn")
    parser.add_argument("--warmup", type=int, default=5, help="turns of an unmeasured first session")
    parser.add_argument(
        "--probe-turn", type=int, default=0, help="memory probes after this turn and at the end"
    )
    parser.add_argument("--tracemalloc", action="store_true", help="trace allocations between the probes")
    parser.add_argument("--chunk", type=int, default=10, help="turns per CPU mark (0: none)")
    parser.add_argument("--worker", action="store_true", help="measure one session per stdin line")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    if args.worker:
        serve(args)
    else:
        print(json.dumps(run(args)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
