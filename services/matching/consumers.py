"""`python -m services.matching consume`: the profile projection as one consumer group (inbox, dead letters)."""

from __future__ import annotations

from contracts.topics import MATCHING_PROFILES_GROUP, SUBSCRIPTIONS
from services.common.consumer import EventConsumer
from services.common.db import create_engine, session_factory
from services.common.settings import ServiceSettings
from services.matching.config import MatchingSettings
from services.matching.context import MatchingContext
from services.matching.handlers.profiles import ProfileProjection
from services.matching.reference import reference_data


def profile_consumer(settings: ServiceSettings, ctx: MatchingContext) -> EventConsumer:
    topics = next(s.topics for s in SUBSCRIPTIONS if s.group == MATCHING_PROFILES_GROUP)
    return EventConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group=MATCHING_PROFILES_GROUP,
        topics=topics,
        handlers=ProfileProjection(ctx).handlers(),
        sessions=ctx.sessions,
        max_attempts=settings.consumer_max_attempts,
    )


def consumers(settings: ServiceSettings) -> list[EventConsumer]:
    """The consumer process reads the shared settings only (no API settings, no secrets)."""
    sessions = session_factory(create_engine(settings))
    return [profile_consumer(settings, MatchingContext(sessions, MatchingSettings(), reference_data()))]
