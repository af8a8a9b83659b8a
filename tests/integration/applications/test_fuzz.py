"""schemathesis against the applications service's own OpenAPI document: every check, stateful phase included."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from services.common.migrations import upgrade_to_head
from tests.support.fuzz import fuzz_service
from tests.support.helpers import MIGRATIONS, applications_database, applications_settings

pytestmark = pytest.mark.integration


async def test_the_api_does_what_its_openapi_document_says(
    infra: Stack, stack_settings: StackSettings, tmp_path: Path
) -> None:
    db = await applications_database(stack_settings, "fuzz")
    settings = applications_settings(stack_settings, db, document_dir=tmp_path)
    await upgrade_to_head(settings, MIGRATIONS)

    def env(port: int) -> dict[str, str]:
        return {
            "APPLICATIONS_DATABASE_URL": settings.database_url,
            "APPLICATIONS_HTTP_PORT": str(port),
            "APPLICATIONS_MASTER_KEY": settings.master_key,
            "APPLICATIONS_HASH_KEY": settings.hash_key,
            "APPLICATIONS_AUTH_PUBLIC_KEY_FILE": str(settings.auth_public_key_file),
            "APPLICATIONS_AUTH_SERVICE_PUBLIC_KEY_FILE": str(settings.auth_service_public_key_file),
            "APPLICATIONS_DOCUMENT_DIR": str(tmp_path),
        }

    argv = [sys.executable, "-m", "services.applications", "api"]
    output = await asyncio.to_thread(fuzz_service, argv, env, tmp_path)
    assert "Stateful" in output
