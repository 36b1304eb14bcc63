"""What every adapter shares: methods wrapped or replaced so that ``uninstrument()`` restores them
exactly, modules wrapped when the app imports them, and sessions attached to connections.

Rules for every adapter: the app sees exactly what it would see without us (same values, same
exceptions, same cancellation); our own failures are caught and logged at debug level; after
``uninstrument()`` a wrapper still reachable from an open connection is a pass-through (check
:func:`telemetry` on every call).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import types
import weakref
from collections.abc import Iterator
from typing import Any, Callable, Optional

from opentelemetry import context as otel_context
from wrapt import FunctionWrapper, register_post_import_hook

from opentelemetry_instrumentation_openai_realtime.core.session import RealtimeSession
from opentelemetry_instrumentation_openai_realtime.telemetry.instruments import Telemetry

_logger = logging.getLogger(__name__)

#: the attribute of a connection (or its manager) that holds its session
SESSION_ATTR = "_otel_realtime_session"


class _State:
    telemetry: Optional[Telemetry] = None
    generation = 0  # instrument() calls: a post-import hook of an earlier one does nothing
    sessions: weakref.WeakSet[RealtimeSession] = weakref.WeakSet()
    patches: list[tuple[type, str, bool, Any]] = []


_state = _State()
state = _state  #: read on every frame by the adapters (``state.telemetry``: cheaper than a call)


def telemetry() -> Optional[Telemetry]:
    """The telemetry of the current ``instrument()``, ``None`` when uninstrumented."""
    return _state.telemetry


def begin(telemetry: Telemetry) -> None:
    """``instrument()``: adapters installed from now on record to ``telemetry``."""
    _state.telemetry = telemetry
    _state.generation += 1


def on_import(module_name: str, patch: Callable[[Any], None]) -> None:
    """Call ``patch(module)`` now if the module is imported, else when the app first imports it
    (unless uninstrumented, or instrumented anew, by then)."""
    try:
        register_post_import_hook(functools.partial(_on_import, patch, _state.generation), module_name)
    except Exception:  # a broken optional import must not break the app
        _logger.debug("cannot wrap %s", module_name, exc_info=True)


def _on_import(patch: Callable[[Any], None], generation: int, module: Any) -> None:
    try:
        if _state.telemetry is not None and _state.generation == generation:
            patch(module)
    except Exception:
        _logger.debug("cannot wrap %s", getattr(module, "__name__", module), exc_info=True)


def uninstall() -> None:
    """Restore every wrapped attribute and end the sessions still open."""
    _state.telemetry = None
    while _state.patches:
        cls, name, had_own, original = _state.patches.pop()
        try:
            if had_own:
                setattr(cls, name, original)
            else:
                delattr(cls, name)
        except Exception:
            _logger.debug("cannot restore %s.%s", cls.__name__, name, exc_info=True)
    for session in list(_state.sessions):
        session.close()
    _state.sessions = weakref.WeakSet()


# ---------------------------------------------------------------------------- wrapping


def _target(module: Any, cls_name: str, name: str) -> Optional[tuple[type, bool, Any]]:
    """``(class, whether it defines the attribute itself, the attribute)`` unless absent or already
    patched by us (another library's wrapper is wrapped in turn, and restored on uninstall)."""
    cls = getattr(module, cls_name, None)
    if not isinstance(cls, type):
        return None
    had_own = name in cls.__dict__
    original = cls.__dict__.get(name) if had_own else getattr(cls, name, None)
    if original is None or any(c is cls and n == name for c, n, _, _ in _state.patches):
        return None
    return cls, had_own, original


def wrap(module: Any, cls_name: str, name: str, wrapper: Callable[..., Any]) -> None:
    """Wrap ``module.cls_name.name`` with a wrapt ``wrapper(wrapped, instance, args, kwargs)``
    (methods called a few times per session)."""
    target = _target(module, cls_name, name)
    if target is not None:
        cls, had_own, original = target
        setattr(cls, name, FunctionWrapper(original, wrapper))
        _state.patches.append((cls, name, had_own, original))


def _binder(descriptor: Any) -> Callable[..., Any]:
    """``call(self, *args, **kwargs)`` for another library's wrapper or descriptor: bound as
    attribute access would bind it."""

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        return descriptor.__get__(self, type(self))(*args, **kwargs)

    return call


def replace(module: Any, cls_name: str, name: str, make: Callable[[Callable[..., Any]], Any]) -> None:
    """Replace ``module.cls_name.name`` with a plain function ``make(call)``, where
    ``call(self, *args, **kwargs)`` calls the original (methods called for every event: a plain
    function costs a fraction of a wrapt wrapper per call)."""
    target = _target(module, cls_name, name)
    if target is not None:
        cls, had_own, original = target
        replacement = make(original if isinstance(original, types.FunctionType) else _binder(original))
        try:
            functools.update_wrapper(replacement, original)
        except Exception:  # metadata only
            _logger.debug("cannot copy the metadata of %s.%s", cls.__name__, name, exc_info=True)
        setattr(cls, name, replacement)
        _state.patches.append((cls, name, had_own, original))


# ---------------------------------------------------------------------------- sessions


def session_of(obj: Any) -> Optional[RealtimeSession]:
    """The session attached to a connection (or a manager), if any."""
    try:
        session = obj.__dict__.get(SESSION_ATTR)
    except AttributeError:
        return None
    return session if isinstance(session, RealtimeSession) else None


def new_session(**options: Any) -> Optional[RealtimeSession]:
    """A session span started now, in the current context (``None`` when uninstrumented or when
    it cannot be started); ended by :func:`uninstall` if the app never closes it."""
    telemetry = _state.telemetry
    if telemetry is None:
        return None
    try:
        session = RealtimeSession(telemetry, parent=otel_context.get_current(), **options)
        _state.sessions.add(session)
        return session
    except Exception:
        _logger.debug("cannot start a realtime session span", exc_info=True)
        return None


def attach(connection: Any, session: RealtimeSession) -> None:
    """Attach ``session`` to ``connection``: it ends when the connection is garbage collected,
    should the app never close it."""
    connection.__dict__[SESSION_ATTR] = session
    weakref.finalize(connection, session.close)


_BENIGN = ("CancelledError", "KeyboardInterrupt", "SystemExit", "GeneratorExit", "ConnectionClosedOK")


def app_error(exc: Optional[BaseException]) -> Optional[BaseException]:
    """An exception that ends a session as failed; ``None`` for a cancellation, an exit or a
    normal close."""
    if exc is None or type(exc).__name__ in _BENIGN:
        return None
    return exc


# ---------------------------------------------------------------------------- one socket, one session

_owned: contextvars.ContextVar[bool] = contextvars.ContextVar("otel_realtime_socket_owned", default=False)


@contextlib.contextmanager
def opening_owned_socket() -> Iterator[None]:
    """An adapter that traces a connection itself (the openai SDK's) opens its socket inside this
    block: the socket-level adapters (websockets, aiohttp) leave that socket alone, so one socket
    is one session. A context variable: it holds for the task or thread that opens the socket."""
    token = _owned.set(True)
    try:
        yield
    finally:
        _owned.reset(token)


def socket_owned() -> bool:
    """Whether the socket being opened now is traced by another adapter."""
    return _owned.get()


# ---------------------------------------------------------------------------- per-connection classes

_swapped: dict[tuple[type, str], type] = {}


def swap_class(connection: Any, kind: str, methods: Callable[[type], dict[str, Any]]) -> bool:
    """Give one connection a subclass of its class whose ``methods(base)`` record its frames, so
    that only realtime connections pay per message (every other connection keeps its class). The
    subclass keeps the class's name and module; it is made once per class and ``kind``. ``False``
    if the class cannot be swapped (the connection is then left as it is)."""
    cls = type(connection)
    if getattr(cls, "_otel_traced", False):
        return True
    try:
        traced = _swapped.get((cls, kind))
        if traced is None:
            namespace = dict(methods(cls))
            namespace.update(__module__=cls.__module__, __qualname__=cls.__qualname__, _otel_traced=True)
            traced = type(cls.__name__, (cls,), namespace)
            _swapped[(cls, kind)] = traced
        connection.__class__ = traced
        return True
    except Exception:
        _logger.debug("cannot trace a %s connection", cls.__name__, exc_info=True)
        return False
