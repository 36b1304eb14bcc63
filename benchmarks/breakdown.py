"""Where the instrumentation's CPU goes: the state machine per frame kind, and the OpenTelemetry SDK's share.

``python -m benchmarks.breakdown --turns 60`` feeds one :class:`RealtimeSession` with the
benchmark's frames (as bytes, as ``recv_bytes`` hands them over; built before timing) three ways,
content capture off and on:

- ``sdk``: a real ``TracerProvider`` with a ``BatchSpanProcessor`` (dropping exporter) and a
  ``MeterProvider``, as the client benchmark;
- ``noop``: the API's no-op tracer and meter providers: the state machine's own work, without the
  SDK's span and metric processing;
- ``sdk``, with the time of each frame kind (audio deltas, transcript deltas, the other events)
  measured separately (wall clock around each frame: single-threaded, it is the CPU time).

Each figure is the best of ``--repeat`` runs (CPU time, this process), per turn and per frame.
The difference ``sdk - noop`` is what the OpenTelemetry SDK costs per turn (span start, attributes,
end, histogram records): a floor no instrumentation emitting the same spans and metrics goes under.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any, Optional

from .machine import NS_PER_DELTA, Clock, Pipeline
from .stream import Stream


def _kind(frame: bytes) -> str:
    head = frame[:48]
    if b"audio.delta" in head:
        return "audio_delta"
    if b"transcript.delta" in head:
        return "transcript_delta"
    return "other"


def once(dialect: str, turns: int, deltas: int, content: bool, sdk: bool, by_kind: bool) -> dict[str, Any]:
    """One session of ``turns`` turns; CPU seconds (total, and per frame kind when ``by_kind``)."""
    pipeline = Pipeline(sdk, capture=content)
    stream = Stream(dialect, deltas)
    first = stream.session_created().encode()
    frames = [[text.encode() for text in stream.turn()] for _ in range(turns)]
    kinds = [[_kind(frame) for frame in turn] for turn in frames]
    clock = Clock()
    session = pipeline.session(dialect, clock)
    session.server_frame(first)
    spent = {"audio_delta": 0.0, "transcript_delta": 0.0, "other": 0.0}
    counts = dict.fromkeys(spent, 0)
    cpu, wall = time.process_time, time.perf_counter
    start = cpu()
    for turn, turn_kinds in zip(frames, kinds):
        session.client_event({"type": "input_audio_buffer.commit"})
        session.client_event({"type": "response.create"})
        for frame, kind in zip(turn, turn_kinds):
            clock.now += NS_PER_DELTA if kind == "audio_delta" else 1_000_000
            if by_kind:  # a wall clock read through the vDSO: a CPU clock read would cost more than a frame
                t0 = wall()
                session.server_frame(frame)
                spent[kind] += wall() - t0
                counts[kind] += 1
            else:
                session.server_frame(frame)
    session.close()
    pipeline.flush()
    total = cpu() - start
    result: dict[str, Any] = {"cpu": total, "frames": sum(len(t) for t in frames)}
    if by_kind:
        result["kinds"] = {k: {"cpu": spent[k], "frames": counts[k]} for k in spent}
    return result


def run(dialect: str, turns: int, deltas: int, repeat: int) -> dict[str, Any]:
    result: dict[str, Any] = {"dialect": dialect, "turns": turns, "deltas": deltas}
    for content in (False, True):
        label = "on" if content else "off"
        best: dict[str, Any] = {}
        for name, sdk in (("sdk", True), ("noop", False)):
            runs = [once(dialect, turns, deltas, content, sdk, False) for _ in range(repeat)]
            fastest = min(runs, key=lambda r: r["cpu"])
            best[name] = {
                "us_per_turn": fastest["cpu"] / turns * 1e6,
                "us_per_frame": fastest["cpu"] / fastest["frames"] * 1e6,
            }
        runs = [once(dialect, turns, deltas, content, True, True) for _ in range(repeat)]
        kinds: dict[str, Any] = {}
        for kind in runs[0]["kinds"]:
            fastest = min((r["kinds"][kind] for r in runs), key=lambda k: k["cpu"])
            frames = fastest["frames"] or 1
            kinds[kind] = {"per_turn": frames / turns, "us_each": fastest["cpu"] / frames * 1e6}
        best["kinds"] = kinds
        best["sdk_share_us_per_turn"] = best["sdk"]["us_per_turn"] - best["noop"]["us_per_turn"]
        result[label] = best
    return result


def print_breakdown(result: dict[str, Any], bare_us_per_event: Optional[float] = None) -> None:
    """The breakdown, as the benchmark prints it (with the share of a bare turn when known)."""
    for label in ("off", "on"):
        row = result[label]
        kinds = row["kinds"]
        turn_events = sum(k["per_turn"] for k in kinds.values())
        bare_turn = bare_us_per_event * turn_events if bare_us_per_event else None

        def share(us: float, bare: Optional[float] = bare_turn) -> str:
            return f" ({us / bare * 100:.1f}% of a bare turn)" if bare else ""

        print(
            f"  content {label}: {row['sdk']['us_per_turn']:.0f} us/turn with the SDK"
            f"{share(row['sdk']['us_per_turn'])}, {row['noop']['us_per_turn']:.0f} us/turn with no-op "
            f"providers; OpenTelemetry SDK {row['sdk_share_us_per_turn']:.0f} us/turn"
            f"{share(row['sdk_share_us_per_turn'])}"
        )
        audio, transcript, other = kinds["audio_delta"], kinds["transcript_delta"], kinds["other"]
        print(
            f"    audio delta {audio['us_each']:.1f} us (x{audio['per_turn']:.0f}), transcript delta "
            f"{transcript['us_each']:.1f} us (x{transcript['per_turn']:.0f}), the {other['per_turn']:.0f} "
            f"other events {other['us_each'] * other['per_turn']:.0f} us per turn"
        )


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--deltas", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the best is kept)")
    parser.add_argument("--api", choices=("ga", "beta"), default="ga")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.api, args.turns, args.deltas, args.repeat)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
