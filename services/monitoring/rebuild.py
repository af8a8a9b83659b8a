"""`python -m services.monitoring.rebuild`: empty the read models and read every topic again from the start.

Stop the monitoring consumer first (Kafka moves a group's offsets only while it has no members). The read
models (`tables.READ_MODELS`) and the group's inbox rows are emptied in one transaction, the group's offsets go
back to the beginning of every topic, and the consumer, started again, rebuilds the same figures: the event
topics are kept for good. Casework (follow-ups, tasks, alerts, grievances) is left as it is; alerts are raised
once per cost line, so replayed lines raise none again.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.topics import MONITORING_STATISTICS_GROUP, SUBSCRIPTIONS
from services.common.db import create_engine
from services.common.kafka import topic_partitions
from services.common.runner import plumbing_settings
from services.common.settings import ServiceSettings
from services.monitoring.config import MonitoringSettings
from services.monitoring.tables import READ_MODELS

log = logging.getLogger("thamm.monitoring.rebuild")


async def empty_read_models(settings: ServiceSettings, group: str) -> None:
    """As the schema's owner (MIGRATION_DATABASE_URL): the runtime role may not truncate."""
    engine = create_engine(settings, url=settings.owner_database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"TRUNCATE {', '.join(READ_MODELS)}"))
            await conn.execute(sa.text("DELETE FROM inbox WHERE consumer_group = :group").bindparams(group=group))
    finally:
        await engine.dispose()


async def rewind(bootstrap_servers: str, group: str) -> int:
    """Commit the beginning of every partition of the group's topics as its offsets; returns the partitions."""
    topics = next(s.topics for s in SUBSCRIPTIONS if s.group == MONITORING_STATISTICS_GROUP)
    partitions = [TopicPartition(t, p) for t in topics for p in await topic_partitions(bootstrap_servers, t)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        beginnings = await consumer.beginning_offsets(partitions)
        await consumer.commit(dict(beginnings))
    finally:
        await consumer.stop()
    return len(partitions)


async def rebuild(settings: ServiceSettings, group: str = MONITORING_STATISTICS_GROUP) -> int:
    await empty_read_models(settings, group)
    return await rewind(settings.kafka_bootstrap_servers, group)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.monitoring.rebuild", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--group", default=MONITORING_STATISTICS_GROUP, help="the consumer group to rewind")
    args = parser.parse_args()
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s %(message)s")
    count = asyncio.run(rebuild(plumbing_settings(MonitoringSettings), args.group))
    log.info("read models emptied, %d partitions rewound for %s: start the consumer", count, args.group)


if __name__ == "__main__":
    main()
