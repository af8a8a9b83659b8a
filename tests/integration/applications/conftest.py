"""An applications service on its own migrated database (per test module), as an ASGI app in the test process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.applications.app import create_app
from services.applications.config import ApplicationsSettings
from services.common.migrations import upgrade_to_head
from tests.support.helpers import MIGRATIONS, applications_database, applications_settings, auth


@pytest_asyncio.fixture(scope="module")
async def settings(
    infra: Stack, stack_settings: StackSettings, tmp_path_factory: pytest.TempPathFactory
) -> ApplicationsSettings:
    db = await applications_database(stack_settings, "apps")
    settings = applications_settings(
        stack_settings, db, document_dir=tmp_path_factory.mktemp("docs"), max_upload_bytes=64 * 1024
    )
    await upgrade_to_head(settings, MIGRATIONS)
    return settings


@pytest_asyncio.fixture(scope="module")
async def app(settings: ApplicationsSettings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(scope="module")
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A case officer's client."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api", headers=auth()) as c:
        yield c
