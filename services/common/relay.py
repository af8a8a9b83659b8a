"""Outbox relay: publishes pending outbox rows to Kafka in commit order, marking them only after the ack.

One relay per database is active at a time (a PostgreSQL advisory lock elects it), so per-key order holds;
a second instance waits as a hot standby. It polls the pending rows' partial index every few milliseconds when
idle (plumbing v2 has no NOTIFY trigger: its lock serialised every commit in the cluster); a database still on
plumbing v1 also wakes it by NOTIFY.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from opentelemetry.trace import SpanKind

from contracts.envelope import Envelope, to_kafka
from services.common import metrics
from services.common.kafka import idempotent_producer
from services.common.outbox import NOTIFY_CHANNEL
from services.common.settings import ServiceSettings
from services.common.telemetry import context_from_headers, current_trace_headers, tracer

log = logging.getLogger("thamm.relay")

#: Advisory lock key held by the active relay of a database.
RELAY_LOCK_KEY = 0x7448_4D4D_0001

_PENDING = """
SELECT position, event_id, topic, aggregate_id, event_type, source, subject, payload::text AS payload,
       headers::text AS headers, occurred_at
FROM outbox
WHERE published_at IS NULL
  AND tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
ORDER BY position
LIMIT $1
"""


_PURGE = """
DELETE FROM outbox WHERE position IN (
    SELECT position FROM outbox
    WHERE published_at < now() - make_interval(secs => $1)
    ORDER BY published_at
    LIMIT $2
)
"""


@dataclass
class RelayStats:
    published: int = 0
    batches: int = 0
    failures: int = 0


class OutboxRelay:
    """Moves outbox rows to Kafka; at-least-once (a crash between ack and mark republishes, never loses)."""

    def __init__(self, settings: ServiceSettings, producer: AIOKafkaProducer | None = None) -> None:
        self.settings = settings
        # No linger: a batch's records are all queued before the producer's sender runs, so they travel
        # together anyway, and a lone event is not held back 5 ms.
        self.producer = producer or idempotent_producer(
            settings.kafka_bootstrap_servers, client_id=f"{settings.service_name}-relay", linger_ms=0
        )
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self.stats = RelayStats()
        self._tracer = tracer("thamm.relay")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        """Wait for leadership, then publish until stopped."""
        conn = await asyncpg.connect(self.settings.asyncpg_dsn)
        try:
            while not self._stop.is_set():
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY):
                    break
                await self._sleep(1.0)  # a hot standby: take over within a second
            if self._stop.is_set():
                return
            log.info("relay active", extra={"service": self.settings.service_name})
            await conn.add_listener(NOTIFY_CHANNEL, self._notified)
            await self.producer.start()
            try:
                await self._loop(conn)
            finally:
                await self.producer.stop()
        finally:
            with contextlib.suppress(Exception):
                await conn.close()

    def _notified(self, *_: Any) -> None:
        self._wake.set()

    async def _sleep(self, seconds: float, *, notified: bool = True) -> None:
        """Wait up to `seconds`; a stop ends it early, and so does a NOTIFY unless `notified` is False."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for((self._wake if notified else self._stop).wait(), seconds)
        if notified:
            self._wake.clear()

    async def _loop(self, conn: asyncpg.Connection) -> None:
        last_purge = last_gauges = datetime.min.replace(tzinfo=UTC)
        wait = self.settings.relay_min_poll_s
        while not self._stop.is_set():
            try:
                count = await self.publish_batch(conn)
            except (KafkaError, OSError, TimeoutError) as exc:  # broker away: keep the rows, try again
                log.warning("relay cannot publish (%s: %s); retrying", type(exc).__name__, exc)
                self.stats.failures += 1
                await self._sleep(1.0)
                continue
            metrics.OUTBOX_PUBLISHED.labels(self.settings.service_name).inc(count)
            now = datetime.now(UTC)
            if now - last_gauges >= timedelta(seconds=1):  # the backlog gauges once a second, not every poll
                await self._gauges(conn)
                last_gauges = now
            if now - last_purge > timedelta(minutes=10):
                await self.purge(conn)
                last_purge = now
            if count:  # rows came: look again soon (more arrived while these were sent)
                wait = self.settings.relay_min_poll_s
                if count < self.settings.relay_batch_size and self.settings.relay_linger_s:
                    # A short batch: linger, so what is committed meanwhile travels as one batch. The first row
                    # after an idle spell is not held back (the idle relay looks every 5-20 ms); under load, the
                    # linger turns one read, produce request and update per event or two into one per several.
                    await self._sleep(self.settings.relay_linger_s, notified=False)
            else:  # idle, or rows fenced behind a transaction still running elsewhere: look again soon, and
                # less often the longer nothing comes (5 ms doubling up to the poll interval)
                await self._sleep(wait)
                wait = min(wait * 2, self.settings.relay_poll_interval_s)

    async def _gauges(self, conn: asyncpg.Connection) -> None:
        backlog, age = await conn.fetchrow(metrics.OUTBOX_BACKLOG_SQL)
        metrics.set_outbox_gauges(self.settings.service_name, backlog, age)

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        """Publish up to one batch of pending rows in position order; returns how many were acknowledged."""
        rows = await conn.fetch(_PENDING, self.settings.relay_batch_size)
        if not rows:
            return 0
        sends: list[tuple[int, asyncio.Future[Any]]] = []
        for row in rows:
            record = self._record(row)
            stored_trace = json.loads(row["headers"])  # the writer's trace context, kept with the row
            with self._tracer.start_as_current_span(
                f"{row['topic']} publish",
                kind=SpanKind.PRODUCER,
                context=context_from_headers(stored_trace),
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": row["topic"],
                    "messaging.message.id": str(row["event_id"]),
                    "messaging.operation.type": "send",
                },
            ):
                trace_headers = current_trace_headers() or stored_trace
                headers = [*record.headers, *((k, v.encode()) for k, v in trace_headers.items())]
                future = await self.producer.send(row["topic"], value=record.value, key=record.key, headers=headers)
            sends.append((row["position"], future))
        acked, failed = [], []
        for position, future in sends:
            try:
                await future
                acked.append(position)
            except Exception as exc:  # the row stays pending and is retried on the next batch
                failed.append((position, f"{type(exc).__name__}: {exc}"[:500]))
        if acked:
            await self.mark_published(conn, acked)
        if failed:
            self.stats.failures += len(failed)
            await conn.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE position = $1", failed
            )
            log.warning("relay send failed for %d rows, first: %s", len(failed), failed[0][1])
            await self._sleep(1.0)
        self.stats.published += len(acked)
        self.stats.batches += 1
        return len(acked)

    async def mark_published(self, conn: asyncpg.Connection, positions: list[int]) -> None:
        """Record the broker's acknowledgement; a crash before this republishes (consumers deduplicate)."""
        await conn.execute("UPDATE outbox SET published_at = now() WHERE position = ANY($1::bigint[])", positions)

    @staticmethod
    def _record(row: asyncpg.Record) -> Any:
        envelope = Envelope(
            id=str(row["event_id"]),
            source=row["source"],
            type=row["event_type"],
            time=row["occurred_at"],
            partitionkey=row["aggregate_id"],
            subject=row["subject"],
            dataschema=f"schemas/{row['event_type']}.json",
            data=row["payload"].encode("utf-8"),
        )
        return to_kafka(envelope)

    async def purge(self, conn: asyncpg.Connection, batch: int = 5000) -> int:
        """Delete published rows older than the retention period, a batch per short transaction (never one
        unbounded DELETE holding the relay's connection and locks)."""
        total = 0
        while True:
            result = await conn.execute(_PURGE, self.settings.outbox_retention_hours * 3600, batch)
            deleted = int(result.split()[-1])
            total += deleted
            if deleted < batch or self._stop.is_set():
                return total
            await asyncio.sleep(0)  # let publishing go on between batches


async def run_relay(settings: ServiceSettings) -> None:
    """Run a relay until SIGTERM/SIGINT."""
    import signal

    metrics.serve_metrics(settings.metrics_port, settings.http_host)
    relay = OutboxRelay(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, relay.stop)
    await relay.run()


if __name__ == "__main__":  # `python -m services.common.relay`: a relay for any database, settings from THAMM_*
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from services.common.runner import run_async

    run_async(run_relay(ServiceSettings()))
