"""The span exporter that prints each realtime session's waterfall when its session span ends."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any, Optional, TextIO

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc

from .layout import _render
from .spans import _Key, _key, _operation, _parent_key
from .text import _ASCII, _UNICODE

__all__ = ["WaterfallExporter"]

_log = logging.getLogger(__name__)

_DEFAULT_WIDTH_RANGE = (80, 160)
_MAX_PENDING = 10_000
_MAX_DONE = 20_000


class WaterfallExporter(SpanExporter):
    """Prints a waterfall of each realtime session to ``stream`` when its session span ends.

    ``stream`` defaults to the ``sys.stdout`` of the moment of printing; ``width`` to the terminal
    width capped to 80..160 columns; ``color`` to ``stream.isatty()`` unless ``NO_COLOR`` is set;
    ``key`` (on by default) explains the short labels used under each waterfall. Export never
    raises and always reports success: this runs inside the app.

    Zero code, it is the ``realtime_waterfall`` traces exporter:
    ``OTEL_TRACES_EXPORTER=realtime_waterfall opentelemetry-instrument python app.py``.
    """

    def __init__(
        self,
        stream: Optional[TextIO] = None,
        width: Optional[int] = None,
        color: Optional[bool] = None,
        key: bool = True,
    ) -> None:
        self._stream = stream
        self._key = key
        self._width = width
        self._color = color
        self._lock = threading.Lock()
        self._pending: OrderedDict[_Key, ReadableSpan] = OrderedDict()
        self._done: OrderedDict[_Key, None] = OrderedDict()  # span ids already printed
        self._shutdown = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            with self._lock:
                if not self._shutdown:
                    self._collect(spans)
        except Exception:  # never break the app
            _log.debug("waterfall export failed", exc_info=True)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        try:
            with self._lock:
                if self._shutdown:
                    return
                self._shutdown = True
                leftovers = list(self._pending.values())
                self._pending.clear()
                self._done.clear()
                by_trace: dict[int, list[ReadableSpan]] = {}
                for span in leftovers:
                    by_trace.setdefault(_key(span)[0], []).append(span)
                for group in by_trace.values():
                    self._print(group)
        except Exception:
            _log.debug("waterfall shutdown failed", exc_info=True)

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True

    # -- internals

    def _collect(self, spans: Iterable[Any]) -> None:
        sessions: list[_Key] = []
        for span in spans:
            if not isinstance(span, ReadableSpan):
                continue
            key = _key(span)
            parent = _parent_key(span)
            if parent is not None and parent in self._done:
                self._mark_done(key)  # a late child of a session already printed
                continue
            self._pending[key] = span
            self._pending.move_to_end(key)
            if _operation(span) == sc.OPERATION_SESSION:
                sessions.append(key)
        while len(self._pending) > _MAX_PENDING:
            self._pending.popitem(last=False)
        for key in sessions:
            if key in self._pending:  # else printed with an enclosing session of the same batch
                tree = self._take_tree(key)
                try:
                    self._print(tree)
                except Exception:
                    _log.debug("waterfall render failed", exc_info=True)

    def _take_tree(self, root: _Key) -> list[ReadableSpan]:
        children: dict[_Key, list[_Key]] = {}
        for key, span in self._pending.items():
            parent = _parent_key(span)
            if parent is not None and key[0] == root[0]:
                children.setdefault(parent, []).append(key)
        keys, todo, seen = [], [root], {root}
        while todo:
            key = todo.pop()
            keys.append(key)
            for child in children.get(key, ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        tree = [self._pending.pop(key) for key in keys]
        for key in keys:
            self._mark_done(key)
        return tree

    def _mark_done(self, key: _Key) -> None:
        self._done[key] = None
        while len(self._done) > _MAX_DONE:
            self._done.popitem(last=False)

    def _print(self, spans: Sequence[ReadableSpan]) -> None:
        stream = self._stream if self._stream is not None else sys.stdout
        if stream is None:  # pythonw
            return
        width = self._width if self._width is not None else _terminal_width()
        color = self._color if self._color is not None else _wants_color(stream)
        text = _render(spans, width, color, _UNICODE, self._key)
        if not text:
            return
        try:
            stream.write(text)
        except UnicodeEncodeError:  # a console that cannot print block characters
            stream.write(_render(spans, width, color, _ASCII, self._key))
        flush = getattr(stream, "flush", None)
        if callable(flush):
            flush()


def _terminal_width() -> int:
    try:
        columns = shutil.get_terminal_size().columns
    except Exception:
        columns = _DEFAULT_WIDTH_RANGE[0]
    low, high = _DEFAULT_WIDTH_RANGE
    return max(low, min(high, columns))


def _wants_color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR", ""):
        return False
    try:
        return bool(stream.isatty())
    except Exception:
        return False
