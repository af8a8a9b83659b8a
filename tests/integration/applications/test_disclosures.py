"""An employer reads a candidate's name and contact only after the candidate accepted its offer (matching's
`offer_accepted` through real Kafka), and no longer once the offer is withdrawn; consent changes are events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from contracts import matching as matching_events
from contracts.envelope import envelope_for, to_kafka
from contracts.topics import MATCHING, dead_letter_topic
from deploy.local.demo_data import application_body
from services.applications.config import ApplicationsSettings
from services.applications.consumers import disclosure_consumer
from services.common.kafka import ensure_topics, idempotent_producer
from tests.support.backbone import running, until
from tests.support.helpers import auth

pytestmark = pytest.mark.integration


def employer(app: Any, employer_id: uuid.UUID) -> httpx.AsyncClient:
    headers = auth("employer", f"hr-{employer_id.hex[:6]}", employer_id=str(employer_id))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api", headers=headers)


async def send(settings: ApplicationsSettings, *events: matching_events.Event) -> None:
    producer = idempotent_producer(settings.kafka_bootstrap_servers, client_id="disclosure-test", linger_ms=0)
    await producer.start()
    try:
        for event in events:
            record = to_kafka(envelope_for(event, source="/thamm/matching", time=datetime.now(UTC)))
            await producer.send_and_wait(MATCHING, record.value, key=record.key, headers=record.headers)
    finally:
        await producer.stop()


async def test_contact_is_disclosed_to_the_accepted_employer_only_and_ends_with_a_withdrawal(
    app: Any, http: httpx.AsyncClient, settings: ApplicationsSettings
) -> None:
    created = await http.post("/v1/applications", json=application_body("Salma", "Berrada", "2003-04-04"))
    assert created.status_code == 201, created.text
    candidate = uuid.UUID(created.json()["candidate_id"])
    accepted_by, other = uuid.uuid4(), uuid.uuid4()
    ids = {"candidate_id": candidate, "employer_id": accepted_by, "position_id": uuid.uuid4(),
           "shortlist_id": uuid.uuid4()}  # fmt: skip
    offer = uuid.uuid4()

    async with employer(app, accepted_by) as client:
        assert (await client.get(f"/v1/candidates/{candidate}/contact")).status_code == 404  # nothing accepted yet

    group = f"applications-disclosures-{uuid.uuid4().hex[:6]}"
    await ensure_topics(settings.kafka_bootstrap_servers, [dead_letter_topic(MATCHING, group)], partitions=1)
    consumer = disclosure_consumer(settings, app.state.sessions)
    consumer.group = group
    await send(settings, matching_events.OfferAccepted(**ids, offer_id=offer))

    async def visible() -> bool:
        async with employer(app, accepted_by) as client:
            return (await client.get(f"/v1/candidates/{candidate}/contact")).status_code == 200

    async with running(consumer):
        await until(visible, what="the disclosure")
        async with employer(app, accepted_by) as client:
            contact = (await client.get(f"/v1/candidates/{candidate}/contact")).json()
        async with employer(app, other) as client:
            assert (await client.get(f"/v1/candidates/{candidate}/contact")).status_code == 404
        await send(settings, matching_events.OfferWithdrawn(**ids, offer_id=offer, reason_code="BUSINESS_REASONS"))

        async def hidden() -> bool:
            return not await visible()

        await until(hidden, what="the end of the disclosure")
    assert contact["first_name"] == "Salma" and contact["last_name"] == "Berrada"
    assert contact["disclosed_since"] is not None and "national_id_number" not in contact
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        reads = await conn.fetchval(
            "SELECT count(*) FROM audit_event WHERE action = 'candidate.contact.read' AND resource_id = $1",
            str(candidate),
        )
    finally:
        await conn.close()
    assert reads >= 2


async def test_consent_changes_are_published_at_any_stage(
    http: httpx.AsyncClient, settings: ApplicationsSettings
) -> None:
    created = await http.post("/v1/applications", json=application_body("Omar", "Kettani", "2001-01-01"))
    application = created.json()
    submitted = await http.post(f"/v1/applications/{application['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    revoke = {"purpose": "sharing_employers", "granted": False, "text_version": "2026-01", "language": "ar"}
    changed = await http.post(f"/v1/applications/{application['id']}/consents", json={"consents": [revoke]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["consents"]["sharing_employers"] is False
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        rows = await conn.fetch(
            "SELECT payload FROM outbox WHERE aggregate_id = $1"
            " AND event_type = 'thamm.applications.consent_changed.v1' ORDER BY position",
            application["candidate_id"],
        )
    finally:
        await conn.close()
    import json

    published = [json.loads(r["payload"]) for r in rows]
    assert published[-1]["purpose"] == "sharing_employers" and published[-1]["granted"] is False
    assert len(published) == len(application_body("x", "y", "2000-01-01")["consents"]) + 1
