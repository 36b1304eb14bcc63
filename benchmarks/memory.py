"""The hour-long session, straight into the state machine: is what the instrumentation keeps bounded?

``python -m benchmarks.memory --turns 600 --deltas 60`` feeds one :class:`RealtimeSession` (content
capture off, a real SDK ``TracerProvider`` + ``BatchSpanProcessor`` with a dropping exporter, a
``MeterProvider``) with the benchmark's frames, as bytes, exactly as ``recv_bytes`` hands them over:
600 turns x 60 audio deltas of 100 ms = 36,000 deltas, one hour of assistant audio. The session's
clock advances 100 ms per audio delta, so held responses, deadlines and durations behave as in a
real hour.

After ``--warmup`` turns it starts ``tracemalloc``; after the last turn (session still open) it
reports the Python memory allocated since then and still alive (total, and by our package and the
OpenTelemetry SDK), RSS growth over the same window, and the sizes of the session's internal
containers at both points. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
from collections.abc import Sequence
from typing import Any, Optional

from .client import _rss
from .machine import NS_PER_DELTA, Clock, Pipeline, sizes
from .stream import Stream


def run(turns: int, deltas: int, probes: Sequence[int], dialect: str, trace: bool) -> dict[str, Any]:
    pipeline = Pipeline()
    clock = Clock()
    session = pipeline.session(dialect, clock)
    stream = Stream(dialect, deltas)
    session.server_frame(stream.session_created().encode())
    snapshots: list[Any] = []
    points: list[dict[str, Any]] = []

    def probe(turn: int) -> None:
        pipeline.flush()
        gc.collect()
        point: dict[str, Any] = {"turn": turn, "rss": _rss(), "state": sizes(session)}
        if trace:
            if not tracemalloc.is_tracing():
                tracemalloc.start(1)
            snapshots.append(tracemalloc.take_snapshot())
            point["traced"] = tracemalloc.get_traced_memory()[0]
        points.append(point)

    audio_deltas = frames = 0
    cpu = 0.0
    marks = set(probes)
    for turn in range(turns):
        if turn in marks:
            probe(turn)
        data = [text.encode() for text in stream.turn()]  # not timed: the server's work
        audio = [b".audio.delta" in frame[:48] or b"_audio.delta" in frame[:48] for frame in data]
        cpu0 = time.process_time()
        session.client_event({"type": "input_audio_buffer.commit"})
        session.client_event({"type": "response.create"})
        for frame, is_audio in zip(data, audio):
            clock.now += NS_PER_DELTA if is_audio else 1_000_000
            session.server_frame(frame)
        cpu += time.process_time() - cpu0
        audio_deltas += sum(audio)
        frames += len(data)
    probe(turns)
    result: dict[str, Any] = {
        "dialect": dialect,
        "turns": turns,
        "deltas_per_turn": deltas,
        "audio_deltas": audio_deltas,
        "frames": frames,
        "audio_seconds": audio_deltas * NS_PER_DELTA / 1e9,
        "cpu": cpu,
        "us_per_frame": cpu / frames * 1e6 if frames else 0.0,
        "probes": points,
    }
    if trace and len(snapshots) >= 2:
        windows = []
        for first, last in zip(snapshots[:-1], [snapshots[-1]] * (len(snapshots) - 1)):
            diff = last.compare_to(first, "filename")
            windows.append(
                {
                    "growth": sum(d.size_diff for d in diff),
                    "ours": sum(d.size_diff for d in diff if _OURS in d.traceback[0].filename),
                    "top": [
                        [_short(d.traceback[0].filename), d.size_diff, d.count_diff]
                        for d in sorted(diff, key=lambda d: -d.size_diff)[:5]
                    ],
                }
            )
        result["tracemalloc_windows"] = windows
        tracemalloc.stop()
    session.close()
    pipeline.flush()
    result["spans_exported"] = pipeline.exported
    return result


_OURS = "opentelemetry_instrumentation_openai_realtime"


def _short(filename: str) -> str:
    return filename.rsplit("site-packages/", 1)[-1].rsplit("/src/", 1)[-1]


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=600)
    parser.add_argument("--deltas", type=int, default=60)
    parser.add_argument(
        "--probes", default="60,300", help="turns after which to probe (comma-separated); also at the end"
    )
    parser.add_argument("--api", choices=("ga", "beta"), default="ga")
    parser.add_argument("--tracemalloc", action="store_true", help="trace allocations from the first probe")
    args = parser.parse_args(argv)
    probes = sorted({int(p) for p in args.probes.split(",") if p.strip() and 0 < int(p) < args.turns})
    print(json.dumps(run(args.turns, args.deltas, probes, args.api, args.tracemalloc)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
