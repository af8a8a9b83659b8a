"""A matching service on its own migrated database (per test module), as an ASGI app in the test process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.common.auth import ensure_dev_keys, ensure_service_keys
from services.common.migrations import upgrade_to_head
from services.matching.__main__ import MIGRATIONS
from services.matching.app import create_app
from services.matching.config import MatchingSettings


@pytest_asyncio.fixture(scope="module")
async def settings(infra: Stack, stack_settings: StackSettings) -> MatchingSettings:
    database = f"matching_{uuid.uuid4().hex[:8]}"
    owner, app = await stack_settings.provision_database(database)
    settings = MatchingSettings(
        database_url=app,
        migration_database_url=owner,
        kafka_bootstrap_servers=stack_settings.kafka_bootstrap,
        auth_public_key_file=ensure_dev_keys()[1],
        auth_service_public_key_file=ensure_service_keys()[1],
        relay_poll_interval_s=0.2,
    )
    await upgrade_to_head(settings, MIGRATIONS)
    return settings


@pytest_asyncio.fixture(scope="module")
async def app(settings: MatchingSettings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application
