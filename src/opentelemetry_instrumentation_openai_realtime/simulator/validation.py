"""Checking simulator server events against the installed ``openai`` SDK's own models.

:func:`validate_server_event` selects the member of the SDK's ``RealtimeServerEvent`` union by the
event's ``type`` and validates the event strictly with pydantic. The SDK and pydantic are imported
lazily, on the first validation of a dialect; :func:`warm_up` does that work ahead of time, so that
the first validated event of a session is not slower than the next ones.
"""

from __future__ import annotations

import copy
import fnmatch
import functools
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

from .dialects import DIALECTS, Dialect, check_dialect

__all__ = [
    "EventValidationError",
    "installed_dialects",
    "server_event_types",
    "validate_server_event",
    "warm_up",
]


class EventValidationError(ValueError):
    """A server event does not match the installed ``openai`` SDK's model for it."""

    def __init__(self, message: str, *, event_type: Optional[str] = None, dialect: Optional[str] = None):
        super().__init__(message)
        self.event_type = event_type
        self.dialect = dialect


@dataclass(frozen=True)
class _Rule:
    """A known gap between what the live API sends and what some SDK version declares."""

    dialects: tuple[str, ...]
    event_type: str  # fnmatch pattern over the event type
    path: str  # fnmatch pattern over the dotted field path; list indexes are written "#"
    error_types: tuple[str, ...] = ()  # for value relaxations: pydantic error types that are tolerated
    values: Optional[tuple[Any, ...]] = None  # tolerated inputs; None means "any string"


# Fields the live API sends but (some versions of) the SDK models do not declare. They are kept by the
# SDK as pydantic "extra" fields; any *other* undeclared field fails validation.
_UNDECLARED_FIELDS: tuple[_Rule, ...] = (
    # Session metadata: never declared by the GA session model; beta declares only ``id``.
    _Rule(("ga", "beta"), "session.*", "session.id"),
    _Rule(("ga", "beta"), "session.*", "session.object"),
    _Rule(("ga", "beta"), "session.*", "session.expires_at"),
    # Declared by newer SDKs only (openai 1.58 beta models are older than these fields).
    _Rule(("beta",), "session.*", "session.input_audio_noise_reduction"),
    _Rule(("beta",), "session.*", "session.speed"),
    _Rule(("beta",), "session.*", "session.tracing"),
    _Rule(("beta",), "session.*", "session.turn_detection.create_response"),
    _Rule(("beta",), "session.*", "session.turn_detection.interrupt_response"),
    _Rule(("beta",), "session.*", "session.turn_detection.eagerness"),
    _Rule(("beta",), "session.*", "session.input_audio_transcription.language"),
    _Rule(("beta",), "session.*", "session.input_audio_transcription.prompt"),
    _Rule(("beta",), "response.*", "response.conversation_id"),
    _Rule(("beta",), "response.*", "response.max_output_tokens"),
    _Rule(("beta",), "response.*", "response.modalities"),
    _Rule(("beta",), "response.*", "response.output_audio_format"),
    _Rule(("beta",), "response.*", "response.temperature"),
    _Rule(("beta",), "response.*", "response.voice"),
    _Rule(("beta",), "conversation.item.input_audio_transcription.completed", "usage"),
    _Rule(("ga",), "response.function_call_arguments.done", "name"),
    _Rule(("ga", "beta"), "response.*", "response.status_details.error.message"),
    # GA text and transcript deltas carry an `obfuscation` field (padding against length analysis).
    _Rule(("ga",), "response.output_text.delta", "obfuscation"),
    _Rule(("ga",), "response.output_audio_transcript.delta", "obfuscation"),
    _Rule(("ga",), "response.function_call_arguments.delta", "obfuscation"),
    _Rule(("ga",), "conversation.item.input_audio_transcription.delta", "obfuscation"),
)

