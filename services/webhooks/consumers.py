"""`python -m services.webhooks consume`: the dispatcher. Its consumer group turns events into deliveries
(inbox, dead letters) and its sender delivers them; both run in this one process."""

from __future__ import annotations

from typing import Any

from contracts.topics import SUBSCRIPTIONS, WEBHOOKS_DISPATCHER_GROUP
from services.common.consumer import EventConsumer
from services.common.db import create_engine, session_factory
from services.common.settings import ServiceSettings
from services.webhooks.config import WebhooksSettings
from services.webhooks.context import WebhooksContext
from services.webhooks.handlers.delivery import Dispatcher
from services.webhooks.handlers.fanout import handlers


def fanout_consumer(ctx: WebhooksContext) -> EventConsumer:
    topics = next(s.topics for s in SUBSCRIPTIONS if s.group == WEBHOOKS_DISPATCHER_GROUP)
    return EventConsumer(
        bootstrap_servers=ctx.settings.kafka_bootstrap_servers,
        group=ctx.settings.dispatcher_group,
        topics=topics,
        handlers=handlers(),
        sessions=ctx.sessions,
        max_attempts=ctx.settings.consumer_max_attempts,
    )


def consumers(_: ServiceSettings) -> list[Any]:
    """The dispatcher signs deliveries, so it reads the service's own settings (its secret key) itself."""
    settings = WebhooksSettings()
    ctx = WebhooksContext.build(session_factory(create_engine(settings)), settings)
    return [fanout_consumer(ctx), Dispatcher(ctx)]
