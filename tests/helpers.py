"""Settings and tokens shared by the API tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deploy.local.settings import StackSettings
from services.applications.config import ApplicationsSettings
from services.common.auth import dev_token, ensure_dev_keys
from services.common.crypto import new_key_b64

MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "applications" / "migrations"


def applications_settings(stack: StackSettings, database: str, **overrides: Any) -> ApplicationsSettings:
    """Settings of an applications service on the test stack, with fresh keys."""
    _, public = ensure_dev_keys()
    values: dict[str, Any] = {
        "database_url": stack.database_url(database),
        "kafka_bootstrap_servers": stack.kafka_bootstrap,
        "master_key": new_key_b64(),
        "hash_key": new_key_b64(),
        "auth_public_key_file": public,
        "relay_poll_interval_s": 0.2,
        **overrides,
    }
    return ApplicationsSettings(**values)


def token(role: str = "case_officer", subject: str = "officer-1", **kw: Any) -> str:
    return dev_token(role, subject, **kw)


def auth(role: str = "case_officer", subject: str = "officer-1", **kw: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, subject, **kw)}"}
