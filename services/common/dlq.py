"""Dead letters for operators: `python -m services.common.dlq list|show|replay`.

`replay` republishes dead letters to their origin topic with their original headers (the event id is kept,
so consumers that had already applied the event skip it). `replay --all` remembers what it replayed
through the consumer group `thamm-dlq-replay`, so running it twice does not replay twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition

from contracts.topics import SUBSCRIPTIONS
from services.common.consumer import DLQ_HEADERS
from services.common.kafka import idempotent_producer, manual_commit_consumer, read_all, topic_partitions

REPLAY_GROUP = "thamm-dlq-replay"


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered record with what went wrong."""

    topic: str
    partition: int
    offset: int
    key: str | None
    event_id: str | None
    event_type: str | None
    origin: str
    error_class: str
    error_message: str
    attempts: int
    failed_at: str
    headers: dict[str, str] = field(repr=False)
    value: bytes | None = field(repr=False)

    @classmethod
    def from_record(cls, record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
        headers = {k: v.decode("utf-8", "replace") for k, v in record.headers}
        return cls(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key else None,
            event_id=headers.get("ce_id"),
            event_type=headers.get("ce_type"),
            origin=f"{headers.get('dlq-origin-topic')}/{headers.get('dlq-origin-partition')}"
            f"@{headers.get('dlq-origin-offset')}",
            error_class=headers.get("dlq-error-class", "?"),
            error_message=headers.get("dlq-error-message", ""),
            attempts=int(headers.get("dlq-attempts", "0")),
            failed_at=headers.get("dlq-failed-at", ""),
            headers=headers,
            value=record.value,
        )


def dead_letter_topics() -> list[str]:
    return [dlq for sub in SUBSCRIPTIONS for dlq in sub.dead_letter_topics()]


async def list_dead_letters(bootstrap: str, topic: str) -> list[DeadLetter]:
    return [DeadLetter.from_record(r) for r in await read_all(bootstrap, topic)]


def _origin_record(record: ConsumerRecord[bytes, bytes]) -> tuple[str, list[tuple[str, bytes]]]:
    headers = list(record.headers)
    origin = dict(headers).get("dlq-origin-topic")
    if origin is None:
        raise ValueError(f"{record.topic}@{record.offset} has no dlq-origin-topic header")
    kept = [(k, v) for k, v in headers if k not in DLQ_HEADERS]
    kept.append(("dlq-replayed-from", f"{record.topic}/{record.partition}@{record.offset}".encode()))
    return origin.decode(), kept


async def _republish(producer: AIOKafkaProducer, record: ConsumerRecord[bytes, bytes]) -> None:
    origin, headers = _origin_record(record)
    await producer.send_and_wait(origin, value=record.value, key=record.key, headers=headers)


async def replay(bootstrap: str, topic: str, *, event_ids: set[str] | None = None) -> int:
    """Republish dead letters of one topic to their origin; all not yet replayed, or the given event ids."""
    producer = idempotent_producer(bootstrap, client_id="thamm-dlq-replay", linger_ms=0)
    await producer.start()
    try:
        if event_ids is not None:
            count = 0
            for record in await read_all(bootstrap, topic):
                if dict(record.headers).get("ce_id", b"").decode() in event_ids:
                    await _republish(producer, record)
                    count += 1
            return count
        return await _replay_pending(bootstrap, topic, producer)
    finally:
        await producer.stop()


async def _replay_pending(bootstrap: str, topic: str, producer: AIOKafkaProducer) -> int:
    partitions = [TopicPartition(topic, p) for p in await topic_partitions(bootstrap, topic)]
    consumer = manual_commit_consumer(bootstrap, group_id=REPLAY_GROUP, client_id="thamm-dlq-replay")
    await consumer.start()
    count = 0
    try:
        consumer.assign(partitions)
        end = await consumer.end_offsets(partitions)
        for tp in partitions:
            committed = await consumer.committed(tp)
            consumer.seek(tp, committed if committed is not None else 0)
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            if not batch:
                break
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= end[tp]:
                        continue
                    await _republish(producer, record)
                    count += 1
                await consumer.commit({tp: records[-1].offset + 1})
    finally:
        await consumer.stop()
    return count


def _print_letter(letter: DeadLetter, full: bool) -> None:
    print(
        f"{letter.topic}/{letter.partition}@{letter.offset}  {letter.event_type}  id={letter.event_id}  "
        f"from {letter.origin}  attempts={letter.attempts}  at {letter.failed_at}"
    )
    print(f"    {letter.error_class}: {letter.error_message[:200]}")
    if full:
        print("    headers:", json.dumps(letter.headers, indent=2, sort_keys=True).replace("\n", "\n    "))
        print("    value:", (letter.value or b"").decode("utf-8", "replace"))


async def _main(args: argparse.Namespace) -> int:
    bootstrap = args.bootstrap
    if args.command == "list":
        topics = [args.topic] if args.topic else dead_letter_topics()
        total = 0
        for topic in topics:
            letters = await list_dead_letters(bootstrap, topic)
            total += len(letters)
            print(f"{topic}: {len(letters)} dead letter(s)")
            for letter in letters:
                _print_letter(letter, full=False)
        return 0 if total == 0 else 3
    if args.command == "show":
        for letter in await list_dead_letters(bootstrap, args.topic):
            if letter.partition == args.partition and letter.offset == args.offset:
                _print_letter(letter, full=True)
                return 0
        print("no such dead letter", file=sys.stderr)
        return 1
    ids = set(args.event_id) if args.event_id else None
    if ids is None and not args.all:
        print("say which: --event-id ID (repeatable) or --all", file=sys.stderr)
        return 2
    count = await replay(bootstrap, args.topic, event_ids=ids)
    print(f"replayed {count} dead letter(s) from {args.topic}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.common.dlq",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--bootstrap", default=os.environ.get("THAMM_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="dead letters per topic (exit 3 when there are any)")
    listing.add_argument("--topic")
    show = sub.add_parser("show", help="one dead letter with headers and value")
    show.add_argument("topic")
    show.add_argument("partition", type=int)
    show.add_argument("offset", type=int)
    rep = sub.add_parser("replay", help="republish dead letters to their origin topic")
    rep.add_argument("topic")
    rep.add_argument("--event-id", action="append")
    rep.add_argument("--all", action="store_true", help="every dead letter not replayed before")
    return asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
