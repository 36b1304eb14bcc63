"""The hot path's shortcuts never change the telemetry.

:meth:`RealtimeSession.server_frame` does not parse most frames: delta events are read by
substring search (and remembered per item), events no handler reads are skipped by their type.
These tests feed the same generated streams (realistic turns of both dialects, made chaotic by
the fuzzer's mutations, junk and transport facts) to two sessions: one gets every event as a
dict (the plain path: no shortcut applies), the other as the raw frames ``recv_bytes`` hands
over, in every encoding (compact ``type``-first bytes as the API sends them, ``str``,
``bytearray``, ``memoryview``, key order changed, non-ASCII escaped or not). Spans (names,
parents, times, status, attributes, span events), metric points and log events must be equal.

The reader functions of ``core/frames.py`` are also checked against ``json.loads`` directly.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from opentelemetry_instrumentation_openai_realtime.core import decoder, frames, values
from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession
from opentelemetry_instrumentation_openai_realtime.simulator import events as ev

from .test_fuzz import (
    OPTIONS,
    TEXTS,
    FakeClock,
    FuzzPipeline,
    Gen,
    Op,
    capture_logs,
    chaos_levels,
    dialects,
    fuzz_settings,
    seeds,
    turn_kinds,
)

ENCODINGS = (
    "compact",
    "compact",
    "compact",
    "ascii",
    "str",
    "bytearray",
    "memoryview",
    "spaced",
    "unordered",
)


def _encode(event: dict[str, Any], encoding: str) -> Any:
    """``event`` as a frame: compact JSON with ``type`` first (as the API sends it) or otherwise."""
    if encoding == "unordered":
        return json.dumps(dict(reversed(list(event.items())))).encode()
    if "type" in event:
        event = {"type": event["type"], **{k: v for k, v in event.items() if k != "type"}}
    if encoding == "spaced":
        return json.dumps(event).encode()
    text = json.dumps(event, separators=(",", ":"), ensure_ascii=encoding == "ascii")
    if encoding == "str":
        return text
    data = text.encode("utf-8", "surrogatepass")
    if encoding == "bytearray":
        return bytearray(data)
    if encoding == "memoryview":
        return memoryview(data)
    return data


def _plain(value: Any) -> Any:
    """A comparable form of an attribute value (NaN equals NaN)."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else value
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value


def telemetry_of(pipeline: FuzzPipeline) -> dict[str, Any]:
    spans = sorted(pipeline.exporter.get_finished_spans(), key=lambda s: (s.start_time, s.name))
    index = {s.context.span_id: i for i, s in enumerate(spans)}
    result: dict[str, Any] = {
        "spans": [
            {
                "name": s.name,
                "parent": index.get(s.parent.span_id) if s.parent is not None else None,
                "start": s.start_time,
                "end": s.end_time,
                "status": (s.status.status_code.name, s.status.description),
                "attributes": _plain(dict(s.attributes or {})),
                "events": [(e.name, e.timestamp, _plain(dict(e.attributes or {}))) for e in s.events],
            }
            for s in spans
        ]
    }
    points = []
    data = pipeline.metric_reader.get_metrics_data()
    for resource_metrics in data.resource_metrics if data is not None else ():
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                for point in metric.data.data_points:
                    values = {
                        k: _plain(getattr(point, k))
                        for k in ("count", "sum", "min", "max", "bucket_counts", "value")
                        if hasattr(point, k)
                    }
                    points.append((metric.name, sorted(_plain(dict(point.attributes or {})).items()), values))
    result["metrics"] = sorted(points, key=repr)
    if pipeline.logs is not None:
        result["logs"] = [
            (
                log.log_record.timestamp,
                getattr(log.log_record, "event_name", None),
                _plain(log.log_record.body),
                _plain(dict(log.log_record.attributes or {})),
            )
            for log in pipeline.logs.get_finished_logs()
        ]
    return result


def _roundtrip(event: Any) -> Any:
    """The event as the server would have sent it: through JSON (``None`` if it has no JSON form)."""
    try:
        return json.loads(json.dumps(event))
    except (TypeError, ValueError):
        return None


