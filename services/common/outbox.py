"""Transactional outbox: events are rows written in the caller's transaction, published later by the relay."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.base import Event
from contracts.envelope import envelope_for
from services.common.db import Rows, insert_rows
from services.common.tables import NOTIFY_CHANNEL, OutboxRecord
from services.common.telemetry import current_trace_headers

__all__ = ["NOTIFY_CHANNEL", "OutboxRecord", "add_event", "add_events", "event_rows"]


async def add_event(
    session: AsyncSession,
    event: Event,
    *,
    source: str,
    aggregate_type: str,
    occurred_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
    topic: str | None = None,
) -> uuid.UUID:
    """Queue an event in the caller's transaction, with the active trace context; returns its id.

    One INSERT on the transaction's connection, sent at once (the events keep the order they were added in;
    nothing refers to them by key): the unit of work's bookkeeping for a row nobody reads back cost more than
    the write itself (outbox writes 0.22 -> 0.32 of a raw asyncpg insert in `make bench`). `topic` routes it
    elsewhere than the event's own topic (tests, benchmarks)."""
    row = _row(event, source, aggregate_type, occurred_at, event_id, topic)
    await insert_rows(session, Rows(_OUTBOX, [row]))
    new_id: uuid.UUID = row["event_id"]
    return new_id


async def add_events(session: AsyncSession, events: Sequence[Event], *, source: str, aggregate_type: str) -> None:
    """Queue several events of one change in the caller's transaction, in this order, with one statement."""
    if events:
        await insert_rows(session, event_rows(events, source=source, aggregate_type=aggregate_type))


def event_rows(events: Sequence[Event], *, source: str, aggregate_type: str) -> Rows:
    """The outbox rows of several events, to go with a change's other rows in one `insert_rows` statement
    (the events keep this order)."""
    return Rows(_OUTBOX, [_row(event, source, aggregate_type) for event in events])


def _row(
    event: Event,
    source: str,
    aggregate_type: str,
    occurred_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
    topic: str | None = None,
) -> dict[str, Any]:
    envelope = envelope_for(event, source=source, event_id=str(event_id or uuid.uuid4()), time=occurred_at)
    return {
        "event_id": uuid.UUID(envelope.id),
        "topic": topic or event.TOPIC,
        "aggregate_type": aggregate_type,
        "aggregate_id": envelope.partitionkey,
        "event_type": envelope.type,
        "source": envelope.source,
        "subject": envelope.subject,
        "payload": envelope.json(),
        "headers": current_trace_headers(),
        "occurred_at": envelope.time,
    }


_OUTBOX: sa.Table = OutboxRecord.__table__  # type: ignore[attr-defined]
