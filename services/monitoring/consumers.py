"""`python -m services.monitoring consume`: the read models as one consumer group over every topic."""

from __future__ import annotations

from contracts.topics import MONITORING_STATISTICS_GROUP, SUBSCRIPTIONS
from services.common.consumer import EventConsumer
from services.common.db import SessionFactory, create_engine, session_factory
from services.common.settings import ServiceSettings
from services.monitoring.handlers.projection import StatisticsProjection
from services.monitoring.reference import reference_data


def statistics_consumer(
    settings: ServiceSettings, sessions: SessionFactory, group: str = MONITORING_STATISTICS_GROUP
) -> EventConsumer:
    """The projection of every topic; another `group` reads the topics again from the beginning (a rebuild)."""
    topics = next(s.topics for s in SUBSCRIPTIONS if s.group == MONITORING_STATISTICS_GROUP)
    return EventConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group=group,
        topics=topics,
        handlers=StatisticsProjection(reference_data()).handlers(),
        sessions=sessions,
        max_attempts=settings.consumer_max_attempts,
        key_aligned=True,  # one person's facts come on six topics, on the same partition number of each
    )


def consumers(settings: ServiceSettings) -> list[EventConsumer]:
    """The consumer process reads the shared settings only (no API settings, no secrets)."""
    return [statistics_consumer(settings, session_factory(create_engine(settings)))]
