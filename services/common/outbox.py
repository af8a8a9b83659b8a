"""Transactional outbox: events are rows written in the caller's transaction, published later by the relay."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.base import Event
from contracts.envelope import envelope_for
from services.common.telemetry import current_trace_headers

NOTIFY_CHANNEL = "outbox"


class OutboxRecord(SQLModel, table=True):
    """One event waiting for (or done with) publication; column names follow Debezium's outbox router."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("outbox_pending", "position", postgresql_where=sa.text("published_at IS NULL")),
        sa.Index("outbox_published_at", "published_at", postgresql_where=sa.text("published_at IS NOT NULL")),
    )

    position: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True))
    event_id: uuid.UUID = Field(sa_column=sa.Column(postgresql.UUID(as_uuid=True), nullable=False, unique=True))
    topic: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    aggregate_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    aggregate_id: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    event_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    source: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    subject: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    payload: dict[str, Any] = Field(sa_column=sa.Column(postgresql.JSONB, nullable=False))
    headers: dict[str, str] = Field(
        default_factory=dict, sa_column=sa.Column(postgresql.JSONB, nullable=False, server_default="{}")
    )
    tx_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.BigInteger, nullable=False, server_default=sa.text("(pg_current_xact_id()::text::bigint)")
        ),
    )
    occurred_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    created_at: datetime | None = Field(
        default=None,
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    published_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    attempts: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


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


#: Wakes the relay: a statement-level trigger notifies once per insert; PostgreSQL delivers at commit only
#: (never for a rolled-back event) and folds identical notifications of one transaction into one.
NOTIFY_TRIGGER_DDL = (
    f"""CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', ''); RETURN NULL; END $$""",
    "DROP TRIGGER IF EXISTS outbox_notify ON outbox",
    "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()",
)
DROP_NOTIFY_TRIGGER_DDL = ("DROP TRIGGER IF EXISTS outbox_notify ON outbox", "DROP FUNCTION IF EXISTS outbox_notify()")

for _statement in NOTIFY_TRIGGER_DDL:
    sa.event.listen(SQLModel.metadata.tables["outbox"], "after_create", sa.DDL(_statement))  # type: ignore[no-untyped-call]
