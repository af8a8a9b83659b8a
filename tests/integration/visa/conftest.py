"""A visa service on its own migrated database (per test module), as an ASGI app in the test process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.visa.__main__ import MIGRATIONS
from services.visa.app import create_app
from services.visa.config import VisaSettings
from tests.support.helpers import migrated_service


@pytest_asyncio.fixture(scope="module")
async def settings(infra: Stack, stack_settings: StackSettings) -> VisaSettings:
    return await migrated_service(VisaSettings, stack_settings, "visa", MIGRATIONS)


@pytest_asyncio.fixture(scope="module")
async def app(settings: VisaSettings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(scope="module")
async def authorities_settings(settings: VisaSettings) -> VisaSettings:
    """The same database, also trusting the authorities simulator's own key (as a local stack does)."""
    from services.common.auth import DEV_KEYS_DIR, ensure_key_pair

    return settings.model_copy(update={"authorities_public_key_file": ensure_key_pair(DEV_KEYS_DIR, "authorities")[1]})
