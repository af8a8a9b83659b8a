"""schemathesis against the webhooks service's own OpenAPI document: every check, stateful phase included."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from services.common.auth import ensure_dev_keys, ensure_service_keys
from services.webhooks.config import WebhooksSettings
from tests.support.fuzz import fuzz_service

pytestmark = pytest.mark.integration


async def test_the_webhooks_api_does_what_its_openapi_document_says(settings: WebhooksSettings, tmp_path: Path) -> None:
    def env(port: int) -> dict[str, str]:
        return {
            "WEBHOOKS_DATABASE_URL": settings.database_url,
            "WEBHOOKS_SECRET_KEY": settings.secret_key,
            "WEBHOOKS_HTTP_PORT": str(port),
            "WEBHOOKS_AUTH_PUBLIC_KEY_FILE": str(ensure_dev_keys()[1]),
            "WEBHOOKS_AUTH_SERVICE_PUBLIC_KEY_FILE": str(ensure_service_keys()[1]),
        }

    await asyncio.to_thread(fuzz_service, [sys.executable, "-m", "services.webhooks", "api"], env, tmp_path)
