"""schemathesis against the monitoring service's own OpenAPI document: every check, stateful phase included."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from services.common.auth import ensure_dev_keys, ensure_service_keys
from services.monitoring.config import MonitoringSettings
from tests.support.fuzz import fuzz_service

pytestmark = pytest.mark.integration


async def test_the_monitoring_api_does_what_its_openapi_document_says(
    settings: MonitoringSettings, tmp_path: Path
) -> None:
    def env(port: int) -> dict[str, str]:
        return {
            "MONITORING_DATABASE_URL": settings.database_url,
            "MONITORING_HTTP_PORT": str(port),
            "MONITORING_AUTH_PUBLIC_KEY_FILE": str(ensure_dev_keys()[1]),
            "MONITORING_AUTH_SERVICE_PUBLIC_KEY_FILE": str(ensure_service_keys()[1]),
        }

    await asyncio.to_thread(fuzz_service, [sys.executable, "-m", "services.monitoring", "api"], env, tmp_path)
