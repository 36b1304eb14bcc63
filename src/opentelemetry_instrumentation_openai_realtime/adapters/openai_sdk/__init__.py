"""The openai SDK adapter: find the events in the SDK's realtime clients and hand them to the core.

What is wrapped, in the beta (``openai.resources.beta.realtime.realtime``, 1.58+) and GA
(``openai.resources.realtime.realtime``, 1.103+) modules, when present:

- ``Realtime.connect`` / ``AsyncRealtime.connect``: remember the model and the client;
- the managers' ``__enter__``/``enter`` and ``__aenter__``/``enter`` (separate class attributes),
  ``__exit__``/``__aexit__`` and, from 2.32, ``send`` (events queued before connecting);
- the connections' ``recv_bytes`` (every receive path reads each frame through it exactly
  once), ``send`` and ``send_raw`` (with a guard so a ``send`` that calls ``send_raw`` counts
  once), ``close`` and, from 2.32, ``_reconnect``.

The rules every adapter follows are in ``_patching.py``; the contract with the core in
``docs/architecture.md``.
"""

from __future__ import annotations

import functools
from typing import Any

from opentelemetry_instrumentation_openai_realtime.adapters._patching import on_import, replace, wrap

from .connection import (
    _close_async,
    _close_sync,
    _reconnect_async,
    _reconnect_sync,
    _recv_async,
    _recv_sync,
    _send_async,
    _send_sync,
)
from .managers import _connect_wrapper, _enter_async, _enter_sync, _exit_async, _exit_sync, _manager_send

NAME = "openai"

MODULES = (
    ("openai.resources.beta.realtime.realtime", "beta"),
    ("openai.resources.realtime.realtime", "ga"),
)


# ---------------------------------------------------------------------------- install


def install() -> None:
    """Wrap every target the installed SDK has, each module when the app imports it (a GA app never
    imports the beta modules, and importing them for it would cost start-up time and memory)."""
    for module_name, api in MODULES:
        on_import(module_name, functools.partial(_patch_module, api))


def _patch_module(api: str, module: Any) -> None:
    for cls_name in ("Realtime", "AsyncRealtime"):
        wrap(module, cls_name, "connect", _connect_wrapper(api))
    sync_mgr, async_mgr = "RealtimeConnectionManager", "AsyncRealtimeConnectionManager"
    wrap(module, sync_mgr, "__enter__", _enter_sync)
    wrap(module, sync_mgr, "enter", _enter_sync)
    wrap(module, sync_mgr, "__exit__", _exit_sync)
    wrap(module, async_mgr, "__aenter__", _enter_async)
    wrap(module, async_mgr, "enter", _enter_async)
    wrap(module, async_mgr, "__aexit__", _exit_async)
    wrap(module, sync_mgr, "send", _manager_send)
    wrap(module, async_mgr, "send", _manager_send)
    sync_conn, async_conn = "RealtimeConnection", "AsyncRealtimeConnection"
    # every frame passes these: plain functions, cheaper to call than wrapt's wrappers
    replace(module, sync_conn, "recv_bytes", _recv_sync(api))
    replace(module, async_conn, "recv_bytes", _recv_async(api))
    replace(module, sync_conn, "send", _send_sync(api, raw=False))
    replace(module, async_conn, "send", _send_async(api, raw=False))
    replace(module, sync_conn, "send_raw", _send_sync(api, raw=True))
    replace(module, async_conn, "send_raw", _send_async(api, raw=True))
    wrap(module, sync_conn, "close", _close_sync)
    wrap(module, async_conn, "close", _close_async)
    wrap(module, sync_conn, "_reconnect", _reconnect_sync)
    wrap(module, async_conn, "_reconnect", _reconnect_async)
