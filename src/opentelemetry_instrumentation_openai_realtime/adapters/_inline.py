"""A library method's own body with our hooks around it, in place of a wrapper that calls it.

A wrapper around an async method that runs once per frame costs a coroutine of its own per frame
(about a third of the adapters' share of the bare client's work). :func:`with_hooks` instead
compiles a copy of the method from its source, with the same body, in the library module's own
globals, and adds two calls: ``failed(self, exc, tag)`` when the body raises (the exception still
propagates unchanged) and, at each ``return``, ``received(self, result, tag)``, which must return
``result`` and never raise. It takes only methods whose shape it can reproduce exactly: ``(self)``
alone, no closure, no generator, no nested scope, no name mangling, no ``super()``; anything else
(or a source it cannot read) gives ``None``, and the adapter wraps the method as usual.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import logging
import textwrap
import types
from typing import Any, Callable, Optional

_logger = logging.getLogger(__name__)

Hook = Callable[[Any, Any, Any], None]

_FACTORY = "_otel_realtime_factory"
_EXC = "_otel_realtime_exc"
_RECEIVED = "_otel_realtime_received"
_FAILED = "_otel_realtime_failed"
_TAG = "_otel_realtime_tag"
_FORBIDDEN = (ast.Yield, ast.YieldFrom, ast.Global, ast.Nonlocal, ast.FunctionDef)
_FORBIDDEN_SCOPES = (ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def with_hooks(original: Any, received: Hook, failed: Hook, tag: Any) -> Optional[types.FunctionType]:
    """A copy of ``original`` with the hooks, or ``None`` when its shape is not one we reproduce."""
    try:
        return _compile(original, received, failed, tag)
    except Exception:  # a source we misread must never break the app: wrap as usual
        _logger.debug("cannot inline %r", original, exc_info=True)
        return None


def _compile(original: Any, received: Hook, failed: Hook, tag: Any) -> Optional[types.FunctionType]:
    if type(original) is not types.FunctionType or original.__code__.co_freevars:
        return None  # (exactly a function: another library's wrapper passes isinstance checks)
    code = original.__code__
    if code.co_argcount != 1 or code.co_kwonlyargcount or code.co_flags & (0x04 | 0x08):  # *args, **kw
        return None
    if original.__defaults__ or original.__kwdefaults__:
        return None
    try:
        source = textwrap.dedent(inspect.getsource(original))
    except (OSError, TypeError):
        return None
    tree = ast.parse(source)
    if len(tree.body) != 1 or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    fn = tree.body[0]
    if fn.name != original.__name__ or fn.decorator_list or fn.args.args[0].arg != "self":
        return None
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]  # the docstring
    if not body:
        return None
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, (*_FORBIDDEN, *_FORBIDDEN_SCOPES)):
            return None  # a generator or another scope: not a shape we reproduce exactly
        if isinstance(node, ast.Name) and (node.id == "super" or node.id.startswith("_otel_realtime")):
            return None
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
        if name.startswith("__") and not name.endswith("__"):
            return None  # mangled in its class: compiled here it would name another attribute
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Return):  # return received(self, value, tag)
            node.value = _call(_RECEIVED, node.value or ast.Constant(None))
    fn.body = [
        ast.Try(
            body=body,
            handlers=[
                ast.ExceptHandler(
                    type=ast.Name("BaseException", ast.Load()),
                    name=_EXC,
                    body=[
                        ast.Expr(_call(_FAILED, ast.Name(_EXC, ast.Load()))),
                        ast.Raise(exc=None, cause=None),
                    ],
                )
            ],
            orelse=[],
            finalbody=[],
        ),
    ]
    if not isinstance(body[-1], ast.Return):  # falls off its end: returns None
        fn.body.append(ast.Return(_call(_RECEIVED, ast.Constant(None))))
    fn.returns = None  # annotations are copied below, not evaluated again
    for arg in fn.args.args:
        arg.annotation = None
    factory = ast.FunctionDef(
        name=_FACTORY,
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(_RECEIVED), ast.arg(_FAILED), ast.arg(_TAG)],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=[fn, ast.Return(ast.Name(fn.name, ast.Load()))],
        decorator_list=[],
        returns=None,
    )
    module = ast.fix_missing_locations(ast.Module(body=[factory], type_ignores=[]))
    filename = (
        f"<{original.__module__}.{original.__qualname__} with opentelemetry_instrumentation_openai_realtime>"
    )
    text = ast.unparse(module) + "\n"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)  # for tracebacks
    namespace: dict[str, Any] = {}
    exec(compile(module, filename, "exec"), original.__globals__, namespace)  # the library's globals
    made = namespace[_FACTORY](received, failed, tag)
    if not isinstance(made, types.FunctionType) or made.__code__.co_flags & 0x80 != code.co_flags & 0x80:
        return None  # (async-ness differs: never expected)
    made.__qualname__ = original.__qualname__
    made.__module__ = original.__module__
    made.__annotations__ = dict(original.__annotations__)
    return made


def _call(hook: str, value: ast.expr) -> ast.Call:
    args: list[ast.expr] = [ast.Name("self", ast.Load()), value, ast.Name(_TAG, ast.Load())]
    return ast.Call(func=ast.Name(hook, ast.Load()), args=args, keywords=[])
