"""The dispatcher's consumer side: an event that names an employer becomes one delivery per enabled endpoint
of that employer subscribed to its type, in the message's transaction (so none is lost or made twice).
Matching's API-key events keep the replica that lets employers' systems call this API."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts import matching as matching_events
from contracts.base import Event
from contracts.envelope import Envelope
from services.webhooks import domain
from services.webhooks.catalog import event_types
from services.webhooks.domain import EndpointStatus
from services.webhooks.handlers.endpoints import new_delivery
from services.webhooks.tables import ApiKeyReplicaRecord, DeliveryRecord, EndpointRecord


async def fan_out(event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
    assert session is not None
    data = event.model_dump(mode="json")
    employer = domain.concerns_employer(envelope.type, data)
    if employer is None:
        return
    endpoints = await session.exec(
        select(EndpointRecord)
        .where(col(EndpointRecord.employer_id) == employer)
        .where(col(EndpointRecord.status) == EndpointStatus.ENABLED)
        .where(col(EndpointRecord.event_types).contains([envelope.type]))
    )
    body = json.dumps(domain.payload(envelope.type, envelope.id, envelope.time, data), separators=(",", ":"))
    for endpoint in endpoints.all():
        row = new_delivery(endpoint, envelope.type, envelope.id, envelope.time, body).model_dump(exclude_none=True)
        statement = insert(DeliveryRecord.__table__).values(**row).on_conflict_do_nothing()  # type: ignore[attr-defined]
        await session.exec(statement)


async def key_created(event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
    assert session is not None and isinstance(event, matching_events.ApiKeyCreated)
    row = await session.get(ApiKeyReplicaRecord, event.key_id)
    if row is None:
        session.add(
            ApiKeyReplicaRecord(id=event.key_id, employer_id=event.employer_id, secret_sha256=event.secret_sha256)
        )


async def key_revoked(event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
    assert session is not None and isinstance(event, matching_events.ApiKeyRevoked)
    row = await session.get(ApiKeyReplicaRecord, event.key_id)
    row = row or ApiKeyReplicaRecord(id=event.key_id, employer_id=event.employer_id, secret_sha256="")
    row.revoked = True
    session.add(row)


def handlers() -> dict[str, Any]:
    """Every deliverable type fans out; the API-key events keep the replica."""
    table: dict[str, Any] = {name: fan_out for name in event_types() if name != domain.TEST_EVENT}
    table[matching_events.ApiKeyCreated.TYPE] = key_created
    table[matching_events.ApiKeyRevoked.TYPE] = key_revoked
    return table
