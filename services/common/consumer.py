"""Idempotent consumer loop: one transaction per message (inbox row + effects), offsets committed after it.

Errors are sorted in two: a message that can never succeed (bad envelope, unknown shape, a PermanentError)
goes to `<topic>.dlq.<group>` at once; anything else is retried with backoff, then dead-lettered. Either way
the loop goes on with the next message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.base import Event
from contracts.catalog import UnknownEventType
from contracts.envelope import Envelope, EnvelopeError, KafkaRecord, from_kafka
from contracts.topics import dead_letter_topic
from services.common import metrics
from services.common.db import SessionFactory
from services.common.inbox import claim_many
from services.common.inbox import purge as purge_inbox
from services.common.kafka import idempotent_producer, manual_commit_consumer
from services.common.telemetry import context_from_headers, tracer

log = logging.getLogger("thamm.consumer")

#: A handler applies one event; with an inbox it receives the open session of the message's transaction.
Handler = Callable[[Event, Envelope, AsyncSession | None], Awaitable[None]]


class _Interrupted(Exception):
    """Shutdown arrived while a message was being retried: leave it uncommitted for redelivery."""


class PermanentError(Exception):
    """Raised by a handler for a message that will never succeed (business rule broken): no retry."""


#: Headers a dead letter carries besides the original ones.
DLQ_HEADERS = (
    "dlq-origin-topic",
    "dlq-origin-partition",
    "dlq-origin-offset",
    "dlq-consumer-group",
    "dlq-error-class",
    "dlq-error-message",
    "dlq-error-digest",
    "dlq-attempts",
    "dlq-failed-at",
)


@dataclass
class ConsumerStats:
    processed: int = 0
    duplicates: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    retries: int = 0
    last_error: str | None = None


@dataclass
class EventConsumer:
    """Reads topics as one consumer group and applies each catalog event through its handler."""

    bootstrap_servers: str
    group: str
    topics: tuple[str, ...]
    handlers: Mapping[str, Handler]
    sessions: SessionFactory | None = None
    max_attempts: int = 5
    backoff_s: float = 0.2
    max_backoff_s: float = 5.0
    client_id: str | None = None
    stats: ConsumerStats = field(default_factory=ConsumerStats)
    inbox_retention_s: float = 192 * 3600  # a redelivery comes from the last committed offsets, far younger
    purge_every_s: float = 600
    key_aligned: bool = False  # several topics keyed alike: one lane per partition number (see _process_batches)
    light_cycle: int = 50  # a cycle of at most this many records, over several partitions, is one transaction

    def __post_init__(self) -> None:
        self._stop = asyncio.Event()
        self._tracer = tracer("thamm.consumer")
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._lag_observed_at = 0.0
        self._purged_at = time.monotonic()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Consume until stop(); offsets are committed after each cycle's transactions, while the next is read."""
        client_id = self.client_id or self.group
        self._consumer = manual_commit_consumer(
            self.bootstrap_servers, *self.topics, group_id=self.group, client_id=client_id
        )
        self._producer = idempotent_producer(self.bootstrap_servers, client_id=f"{client_id}-dlq", linger_ms=0)
        await self._producer.start()
        await self._consumer.start()
        committing: asyncio.Task[None] | None = None
        try:
            while not self._stop.is_set():
                if committing is not None and committing.done():
                    committing.result()  # what stops the consumer in a commit stops it here, one cycle on
                batches = await self._consumer.getmany(timeout_ms=500, max_records=200)
                # Partitions in parallel, each in order: per-key order holds, the database works for all.
                offsets = await self._process_batches(batches)
                if offsets:  # one commit per cycle, for every partition at once, sent while the next batch is
                    # read and applied (the inbox absorbs what a lost commit redelivers); commits stay in order
                    if committing is not None:
                        await committing
                    committing = asyncio.create_task(self.commit(offsets))
                await self._observe(batches)
                await self._purge_inbox()
        finally:
            if committing is not None:
                with contextlib.suppress(Exception):
                    await committing
            with contextlib.suppress(Exception):
                await self._consumer.stop()
            with contextlib.suppress(Exception):
                await self._producer.stop()

    async def _process_batches(
        self, batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    ) -> dict[TopicPartition, int]:
        """Each partition's batch in order; partitions in parallel. With `key_aligned`, batches of the same
        partition number (of different topics) run one after another: a key lands on the same number in every
        topic of the same size, so one person's rows are never locked by two transactions at once.

        A light cycle (a few records spread over partitions, as under a light load) is one transaction for all
        of them, each partition's records in order: one commit, and one WAL flush, instead of one per
        partition, where each transaction's fixed cost had been most of an event's CPU. Should it fail, the
        partitions are taken one by one as below, so this changes how fast, never what is applied."""
        if (
            len(batches) > 1
            and sum(map(len, batches.values())) <= self.light_cycle
            and await self._apply_in_one_transaction([r for records in batches.values() for r in records])
        ):
            return {tp: int(records[-1].offset) + 1 for tp, records in batches.items()}
        if not self.key_aligned:
            done = await asyncio.gather(*(self._process_partition(tp, rs) for tp, rs in batches.items()))
            return {tp: o for tp, o in zip(batches, done, strict=True) if o is not None}
        lanes: dict[int, list[TopicPartition]] = {}
        for tp in batches:
            lanes.setdefault(tp.partition, []).append(tp)

        async def lane(tps: list[TopicPartition]) -> list[tuple[TopicPartition, int | None]]:
            return [(tp, await self._process_partition(tp, batches[tp])) for tp in tps]

        results = await asyncio.gather(*(lane(tps) for tps in lanes.values()))
        return {tp: o for pairs in results for tp, o in pairs if o is not None}

    async def _purge_inbox(self) -> None:
        """Every few minutes, forget inbox rows older than any redelivery could be (in small batches)."""
        if self.sessions is None or time.monotonic() - self._purged_at < self.purge_every_s:
            return
        self._purged_at = time.monotonic()
        try:
            deleted = await purge_inbox(self.sessions, self.group, self.inbox_retention_s)
        except Exception as exc:  # a purge that fails is tried again later; consuming goes on
            log.warning("inbox purge failed (%s: %s)", type(exc).__name__, exc)
            return
        if deleted:
            log.info("inbox purge: %d rows of %s", deleted, self.group)

    async def _observe(self, batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> None:
        """Processed records; lag per partition (end of the partition minus our position) once a second."""
        assert self._consumer is not None
        for tp, records in batches.items():
            metrics.CONSUMER_PROCESSED.labels(self.group, tp.topic).inc(len(records))
        now = time.monotonic()
        if now - self._lag_observed_at < 1.0:
            return
        self._lag_observed_at = now
        for tp in self._consumer.assignment():
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue
            with contextlib.suppress(Exception):
                position = await asyncio.wait_for(self._consumer.position(tp), 1)
                metrics.CONSUMER_LAG.labels(self.group, tp.topic, str(tp.partition)).set(max(0, highwater - position))

    async def _process_partition(self, tp: TopicPartition, records: list[ConsumerRecord[bytes, bytes]]) -> int | None:
        """Apply one partition's records in order; returns the offset to commit next (None: nothing done)."""
        assert self._consumer is not None
        if await self._apply_in_one_transaction(records):
            return int(records[-1].offset) + 1
        done = None
        for record in records:
            try:
                await self.handle_record(record)
            except _Interrupted:
                break
            except KafkaError as exc:  # the dead letter could not be written: read it again
                log.warning("cannot dead-letter %s@%d (%s); will retry", tp, record.offset, exc)
                self._consumer.seek(tp, record.offset)
                await asyncio.sleep(1.0)
                break
            done = record.offset
        return None if done is None else done + 1

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        """Commit after the database transactions; a failed commit only means a redelivery the inbox absorbs."""
        assert self._consumer is not None
        try:
            await self._consumer.commit(offsets)
        except KafkaError as exc:
            log.warning("offset commit for %s failed (%s); records will be redelivered", sorted(offsets), exc)

    async def _apply_in_one_transaction(self, records: list[ConsumerRecord[bytes, bytes]]) -> bool:
        """Fast path: a batch in one transaction (inbox rows + effects of every record, in the order given).

        Any failure rolls the whole batch back and returns False; the caller then takes the records one at a
        time with retries and dead letters, so the fast path never changes what is applied, only how fast.
        """
        if self.sessions is None or len(records) < 2:
            return False
        try:
            parsed = []
            for record in records:
                envelope = from_kafka(KafkaRecord(key=record.key, value=record.value, headers=list(record.headers)))
                handler = self.handlers.get(envelope.type)
                parsed.append((record, envelope, handler, envelope.event() if handler else None))
            wanted = [(r, e) for r, e, h, _ in parsed if h is not None]
            async with self.sessions() as session, session.begin():
                fresh = await claim_many(session, group=self.group, items=wanted)
                applied: set[str] = set()
                for record, envelope, handler, event in parsed:
                    if handler is None or event is None or envelope.id not in fresh or envelope.id in applied:
                        continue
                    applied.add(envelope.id)
                    with self._span(record) as span:
                        span.set_attribute("messaging.message.id", envelope.id)
                        await handler(event, envelope, session)
        except Exception as exc:
            log.info("batch of %d fell back to one-by-one: %s: %s", len(records), type(exc).__name__, exc)
            return False
        self.stats.processed += len(applied)
        self.stats.skipped += len(parsed) - len(wanted)
        self.stats.duplicates += len(wanted) - len(applied)
        return True

    def _span(self, record: ConsumerRecord[bytes, bytes]) -> Any:
        return self._tracer.start_as_current_span(
            f"{record.topic} process",
            kind=SpanKind.CONSUMER,
            context=context_from_headers(record.headers),
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": record.topic,
                "messaging.consumer.group.name": self.group,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
            },
        )

    async def handle_record(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """Apply one record: parse, dedupe, run the handler with retries, or dead-letter it."""
        kafka_record = KafkaRecord(key=record.key, value=record.value, headers=list(record.headers))
        with self._span(record) as span:
            try:
                envelope = from_kafka(kafka_record)
                span.set_attribute("messaging.message.id", envelope.id)
                handler = self.handlers.get(envelope.type)
                if handler is None:
                    self.stats.skipped += 1
                    return
                event = envelope.event()
            except (EnvelopeError, ValidationError, UnknownEventType, ValueError) as exc:
                await self.dead_letter(record, exc, attempts=1)
                return
            await self._apply_with_retries(record, envelope, event, handler)

    async def _apply_with_retries(
        self, record: ConsumerRecord[bytes, bytes], envelope: Envelope, event: Event, handler: Handler
    ) -> None:
        delay = self.backoff_s
        for attempt in range(1, self.max_attempts + 1):
            try:
                applied = await self._apply_once(record, envelope, event, handler)
                if applied:
                    self.stats.processed += 1
                else:
                    self.stats.duplicates += 1
                return
            except PermanentError as exc:
                await self.dead_letter(record, exc, attempts=attempt)
                return
            except Exception as exc:
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                if self._stop.is_set():
                    raise _Interrupted from exc
                if attempt == self.max_attempts:
                    await self.dead_letter(record, exc, attempts=attempt)
                    return
                self.stats.retries += 1
                metrics.CONSUMER_RETRIES.labels(self.group, record.topic).inc()
                log.warning("retrying %s (attempt %d): %s", envelope.id, attempt, self.stats.last_error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)

    async def _apply_once(
        self, record: ConsumerRecord[bytes, bytes], envelope: Envelope, event: Event, handler: Handler
    ) -> bool:
        if self.sessions is None:
            await handler(event, envelope, None)
            return True
        async with self.sessions() as session, session.begin():
            if not await claim_many(session, group=self.group, items=[(record, envelope)]):
                return False  # a redelivery
            await handler(event, envelope, session)
        return True

    async def dead_letter(self, record: ConsumerRecord[bytes, bytes], exc: BaseException, *, attempts: int) -> None:
        """Publish the record unchanged to `<topic>.dlq.<group>` with the error in headers."""
        assert self._producer is not None
        digest = "".join(traceback.format_exception_only(type(exc), exc)).strip()[-200:]
        extra = {
            "dlq-origin-topic": record.topic,
            "dlq-origin-partition": str(record.partition),
            "dlq-origin-offset": str(record.offset),
            "dlq-consumer-group": self.group,
            "dlq-error-class": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "dlq-error-message": str(exc)[:1000],
            "dlq-error-digest": digest,
            "dlq-attempts": str(attempts),
            "dlq-failed-at": datetime.now(UTC).isoformat(),
        }
        headers = [(k, v) for k, v in record.headers if k not in extra]
        headers += [(k, v.encode("utf-8")) for k, v in extra.items()]
        await self._producer.send_and_wait(
            dead_letter_topic(record.topic, self.group), value=record.value, key=record.key, headers=headers
        )
        self.stats.dead_lettered += 1
        metrics.DEAD_LETTERS.labels(self.group, record.topic, type(exc).__name__).inc()
        log.error(
            "dead-lettered %s/%d@%d after %d attempt(s): %s",
            record.topic,
            record.partition,
            record.offset,
            attempts,
            extra["dlq-error-class"],
        )


async def run_until_signalled(consumer: EventConsumer) -> None:
    """Run a consumer until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, consumer.stop)
    await consumer.run()
