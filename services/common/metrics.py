"""Prometheus metrics (prometheus-client) for every process: HTTP, outbox, consumers, dead letters.

API processes serve them at `/metrics` on their own port; relays and consumers start a small HTTP server
on `<PREFIX>_METRICS_PORT`. Names and labels are listed in the README's operator section.
"""

from __future__ import annotations

import logging
import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest, start_http_server
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("thamm.metrics")

HTTP_LATENCY = Histogram(
    "thamm_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and status.",
    ["service", "method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)
OUTBOX_BACKLOG = Gauge("thamm_outbox_backlog", "Outbox rows not yet published.", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "thamm_outbox_oldest_pending_age_seconds", "Age of the oldest unpublished outbox row (0 when none).", ["service"]
)
OUTBOX_PUBLISHED = Counter("thamm_outbox_published_total", "Events the relay published.", ["service"])
CONSUMER_LAG = Gauge(
    "thamm_consumer_lag", "Records behind the partition's end, per consumer group.", ["group", "topic", "partition"]
)
CONSUMER_PROCESSED = Counter("thamm_consumer_processed_total", "Records a consumer group applied.", ["group", "topic"])
CONSUMER_RETRIES = Counter("thamm_consumer_retries_total", "Retries of failed records.", ["group", "topic"])
DEAD_LETTERS = Counter(
    "thamm_dead_letters_total", "Records written to a dead-letter topic.", ["group", "topic", "error_class"]
)


#: One statement for both outbox gauges (the partial index on pending rows keeps it cheap).
OUTBOX_BACKLOG_SQL = (
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 "
    "FROM outbox WHERE published_at IS NULL"
)


def set_outbox_gauges(service: str, backlog: int, oldest_age_s: float) -> None:
    OUTBOX_BACKLOG.labels(service).set(backlog)
    OUTBOX_OLDEST_AGE.labels(service).set(oldest_age_s)


def metrics_response() -> Response:
    """The process's metrics in the Prometheus text format."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def serve_metrics(port: int | None, host: str = "127.0.0.1") -> None:
    """Expose /metrics on its own port for a process without an HTTP API (relay, consumer)."""
    if port:
        start_http_server(port, addr=host)
        log.info("metrics on http://%s:%d/metrics", host, port)


class HttpMetricsMiddleware:
    """Times every request and labels it with the route template (never the raw path: ids would explode)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = str(getattr(scope.get("route"), "path", "unmatched"))  # the router records the route it chose
            HTTP_LATENCY.labels(self.service, scope["method"], route, str(status)).observe(
                time.perf_counter() - started
            )
