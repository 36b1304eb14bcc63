"""The layout keeps its promises: data flows one way (adapters -> decoder -> state machine ->
telemetry builders), the decoder and the router agree on the events the core reads, and no module
or class grows back into a monolith."""

from __future__ import annotations

import ast
import pathlib

import pytest

from opentelemetry_instrumentation_openai_realtime.core import events

PACKAGE = "opentelemetry_instrumentation_openai_realtime"
SRC = pathlib.Path(__file__).resolve().parent.parent / "src" / PACKAGE
MAX_LINES = 420  # "about 400"
MAX_METHODS = 25
# a flat table of simulator event builders may stay longer, as long as it stays a table
SIZE_EXCEPTIONS = {"simulator/events.py"}


def _modules() -> list[pathlib.Path]:
    return sorted(SRC.rglob("*.py"))


def _name(path: pathlib.Path) -> str:
    return path.relative_to(SRC).as_posix()


def _imports(path: pathlib.Path) -> set[str]:
    """Modules of the package that ``path`` imports (absolute dotted names, relative resolved)."""
    parts = [PACKAGE, *path.relative_to(SRC).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    package = parts if path.name == "__init__.py" else parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = [f"{module}.{alias.name}" for alias in node.names]
            found.update(n for n in [module, *names] if n.startswith(PACKAGE))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(PACKAGE))
    return found


def _in(layer: str) -> list[pathlib.Path]:
    return [p for p in _modules() if _name(p).startswith(layer + "/")]


def test_the_router_handles_exactly_the_events_the_decoder_lets_through(make_session):
    """A server event the decoder parses has a handler, and every handler's event is parsed."""
    session = make_session()
    assert set(session._handlers) == set(events.HANDLED)
    assert all(events.reads(name, capture=True) for name in events.HANDLED)
    assert not any(events.reads(name, capture=True) for name in events.UNREAD)
    session.close()


@pytest.mark.parametrize("path", _in("core"), ids=_name)
def test_the_core_knows_no_transport(path):
    """Nothing in core/ imports an adapter, a transport library or the simulator."""
    imported = _imports(path)
    assert not any(".adapters" in name or ".simulator" in name for name in imported), imported
    tree = ast.parse(path.read_text())
    roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    roots |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not roots & {"openai", "websockets", "aiohttp", "wrapt", "socket", "asyncio"}, roots


@pytest.mark.parametrize(
    "path",
    [p for p in _in("core") if p.stem not in ("session", "decoder", "frames", "__init__")],
    ids=_name,
)
def test_the_state_machine_never_calls_back_into_the_decoder(path):
    """Only the router (core/session.py) uses the decoder; the parts get decoded facts."""
    imported = _imports(path)
    assert not any(name.endswith((".decoder", ".frames")) or ".decoder." in name for name in imported)


@pytest.mark.parametrize("path", _in("telemetry"), ids=_name)
def test_telemetry_builders_read_records_not_the_state_machine(path):
    """telemetry/ reads plain records and values; it never drives the state machine."""
    parts = (
        "session",
        "turns",
        "outputs",
        "tools",
        "inputs",
        "audio",
        "lifecycle",
        "transcription",
        "decoder",
    )
    imported = _imports(path)
    assert not any(f"{PACKAGE}.core.{part}" in imported for part in parts), imported
    assert not any(".adapters" in name for name in imported)


@pytest.mark.parametrize("path", _in("adapters"), ids=_name)
def test_adapters_hand_frames_to_the_session_only(path):
    """An adapter uses the core through RealtimeSession (and the shared patching module) only."""
    core = {name for name in _imports(path) if f"{PACKAGE}.core" in name}
    assert core <= {f"{PACKAGE}.core.session", f"{PACKAGE}.core.session.RealtimeSession"}, core


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_no_module_grows_into_a_monolith(path):
    """No module over about 400 lines, no class over about 25 methods."""
    source = path.read_text()
    if _name(path) not in SIZE_EXCEPTIONS:
        assert len(source.splitlines()) <= MAX_LINES, _name(path)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            assert len(methods) <= MAX_METHODS, f"{_name(path)}: {node.name} has {len(methods)} methods"
