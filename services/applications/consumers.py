"""`python -m services.applications consume`: contact disclosures from matching (inbox, dead letters)."""

from __future__ import annotations

from contracts.topics import APPLICATIONS_DISCLOSURES_GROUP, SUBSCRIPTIONS
from services.applications.handlers.disclosures import handlers
from services.common.consumer import EventConsumer
from services.common.db import SessionFactory, create_engine, session_factory
from services.common.settings import ServiceSettings


def disclosure_consumer(settings: ServiceSettings, sessions: SessionFactory) -> EventConsumer:
    topics = next(s.topics for s in SUBSCRIPTIONS if s.group == APPLICATIONS_DISCLOSURES_GROUP)
    return EventConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group=APPLICATIONS_DISCLOSURES_GROUP,
        topics=topics,
        handlers=handlers(),
        sessions=sessions,
        max_attempts=settings.consumer_max_attempts,
    )


def consumers(settings: ServiceSettings) -> list[EventConsumer]:
    return [disclosure_consumer(settings, session_factory(create_engine(settings)))]
