"""The state machine's own instructions per frame, deterministic: a canned replay under valgrind.

``python -m benchmarks.replay`` feeds one session the benchmark's frames (compact JSON bytes, as
``recv_bytes`` hands them over, built before counting) with the API's no-op providers, so what is
counted is our code alone: the decoder, the router and the state machine, no socket, no SDK, no
OpenTelemetry SDK. Each figure is the instructions of a long replay minus a short one (start-up,
imports and frame building cancel out), divided by the extra turns, and per frame kind: a turn of
audio deltas (the other events and the audio deltas, less the other events alone), transcript
deltas (the full stream less that), and the other events (less a replay that feeds nothing).

``--sdk`` gives the session the OpenTelemetry SDK's providers instead (spans exported to a dropping
exporter, metrics collected at the end): our code plus the SDK's span and metric work;
``--sdk traces`` or ``--sdk metrics`` the SDK's provider for that signal alone (the no-op one for
the other), to tell what each costs. ``--str``
feeds the frames as ``str``, as ``websockets`` and ``aiohttp`` hand over the API's text frames.

Unlike the client benchmark (``./scripts/bench --instructions``), nothing here waits on a socket:
repeated runs of one checkout give the same counts, so differences of a few instructions per
frame are real. ``--child`` is the process valgrind counts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

from .machine import SIGNALS

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("all", "audio", "transcript", "other", "none")
Sdk = Optional[str]  # None (the no-op providers), or one of machine.SIGNALS


def _kind(frame: Any) -> str:
    head = frame[:48] if type(frame) is str else frame[:48].decode()
    if "audio.delta" in head:
        return "audio"
    if "transcript.delta" in head:
        return "transcript"
    return "other"


def child(
    dialect: str, turns: int, deltas: int, content: bool, keep: str, sdk: Sdk = None, text: bool = False
) -> None:
    """One session of ``turns`` turns: every frame (``keep="all"``), or the other events plus the
    deltas of one kind (``"audio"``, ``"transcript"``), or the other events alone (``"other"``),
    or none (``"none"``: the frames are built, not fed: the baseline)."""
    from .machine import NS_PER_DELTA, Clock, Pipeline
    from .stream import Stream

    pipeline = Pipeline(sdk=sdk or False, capture=content)
    stream = Stream(dialect, deltas)
    first: Any = stream.session_created()
    frames: list[list[Any]] = [stream.turn() for _ in range(turns)]
    if not text:  # as recv_bytes hands them over (else str, as websocket libraries do)
        first = first.encode()
        frames = [[frame.encode() for frame in turn] for turn in frames]
    clock = Clock()
    session = pipeline.session(dialect, clock)
    session.server_frame(first)
    for turn in frames:
        session.client_event({"type": "input_audio_buffer.commit"})
        session.client_event({"type": "response.create"})
        for frame in turn:
            kind = _kind(frame)
            clock.now += NS_PER_DELTA if kind == "audio" else 1_000_000
            if keep == "all" or (keep != "none" and kind in (keep, "other")):
                session.server_frame(frame)
    session.close()
    pipeline.flush()


def count(
    dialect: str, turns: int, deltas: int, content: bool, keep: str, sdk: Sdk = None, text: bool = False
) -> int:
    """Instructions of one child process (valgrind's cachegrind, no cache simulation)."""
    args = ["--child", "--dialect", dialect, "--turns", str(turns), "--deltas", str(deltas), "--keep", keep]
    if content:
        args.append("--content")
    if sdk:
        args += ["--sdk", sdk]
    if text:
        args.append("--str")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    proc = subprocess.run(
        [*valgrind, sys.executable, "-m", "benchmarks.replay", *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"valgrind replay failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


def measure(
    dialect: str,
    short: int,
    long_: int,
    deltas: int,
    content: bool,
    kinds: tuple[str, ...],
    sdk: Sdk = None,
    text: bool = False,
) -> dict[str, Any]:
    """Instructions per turn of the full stream, of the other events, and per delta of each kind
    (those of ``kinds``)."""
    per_turn = {}
    for keep in ("none", "other", *kinds):
        long_count = count(dialect, long_, deltas, content, keep, sdk, text)
        extra = long_count - count(dialect, short, deltas, content, keep, sdk, text)
        per_turn[keep] = extra / (long_ - short)
    result = {}
    if "all" in kinds:
        result["per_turn"] = round(per_turn["all"] - per_turn["none"])
    result["other_events_per_turn"] = round(per_turn["other"] - per_turn["none"])
    if "audio" in kinds:
        result["audio_delta"] = round((per_turn["audio"] - per_turn["other"]) / deltas)
    if "all" in kinds and "audio" in kinds:  # after its item's audio, as in a voice turn
        result["transcript_delta"] = round((per_turn["all"] - per_turn["audio"]) / deltas)
    elif "transcript" in kinds:  # without audio: no hot item, the first-delta path every time
        alone = per_turn["transcript"] - per_turn["other"]
        result["transcript_delta_without_audio"] = round(alone / deltas)
    return result


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dialects", default="ga,beta")
    parser.add_argument("--turns", default="5,25", help="the short and the long replay (default 5,25)")
    parser.add_argument("--deltas", type=int, default=50, help="audio (and transcript) deltas per turn")
    parser.add_argument("--kinds", default="all,audio", help="what to count besides the other events")
    parser.add_argument("--contents", default="off,on", help="content capture off, on, or both")
    parser.add_argument(
        "--sdk",
        nargs="?",
        const="all",
        choices=SIGNALS,
        help="the OpenTelemetry SDK's providers (spans exported to a dropping exporter, metrics "
        "collected at the end) instead of the no-op ones: our code plus the SDK's work; 'traces' "
        "or 'metrics': that signal's SDK provider alone",
    )
    parser.add_argument(
        "--str",
        action="store_true",
        dest="text",
        help="feed str frames, as websockets and aiohttp hand over the API's text frames (default: "
        "bytes, as the openai SDK's recv_bytes)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dialect", default="ga", help=argparse.SUPPRESS)
    parser.add_argument("--content", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", default="all", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.dialect, int(args.turns), args.deltas, args.content, args.keep, args.sdk, args.text)
        return 0
    short, long_ = (int(n) for n in args.turns.split(","))
    report = {}
    for dialect in args.dialects.split(","):
        for content in (c == "on" for c in args.contents.split(",")):
            label = f"{dialect} content {'on' if content else 'off'}"
            if args.sdk:
                label += ", SDK" + ("" if args.sdk == "all" else f" {args.sdk} only")
            label += ", str frames" if args.text else ""
            kinds = tuple(args.kinds.split(","))
            report[label] = measure(dialect, short, long_, args.deltas, content, kinds, args.sdk, args.text)
            print(f"{label}: {json.dumps(report[label])}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
