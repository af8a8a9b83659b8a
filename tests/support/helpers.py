"""Settings, tokens and outbox reads shared by the API tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from deploy.local.settings import StackSettings
from services.applications.config import ApplicationsSettings
from services.common.auth import dev_token, ensure_dev_keys, ensure_service_keys
from services.common.crypto import new_key_b64
from services.common.settings import ServiceSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "applications" / "migrations"


async def applications_database(stack: StackSettings, prefix: str = "apps") -> str:
    """A new applications database with its owner and runtime roles; returns its name."""
    import uuid

    database = f"{prefix}_{uuid.uuid4().hex[:8]}"
    await stack.provision_database(database)
    return database


def applications_settings(stack: StackSettings, database: str, **overrides: Any) -> ApplicationsSettings:
    """Settings of an applications service on the test stack (runtime role; owner for migrations), fresh keys."""
    _, public = ensure_dev_keys()
    values: dict[str, Any] = {
        "database_url": stack.database_url(database),
        "migration_database_url": stack.database_url(database, "owner"),
        "auth_service_public_key_file": ensure_service_keys()[1],
        "kafka_bootstrap_servers": stack.kafka_bootstrap,
        "master_key": new_key_b64(),
        "hash_key": new_key_b64(),
        "auth_public_key_file": public,
        **overrides,
    }
    return ApplicationsSettings(**values)


S = TypeVar("S", bound=ServiceSettings)


async def migrated_service(
    settings_class: type[S], stack: StackSettings, prefix: str, migrations: Path, **extra: Any
) -> S:
    """Settings of a service on a new database of the test stack (runtime role; owner for migrations), migrated."""
    import uuid

    from services.common.migrations import upgrade_to_head

    owner, app = await stack.provision_database(f"{prefix}_{uuid.uuid4().hex[:8]}")
    settings = settings_class(
        database_url=app,
        migration_database_url=owner,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        auth_public_key_file=ensure_dev_keys()[1],
        auth_service_public_key_file=ensure_service_keys()[1],
        **extra,
    )
    await upgrade_to_head(settings, migrations)
    return settings


def token(role: str = "case_officer", subject: str = "officer-1", **kw: Any) -> str:
    return dev_token(role, subject, **kw)


def auth(role: str = "case_officer", subject: str = "officer-1", **kw: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, subject, **kw)}"}


async def outbox_events(settings: ServiceSettings, aggregate_id: object) -> list[dict[str, Any]]:
    """The service's outbox rows for one aggregate, oldest first: `{"type": <event name>, **payload}` each."""
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        rows = await conn.fetch(
            "SELECT event_type, payload FROM outbox WHERE aggregate_id = $1 ORDER BY position", str(aggregate_id)
        )
    finally:
        await conn.close()
    return [{"type": r["event_type"].split(".")[2], **json.loads(r["payload"])} for r in rows]
