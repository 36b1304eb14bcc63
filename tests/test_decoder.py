"""The decoder, driven directly: what each frame is said to be, and what comes with it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from opentelemetry_instrumentation_openai_realtime.core import decoder as dec

AUDIO = "AAAAAAAA" * 100  # 600 bytes of audio, base64, no padding


def compact(event: dict[str, Any]) -> bytes:
    """A frame as the API sends it: compact JSON, "type" first."""
    return json.dumps(event, separators=(",", ":")).encode()


def audio_delta(item: str = "item_1", response: str = "resp_1", delta: str = AUDIO) -> dict[str, Any]:
    return {
        "type": "response.output_audio.delta",
        "event_id": "event_1",
        "response_id": response,
        "item_id": item,
        "output_index": 0,
        "content_index": 0,
        "delta": delta,
    }


def transcript_delta(item: str = "item_1", text: str = "hello") -> dict[str, Any]:
    return {**audio_delta(item), "type": "response.output_audio_transcript.delta", "delta": text}


def test_an_audio_delta_is_sized_without_parsing_and_gives_its_ids_part():
    kind, (response_id, item_id, count, ids) = dec.FrameDecoder(False, False).server(compact(audio_delta()))
    assert kind == dec.AUDIO_DELTA
    assert (response_id, item_id, count) == ("resp_1", "item_1", 600)
    assert ids.startswith(b'"response_id":"resp_1"') and ids.endswith(b'"delta":"')


def generated_bytes(pipeline: Any) -> int:
    """The audio bytes the one response span counted (pcm16 24 kHz: 48,000 bytes a second)."""
    (chat,) = pipeline.responses()
    return round(chat.attributes["openai.realtime.response.audio.generated_seconds"] * 48_000)


def start_response(session: Any) -> None:
    session.client_event({"type": "response.create"})
    session.server_frame(compact({"type": "response.created", "response": {"id": "resp_1"}}))


def finish_response(session: Any) -> None:
    session.server_frame(
        compact({"type": "response.done", "response": {"id": "resp_1", "status": "completed"}})
    )
    session.close()


FRAME_TYPES = [pytest.param(bytes, id="bytes"), pytest.param(str, id="str")]


def framed(kind: type, event: dict[str, Any]) -> Any:
    """A compact frame as ``recv_bytes`` (bytes) or a websocket library (str) hands it over."""
    frame = compact(event)
    return frame if kind is bytes else frame.decode()


@pytest.mark.parametrize("kind", FRAME_TYPES)
def test_the_next_delta_of_the_hot_item_is_recognised_by_its_ids_part(make_session, pipeline, kind):
    """The hot path (the session's, before the decoder): the item's next deltas are counted where
    its ids part was; another item's delta is decoded as usual, never counted as the hot one."""
    session = make_session()
    start_response(session)
    session.server_frame(framed(kind, audio_delta()))  # decoded: the item becomes the hot one
    hot = session._hot
    assert hot.kind is kind
    session.server_frame(framed(kind, audio_delta(delta=AUDIO + "AA==")))  # 601 bytes, hot path
    assert hot.audio_at == compact(audio_delta()).find(b'"response_id"')  # found there, remembered
    session.server_frame(framed(kind, transcript_delta()))  # text not kept: nothing to record
    assert hot.text_at == compact(transcript_delta()).find(b'"response_id"')
    other = bytes if kind is str else str  # a frame of the other type: decoded, and counted
    session.server_frame(framed(other, audio_delta(delta=AUDIO + "AAA=")))
    assert session._hot is not hot and session._hot.kind is other
    session.server_frame(framed(kind, audio_delta(item="item_2")))  # decoded: the new hot item
    assert session._hot.output.id == "item_2"
    assert hot.output.audio_bytes == 600 + 601 + 602 and session._hot.output.audio_bytes == 600
    finish_response(session)
    assert generated_bytes(pipeline) == 600 + 601 + 602 + 600


@pytest.mark.parametrize("kind", FRAME_TYPES)
def test_kept_text_is_decoded_from_its_string_alone(make_session, pipeline, kind):
    decoder = dec.FrameDecoder(True, False)
    found, value = decoder.server(framed(kind, transcript_delta(item="item_2", text="x")))
    assert found == dec.TEXT_DELTA
    assert value == ("response.output_audio_transcript.delta", "resp_1", "item_2", "x")
    # the hot item's transcript, on the hot path
    session = make_session(capture_content="SPAN_ONLY")
    start_response(session)
    session.server_frame(framed(kind, audio_delta()))
    session.server_frame(framed(kind, transcript_delta(text='say "hi" \u00e9')))
    session.server_frame(framed(kind, {**transcript_delta(text=" again"), "obfuscation": "Zm9v"}))
    assert session._hot.text_at > 0  # (not decoded by the decoder)
    finish_response(session)
    (chat,) = pipeline.responses()
    assert 'say \\"hi\\" \u00e9 again' in chat.attributes["gen_ai.output.messages"]


def test_text_and_arguments_deltas_only_mark_the_first_chunk_when_text_is_not_kept():
    decoder = dec.FrameDecoder(False, False)
    assert decoder.server(compact(transcript_delta())) == (dec.CHUNK, "resp_1")
    arguments = {**transcript_delta(), "type": "response.function_call_arguments.delta", "call_id": "c"}
    assert decoder.server(compact(arguments)) == (dec.CHUNK, "resp_1")


@pytest.mark.parametrize("capture", [False, True])
def test_events_no_handler_reads_are_not_parsed(capture):
    decoder = dec.FrameDecoder(capture, False)
    for event in (
        {"type": "rate_limits.updated", "rate_limits": []},
        {"type": "response.content_part.added", "response_id": "r", "item_id": "i"},
        {"type": "something.new", "x": 1},
    ):
        assert decoder.server(compact(event)) == (dec.SKIP, None)
        assert decoder.server(compact(event).decode()) == (dec.SKIP, None)  # str frames too
        # a frame without "type" first is parsed (the router then ignores what it does not read)
        assert decoder.server(json.dumps(event)) == (dec.EVENT, event)
    done = {"type": "response.output_audio_transcript.done", "response_id": "r", "transcript": "t"}
    assert decoder.server(compact(done))[0] == (dec.EVENT if capture else dec.SKIP)


def test_kept_audio_is_parsed_to_be_decoded():
    event = audio_delta()
    assert dec.FrameDecoder(False, True).server(compact(event)) == (dec.EVENT, event)


def test_other_events_are_parsed_once_and_junk_is_skipped():
    decoder = dec.FrameDecoder(False, False)
    event = {"type": "response.done", "response": {"id": "resp_1", "status": "completed"}}
    assert decoder.server(compact(event)) == (dec.EVENT, event)
    assert decoder.server(b'{"type":"response.done",') == (dec.SKIP, None)
    assert decoder.server(b"\xff\xfe") == (dec.SKIP, None)
    assert decoder.server("not json") == (dec.SKIP, None)


def test_client_appends_are_sized_without_parsing_unless_audio_is_kept():
    append = {"type": "input_audio_buffer.append", "audio": AUDIO + "AAA="}
    assert dec.FrameDecoder(False, False).client(compact(append)) == (dec.APPEND, 602)
    assert dec.FrameDecoder(False, False).client(compact(append).decode()) == (dec.APPEND, 602)
    assert dec.FrameDecoder(False, False).client(json.dumps(append)) == (dec.EVENT, append)  # spaced
    assert dec.FrameDecoder(False, True).client(compact(append)) == (dec.EVENT, append)
    create = {"type": "response.create", "response": {"metadata": {"k": "v"}}}
    assert dec.FrameDecoder(False, False).client(compact(create)) == (dec.EVENT, create)
    assert dec.FrameDecoder(False, False).client(b"{") == (dec.SKIP, None)


@pytest.mark.parametrize("kind", FRAME_TYPES)
def test_the_hot_items_later_deltas_are_sized_from_their_length_alone(make_session, pipeline, kind):
    """The trust rule: after an item's first delta was checked in full, its next deltas are sized
    without a scan; a frame that only looks like one is miscounted by at most its own length, and
    one that does not end as the API's do is decoded as usual."""
    session = make_session()
    start_response(session)
    session.server_frame(framed(kind, audio_delta()))
    trailing = compact(audio_delta())[:-1] + b',"extra":"x"}'  # a field after the payload
    escaped = compact(audio_delta(delta=AUDIO[:-4] + 'A\\"A'))
    non_ascii = compact(audio_delta(delta=AUDIO[:-2] + "\u00e9\u00e9"))
    for frame in (trailing, escaped, non_ascii):
        session.server_frame(frame if kind is bytes else frame.decode())
    truncated = compact(audio_delta())[:-2]
    session.server_frame(truncated if kind is bytes else truncated.decode())  # not JSON: skipped
    finish_response(session)
    assert 0 <= generated_bytes(pipeline) - 4 * 600 <= len(trailing) + len(escaped) + len(non_ascii)
    # checked in full (no hot item), the same frames are parsed or declined as before
    decoder = dec.FrameDecoder(False, False)
    assert decoder.server(trailing)[0] == dec.EVENT
    assert decoder.server(escaped)[0] == dec.EVENT
    assert decoder.server(truncated) == (dec.SKIP, None)


def test_hostile_frames_on_the_hot_path_never_raise_misroute_or_leave_a_span_open(make_session, pipeline):
    """Frames with the hot item's ids part but not its shape: the session records them as well as
    it can, routes nothing to another item, and every span still ends."""
    session = make_session()
    session.client_event({"type": "response.create"})
    session.server_frame(compact({"type": "response.created", "response": {"id": "resp_1"}}))
    session.server_frame(compact(audio_delta()))
    hostile = [
        compact(audio_delta())[:-1] + b',"extra":"' + b"x" * 400 + b'"}',
        compact(audio_delta())[:-2],
        compact(audio_delta())[:-1] + b"\xff\xfe}",
        compact(audio_delta(delta="")),
        compact(audio_delta(delta=AUDIO[:-4] + 'A\\"A')),
    ]
    for frame in hostile:
        session.server_frame(frame)
    session.server_frame(compact(audio_delta(item="item_2")))  # another item: its own count
    session.server_frame(
        compact({"type": "response.done", "response": {"id": "resp_1", "status": "completed"}})
    )
    session.close()
    (chat,) = pipeline.responses()
    generated = chat.attributes["openai.realtime.response.audio.generated_seconds"]
    counted = round(generated * 48_000)  # pcm16 24 kHz: 48,000 bytes a second
    assert 3 * 600 <= counted <= 3 * 600 + sum(len(frame) for frame in hostile)
    assert all(span.end_time is not None for span in pipeline.spans())


@pytest.mark.parametrize("kind", FRAME_TYPES)
def test_the_hot_path_compares_the_ids_where_the_kinds_last_delta_had_them(make_session, pipeline, kind):
    """Event ids of another length move the ids part: it is searched for and the new place
    remembered; a transcript delta whose ids part happens to sit where the audio deltas' did is
    still a transcript (the type prefix decides), never counted as audio."""
    session = make_session()
    start_response(session)
    session.server_frame(framed(kind, audio_delta()))
    session.server_frame(framed(kind, audio_delta()))
    hot = session._hot
    assert hot.audio_at == compact(audio_delta()).find(b'"response_id"')
    longer = {**audio_delta(), "event_id": "event_longer_id_12345"}
    session.server_frame(framed(kind, longer))
    assert hot.audio_at == compact(longer).find(b'"response_id"')
    # "response.output_audio_transcript.delta" is 11 characters longer than the audio type: an
    # event id 11 characters shorter puts the transcript's ids part where the audio's was
    shifted = {**transcript_delta(), "event_id": "e" * (len("event_longer_id_12345") - 11)}
    assert compact(shifted).find(b'"response_id"') == hot.audio_at
    session.server_frame(framed(kind, shifted))
    assert hot.text_at == hot.audio_at
    finish_response(session)
    assert generated_bytes(pipeline) == 3 * 600


class _CountingDecoder:
    """The session's decoder, counting the frames that reach it (those off the hot path)."""

    def __init__(self, decoder: Any) -> None:
        self.decoder = decoder
        self.frames = 0

    def server(self, data: Any) -> Any:
        self.frames += 1
        return self.decoder.server(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.decoder, name)


@pytest.mark.parametrize("kind", FRAME_TYPES)
@pytest.mark.parametrize(
    "audio_type, transcript_type",
    [
        ("response.output_audio.delta", "response.output_audio_transcript.delta"),
        ("response.audio.delta", "response.audio_transcript.delta"),  # beta's names
    ],
)
def test_the_hot_path_takes_the_deltas_of_either_dialect(
    make_session, pipeline, kind, audio_type, transcript_type
):
    """The hot item compares the prefixes of its own dialect's names (from its first audio delta):
    the next audio and transcript deltas of that dialect never reach the decoder."""
    session = make_session()
    start_response(session)
    session.server_frame(framed(kind, {**audio_delta(), "type": audio_type}))  # decoded: hot
    counting = session._decoder = _CountingDecoder(session._decoder)
    for _ in range(3):
        session.server_frame(framed(kind, {**audio_delta(), "type": audio_type}))
        session.server_frame(framed(kind, {**transcript_delta(), "type": transcript_type}))
    assert counting.frames == 0
    # the other dialect's names (never sent in one session): decoded, and still counted
    other = (
        "response.audio.delta"
        if audio_type == "response.output_audio.delta"
        else "response.output_audio.delta"
    )
    session.server_frame(framed(kind, {**audio_delta(), "type": other}))
    assert counting.frames == 1
    finish_response(session)
    assert generated_bytes(pipeline) == 5 * 600