# Fields the SDK models require but the live API may leave out; such an event is validated with the
# stand-in value in their place: (dialects, event type, dotted path, stand-in).
_OMITTED_FIELDS: tuple[tuple[tuple[str, ...], str, str, Any], ...] = (
    # servers before late 2025 sent no transcription usage
    (
        ("ga", "beta"),
        "conversation.item.input_audio_transcription.completed",
        "usage",
        {"type": "duration", "seconds": 0.0},
    ),
    # "not present when a session is updated via the WebSocket API" (the SDK's own docstring)
    (("beta",), "transcription_session.updated", "session.client_secret", {"value": "", "expires_at": 0}),
)

# Values the live API sends that some SDK versions' literal types do not list.
_RELAXED_VALUES: tuple[_Rule, ...] = (
    # Model and voice literals are open enums: the API reports whatever model/voice is in use.
    _Rule(("ga", "beta"), "*", "*model", ("literal_error",), None),
    _Rule(("ga", "beta"), "*", "*voice", ("literal_error",), None),
    # openai 1.58 beta models predate these values.
    _Rule(("beta",), "*", "*content.#.type", ("literal_error",), ("audio",)),
    _Rule(("beta",), "*", "*status", ("literal_error",), ("in_progress",)),
    _Rule(("beta",), "*", "previous_item_id", ("string_type",), (None,)),
)


def _sdk_version() -> str:
    try:
        import openai

        return str(getattr(openai, "__version__", "unknown"))
    except ImportError:  # pragma: no cover - the SDK is a prerequisite of validation
        return "not installed"


_UNION_ORIGINS = (Union, getattr(types, "UnionType", Union))  # typing.Union and, on 3.10+, X | Y


def _union_members(union: Any) -> list[Any]:
    """Flatten ``Annotated[Union[...], ...]`` into its member classes."""
    origin = typing.get_origin(union)
    if origin is typing.Annotated:
        return _union_members(typing.get_args(union)[0])
    if origin in _UNION_ORIGINS:
        members: list[Any] = []
        for arg in typing.get_args(union):
            members.extend(_union_members(arg))
        return members
    return [union]


@functools.cache
def _server_event_classes(dialect: str) -> dict[str, Any]:
    """Map event type -> SDK model class, from the SDK's ``RealtimeServerEvent`` union of ``dialect``."""
    d = check_dialect(dialect)
    try:
        if d == "ga":
            from openai.types.realtime import RealtimeServerEvent
        else:
            from openai.types.beta.realtime import RealtimeServerEvent
    except ImportError as exc:
        raise EventValidationError(
            f"openai {_sdk_version()} has no {d} Realtime types ({exc})", dialect=d
        ) from exc
    classes: dict[str, Any] = {}
    for member in _union_members(RealtimeServerEvent):
        fields = getattr(member, "model_fields", None)
        if not fields or "type" not in fields:
            continue
        for literal in typing.get_args(fields["type"].annotation):
            if isinstance(literal, str):
                classes[literal] = member
    return classes


@functools.cache
def _translation_event_classes() -> dict[str, Any]:
    """Map event type -> SDK model class of translation sessions (``RealtimeTranslationServerEvent``,
    openai 3.34+)."""
    try:
        from openai.types.realtime import RealtimeTranslationServerEvent
    except ImportError as exc:
        raise EventValidationError(
            f"openai {_sdk_version()} has no Realtime translation types ({exc})", dialect="ga"
        ) from exc
    classes: dict[str, Any] = {}
    for member in _union_members(RealtimeTranslationServerEvent):
        fields = getattr(member, "model_fields", None)
        for literal in typing.get_args(fields["type"].annotation) if fields and "type" in fields else ():
            if isinstance(literal, str):
                classes[literal] = member
    return classes


@functools.cache
def _adapter(cls: Any) -> Any:
    try:
        from pydantic import TypeAdapter
    except ImportError as exc:  # pragma: no cover - pydantic v1
        raise EventValidationError("validate_server_event requires pydantic v2") from exc
    return TypeAdapter(cls)


def installed_dialects() -> tuple[Dialect, ...]:
    """Dialects whose server event types the installed ``openai`` SDK defines (GA needs openai >= 1.103)."""
    found: list[Dialect] = []
    for dialect in DIALECTS:
        try:
            _server_event_classes(dialect)
        except EventValidationError:
            continue
        found.append(dialect)
    return tuple(found)


