"""schemathesis against the applications service's own OpenAPI document: generated requests, no 5xx."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from deploy.local.settings import REPO_ROOT, StackSettings
from deploy.local.stack import Stack
from deploy.local.supervisor import free_port
from services.applications.config import ApplicationsSettings
from tests.support.helpers import applications_database, applications_settings, token

pytestmark = pytest.mark.integration


async def test_generated_requests_never_cause_a_server_error(
    infra: Stack, stack_settings: StackSettings, tmp_path: Path
) -> None:
    db = await applications_database(stack_settings, "fuzz")
    settings = applications_settings(stack_settings, db, document_dir=tmp_path)
    await asyncio.to_thread(_fuzz, settings, stack_settings, tmp_path)


def _fuzz(settings: ApplicationsSettings, stack_settings: StackSettings, tmp_path: Path) -> None:
    """Serve the API as a real process and let schemathesis loose on it."""
    port = free_port()
    env = {
        **os.environ,
        "APPLICATIONS_DATABASE_URL": settings.database_url,
        "APPLICATIONS_HTTP_PORT": str(port),
        "APPLICATIONS_MASTER_KEY": settings.master_key,
        "APPLICATIONS_HASH_KEY": settings.hash_key,
        "APPLICATIONS_AUTH_PUBLIC_KEY_FILE": str(settings.auth_public_key_file),
        "APPLICATIONS_DOCUMENT_DIR": str(tmp_path),
        "APPLICATIONS_KAFKA_BOOTSTRAP_SERVERS": stack_settings.kafka_bootstrap,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "services.applications", "api"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the API did not start"
            time.sleep(0.2)
        result = subprocess.run(
            [
                shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis"),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "25",
                "--seed",
                "7",
                "-H",
                f"Authorization: Bearer {token()}",
                "--request-timeout",
                "10",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
        assert "passed" in result.stdout.lower(), result.stdout
    finally:
        server.terminate()
        server.wait(timeout=20)
