"""Events per second through outbox, relay, Kafka and an inbox consumer, against raw Kafka throughput."""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import Envelope, source_of
from contracts.monitoring import CheckinRecorded
from deploy.local.settings import StackSettings
from deploy.provision import create_databases
from services.common.consumer import EventConsumer
from services.common.db import create_engine, plumbing_tables, session_factory, transaction
from services.common.kafka import ensure_topics, idempotent_producer
from services.common.outbox import add_event
from services.common.settings import ServiceSettings

PAYLOAD_EVENT = CheckinRecorded(candidate_id=uuid.uuid4(), checkin_id=uuid.uuid4(), training_year=1, risk_level="low")


@dataclass
class BackboneFigures:
    raw_aiokafka_eps: float
    producer_performance_eps: float | None
    pipeline_eps: float
    outbox_write_eps: float
    latency_p50_ms: float
    latency_p99_ms: float
    events: int


def _event(key: uuid.UUID) -> CheckinRecorded:
    return CheckinRecorded(candidate_id=key, checkin_id=uuid.uuid4(), training_year=1, risk_level="low")


async def raw_aiokafka(bootstrap: str, n: int) -> float:
    """Produce n records (idempotent, acks=all) and consume them all with plain aiokafka: records per second."""
    topic = f"bench.raw.{uuid.uuid4().hex[:6]}"
    await ensure_topics(bootstrap, [topic], partitions=6)
    value = PAYLOAD_EVENT.model_dump_json().encode()
    producer = idempotent_producer(bootstrap, client_id="bench-raw")
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{topic}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await producer.start()
    await consumer.start()
    try:
        started = time.perf_counter()
        keys = [str(uuid.uuid4()).encode() for _ in range(50)]
        futures = [await producer.send(topic, value=value, key=keys[i % 50]) for i in range(n)]
        await asyncio.gather(*futures)
        seen = 0
        while seen < n:
            for tp, records in (await consumer.getmany(timeout_ms=1000, max_records=1000)).items():
                seen += len(records)
                await consumer.commit({tp: records[-1].offset + 1})
        return n / (time.perf_counter() - started)
    finally:
        await producer.stop()
        await consumer.stop()


def producer_performance(settings: StackSettings, topic: str, n: int, size: int) -> float | None:
    """Kafka's own org.apache.kafka.tools.ProducerPerformance on the same broker: records per second."""
    result = subprocess.run(
        [
            "java",
            "-Xmx256m",
            "-cp",
            f"{settings.kafka_libs}/*",
            "org.apache.kafka.tools.ProducerPerformance",
            "--topic",
            topic,
            "--num-records",
            str(n),
            "--record-size",
            str(size),
            "--throughput",
            "-1",
            "--producer-props",
            f"bootstrap.servers={settings.kafka_bootstrap}",
            "acks=all",
            "enable.idempotence=true",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    match = re.findall(r"([\d.]+) records/sec", result.stdout)
    return float(match[-1]) if match else None


async def pipeline(settings: StackSettings, n: int, paced: int) -> tuple[float, float, float, float]:
    """(pipeline events/s, outbox writes/s, p50 ms, p99 ms) through outbox, relay, Kafka and inbox consumer."""
    await create_databases(settings.postgres_admin_dsn, ("bench",))
    service = ServiceSettings(
        service_name="bench",
        database_url=settings.database_url("bench", "postgres"),
        kafka_bootstrap_servers=settings.kafka_bootstrap,
        relay_poll_interval_s=0.5,
    )
    engine = create_engine(service)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all, tables=plumbing_tables())
        await conn.execute(sa.text("CREATE TABLE IF NOT EXISTS effect (event_id text PRIMARY KEY, at float8)"))
    sessions = session_factory(engine)
    topic = f"bench.pipeline.{uuid.uuid4().hex[:6]}"
    group = "bench-pipeline"
    await ensure_topics(settings.kafka_bootstrap, [topic, f"{topic}.dlq.{group}"], partitions=6)
    keys = [uuid.uuid4() for _ in range(50)]
    effect_times: dict[str, float] = {}

    async def effect(event: object, envelope: Envelope, session: AsyncSession | None) -> None:
        assert session is not None
        await (await session.connection()).execute(
            sa.text("INSERT INTO effect VALUES (:e, :t)").bindparams(e=envelope.id, t=time.time())
        )
        effect_times[envelope.id] = time.time()

    async def write(count: int, commit_times: dict[str, float] | None = None) -> None:
        async def one(i: int) -> None:
            async with transaction(sessions) as session:
                record = await add_event(
                    session, _event(keys[i % 50]), source=source_of("bench"), aggregate_type="bench"
                )
                record.topic = topic
            if commit_times is not None:
                commit_times[str(record.event_id)] = time.time()

        for start in range(0, count, 20):
            await asyncio.gather(*(one(i) for i in range(start, min(start + 20, count))))

    # Throughput: the outbox is filled first, then relay and consumer drain it.
    started = time.perf_counter()
    await write(n)
    write_eps = n / (time.perf_counter() - started)
    # The relay runs as its own process, as it does in a deployment; the consumer runs here.
    consumer = EventConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group=group,
        topics=(topic,),
        handlers={CheckinRecorded.TYPE: effect},
        sessions=sessions,
    )
    consuming = asyncio.create_task(consumer.run())
    relay = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.common.relay",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env={
            **os.environ,
            "THAMM_DATABASE_URL": service.database_url,
            "THAMM_SERVICE_NAME": "bench",
            "THAMM_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap,
            "THAMM_RELAY_POLL_INTERVAL_S": "0.5",
        },
    )
    while len(effect_times) < n:
        await asyncio.sleep(0.05)
    times = sorted(effect_times.values())
    pipeline_eps = (n - 1) / (times[-1] - times[0])  # steady state: first to last effect

    # Latency: a paced stream, commit to effect.
    commit_times: dict[str, float] = {}
    for _ in range(paced // 20):
        await write(20, commit_times)
        await asyncio.sleep(0.1)
    while not set(commit_times) <= set(effect_times):
        await asyncio.sleep(0.05)
    latencies = sorted((effect_times[i] - t) * 1000 for i, t in commit_times.items())
    relay.terminate()
    await asyncio.wait_for(relay.wait(), 20)
    consumer.stop()
    await consuming
    await engine.dispose()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return pipeline_eps, write_eps, statistics.median(latencies), p99


async def run(settings: StackSettings, n: int = 10000, paced: int = 1000) -> BackboneFigures:
    raw = await raw_aiokafka(settings.kafka_bootstrap, n)
    topic = f"bench.perf.{uuid.uuid4().hex[:6]}"
    await ensure_topics(settings.kafka_bootstrap, [topic], partitions=6)
    size = len(PAYLOAD_EVENT.model_dump_json())
    perf = await asyncio.to_thread(producer_performance, settings, topic, n * 10, size)
    eps, write_eps, p50, p99 = await pipeline(settings, n, paced)
    return BackboneFigures(raw, perf, eps, write_eps, p50, p99, n)
