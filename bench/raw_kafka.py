"""The raw Kafka baseline, like for like with the pipeline: a producer process and a consumer process run
concurrently, with the pipeline's CloudEvents records (same value, key and `ce_*` headers), and the rate is
taken over the same window as the pipeline's (first to last record seen by the consumer).

`python -m bench.raw_kafka produce|consume --bootstrap HOST:PORT --topic T --n N`; `consume` prints
`{"records": n, "first": t0, "last": t1}` as JSON on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

from aiokafka import AIOKafkaConsumer

from contracts.envelope import envelope_for, source_of, to_kafka
from contracts.monitoring import CheckinRecorded
from services.common.kafka import idempotent_producer
from services.common.runner import run_async


async def produce(bootstrap: str, topic: str, n: int) -> None:
    """n records as the relay sends them (idempotent producer, acks=all), over 50 keys."""
    keys = [uuid.uuid4() for _ in range(50)]
    producer = idempotent_producer(bootstrap, client_id="bench-raw-producer")
    await producer.start()
    try:
        futures = []
        for i in range(n):
            event = CheckinRecorded(
                candidate_id=keys[i % 50], checkin_id=uuid.uuid4(), training_year=1, risk_level="low"
            )
            record = to_kafka(envelope_for(event, source=source_of("bench")))
            futures.append(await producer.send(topic, value=record.value, key=record.key, headers=record.headers))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def consume(bootstrap: str, topic: str, n: int) -> dict[str, float]:
    """Read n records and commit offsets as the pipeline's consumer does (once per batch and partition)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"bench-{topic}", auto_offset_reset="earliest",
        enable_auto_commit=False,
    )  # fmt: skip
    await consumer.start()
    seen, first, last = 0, 0.0, 0.0
    try:
        while seen < n:
            batches = await consumer.getmany(timeout_ms=1000, max_records=1000)
            for tp, records in batches.items():
                now = time.time()
                first = first or now
                seen += len(records)
                last = now
                await consumer.commit({tp: records[-1].offset + 1})
    finally:
        await consumer.stop()
    return {"records": seen, "first": first, "last": last}


def main() -> None:
    import logging

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # a group still forming is not a result
    parser = argparse.ArgumentParser(prog="python -m bench.raw_kafka", description=__doc__)
    parser.add_argument("role", choices=["produce", "consume"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--n", type=int, required=True)
    args = parser.parse_args()
    if args.role == "produce":
        run_async(produce(args.bootstrap, args.topic, args.n))
    else:
        print(json.dumps(run_async(consume(args.bootstrap, args.topic, args.n))))


if __name__ == "__main__":
    main()
