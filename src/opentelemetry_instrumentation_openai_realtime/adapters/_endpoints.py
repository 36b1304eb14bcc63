"""Which socket URLs are Realtime sessions, for the socket-level adapters (websockets, aiohttp).

A socket is a Realtime session when its URL path is a Realtime endpoint, on any host (gateways,
proxies, relays and local simulators serve the same paths):

- ``/v1/realtime`` (the model from the ``model`` query; none for a sideband ``call_id`` socket);
- Azure's ``/openai/realtime`` (the ``deployment`` query is the model) and ``/openai/v1/realtime``
  (``model``, which names the deployment);
- each with ``/translations`` after it (translation sessions);

or when it starts with one of the user's prefixes (``url_prefixes``,
``OTEL_INSTRUMENTATION_OPENAI_REALTIME_URL_PREFIXES``): a path (``/my/realtime``, any host) or a
host and path (``gateway.example.com/realtime``, a scheme before it is ignored).

What is read: host, port, path, and the ``model`` / ``deployment`` / ``call_id`` query parameters
(a call id names a call and grants nothing without the project's key: docs/signals.md, *Calls*). Nothing else
of the URL is kept (its query can carry keys and client secrets; its user info a password), and
of the headers only whether ``OpenAI-Beta: realtime=v1`` asks for the beta protocol.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import parse_qs

from opentelemetry_instrumentation_openai_realtime.telemetry import semconv as sc

_OPENAI_PATHS = ("/v1/realtime",)
_AZURE_PATHS = ("/openai/realtime", "/openai/v1/realtime")
_AZURE_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")
_TRANSLATIONS = "/translations"


@dataclass(frozen=True)
class Endpoint:
    """What a Realtime socket's URL says: the session's model, provider, server and protocol."""

    model: Optional[str]
    provider: str
    address: Optional[str]
    port: Optional[int]
    api: str  # "ga", "beta" or "translations"
    call_id: Optional[str] = None  # the sideband of a WebRTC or SIP call (``?call_id=``)

    def session_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "model": self.model,
            "provider": self.provider,
            "server_address": self.address,
            "server_port": self.port,
            "api": self.api,
        }
        if self.call_id:
            options["call_id"] = self.call_id
        return options


def _first(query: Mapping[str, list[str]], name: str) -> Optional[str]:
    values = query.get(name)
    return values[0] if values and values[0] else None


def _matches_prefix(host: str, port: Optional[int], path: str, prefixes: Iterable[str]) -> bool:
    for prefix in prefixes:
        if prefix.startswith("/"):
            if path.startswith(prefix):
                return True
            continue
        bare = prefix.split("://", 1)[-1]
        if f"{host}{path}".startswith(bare) or f"{host}:{port}{path}".startswith(bare):
            return True
    return False


def _beta(headers: Any) -> bool:
    """Whether the handshake's headers ask for the beta protocol (``OpenAI-Beta: realtime=v1``)."""
    if not headers:
        return False
    try:
        items = headers.items() if hasattr(headers, "items") else headers
        for key, value in items:
            if str(key).lower() == "openai-beta" and "realtime=v1" in str(value).lower():
                return True
    except Exception:
        return False
    return False


def endpoint(
    host: Optional[str],
    port: Optional[int],
    path: str,
    query: str,
    headers: Any = None,
    prefixes: Iterable[str] = (),
) -> Optional[Endpoint]:
    """The :class:`Endpoint` of a socket URL (its parts), or ``None`` if it is no Realtime session."""
    host = (host or "").lower()
    clean = path.rstrip("/") or "/"
    translations = clean.endswith(_TRANSLATIONS)
    base = clean[: -len(_TRANSLATIONS)] if translations else clean
    azure_path = base in _AZURE_PATHS
    if base not in _OPENAI_PATHS and not azure_path and not _matches_prefix(host, port, clean, prefixes):
        return None
    params = parse_qs(query or "", keep_blank_values=False)
    model = _first(params, "model")
    if base == "/openai/realtime":
        model = _first(params, "deployment") or model
    azure = azure_path or host.endswith(_AZURE_HOSTS)
    if translations:
        api = "translations"
    elif _beta(headers) or (
        base == "/openai/realtime" and "preview" in (_first(params, "api-version") or "")
    ):
        api = "beta"  # asked for by header, or an Azure preview API version (the beta protocol)
    else:
        api = "ga"
    return Endpoint(
        model=model,
        provider=sc.PROVIDER_AZURE if azure else sc.PROVIDER_OPENAI,
        address=host or None,
        port=port,
        api=api,
        call_id=_first(params, "call_id"),
    )
