"""Webhooks: signed deliveries per second to a local receiver against a raw httpx POST loop to the same
receiver (same bodies, same concurrency) in the same run, and the latency from an event's publication to its
arrival at the receiver (fan-out consumer, dispatcher, signature), open loop."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import httpx

from contracts.envelope import envelope_for, to_kafka
from contracts.matching import OfferMade
from contracts.topics import SUBSCRIPTIONS, WEBHOOKS_DISPATCHER_GROUP, dead_letter_topic
from deploy.local.settings import REPO_ROOT, StackSettings
from services.common.auth import Principal, Role
from services.common.crypto import new_key_b64
from services.common.db import create_engine, session_factory
from services.common.kafka import ensure_topics, idempotent_producer
from services.common.migrations import upgrade_to_head
from services.webhooks import domain
from services.webhooks.commands import RegisterEndpoint
from services.webhooks.config import WebhooksSettings
from services.webhooks.consumers import fanout_consumer
from services.webhooks.context import WebhooksContext
from services.webhooks.handlers.delivery import Dispatcher
from services.webhooks.handlers.endpoints import register_endpoint

MIGRATIONS = REPO_ROOT / "services" / "webhooks" / "migrations"


@dataclass
class Figures:
    deliveries: int
    endpoints: int
    signed_per_s: float
    raw_post_per_s: float
    latency_rate_eps: float
    latency_p50_ms: float
    latency_p99_ms: float


class Receiver:
    """A minimal HTTP/1.1 server answering 204 to every POST, recording arrival times by webhook-id."""

    def __init__(self) -> None:
        self.count = 0
        self.arrivals: dict[str, float] = {}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line)
                lowered = {k.lower(): v for k, v in headers.items()}
                await reader.readexactly(int(lowered.get("content-length", "0")))
                self.count += 1
                if "webhook-id" in lowered:
                    self.arrivals.setdefault(lowered["webhook-id"], time.time())
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


async def run(
    stack: StackSettings, *, endpoints: int = 16, per_endpoint: int = 150, latency_events: int = 200
) -> Figures:
    db = "bench_webhooks"
    await stack.provision_database(db)
    group = "webhooks-bench"
    settings = WebhooksSettings(
        database_url=stack.database_url(db),
        migration_database_url=stack.database_url(db, "owner"),
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        secret_key=new_key_b64(),
        dispatcher_group=group,
        poll_interval_s=0.05,
    )
    await upgrade_to_head(settings, MIGRATIONS)
    topics = next(s.topics for s in SUBSCRIPTIONS if s.group == WEBHOOKS_DISPATCHER_GROUP)
    await ensure_topics(stack.kafka_bootstrap, [dead_letter_topic(t, group) for t in topics], partitions=1)
    receiver = Receiver()
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hooks"
    engine = create_engine(settings)
    ctx = WebhooksContext.build(session_factory(engine), settings)
    officer = Principal("bench", frozenset({Role.CASE_OFFICER}), issuer="bench")
    employers = [uuid.uuid4() for _ in range(endpoints)]
    for employer in employers:
        command = RegisterEndpoint(employer, url, ("thamm.matching.offer_made.v1",))
        await register_endpoint(ctx, officer, command)
    try:
        bodies = await _seed(stack.database_url(db, "owner"), per_endpoint)
        signed = await _drain(ctx, receiver, len(bodies))
        raw = await _raw(url, bodies, endpoints)
        rate, p50, p99 = await _latency(ctx, settings, receiver, employers, latency_events)
    finally:
        server.close()
        await engine.dispose()
    return Figures(len(bodies), endpoints, signed, raw, rate, p50, p99)


async def _seed(owner_url: str, per_endpoint: int) -> list[str]:
    """`per_endpoint` pending deliveries for every endpoint, written at once."""
    conn = await asyncpg.connect(owner_url.replace("postgresql+asyncpg:", "postgresql:"))
    try:
        rows, bodies, now = [], [], datetime.now(UTC)
        for endpoint_id, employer_id in await conn.fetch("SELECT id, employer_id FROM endpoint"):
            for _ in range(per_endpoint):
                event_id = str(uuid.uuid4())
                body = json.dumps(
                    domain.payload("thamm.matching.offer_made.v1", event_id, now, {"employer_id": str(employer_id)}),
                    separators=(",", ":"),
                )
                bodies.append(body)
                rows.append(
                    (
                        uuid.uuid4(),
                        endpoint_id,
                        employer_id,
                        event_id,
                        "thamm.matching.offer_made.v1",
                        domain.message_id(event_id),
                        body,
                        now,
                        "pending",
                        0,
                        False,
                        now,
                    )
                )
        await conn.copy_records_to_table(
            "delivery",
            records=rows,
            columns=[
                "id",
                "endpoint_id",
                "employer_id",
                "event_id",
                "event_type",
                "msg_id",
                "body",
                "occurred_at",
                "status",
                "attempts",
                "manual",
                "next_attempt_at",
            ],
        )
        return bodies
    finally:
        await conn.close()


async def _drain(ctx: WebhooksContext, receiver: Receiver, total: int) -> float:
    """Deliveries per second until the receiver has them all (signing, POST and recording each attempt)."""
    dispatcher = Dispatcher(ctx)
    started, before = time.perf_counter(), receiver.count
    task = asyncio.create_task(dispatcher.run())
    while receiver.count - before < total:
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    dispatcher.stop()
    await task
    return total / elapsed


async def _raw(url: str, bodies: list[str], concurrency: int) -> float:
    """The ceiling: the same bodies POSTed by `concurrency` loops with httpx, nothing signed or recorded."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    async with httpx.AsyncClient(timeout=15) as client:

        async def loop() -> None:
            while not queue.empty():
                await client.post(
                    url, content=queue.get_nowait().encode(), headers={"content-type": "application/json"}
                )

        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return len(bodies) / (time.perf_counter() - started)