def server_event_types(dialect: str) -> frozenset[str]:
    """All server event types that the installed SDK defines for ``dialect``."""
    return frozenset(_server_event_classes(dialect))


def _matches(rule: _Rule, dialect: str, type_: str, path: str) -> bool:
    return (
        dialect in rule.dialects
        and fnmatch.fnmatchcase(type_, rule.event_type)
        and fnmatch.fnmatchcase(path, rule.path)
    )


def _resolve_loc(event: Any, loc: Sequence[Any]) -> Optional[tuple[list[Any], str]]:
    """Map a pydantic error location onto the input: the key path and its dotted form.

    Returns ``None`` when the location goes through a union member tag (the error then belongs to one
    of several alternatives and cannot be relaxed safely).
    """
    keys: list[Any] = []
    parts: list[str] = []
    current = event
    for segment in loc:
        if isinstance(current, Mapping) and isinstance(segment, str) and segment in current:
            keys.append(segment)
            parts.append(segment)
            current = current[segment]
        elif isinstance(current, list) and isinstance(segment, int) and 0 <= segment < len(current):
            keys.append(segment)
            parts.append("#")
            current = current[segment]
        else:
            return None
    return keys, ".".join(parts)


def _relaxable(dialect: str, type_: str, event: Any, error: Mapping[str, Any]) -> Optional[list[Any]]:
    resolved = _resolve_loc(event, error.get("loc", ()))
    if resolved is None:
        return None
    keys, path = resolved
    value = error.get("input")
    for rule in _RELAXED_VALUES:
        if not _matches(rule, dialect, type_, path) or error.get("type") not in rule.error_types:
            continue
        if rule.values is None and isinstance(value, str):
            return keys
        if rule.values is not None and any(value is v or value == v for v in rule.values):
            return keys
    return None


def _patch(event: Any, keys: Sequence[Any], value: Any) -> None:
    container = event
    for key in keys[:-1]:
        container = container[key]
    last = keys[-1]
    if value is None and isinstance(container, dict):
        # Optional field with a value the SDK's literal does not list: validate the rest without it.
        container.pop(last, None)
    else:
        container[last] = value


def _extras(model: Any, path: str) -> Iterator[str]:
    """Dotted paths of all undeclared ("extra") fields kept by SDK models inside ``model``."""
    from pydantic import BaseModel

    if isinstance(model, BaseModel):
        for key in model.__pydantic_extra__ or {}:
            yield f"{path}.{key}" if path else key
        for name in type(model).model_fields:
            yield from _extras(getattr(model, name, None), f"{path}.{name}" if path else name)
    elif isinstance(model, (list, tuple)):
        for item in model:
            yield from _extras(item, f"{path}.#" if path else "#")
    elif isinstance(model, dict):
        for key, item in model.items():
            if isinstance(item, (BaseModel, list, tuple, dict)):
                yield from _extras(item, f"{path}.{key}" if path else str(key))


def _with_stand_ins(event: Mapping[str, Any], dialect: str, type_: str) -> Any:
    """``event``, or a copy with stand-ins for the fields the live API may omit (see
    ``_OMITTED_FIELDS``)."""
    candidate: Any = event
    for dialects, event_type, path, stand_in in _OMITTED_FIELDS:
        if dialect not in dialects or event_type != type_:
            continue
        *parents, last = path.split(".")
        container: Any = candidate
        for key in parents:
            container = container.get(key) if isinstance(container, Mapping) else None
        if not isinstance(container, Mapping) or last in container:
            continue
        if candidate is event:
            candidate = copy.deepcopy(dict(event))
            container = candidate
            for key in parents:
                container = container[key]
        container[last] = copy.deepcopy(stand_in)
    return candidate


