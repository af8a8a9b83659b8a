"""The event backbone under test: a service-like database with outbox, inbox and an effect log, private topics."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.base import Event
from contracts.envelope import Envelope, source_of
from contracts.topics import dead_letter_topic
from services.common.consumer import EventConsumer, Handler
from services.common.db import SessionFactory, transaction
from services.common.kafka import ensure_topics
from services.common.outbox import add_event
from services.common.relay import OutboxRelay
from services.common.settings import ServiceSettings

EFFECT_DDL = """
CREATE TABLE IF NOT EXISTS effect (
  id bigserial PRIMARY KEY, consumer_group text NOT NULL, event_id text NOT NULL, key text NOT NULL,
  event_type text NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())
"""


@dataclass
class Backbone:
    """A service-like database plus helpers to write events, relay them and consume them."""

    settings: ServiceSettings
    sessions: SessionFactory

    async def write(self, events: Iterable[Event], topic: str) -> list[str]:
        """Add events to the outbox in one transaction, routed to a test topic; returns their ids."""
        ids = []
        async with transaction(self.sessions) as session:
            for event in events:
                event_id = await add_event(session, event, source=source_of("test"), aggregate_type="test", topic=topic)
                ids.append(str(event_id))
        return ids

    async def topic(self, name: str, *groups: str) -> str:
        topic = f"test.{name}.{uuid.uuid4().hex[:8]}"
        await ensure_topics(
            self.settings.kafka_bootstrap_servers,
            [topic, *(dead_letter_topic(topic, g) for g in groups)],
            partitions=6,
        )
        return topic

    def consumer(
        self,
        topic: str,
        group: str,
        handlers: dict[str, Handler] | None = None,
        cls: type[EventConsumer] = EventConsumer,
        **kw: Any,
    ) -> EventConsumer:
        from contracts.catalog import CATALOG

        return cls(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group=group,
            topics=(topic,),
            handlers=handlers or dict.fromkeys(CATALOG, record_effect(group)),
            sessions=self.sessions,
            backoff_s=0.05,
            **kw,
        )

    async def effects(self, group: str) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.settings.asyncpg_dsn)
        try:
            return await conn.fetch("SELECT * FROM effect WHERE consumer_group = $1 ORDER BY id", group)
        finally:
            await conn.close()

    async def wait_for_effects(self, group: str, count: int, timeout_s: float = 60) -> list[asyncpg.Record]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            rows = await self.effects(group)
            if len(rows) >= count or loop.time() > deadline:
                return rows
            await asyncio.sleep(0.2)


def record_effect(group: str) -> Handler:
    """A handler whose effect is one row in the effect log (in the consumer's transaction)."""

    async def handle(event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
        assert session is not None
        await (await session.connection()).execute(
            sa.text(
                "INSERT INTO effect (consumer_group, event_id, key, event_type) VALUES (:g, :e, :k, :t)"
            ).bindparams(g=group, e=envelope.id, k=envelope.partitionkey, t=envelope.type)
        )

    return handle


@contextlib.asynccontextmanager
async def running(*runners: OutboxRelay | EventConsumer) -> AsyncIterator[list[asyncio.Task[None]]]:
    """Run relays/consumers as tasks for the block's duration, then stop them and surface their errors."""
    tasks = [asyncio.create_task(r.run()) for r in runners]
    try:
        yield tasks
    finally:
        for runner in runners:
            runner.stop()
        done, _ = await asyncio.wait(tasks, timeout=30)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]


async def until(predicate: Callable[[], Awaitable[bool]], timeout_s: float = 60, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)
