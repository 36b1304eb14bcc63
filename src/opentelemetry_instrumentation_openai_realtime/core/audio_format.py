"""Audio formats: bytes-per-second of the session's formats, base64 sizes and WAV building.

Durations are computed from byte counts, never by decoding audio: ``pcm16`` is 16-bit mono at
the session's rate (24 kHz unless the GA session names another), G.711 (``g711_ulaw``,
``g711_alaw``) is 8-bit mono at 8 kHz.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

PCM16 = "pcm16"
G711_ULAW = "g711_ulaw"
G711_ALAW = "g711_alaw"


@dataclass(frozen=True)
class AudioFormat:
    """An audio format as far as durations and WAV headers need it."""

    name: str
    sample_rate: int = 24_000
    sample_width: int = 2  # bytes per sample

    @property
    def bytes_per_second(self) -> int:
        return self.sample_rate * self.sample_width

    def seconds(self, byte_count: int) -> float:
        return byte_count / self.bytes_per_second if byte_count > 0 else 0.0

    def byte_count(self, seconds: float) -> int:
        return int(seconds * self.bytes_per_second)


DEFAULT_FORMAT = AudioFormat(PCM16)
_GA_TYPES = {"audio/pcm": PCM16, "audio/pcmu": G711_ULAW, "audio/pcma": G711_ALAW}


def parse_format(value: Any) -> Optional[AudioFormat]:
    """Read a format from a beta name (``"pcm16"``) or a GA object (``{"type": "audio/pcm", ...}``)."""
    if isinstance(value, str):
        name = value
        rate = None
    elif isinstance(value, Mapping):
        type_ = value.get("type")
        if not isinstance(type_, str):
            return None
        name = _GA_TYPES.get(type_, type_)
        rate = value.get("rate")
    else:
        return None
    if name == PCM16:
        if isinstance(rate, int) and not isinstance(rate, bool) and rate > 0:
            return AudioFormat(PCM16, rate, 2)
        return DEFAULT_FORMAT
    if name in (G711_ULAW, G711_ALAW):
        return AudioFormat(name, 8_000, 1)
    return None


def base64_decoded_length(length: int, tail: str) -> int:
    """Bytes encoded by a base64 string of ``length`` characters ending with ``tail``."""
    if length <= 0:
        return 0
    padding = 2 if tail.endswith("==") else 1 if tail.endswith("=") else 0
    return max(0, (length * 3) // 4 - padding)


def wav_bytes(data: bytes, fmt: AudioFormat) -> bytes:
    """Wrap raw audio in a WAV container (PCM, mu-law or A-law)."""
    tags = {PCM16: 1, G711_ALAW: 6, G711_ULAW: 7}
    tag = tags.get(fmt.name, 1)
    block_align = fmt.sample_width
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(data),
        b"WAVE",
        b"fmt ",
        16,
        tag,
        1,
        fmt.sample_rate,
        fmt.sample_rate * block_align,
        block_align,
        8 * fmt.sample_width,
        b"data",
        len(data),
    )
    return header + data


def format_of(name: Optional[str]) -> AudioFormat:
    """The format a session names (``SessionConfig.input_format``/``output_format``), pcm16 24 kHz
    when it names none or one we do not know."""
    return (parse_format(name) if name else None) or DEFAULT_FORMAT
