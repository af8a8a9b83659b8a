"""Kafka clients configured the one way the platform uses them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError

from contracts.topics import EVENT_TOPICS


def idempotent_producer(bootstrap_servers: str, *, client_id: str, linger_ms: int = 5) -> AIOKafkaProducer:
    """A producer that never duplicates on retry and waits for all in-sync replicas (acks=all)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=linger_ms,
        request_timeout_ms=30000,
    )


def manual_commit_consumer(
    bootstrap_servers: str, *topics: str, group_id: str, client_id: str, max_poll_records: int = 200
) -> AIOKafkaConsumer:
    """A consumer that commits offsets only when told to, reading from the earliest offset when new."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=max_poll_records,
        session_timeout_ms=10000,
        heartbeat_interval_ms=3000,
        metadata_max_age_ms=30000,
    )


#: Event topics are the record of what happened: kept for good, so read models can be rebuilt from the start.
EVENT_TOPIC_CONFIG = {"retention.ms": "-1"}


async def ensure_topics(
    bootstrap_servers: str, topics: Iterable[str], *, partitions: int, replication_factor: int = 1
) -> list[str]:
    """Create the topics that do not exist yet (event topics kept for good, dead letters by the broker's
    retention; an event topic made before that is set so too); returns the ones created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [
                        NewTopic(
                            name=t,
                            num_partitions=partitions,
                            replication_factor=replication_factor,
                            topic_configs=EVENT_TOPIC_CONFIG if t in EVENT_TOPICS else {},
                        )
                        for t in missing
                    ]
                )
        kept = [t for t in topics if t in existing and t in EVENT_TOPICS]
        if kept:  # AlterConfigs replaces a topic's overrides: event topics carry this one only
            await admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, t, configs=EVENT_TOPIC_CONFIG) for t in kept]
            )
        return missing
    finally:
        await admin.close()


async def topic_partitions(bootstrap_servers: str, topic: str) -> list[int]:
    """Partition numbers of a topic (empty if it does not exist)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    for entry in described:
        if entry.get("topic") == topic and not entry.get("error_code"):
            return sorted(p["partition"] for p in entry.get("partitions", []))
    return []


async def read_all(bootstrap_servers: str, topic: str, *, idle_ms: int = 1000) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record currently in a topic, read without a consumer group (for tools and tests)."""
    partitions = [TopicPartition(topic, p) for p in await topic_partitions(bootstrap_servers, topic)]
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batch = await consumer.getmany(timeout_ms=idle_ms)
            if not batch:
                break
            for chunk in batch.values():
                records.extend(chunk)
        return records
    finally:
        await consumer.stop()
