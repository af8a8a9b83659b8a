"""schemathesis against the journey API's own OpenAPI document: every check, stateful phase included."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.common.auth import ensure_dev_keys, ensure_service_keys
from services.common.migrations import upgrade_to_head
from tests.support.fuzz import fuzz_service
from workflows.api import MIGRATIONS
from workflows.config import JourneySettings

pytestmark = pytest.mark.integration


async def test_the_journey_api_does_what_its_openapi_document_says(
    infra: Stack, stack_settings: StackSettings, tmp_path: Path
) -> None:
    owner, app = await stack_settings.provision_database("journey_fuzz")
    await upgrade_to_head(JourneySettings(database_url=app, migration_database_url=owner), MIGRATIONS)

    def env(port: int) -> dict[str, str]:
        return {
            "JOURNEY_DATABASE_URL": app,
            "JOURNEY_HTTP_PORT": str(port),
            "JOURNEY_TEMPORAL_ADDRESS": stack_settings.temporal_address,
            "JOURNEY_AUTH_PUBLIC_KEY_FILE": str(ensure_dev_keys()[1]),
            "JOURNEY_AUTH_SERVICE_PUBLIC_KEY_FILE": str(ensure_service_keys()[1]),
        }

    await asyncio.to_thread(fuzz_service, [sys.executable, "-m", "workflows.api", "api"], env, tmp_path)
