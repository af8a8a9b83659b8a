"""A monitoring service on its own migrated database (per test module), as an ASGI app in the test process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.monitoring.__main__ import MIGRATIONS
from services.monitoring.app import create_app
from services.monitoring.config import MonitoringSettings
from tests.support.helpers import migrated_service


@pytest_asyncio.fixture(scope="module")
async def settings(infra: Stack, stack_settings: StackSettings) -> MonitoringSettings:
    return await migrated_service(MonitoringSettings, stack_settings, "monitoring", MIGRATIONS)


@pytest_asyncio.fixture(scope="module")
async def app(settings: MonitoringSettings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application