def play(
    dialect: str,
    ops: list[Op],
    options: dict[str, Any],
    as_frames: bool,
    seed: int,
    encodings: tuple[str, ...] = ENCODINGS,
) -> dict[str, Any]:
    """Feed ``ops`` to a fresh session, every event as a dict or as a frame; the telemetry."""
    rng = random.Random(seed)
    pipeline = FuzzPipeline()  # fresh providers: the two runs are compared
    clock = FakeClock()
    session = RealtimeSession(
        pipeline.telemetry(options), model="gpt-realtime", clock=clock, api=dialect, server_port=443
    )
    session.connected()
    for op in ops:
        who = op[0]
        if who == "tick":
            clock.now += int(op[1] * 1_000_000)
        elif who in ("server", "client"):
            _, form, event = op
            server = who == "server"
            event = _roundtrip(event) if form != "raw" and isinstance(event, dict) else None
            if event is None:
                if form == "raw":  # the same junk frame on both sides
                    (session.server_frame if server else session.client_frame)(op[2])
                continue
            if as_frames:
                (session.server_frame if server else session.client_frame)(
                    _encode(event, rng.choice(encodings))
                )
            else:
                (session.server_event if server else session.client_event)(event)
        elif who == "lost":
            session.transport_lost(op[1], op[2], op[3])
        elif who == "reconnected":
            session.reconnected(op[1])
        elif who == "close":
            session.close(code=op[1], error=op[2])
    session.close()
    return telemetry_of(pipeline)


def assert_same_telemetry(
    dialect: str, ops: list[Op], options: dict[str, Any], seed: int, encodings: tuple[str, ...] = ENCODINGS
) -> None:
    with capture_logs() as logs:
        expected = play(dialect, ops, options, as_frames=False, seed=seed)
        actual = play(dialect, ops, options, as_frames=True, seed=seed, encodings=encodings)
        assert logs.swallowed() == []
    if actual != expected:
        note(f"operations: {ops!r}")
    for key in expected:
        assert actual[key] == expected[key], key


@fuzz_settings(300)
@given(dialect=dialects, kinds=turn_kinds, chaos=chaos_levels, seed=seeds, options=OPTIONS)
def test_frames_and_dicts_give_the_same_telemetry(dialect, kinds, chaos, seed, options):
    """Generated streams, chaotic or not: the raw-frame path equals the dict path."""
    ops = Gen(dialect, random.Random(seed)).stream(kinds, chaos)
    assert_same_telemetry(dialect, ops, options, seed)


def _voice_turns(dialect: str, turns: int, deltas: int) -> Iterator[Op]:
    """Long turns: many audio deltas (of every padding) interleaved with transcript deltas of the
    same item, the hot path's steady state."""
    gen = Gen(dialect, random.Random(turns))
    transcript = (
        "response.output_audio_transcript.delta" if dialect == "ga" else "response.audio_transcript.delta"
    )
    for turn in range(turns):
        rid = f"resp_{turn}"
        yield ("client", "dict", {"type": "input_audio_buffer.commit"})
        yield ("client", "dict", {"type": "response.create"})
        for who, generated in gen.response(rid):
            event = generated
            if event["type"] == transcript:
                continue
            if turn:  # a finished transcript or item replaces the deltas' text: not on turn 0
                if event["type"] in (transcript[:-5] + "done", "response.output_item.done"):
                    continue
                if event["type"] == "response.done":
                    event = {**event, "response": {**event["response"], "output": []}}
            if event["type"] not in ("response.output_audio.delta", "response.audio.delta"):
                yield (who, "frame", event)
                continue
            for i in range(deltas):
                yield (
                    who,
                    "frame",
                    {**event, "delta": event["delta"][: 4 * (i % 7)] + ("", "AA==", "AAA=", "A")[i % 4]},
                )
                text = ("word ", 'a "quoted" word ', "\u00e9t\u00e9 \U0001f3a4 ", "tab\tline\n")[i % 4]
                yield (who, "frame", {**event, "type": transcript, "delta": f"{text}{i} "})
                yield ("tick", 100)


