"""A small OTLP/HTTP receiver for end-to-end tests: what an OTLP backend would be sent.

It listens on ``127.0.0.1`` (a random free port), accepts ``POST .../v1/traces``,
``.../v1/metrics`` and ``.../v1/logs`` bodies in protobuf (optionally gzip- or deflate-compressed),
decodes them with the ``opentelemetry-proto`` messages, records every request's headers, and
exposes the spans as plain dicts::

    with OTLPReceiver() as receiver:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint   # http://127.0.0.1:PORT
        ...                                                       # run the exporting app
        receiver.wait_for_spans(lambda spans: len(spans) >= 5)
        for span in receiver.spans():
            span["name"], span["attributes"]["gen_ai.operation.name"], span["parent_span_id"]

Any path that ends with ``/v1/traces`` (``/v1/metrics``, ``/v1/logs``) is accepted, so exporters
configured with a base path (Braintrust's ``/otel/v1/traces``) work unchanged. Other content types
(OTLP/JSON) are refused with 415, and undecodable bodies with 400, like a real collector.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

SIGNALS = {
    "traces": (ExportTraceServiceRequest, ExportTraceServiceResponse),
    "metrics": (ExportMetricsServiceRequest, ExportMetricsServiceResponse),
    "logs": (ExportLogsServiceRequest, ExportLogsServiceResponse),
}
PROTOBUF = "application/x-protobuf"


def any_value(value: AnyValue) -> Any:
    """An OTLP ``AnyValue`` as a Python value (arrays as lists, key-value lists as dicts)."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return attributes(value.kvlist_value.values)
    return getattr(value, kind)


def attributes(pairs: Any) -> dict[str, Any]:
    """Repeated OTLP ``KeyValue`` as a dict."""
    result: dict[str, Any] = {}
    for pair in pairs:
        assert isinstance(pair, KeyValue)
        result[pair.key] = any_value(pair.value)
    return result


def _span_kind(kind: int) -> str:
    return Span.SpanKind.Name(kind).removeprefix("SPAN_KIND_")


def _status_code(code: int) -> str:
    return Status.StatusCode.Name(code).removeprefix("STATUS_CODE_")


def _hex(raw: bytes) -> Optional[str]:
    return raw.hex() if raw else None


@dataclass
class Received:
    """One export request as the receiver got it."""

    signal: str  # "traces" | "metrics" | "logs"
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes  # decompressed protobuf
    message: Any = field(repr=False)  # the decoded Export*ServiceRequest


class OTLPReceiver:
    """An in-process OTLP/HTTP (protobuf) endpoint on ``127.0.0.1``; use as a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Condition()
        self._requests: list[Received] = []
        self.rejected: list[tuple[str, int, str]] = []  # (path, status, reason)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                receiver._handle(self)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """The base URL, as ``OTEL_EXPORTER_OTLP_ENDPOINT`` takes it (``/v1/traces`` is appended)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OTLPReceiver:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> OTLPReceiver:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self.rejected.clear()

    # -- HTTP --------------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        signal = next((s for s in SIGNALS if path.rstrip("/").endswith(f"/v1/{s}")), None)
        if signal is None:
            return self._reply(request, 404, b"unknown OTLP path", path)
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != PROTOBUF:
            return self._reply(request, 415, b"only application/x-protobuf is accepted", path)
        encoding = (request.headers.get("Content-Encoding") or "identity").strip().lower()
        try:
            if encoding == "gzip":
                body = gzip.decompress(raw)
            elif encoding == "deflate":
                body = zlib.decompress(raw)
            elif encoding == "identity":
                body = raw
            else:
                return self._reply(request, 415, b"unsupported Content-Encoding", path)
            request_cls, response_cls = SIGNALS[signal]
            message = request_cls()
            message.ParseFromString(body)
        except Exception as exc:  # a corrupt body is the exporter's bug: record it, answer 400
            return self._reply(request, 400, f"cannot decode: {exc}".encode(), path)
        headers = {name.lower(): value for name, value in request.headers.items()}
        with self._lock:
            self._requests.append(Received(signal, path, headers, body, message))
            self._lock.notify_all()
        self._reply(request, 200, response_cls().SerializeToString(), None, PROTOBUF)

    def _reply(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        rejected_path: Optional[str],
        content_type: str = "text/plain",
    ) -> None:
        if rejected_path is not None:
            with self._lock:
                self.rejected.append((rejected_path, status, body.decode(errors="replace")))
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    # -- what was received -------------------------------------------------------------------------

    def requests(self, signal: Optional[str] = None) -> list[Received]:
        with self._lock:
            return [r for r in self._requests if signal is None or r.signal == signal]

    def spans(self) -> list[dict[str, Any]]:
        """Every span received so far, in arrival order, as a plain dict::

        {name, trace_id, span_id, parent_span_id (hex or None), kind ("INTERNAL", "CLIENT", ...),
         attributes, status {code ("UNSET"/"OK"/"ERROR"), message}, events [{name, time_unix_nano,
         attributes}], links [{trace_id, span_id}], start_time_unix_nano, end_time_unix_nano,
         resource (attributes), scope (instrumentation scope name), request (index into
         requests("traces"))}
        """
        result = []
        for index, received in enumerate(self.requests("traces")):
            for resource_spans in received.message.resource_spans:
                resource = attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        result.append(
                            {
                                "name": span.name,
                                "trace_id": span.trace_id.hex(),
                                "span_id": span.span_id.hex(),
                                "parent_span_id": _hex(span.parent_span_id),
                                "kind": _span_kind(span.kind),
                                "attributes": attributes(span.attributes),
                                "status": {
                                    "code": _status_code(span.status.code),
                                    "message": span.status.message,
                                },
                                "events": [
                                    {
                                        "name": event.name,
                                        "time_unix_nano": event.time_unix_nano,
                                        "attributes": attributes(event.attributes),
                                    }
                                    for event in span.events
                                ],
                                "links": [
                                    {"trace_id": link.trace_id.hex(), "span_id": link.span_id.hex()}
                                    for link in span.links
                                ],
                                "start_time_unix_nano": span.start_time_unix_nano,
                                "end_time_unix_nano": span.end_time_unix_nano,
                                "resource": resource,
                                "scope": scope_spans.scope.name,
                                "request": index,
                            }
                        )
        return result

    def metric_names(self) -> set[str]:
        names = set()
        for received in self.requests("metrics"):
            for resource_metrics in received.message.resource_metrics:
                for scope_metrics in resource_metrics.scope_metrics:
                    names.update(metric.name for metric in scope_metrics.metrics)
        return names

    def log_records(self) -> list[dict[str, Any]]:
        records = []
        for received in self.requests("logs"):
            for resource_logs in received.message.resource_logs:
                for scope_logs in resource_logs.scope_logs:
                    for record in scope_logs.log_records:
                        records.append(
                            {
                                "event_name": getattr(record, "event_name", ""),
                                "body": any_value(record.body),
                                "attributes": attributes(record.attributes),
                                "trace_id": _hex(record.trace_id),
                                "span_id": _hex(record.span_id),
                            }
                        )
        return records

    def wait_for_spans(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until ``predicate(spans())`` holds; returns the spans (or raises ``TimeoutError``)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                spans = self.spans()
                if predicate(spans):
                    return spans
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"OTLP receiver: condition not met after {timeout} s; "
                        f"{len(spans)} spans: {[s['name'] for s in spans]}; rejected: {self.rejected}"
                    )
                self._lock.wait(min(left, 0.1))