async def _latency(
    ctx: WebhooksContext, settings: WebhooksSettings, receiver: Receiver, employers: list[uuid.UUID], n: int
) -> tuple[float, float, float]:
    """Open loop at 20 events/s: publication to Kafka -> fan-out -> dispatcher -> receiver."""
    rate, sent_at = 20.0, {}
    producer = idempotent_producer(settings.kafka_bootstrap_servers, client_id="webhooks-bench", linger_ms=0)
    await producer.start()
    consumer, dispatcher = fanout_consumer(ctx), Dispatcher(ctx)
    tasks = [asyncio.create_task(consumer.run()), asyncio.create_task(dispatcher.run())]
    try:
        await asyncio.sleep(3)  # the consumer group settles
        started = time.perf_counter()
        for i in range(n):
            event = OfferMade(
                candidate_id=uuid.uuid4(),
                employer_id=employers[i % len(employers)],
                position_id=uuid.uuid4(),
                shortlist_id=uuid.uuid4(),
                offer_id=uuid.uuid4(),
                expires_on=datetime.now(UTC).date(),
            )
            envelope = envelope_for(event, source="/thamm/matching")
            record = to_kafka(envelope)
            sent_at[domain.message_id(envelope.id)] = time.time()
            await producer.send_and_wait(event.TOPIC, record.value, key=record.key, headers=record.headers)
            await asyncio.sleep(max(0.0, started + (i + 1) / rate - time.perf_counter()))
        deadline = time.monotonic() + 60
        while not all(m in receiver.arrivals for m in sent_at) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        consumer.stop()
        dispatcher.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        await producer.stop()
    samples = sorted((receiver.arrivals[m] - t) * 1000 for m, t in sent_at.items() if m in receiver.arrivals)
    return rate, statistics.median(samples), samples[int(len(samples) * 0.99) - 1]
