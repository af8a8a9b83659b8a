"""Events per second through outbox, relay, Kafka and an inbox consumer, against raw Kafka throughput."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field

import psutil
import sqlalchemy as sa
from sqlmodel import SQLModel

from bench.stack import cpu_seconds, stack_processes
from contracts.envelope import source_of
from contracts.monitoring import CheckinRecorded
from deploy.local.settings import StackSettings
from deploy.provision import create_databases
from services.common.db import create_engine, plumbing_tables, session_factory, transaction
from services.common.kafka import ensure_topics
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
    latency_p999_ms: float = 0.0
    latency_rate_eps: float = 0.0
    raw_insert_eps: float = 0.0
    latency_cpu_busy_pct: float = 0.0  # the machine's CPUs, busy share over the half-load run
    light_rate_eps: float = 0.0  # the same path at a tenth of its maximum
    light_p50_ms: float = 0.0
    light_p99_ms: float = 0.0
    path_eps: float = 0.0  # writers, relay and consumer at once: the path's maximum, commit to effect
    latency_cpu_ms_per_event: dict[str, float] = field(default_factory=dict)  # each process, half-load run


def _event(key: uuid.UUID) -> CheckinRecorded:
    return CheckinRecorded(candidate_id=key, checkin_id=uuid.uuid4(), training_year=1, risk_level="low")


async def raw_aiokafka(bootstrap: str, n: int) -> float:
    """Records per second from a producer process and a consumer process running at the same time, with the
    pipeline's records, over the same window as the pipeline's rate (first to last record consumed)."""
    topic = f"bench.raw.{uuid.uuid4().hex[:6]}"
    await ensure_topics(bootstrap, [topic], partitions=6)
    argv = [sys.executable, "-m", "bench.raw_kafka"]
    common = ["--bootstrap", bootstrap, "--topic", topic, "--n", str(n)]
    consumer = await asyncio.create_subprocess_exec(*argv, "consume", *common, stdout=asyncio.subprocess.PIPE)
    await asyncio.sleep(1.0)  # the consumer joins its group before the first record arrives
    producer = await asyncio.create_subprocess_exec(*argv, "produce", *common)
    out, _ = await consumer.communicate()
    await producer.wait()
    figures = json.loads(out.decode().strip().splitlines()[-1])
    return float((figures["records"] - 1) / max(figures["last"] - figures["first"], 1e-6))


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


class CpuMeter:
    """CPU seconds of named processes between `start` and `stop`: the given ones and the stack's own
    (PostgreSQL with its backends, the Temporal CLI with its dev server)."""

    def __init__(self, settings: StackSettings, **pids: int) -> None:
        self.processes: dict[str, psutil.Process] = {}
        for name, pid in pids.items():
            with contextlib.suppress(psutil.Error):
                self.processes[name] = psutil.Process(pid)
        self.processes |= stack_processes(settings)
        self._before: dict[str, float] = {}

    @staticmethod
    def _seconds(name: str, process: psutil.Process) -> float:
        return cpu_seconds(process, children=name in ("postgres", "temporal"))

    def start(self) -> None:
        self._before = {name: self._seconds(name, p) for name, p in self.processes.items()}

    def stop(self) -> dict[str, float]:
        return {name: self._seconds(name, p) - self._before.get(name, 0.0) for name, p in self.processes.items()}


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


async def pipeline(
    settings: StackSettings, n: int, paced: int
) -> tuple[float, float, list[float], float, float, float, list[float], dict[str, float]]:
    """(pipeline events/s, outbox writes/s, sorted latencies in ms at half the path's maximum, the path's maximum
    events/s, raw inserts/s, CPU busy %, sorted latencies at a tenth) through outbox, relay, Kafka and the inbox
    consumer. An effect counts once the consumer's transaction has committed."""
    await create_databases(settings.postgres_admin_dsn, ("bench",))
    service = ServiceSettings(
        service_name="bench",
        database_url=settings.database_url("bench", "postgres"),
        kafka_bootstrap_servers=settings.kafka_bootstrap,
        database_pool_size=20,  # one connection per writer, as the raw asyncpg baseline has
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
    effects_file = settings.run_dir / f"effects-{uuid.uuid4().hex[:6]}.txt"
    effects_file.write_text("")
    effect_times: dict[str, float] = {}
    read_at = 0

    def read_effects() -> None:
        """The consumer process's `<event id> <time>` lines written after each commit, read incrementally."""
        nonlocal read_at
        with effects_file.open() as f:
            f.seek(read_at)
            chunk = f.read()
        complete = chunk[: chunk.rfind("\n") + 1]
        read_at += len(complete)
        for line in complete.splitlines():
            event_id, at = line.split()
            effect_times[event_id] = float(at)

    async def write_one(i: int) -> str:
        """One event in one transaction; returns its id once committed."""
        async with transaction(sessions) as session:
            event_id = await add_event(
                session, _event(keys[i % 50]), source=source_of("bench"), aggregate_type="bench", topic=topic
            )
        return str(event_id)

    async def write(count: int, first: int = 0) -> None:
        for start in range(first, first + count, 20):
            await asyncio.gather(*(write_one(i) for i in range(start, min(start + 20, first + count))))

    # Throughput: the outbox is filled first, then relay and consumer drain it.
    started = time.perf_counter()
    await write(n)
    write_eps = n / (time.perf_counter() - started)
    raw_insert_eps = await raw_inserts(settings.database_url("bench", "postgres"), n)
    # The relay and the consumer run as processes of their own, as they do in a deployment.
    consumer = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.pipeline_consumer", service.database_url, settings.kafka_bootstrap, topic,
        group, str(effects_file), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
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
        },
    )
    while len(effect_times) < n:
        await asyncio.sleep(0.05)
        read_effects()
    times = sorted(effect_times.values())
    pipeline_eps = (n - 1) / (times[-1] - times[0])  # steady state: first to last effect

    # The path's maximum with every part running at once: 20 writers in a closed loop (one event per
    # transaction) while the relay and the consumer drain, from the first write to the last effect. The parts'
    # maxima measured alone above overstate it: writer, relay, consumer, PostgreSQL and Kafka share two cores.
    together = max(1000, n // 2)
    started_wall = time.time()
    await write(together, first=n)
    while len(effect_times) < n + together:
        await asyncio.sleep(0.02)
        read_effects()
    path_eps = together / (max(effect_times.values()) - started_wall)

    # Latency: an open-loop stream at half the path's maximum (each write starts on its schedule, whether or
    # not the ones before have finished), from the writer's commit to the consumer's commit; how busy the
    # machine's CPUs were is reported, and the same path at a tenth of its maximum shows its own latency.
    async def paced_run(rate: float, count: int, first: int) -> tuple[list[float], float]:
        commit_times: dict[str, float] = {}

        async def one_at(i: int, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            commit_times[await write_one(i)] = time.time()

        psutil.cpu_percent(None)
        t0 = time.perf_counter() + 0.1
        await asyncio.gather(*(one_at(first + i, t0 + i / rate) for i in range(count)))
        busy = psutil.cpu_percent(None)
        while not set(commit_times) <= set(effect_times):
            await asyncio.sleep(0.05)
            read_effects()
        return sorted((effect_times[i] - t) * 1000 for i, t in commit_times.items()), busy

    rate = path_eps / 2
    meter = CpuMeter(settings, writer=os.getpid(), relay=relay.pid, consumer=consumer.pid)
    meter.start()
    latencies, busy = await paced_run(rate, paced, n + together)
    cpu_ms_per_event = {name: round(1000 * s / paced, 3) for name, s in meter.stop().items()}
    light, _ = await paced_run(rate / 5, max(200, paced // 5), n + together + paced)
    for process in (relay, consumer):
        process.terminate()
        await asyncio.wait_for(process.wait(), 20)
    await engine.dispose()
    return pipeline_eps, write_eps, latencies, path_eps, raw_insert_eps, busy, light, cpu_ms_per_event


async def raw_inserts(url: str, n: int, writers: int = 20) -> float:
    """Baseline of an outbox write: asyncpg, one INSERT of the same row (a CloudEvent's payload and columns)
    and its COMMIT per transaction, 20 writers at once, on the same durable database."""
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    pool = await asyncpg.create_pool(dsn, min_size=writers, max_size=writers)
    await pool.execute(
        "CREATE TABLE IF NOT EXISTS raw_outbox (position bigserial PRIMARY KEY, event_id uuid, topic text,"
        " aggregate_id text, event_type text, payload jsonb, headers jsonb, occurred_at timestamptz)"
    )
    payload = PAYLOAD_EVENT.model_dump_json()

    async def one() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO raw_outbox (event_id, topic, aggregate_id, event_type, payload, headers, occurred_at)"
                " VALUES ($1, 'bench', $2, 'thamm.monitoring.checkin_recorded.v1', $3::jsonb, '{}'::jsonb, now())",
                uuid.uuid4(), str(uuid.uuid4()), payload,
            )  # fmt: skip

    started = time.perf_counter()
    for start in range(0, n, writers):
        await asyncio.gather(*(one() for _ in range(min(writers, n - start))))
    eps = n / (time.perf_counter() - started)
    await pool.close()
    return eps


async def run(settings: StackSettings, n: int = 10000, paced: int = 3000) -> BackboneFigures:
    raw = await raw_aiokafka(settings.kafka_bootstrap, n)
    topic = f"bench.perf.{uuid.uuid4().hex[:6]}"
    await ensure_topics(settings.kafka_bootstrap, [topic], partitions=6)
    size = len(PAYLOAD_EVENT.model_dump_json())
    perf = await asyncio.to_thread(producer_performance, settings, topic, n * 10, size)
    eps, write_eps, latencies, path_eps, raw_insert_eps, busy, light, cpu = await pipeline(settings, n, paced)
    rate = path_eps / 2
    return BackboneFigures(
        raw, perf, eps, write_eps, statistics.median(latencies), _percentile(latencies, 0.99), n,
        latency_p999_ms=_percentile(latencies, 0.999), latency_rate_eps=rate, raw_insert_eps=raw_insert_eps,
        latency_cpu_busy_pct=busy, light_rate_eps=rate / 5, path_eps=path_eps,
        latency_cpu_ms_per_event=cpu, light_p50_ms=statistics.median(light),
        light_p99_ms=_percentile(light, 0.99),
    )  # fmt: skip
