"""Adapters: one per transport, each thin. An adapter finds the frames (or events) of a realtime
connection in the library the app uses and hands them to the core (``core.session.RealtimeSession``),
following the contract in ``docs/architecture.md``; what every adapter shares (wrapping and
restoring methods, import hooks, attaching sessions) is in ``_patching.py``.

Today: the openai SDK's realtime clients (``openai_sdk``), and the sockets apps and frameworks open
themselves with ``websockets`` (``websockets_client``) or ``aiohttp`` (``aiohttp_client``). Each has
a ``NAME``, which ``disabled_transports`` switches off.
"""

from __future__ import annotations

from opentelemetry_instrumentation_openai_realtime.telemetry.instruments import Telemetry

from . import _patching, aiohttp_client, openai_sdk, websockets_client

#: every adapter, each a module with ``NAME`` and ``install()``
ADAPTERS = (openai_sdk, websockets_client, aiohttp_client)


def install(telemetry: Telemetry) -> None:
    """Install every adapter: each wraps its library's modules when the app imports them."""
    _patching.begin(telemetry)
    disabled = telemetry.settings.disabled_transports
    for adapter in ADAPTERS:
        if adapter.NAME not in disabled:
            adapter.install()


def uninstall() -> None:
    """Restore everything every adapter wrapped and end the sessions still open."""
    _patching.uninstall()
