"""Transactional outbox: events are rows written in the caller's transaction, published later by the relay."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.base import Event
from contracts.envelope import envelope_for
from services.common.tables import NOTIFY_CHANNEL, OutboxRecord
from services.common.telemetry import current_trace_headers

__all__ = ["NOTIFY_CHANNEL", "OutboxRecord", "add_event"]


async def add_event(
    session: AsyncSession,
    event: Event,
    *,
    source: str,
    aggregate_type: str,
    occurred_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
) -> OutboxRecord:
    """Queue an event in the caller's transaction, with the active trace context; the relay wakes at commit."""
    envelope = envelope_for(event, source=source, event_id=str(event_id or uuid.uuid4()), time=occurred_at)
    record = OutboxRecord(
        event_id=uuid.UUID(envelope.id),
        topic=event.TOPIC,
        aggregate_type=aggregate_type,
        aggregate_id=envelope.partitionkey,
        event_type=envelope.type,
        source=envelope.source,
        subject=envelope.subject,
        payload=envelope.json(),
        headers=current_trace_headers(),
        occurred_at=envelope.time,
    )
    session.add(record)
    return record
