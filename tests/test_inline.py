"""The receive hook compiled into the library's own method body (adapters/_inline.py): same
results, same exceptions, our hooks called once; shapes it cannot reproduce exactly are declined."""

from __future__ import annotations

import asyncio
import importlib
import inspect
from typing import Any

import pytest

from opentelemetry_instrumentation_openai_realtime.adapters._inline import with_hooks
from opentelemetry_instrumentation_openai_realtime.adapters.openai_sdk import MODULES

from .sdk_app import APIS


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, Any]] = []

    def received(self, conn: Any, value: Any, tag: Any) -> Any:
        self.calls.append(("received", value, tag))
        return value

    def failed(self, conn: Any, exc: BaseException, tag: Any) -> None:
        self.calls.append(("failed", type(exc).__name__, tag))


class Source:
    """Methods of the shapes the SDK has (and some it must not be confused with)."""

    def __init__(self, frames: list[Any]) -> None:
        self.frames = frames
        self.__secret = "mangled"
        self.attempt = 1

    async def recv_async(self) -> bytes:
        """Docstring."""
        message = self.frames.pop(0)
        if isinstance(message, BaseException):
            raise message
        if self.attempt:
            try:
                int(message)
            except ValueError:
                return message  # an early return, as the GA SDK's recv_bytes has
            self.attempt = 0
        return message

    def recv_sync(self) -> bytes:
        message = self.frames.pop(0)
        if isinstance(message, BaseException):
            raise message
        return message

    def no_return(self) -> None:
        self.frames.append(b"x")

    def mangled(self) -> str:
        return self.__secret

    def with_args(self, count: int = 1) -> Any:
        return self.frames[:count]

    def generator(self) -> Any:
        yield self.frames.pop(0)

    def nested(self) -> Any:
        def inner() -> Any:
            return self.frames.pop(0)

        return inner()


def test_the_copy_returns_what_the_original_returns_and_calls_the_hook_at_each_return():
    recorder = Recorder()
    recv = with_hooks(Source.recv_async, recorder.received, recorder.failed, "ga")
    assert recv is not None and inspect.iscoroutinefunction(recv)
    source = Source([b"not a number", b"42", b"later"])
    assert [asyncio.run(recv(source)) for _ in range(3)] == [b"not a number", b"42", b"later"]
    assert recorder.calls == [
        ("received", b"not a number", "ga"),
        ("received", b"42", "ga"),
        ("received", b"later", "ga"),
    ]
    assert recv.__name__ == "recv_async" and recv.__qualname__ == Source.recv_async.__qualname__
    assert recv.__annotations__ == Source.recv_async.__annotations__


def test_the_copy_raises_what_the_original_raises_after_telling_the_hook():
    recorder = Recorder()
    recv = with_hooks(Source.recv_sync, recorder.received, recorder.failed, "beta")
    assert recv is not None
    error = ConnectionResetError("dropped")
    with pytest.raises(ConnectionResetError) as raised:
        recv(Source([error]))
    assert raised.value is error
    assert recorder.calls == [("failed", "ConnectionResetError", "beta")]
    cancelled = asyncio.CancelledError()
    recv_async = with_hooks(Source.recv_async, recorder.received, recorder.failed, "beta")
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(recv_async(Source([cancelled])))
    assert recorder.calls[-1] == ("failed", "CancelledError", "beta")


def test_a_body_that_falls_off_its_end_returns_none_through_the_hook():
    recorder = Recorder()
    copy = with_hooks(Source.no_return, recorder.received, recorder.failed, None)
    source = Source([])
    assert copy is not None and copy(source) is None
    assert source.frames == [b"x"] and recorder.calls == [("received", None, None)]


@pytest.mark.parametrize("method", ["mangled", "with_args", "generator", "nested"])
def test_shapes_it_cannot_reproduce_exactly_are_declined(method):
    """Name mangling would name another attribute, extra parameters, generators and nested scopes
    are not reproduced: the adapter wraps those as usual."""
    recorder = Recorder()
    assert with_hooks(getattr(Source, method), recorder.received, recorder.failed, None) is None
    assert with_hooks(len, recorder.received, recorder.failed, None) is None  # no Python source


def test_another_librarys_wrapper_is_never_inlined_past():
    """A wrapt wrapper passes isinstance(..., FunctionType): it must still be called, not skipped."""
    from wrapt import FunctionWrapper

    recorder = Recorder()
    wrapped = FunctionWrapper(
        Source.recv_sync, lambda wrapped, instance, args, kwargs: wrapped(*args, **kwargs)
    )
    assert with_hooks(wrapped, recorder.received, recorder.failed, None) is None


@pytest.mark.sdk
@pytest.mark.parametrize("api", APIS)
def test_every_sdk_recv_bytes_of_the_matrix_is_inlined(api):
    """On every SDK version of the matrix, each connection's recv_bytes has a shape the copy
    reproduces (else the per-frame cost would silently go back up: the wrapper is the fallback)."""
    module = importlib.import_module(dict((a, m) for m, a in MODULES)[api])
    recorder = Recorder()
    for name in ("RealtimeConnection", "AsyncRealtimeConnection"):
        original = getattr(module, name).recv_bytes
        assert with_hooks(original, recorder.received, recorder.failed, api) is not None, (name, api)