def validate_server_event(event: Mapping[str, Any], dialect: str, *, translation: bool = False) -> None:
    """Check ``event`` against the installed ``openai`` SDK's server event model for ``dialect``.

    The member of the SDK's ``RealtimeServerEvent`` union (``openai.types.realtime`` for GA,
    ``openai.types.beta.realtime`` for beta) is selected by the event's ``type`` -- the union is
    discriminated by ``type`` -- and the event is validated with a pydantic ``TypeAdapter`` in strict
    mode (no ``"1"`` for an ``int``). Then:

    * the validated model's ``type`` must equal the event's type;
    * no field may end up as an undeclared ("extra") field anywhere in the model tree: SDK models
      accept unknown keys silently, so this is what catches a misspelled field, or an object that
      pydantic could only fit into an unrelated union member. A short, documented list of fields that
      the live API sends without (some versions of) the SDK declaring them is accepted (``session.id``,
      ``session.object``, ``session.expires_at``; the newer beta response fields on openai 1.58 ...);
    * a few fields the SDK requires but the live API may omit (``usage`` of a transcription from
      older servers) are validated with a stand-in;
    * a few literal values that older SDKs do not list but the API sends (e.g. ``status:
      "in_progress"`` or content type ``audio`` in openai 1.58's beta models, any model or voice name)
      are tolerated.

    With ``translation=True`` the event is checked against the translation sessions' union
    (``RealtimeTranslationServerEvent``, openai 3.34+) instead.

    Raises :class:`EventValidationError` if the event is invalid, or if the installed SDK does not know
    the event type in that dialect (e.g. any GA event with openai < 1.103).
    """
    d = check_dialect(dialect)
    type_ = event.get("type") if isinstance(event, Mapping) else None
    if not isinstance(type_, str):
        raise EventValidationError(f"server event without a string 'type': {event!r}", dialect=d)
    classes = _translation_event_classes() if translation else _server_event_classes(d)
    cls = classes.get(type_)
    if cls is None:
        raise EventValidationError(
            f"openai {_sdk_version()} defines no {d} server event of type {type_!r}",
            event_type=type_,
            dialect=d,
        )
    from pydantic import ValidationError

    adapter = _adapter(cls)
    candidate: Any = _with_stand_ins(event, d, type_)
    model: Any = None
    for _attempt in range(8):
        try:
            model = adapter.validate_python(candidate, strict=True)
            break
        except ValidationError as exc:
            errors = exc.errors()
            patches = [_relaxable(d, type_, candidate, error) for error in errors]
            if any(p is None for p in patches):
                raise EventValidationError(
                    f"invalid {d} {type_!r} event for openai {_sdk_version()}: {exc}",
                    event_type=type_,
                    dialect=d,
                ) from None
            if candidate is event:
                candidate = copy.deepcopy(dict(event))
            for keys, error in zip(patches, errors):
                assert keys is not None
                _patch(candidate, keys, "" if error.get("type") == "string_type" else None)
    else:  # pragma: no cover - defensive
        raise EventValidationError(f"could not validate {type_!r}", event_type=type_, dialect=d)
    if getattr(model, "type", None) != type_:
        raise EventValidationError(
            f"{type_!r} event validated as {type(model).__name__} of type {getattr(model, 'type', None)!r}",
            event_type=type_,
            dialect=d,
        )
    unexpected = [
        path
        for path in _extras(model, "")
        if not any(_matches(r, d, type_, path) for r in _UNDECLARED_FIELDS)
    ]
    if unexpected:
        raise EventValidationError(
            f"{d} {type_!r} event has fields that openai {_sdk_version()} does not declare "
            f"(misspelled, or parsed into the wrong union member): {', '.join(unexpected)}",
            event_type=type_,
            dialect=d,
        )


def warm_up(dialect: str) -> bool:
    """Do ahead of time what the first validation of each event type would do on the way: import
    the SDK's types of ``dialect`` and build the pydantic validator of every server event model.

    Called when a validating simulator starts, so that the first turn of a session is not slower
    than the next ones (otherwise the first ``response.created``, item and delta events each pay
    for building their validator, and the first turn's time to first chunk is inflated by tens of
    milliseconds). Returns ``False`` if the installed SDK has no such types (then every validation
    raises :class:`EventValidationError`, as before).
    """
    try:
        classes = _server_event_classes(check_dialect(dialect))
        from pydantic import ValidationError

        for cls in set(classes.values()):
            try:
                _adapter(cls).validate_python({}, strict=True)  # fails, after building the validator
            except ValidationError:
                pass
    except EventValidationError:
        return False
    return True
