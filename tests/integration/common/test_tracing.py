"""One trace from an HTTP request through the outbox, Kafka and a consumer (traceparent carried across)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from contracts.applications import ApplicationSubmitted
from contracts.base import Event
from contracts.envelope import Envelope
from contracts.topics import APPLICATIONS
from deploy.local.demo_data import application_body
from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.applications.app import create_app
from services.common.consumer import EventConsumer
from services.common.migrations import upgrade_to_head
from services.common.relay import OutboxRelay
from services.common.telemetry import setup_telemetry
from tests.support.backbone import running, until
from tests.support.helpers import MIGRATIONS, applications_database, applications_settings, auth

pytestmark = pytest.mark.integration


async def test_one_trace_spans_http_outbox_kafka_and_consumer(
    infra: Stack, stack_settings: StackSettings, tmp_path: Path
) -> None:
    exporter = InMemorySpanExporter()
    # Its own database: a running applications relay process elsewhere would otherwise publish the event.
    database = await applications_database(stack_settings, "tracing")
    settings = applications_settings(stack_settings, database, document_dir=tmp_path)
    setup_telemetry(settings, exporter=exporter)
    assert isinstance(trace.get_tracer_provider(), TracerProvider), "tracing was set up elsewhere in this process"
    await upgrade_to_head(settings, MIGRATIONS)

    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api", headers=auth()) as http,
    ):
        created = await http.post("/v1/applications", json=application_body("Nadia", "Idrissi", "2004-02-02"))
        assert created.status_code == 201, created.text
        response = await http.post(f"/v1/applications/{created.json()['id']}/submit")
    assert response.status_code == 200, response.text
    candidate = response.json()["candidate_id"]
    seen: list[Any] = []

    async def observe(event: Event, envelope: Envelope, _session: Any) -> None:
        if event.subject() == candidate:
            seen.append(trace.get_current_span().get_span_context())

    consumer = EventConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group=f"g-trace-{uuid.uuid4()}",
        topics=(APPLICATIONS,),
        handlers={ApplicationSubmitted.TYPE: observe},
    )
    async with running(OutboxRelay(settings), consumer):
        await until(lambda: asyncio.sleep(0, bool(seen)), what="the consumer to see the event")
    trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]

    spans = exporter.get_finished_spans()
    consumer_span = next(s for s in spans if s.kind == SpanKind.CONSUMER and s.context.span_id == seen[0].span_id)
    producer_span = next(
        s for s in spans if s.kind == SpanKind.PRODUCER and s.context.span_id == consumer_span.parent.span_id
    )
    server_span = next(
        s
        for s in spans
        if s.kind == SpanKind.SERVER
        and s.name.startswith("POST /v1/applications/{application_id}/submit")
        and s.context.trace_id == producer_span.context.trace_id
    )
    assert producer_span.name == f"{APPLICATIONS} publish"
    assert consumer_span.name == f"{APPLICATIONS} process"
    assert {consumer_span.context.trace_id, producer_span.context.trace_id} == {server_span.context.trace_id}
    in_request = {
        s.context.span_id
        for s in spans
        if s.context.trace_id == server_span.context.trace_id
        and s.start_time >= server_span.start_time
        and s.end_time <= server_span.end_time
    }
    assert producer_span.parent.span_id in in_request
