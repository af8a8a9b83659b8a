"""Inbox: the ids of events a consumer group has applied, written in the same transaction as the effects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


class InboxRecord(SQLModel, table=True):
    """An event a consumer group has processed; the primary key makes redelivery a no-op."""

    __tablename__ = "inbox"

    consumer_group: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    event_id: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    event_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    topic: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    partition: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    offset: int = Field(sa_column=sa.Column("offset", sa.BigInteger, nullable=False))
    received_at: datetime | None = Field(
        default=None,
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


async def claim_many(session: AsyncSession, *, group: str, items: list[tuple[Any, Any]]) -> set[str]:
    """Record (Kafka record, envelope) pairs for this group; returns the event ids it had not applied before."""
    if not items:
        return set()
    rows = [
        {
            "consumer_group": group,
            "event_id": envelope.id,
            "event_type": envelope.type,
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
        }
        for record, envelope in items
    ]
    statement: Any = (
        postgresql.insert(InboxRecord).values(rows).on_conflict_do_nothing().returning(sa.column("event_id"))
    )
    result = await session.exec(statement)
    return {row[0] for row in result}
