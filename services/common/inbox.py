"""Inbox: the ids of events a consumer group has applied, written in the same transaction as the effects."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession


async def claim_many(session: AsyncSession, *, group: str, items: list[tuple[Any, Any]]) -> set[str]:
    """Record (Kafka record, envelope) pairs for this group; returns the event ids it had not applied before."""
    if not items:
        return set()
    columns: tuple[list[Any], ...] = ([], [], [], [], [])
    for record, envelope in items:
        for values, value in zip(
            columns, (envelope.id, envelope.type, record.topic, record.partition, record.offset), strict=True
        ):
            values.append(value)
    params = dict(zip(("ids", "types", "topics", "partitions", "offsets"), columns, strict=True))
    result = await (await session.connection()).execute(_CLAIM, {"group": group, **params})
    return {row[0] for row in result}


_CLAIM = sa.text(
    """
    INSERT INTO inbox (consumer_group, event_id, event_type, topic, partition, "offset")
    SELECT :group, * FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[]), CAST(:topics AS text[]),
                                 CAST(:partitions AS int[]), CAST(:offsets AS bigint[]))
    ON CONFLICT DO NOTHING
    RETURNING event_id
    """
)
"""One statement whatever the batch's size (arrays, not a VALUES list compiled anew for every length)."""


_PURGE = sa.text(
    """
    DELETE FROM inbox WHERE (consumer_group, event_id) IN (
        SELECT consumer_group, event_id FROM inbox
        WHERE consumer_group = :group AND received_at < now() - make_interval(secs => :seconds)
        LIMIT :batch
    )
    """
)


async def purge(sessions: Any, group: str, older_than_s: float, batch: int = 5000) -> int:
    """Forget a group's inbox rows older than the topics keep their records (a redelivery that old cannot come),
    in short transactions of at most `batch` rows."""
    total = 0
    while True:
        async with sessions() as session, session.begin():
            connection = await session.connection()
            result = await connection.execute(_PURGE, {"group": group, "seconds": older_than_s, "batch": batch})
        deleted = int(result.rowcount or 0)
        total += deleted
        if deleted < batch:
            return total
