"""A local simulator of the OpenAI Realtime API, for tests, demos and benchmarks.

It runs a real WebSocket server on ``127.0.0.1`` that the real ``openai`` client connects to, and plays
scripted *scenarios* in either protocol dialect (``"ga"``: ``client.realtime``; ``"beta"``:
``client.beta.realtime``). Every server event can be validated against the installed SDK's own models.

::

    from openai import AsyncOpenAI
    from opentelemetry_instrumentation_openai_realtime.simulator import RealtimeSimulator, scenarios

    sim = RealtimeSimulator(scenarios.voice_turn(), dialect="ga")
    async with sim:
        client = AsyncOpenAI(**sim.client_options())  # base_url + websocket_base_url
        async with client.realtime.connect(model="gpt-realtime") as conn:
            for _ in range(3):
                await conn.input_audio_buffer.append(audio=sim_audio)
            async for event in conn:
                ...
    assert sim.errors == []

Modules:

* :mod:`.server` -- :class:`RealtimeSimulator`: listening, accepting, recording, threads;
* :mod:`.connection` -- :class:`SimConnection`, one accepted connection as a scenario drives it;
  :mod:`.inbox` reads its client events, :mod:`.ledger` counts its tokens;
* :mod:`.response` -- :class:`SimResponse` and :class:`SimMessage`, a model response being played;
* :mod:`.scenarios` -- canned scenarios and the steps to compose new ones;
* :mod:`.events` -- server event builders for both dialects (:mod:`.dialects`: what differs);
* :mod:`.validation` -- :func:`validate_server_event`, against the installed SDK's models;
* :mod:`.lenient` -- answering whatever a client sends (``lenient=True``, the ``respond`` scenario);
* :mod:`.cli` -- ``python -m opentelemetry_instrumentation_openai_realtime.simulator``: serve a
  scenario to your own app.

Requires only ``websockets >= 13`` (the ``simulator`` extra); ``openai`` and ``pydantic`` are imported
lazily, by :func:`validate_server_event` only.
"""

from __future__ import annotations

from . import events, scenarios
from .events import (
    DIALECTS,
    Dialect,
    Event,
    EventValidationError,
    IdFactory,
    audio_chunk,
    event_type,
    installed_dialects,
    make_id,
    server_event_types,
    validate_server_event,
)
from .scenarios import Step, Timing
from .server import (
    RealtimeSimulator,
    Scenario,
    SimConnection,
    SimMessage,
    SimResponse,
    SimulatorDisconnected,
)

__all__ = [
    "DIALECTS",
    "Dialect",
    "Event",
    "EventValidationError",
    "IdFactory",
    "RealtimeSimulator",
    "Scenario",
    "SimConnection",
    "SimMessage",
    "SimResponse",
    "SimulatorDisconnected",
    "Step",
    "Timing",
    "audio_chunk",
    "event_type",
    "events",
    "installed_dialects",
    "make_id",
    "scenarios",
    "server_event_types",
    "validate_server_event",
]