@pytest.mark.parametrize("dialect", ev.DIALECTS)
@pytest.mark.parametrize("options", [{}, {"capture_content": "SPAN_ONLY"}])
def test_long_voice_turns_give_the_same_telemetry(
    dialect: str, options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frames as the API sends them: after an item's first audio delta, its deltas are recognised
    by their ids part (``frames.delta`` is not called again) and still counted exactly."""
    calls = []
    read = frames.delta

    def spy(data: Any) -> Any:
        calls.append(data)
        return read(data)

    monkeypatch.setattr(decoder, "delta", spy)
    ops = list(_voice_turns(dialect, 5, 40))
    assert_same_telemetry(dialect, ops, options, seed=1, encodings=("compact",))
    deltas = sum(1 for op in ops if op[0] == "server" and op[2]["type"].endswith(".delta"))
    assert deltas > 200
    # read in full: the first audio delta of each item, nothing else (content capture or not)
    audio = ("response.output_audio.delta", "response.audio.delta")
    items = {
        (op[2]["response_id"], op[2]["item_id"]) for op in ops if op[0] == "server" and op[2]["type"] in audio
    }
    assert len(calls) == len(items) > 1


# ------------------------------------------------------------------------------------------------
# The readers against json.loads
# ------------------------------------------------------------------------------------------------

DELTA_TYPES = (
    "response.output_audio.delta",
    "response.audio.delta",
    "response.output_audio_transcript.delta",
    "response.audio_transcript.delta",
    "response.output_text.delta",
    "response.text.delta",
    "response.function_call_arguments.delta",
)
ids = st.one_of(
    st.sampled_from(("resp_1", "item_1", "", "résp", 'a"b', "a\\b", "x" * 80)),
    st.text(max_size=12),
    st.integers(),
    st.none(),
)
payloads = st.one_of(
    st.sampled_from((ev.audio_chunk(10), "AAAA", "AAA=", "AA==", "A", "", "AB/+", *TEXTS)),
    st.text(max_size=40),
    st.integers(),
    st.none(),
)


@st.composite
def delta_frames(draw: Any) -> tuple[dict[str, Any], Any]:
    event: dict[str, Any] = {"type": draw(st.sampled_from(DELTA_TYPES)), "event_id": "event_1"}
    for key in draw(st.permutations(["response_id", "item_id", "output_index", "content_index", "delta"])):
        if draw(st.integers(0, 9)) == 0:
            continue  # missing
        event[key] = draw(payloads if key == "delta" else ids if key.endswith("_id") else st.integers(0, 3))
    if draw(st.booleans()):
        event.update(
            draw(st.dictionaries(st.sampled_from(("delta", "response_id", "x")), payloads, max_size=2))
        )
    return event, _encode(event, draw(st.sampled_from(ENCODINGS)))


@fuzz_settings(2000)
@given(case=delta_frames())
def test_delta_reader_agrees_with_json(case: tuple[dict[str, Any], Any]) -> None:
    """What ``frames.delta`` reads is what ``json.loads`` reads, or it declines (``None``)."""
    event, frame = case
    read = frames.delta(frame)
    if read is None:
        return
    kind, response_id, item_id, audio_bytes, ids = read
    parsed = json.loads(bytes(frame) if isinstance(frame, memoryview) else frame)
    assert parsed == event
    assert response_id == parsed["response_id"]
    assert item_id == (parsed.get("item_id") if isinstance(parsed.get("item_id"), str) else None)
    if kind == frames.AUDIO:
        assert parsed["type"] in ("response.output_audio.delta", "response.audio.delta")
        from opentelemetry_instrumentation_openai_realtime.core.audio_format import base64_decoded_length

        delta = parsed["delta"]
        assert isinstance(delta, str)
        assert audio_bytes == base64_decoded_length(len(delta), delta[-2:])
    if ids is not None:  # the part every delta of the item repeats: its ids, then the delta
        # bytes (recv_bytes) or str (websocket libraries), of the frame's own type
        assert type(frame) in (bytes, str) and type(ids) is type(frame) and ids in frame
        ids = ids if type(ids) is bytes else ids.encode()
        assert ids.startswith(b'"response_id":"') and ids.endswith(b'"delta":"')
        # the ids, the delta's key, and whatever fields the frame has between them (compared byte
        # for byte with the item's next deltas, so an extra field only has to repeat to match)
        between = json.loads(b"{" + ids + b'"}')
        assert {"response_id": response_id, "item_id": item_id, "delta": ""}.items() <= between.items()
        assert all(parsed[k] == v for k, v in between.items() if k != "delta")
    text = frames.delta_text(frame)
    if text is not None:
        assert text == (parsed["type"], parsed["delta"])


@pytest.mark.parametrize(
    "frame",
    [
        b'{"type":"response.output_audio.delta","response_id":"r","item_id":"i","delta":"AAAA","x":"B"}',
        b'{"type":"response.output_audio.delta","response_id":"r","item_id":"i","delta":"AA\\/A"}',
        b'{"type":"response.output_audio.delta","response_id":"r","item_id":"i","delta":"AAAA"',
        b'{"type":"response.output_audio.delta","response_id":"r","item_id":"i","delta":"AAAA"}}',
        b'{"type":"response.output_audio.delta","response_id":"r\\"","item_id":"i","delta":"AAAA"}',
        b'{"type":"response.output_audio.delta","item_id":"i","delta":"AAAA"}',
        b'{"type":"response.output_audio.delta","response_id":"","item_id":"i","delta":"AAAA"}',
    ],
)
def test_delta_reader_declines_what_it_cannot_read_exactly(frame: bytes) -> None:
    """Another field after the audio, escapes, a truncated frame, a missing id: parse instead."""
    assert frames.delta(frame) is None


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (b'{"type":"input_audio_buffer.append","audio":"AAAA"}', (4, "AA")),
        ('{"type":"input_audio_buffer.append","audio":"AA=="}', (4, "==")),
        (b'{"type":"input_audio_buffer.append","audio":""}', (0, "")),
        # found by the differential test: an escaped quote ended the value early
        (b'{"type":"input_audio_buffer.append","audio":"quote \\" and \\\\ backslash"}', None),
        (b'{"type":"input_audio_buffer.append","audio":"AA\\/A"}', None),
        (b'{"type":"input_audio_buffer.append","audio":"AAAA', None),
        (b'{"type":"input_audio_buffer.append","audio":4}', None),
        (memoryview(b'{"audio":"AAAA"}'), None),
        # found by the differential test: non-ASCII bytes were counted as characters
        ('{"type":"input_audio_buffer.append","audio":"é 你好 🎤"}'.encode(), None),
        ('{"type":"input_audio_buffer.append","audio":"é 你"}', (3, " 你")),  # str: characters
    ],
)
def test_string_length_reads_plain_values_only(frame: Any, expected: Any) -> None:
    assert frames.string_length(frame, "audio") == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=8) | st.integers() | st.booleans() | st.none(), children, max_size=4
        )
    ),
    max_leaves=20,
)


@fuzz_settings(1000)
@given(value=json_values | st.builds(object) | st.tuples(st.integers(), st.text()))
def test_dumps_agrees_with_the_json_encoder(value: Any) -> None:
    """``values.dumps`` uses the C encoder directly: the same text as the standard encoder it
    replaced (compact, not ASCII-escaped, unknown values as strings), or the same error."""
    reference = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)
    try:
        expected: Any = reference.encode(value)
    except (ValueError, TypeError) as exc:
        expected = type(exc)
    try:
        got: Any = values.dumps(value)
    except (ValueError, TypeError) as exc:
        got = type(exc)
    assert got == expected


def test_dumps_of_a_circular_value_raises_as_the_json_encoder_does() -> None:
    circular: dict[str, Any] = {}
    circular["self"] = circular
    with pytest.raises(ValueError, match="Circular reference"):
        values.dumps(circular)
    assert values.dumps({"tuple key": (1, "a"), "set": {1}}).startswith('{"tuple key":[1,"a"],"set":"')
