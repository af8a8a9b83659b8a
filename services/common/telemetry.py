"""OpenTelemetry set-up (once per process) and W3C trace-context helpers for the outbox and Kafka."""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from services.common.settings import ServiceSettings

_configured = False


def setup_telemetry(settings: ServiceSettings, *, exporter: SpanExporter | None = None) -> bool:
    """Install the tracer provider for this process; off unless settings or a test ask for an exporter.

    Returns whether tracing is on, so callers add instrumentation only then.
    """
    global _configured
    if _configured:
        return True
    if exporter is None:
        if settings.otel_exporter == "console":
            exporter = ConsoleSpanExporter()
        elif settings.otel_exporter == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            endpoint = (settings.otel_endpoint or "http://127.0.0.1:4318").rstrip("/") + "/v1/traces"
            exporter = OTLPSpanExporter(endpoint=endpoint)
    if exporter is None:
        return False
    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _configured = True
    return True


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def current_trace_headers() -> dict[str, str]:
    """The active trace context as W3C headers (`traceparent`, `tracestate`), empty when none is active."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {k: v for k, v in carrier.items() if k in ("traceparent", "tracestate")}


def context_from_headers(headers: Iterable[tuple[str, bytes]] | dict[str, str]) -> Context:
    """Extract a trace context from Kafka headers or a stored carrier."""
    if isinstance(headers, dict):
        carrier = headers
    else:
        carrier = {k: v.decode("utf-8", "replace") for k, v in headers if k in ("traceparent", "tracestate")}
    return propagate.extract(carrier)
