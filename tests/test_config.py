"""Settings: every invalid value of a variable or an instrument() argument is said, once, as a
WARNING naming the setting, the value and what is used instead; valid values are silent."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from opentelemetry_instrumentation_openai_realtime.config import CaptureMode, Settings

from .test_content import _turn

LOGGER = "opentelemetry_instrumentation_openai_realtime.config"
PREFIX = "OTEL_INSTRUMENTATION_OPENAI_REALTIME_"
CAPTURE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


# (variable, value, field, value used, words the warning must contain besides the name and value)
INVALID_ENV = [
    (CAPTURE, "garbage", "capture", CaptureMode.NO_CONTENT, ["NO_CONTENT"]),
    (CAPTURE, "SPAN-ONLY", "capture", CaptureMode.NO_CONTENT, ["NO_CONTENT", "did you mean SPAN_ONLY"]),
    (CAPTURE, "span_and_events", "capture", CaptureMode.NO_CONTENT, ["did you mean SPAN_AND_EVENT"]),
    (PREFIX + "BRAINTRUST", "flase", "braintrust", True, ["default true"]),
    (PREFIX + "CAPTURE_AUDIO", "maybe", "capture_audio", False, ["default false"]),
    (PREFIX + "MAX_CONTENT_LENGTH", "8", "max_content_length", 16, ["minimum is 16", "using 16"]),
    (PREFIX + "MAX_CONTENT_LENGTH", "64k", "max_content_length", 16384, ["not a number", "16384"]),
    (PREFIX + "MAX_CONTENT_LENGTH", "nan", "max_content_length", 16384, ["not a number"]),
    (PREFIX + "MAX_AUDIO_BYTES", "2MB", "max_audio_bytes", 2_000_000, ["not a number", "2e+06"]),
    (PREFIX + "MAX_AUDIO_BYTES", "-1", "max_audio_bytes", 0, ["minimum is 0", "using 0"]),
    (PREFIX + "TRANSCRIPT_WAIT_SECONDS", "-2", "transcript_wait_seconds", 0.0, ["minimum is 0"]),
    (PREFIX + "TRANSCRIPT_WAIT_SECONDS", "5s", "transcript_wait_seconds", 5.0, ["not a number", "5"]),
]


@pytest.mark.parametrize(("name", "value", "field", "used", "words"), INVALID_ENV)
def test_an_invalid_variable_logs_one_warning_naming_it_and_what_is_used(
    caplog, name, value, field, used, words
):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    settings = Settings.from_options({}, environ={name: value})
    assert getattr(settings, field) == used
    (message,) = _warnings(caplog)
    assert name in message
    assert repr(value) in message
    assert "instead" in message
    for word in words:
        assert word in message


INVALID_ARGS: list[tuple[str, Any, str, Any]] = [
    ("capture_content", "everything", "capture", CaptureMode.NO_CONTENT),
    ("capture_content", 3, "capture", CaptureMode.NO_CONTENT),
    ("braintrust", "flase", "braintrust", True),
    ("capture_audio", "yes please", "capture_audio", False),
    ("max_content_length", 8, "max_content_length", 16),
    ("max_content_length", "64k", "max_content_length", 16384),
    ("max_content_length", True, "max_content_length", 16384),
    ("max_audio_bytes", -5, "max_audio_bytes", 0),
    ("transcript_wait_seconds", -1, "transcript_wait_seconds", 0.0),
    ("redact", "yes", "redact", None),
]


@pytest.mark.parametrize(("key", "value", "field", "used"), INVALID_ARGS)
def test_an_invalid_argument_logs_one_warning_naming_it(caplog, key, value, field, used):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    settings = Settings.from_options({key: value}, environ={})
    assert getattr(settings, field) == used
    (message,) = _warnings(caplog)
    assert f"instrument({key}=...)" in message
    assert repr(value) in message


@pytest.mark.parametrize(
    "env",
    [
        {},
        {CAPTURE: "span_only", PREFIX + "BRAINTRUST": "off", PREFIX + "CAPTURE_AUDIO": "1"},
        {CAPTURE: "true", PREFIX + "MAX_CONTENT_LENGTH": "16", PREFIX + "MAX_AUDIO_BYTES": "0"},
        {CAPTURE: "", PREFIX + "BRAINTRUST": " ", PREFIX + "TRANSCRIPT_WAIT_SECONDS": "0.5"},
    ],
)
def test_valid_and_empty_values_are_silent(caplog, env):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    Settings.from_options({}, environ=env)
    assert _warnings(caplog) == []


def test_an_argument_wins_and_its_variable_is_not_judged(caplog):
    """A valid argument overrides an invalid variable of the same setting: nothing to warn about."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    settings = Settings.from_options({"braintrust": False}, environ={PREFIX + "BRAINTRUST": "flase"})
    assert settings.braintrust is False
    assert _warnings(caplog) == []


def test_several_invalid_values_give_one_warning_each(caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    Settings.from_options(
        {"transcript_wait_seconds": -1},
        environ={CAPTURE: "garbage", PREFIX + "MAX_CONTENT_LENGTH": "64k"},
    )
    messages = _warnings(caplog)
    assert len(messages) == 3
    assert [CAPTURE in m for m in messages].count(True) == 1
    assert [PREFIX + "MAX_CONTENT_LENGTH" in m for m in messages].count(True) == 1
    assert ["instrument(transcript_wait_seconds=...)" in m for m in messages].count(True) == 1


def test_instrument_says_it_once_at_instrument_time(instrumented, monkeypatch, caplog):
    """The warnings come from instrument() itself (zero-code runs call it at start-up), once."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    monkeypatch.setenv(PREFIX + "BRAINTRUST", "flase")
    monkeypatch.setenv(CAPTURE, "SPAN-ONLY")
    instrumented()
    messages = _warnings(caplog)
    assert len(messages) == 2
    assert any(PREFIX + "BRAINTRUST" in m and "'flase'" in m for m in messages)
    assert any(CAPTURE in m and "'SPAN-ONLY'" in m for m in messages)


def test_the_documented_minimum_content_length_holds(make_session, pipeline, clock, caplog):
    """max_content_length below 16 keeps 16 characters, as docs/configuration.md says."""
    _turn(make_session(capture_content=True, max_content_length=8), clock, transcript="x" * 40)
    (turn,) = pipeline.responses()
    content = json.loads(turn.attributes["gen_ai.input.messages"])[0]["parts"][0]["content"]
    assert content == "x" * 16 + "...[truncated 24 chars]"
