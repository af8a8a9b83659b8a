"""Inbox: the ids of events a consumer group has applied, written in the same transaction as the effects."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.tables import InboxRecord


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


_PURGE = """
DELETE FROM inbox WHERE (consumer_group, event_id) IN (
    SELECT consumer_group, event_id FROM inbox
    WHERE consumer_group = :group AND received_at < now() - make_interval(secs => :seconds)
    LIMIT :batch
)
"""


async def purge(sessions: Any, group: str, older_than_s: float, batch: int = 5000) -> int:
    """Forget a group's inbox rows older than the topics keep their records (a redelivery that old cannot come),
    in short transactions of at most `batch` rows."""
    total = 0
    while True:
        async with sessions() as session, session.begin():
            result = await session.execute(sa.text(_PURGE).bindparams(group=group, seconds=older_than_s, batch=batch))
        deleted = int(result.rowcount or 0)
        total += deleted
        if deleted < batch:
            return total
