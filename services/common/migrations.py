"""Alembic migrations run from code, serialised by an advisory lock so replicas can start together.

`create_plumbing()` is what a service's first migration calls: it creates the outbox, inbox, audit and
idempotency tables (version 1 of the plumbing schema, frozen here; a later change to them comes as a new
helper that later migrations call), the relay's NOTIFY trigger and the audit trail's append-only trigger.
`grant_runtime_role()` gives the service's runtime role what it needs and nothing more: no UPDATE, DELETE
or TRUNCATE on the audit trail, no DDL.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

from services.common.settings import ServiceSettings
from services.common.tables import APPEND_ONLY_DDL, DROP_APPEND_ONLY_DDL, DROP_NOTIFY_TRIGGER_DDL, NOTIFY_TRIGGER_DDL

MIGRATION_LOCK_KEY = 0x7448_4D4D_0002


def alembic_config(settings: ServiceSettings, script_location: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", settings.owner_database_url.replace("%", "%%"))
    config.attributes["settings"] = settings
    return config


async def upgrade_to_head(settings: ServiceSettings, script_location: Path) -> None:
    """Bring the service's database to the newest revision (no-op when already there), as the schema owner."""
    conn = await asyncpg.connect(settings.owner_database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        try:
            config = alembic_config(settings, script_location)
            await asyncio.to_thread(command.upgrade, config, "head")
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    finally:
        await conn.close()


def run_migrations_online(config: Config, metadata: MetaData) -> None:
    """Body of a service's migrations/env.py: run migrations over a sync connection of the async engine."""
    from alembic import context
    from sqlalchemy.ext.asyncio import create_async_engine

    url = config.get_main_option("sqlalchemy.url")
    assert url is not None

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
            await connection.commit()
        await engine.dispose()

    asyncio.run(run())


def runtime_role() -> str | None:
    """The runtime role of the migrating service (the user of its database_url), if it is not the owner."""
    from alembic import context

    settings: ServiceSettings | None = context.config.attributes.get("settings")
    if settings is None:
        return None
    runtime, owner = make_url(settings.database_url).username, make_url(settings.owner_database_url).username
    return runtime if runtime and runtime != owner else None


def create_plumbing() -> None:
    """Plumbing schema v1: outbox, inbox, audit_event, idempotency_key, their indexes and triggers."""
    from alembic import op

    op.create_table(
        "outbox",
        sa.Column("position", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("aggregate_type", sa.Text(), nullable=False),
        sa.Column("aggregate_id", sa.Text(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "tx_id", sa.BigInteger(), server_default=sa.text("(pg_current_xact_id()::text::bigint)"), nullable=False
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("position"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("outbox_pending", "outbox", ["position"], postgresql_where=sa.text("published_at IS NULL"))
    op.create_index(
        "outbox_published_at", "outbox", ["published_at"], postgresql_where=sa.text("published_at IS NOT NULL")
    )
    op.create_table(
        "inbox",
        sa.Column("consumer_group", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("consumer_group", "event_id"),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("resource_type", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("trace_id", sa.Text(), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("audit_event_resource", "audit_event", ["resource_type", "resource_id", "occurred_at"])
    op.create_table(
        "idempotency_key",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_headers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("response_body", sa.LargeBinary(), nullable=False),
        sa.Column("subject_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    op.create_index("idempotency_key_subject", "idempotency_key", ["subject_id"])
    op.create_index("idempotency_key_created", "idempotency_key", ["created_at"])
    for statement in (*NOTIFY_TRIGGER_DDL, *APPEND_ONLY_DDL):
        op.execute(statement)


def plumbing_v2() -> None:
    """Plumbing schema v2: no NOTIFY trigger on the outbox. Its `pg_notify` takes a lock that every committing
    transaction in the cluster queues behind; the relay polls the pending-rows index at a short interval."""
    from alembic import op

    for statement in DROP_NOTIFY_TRIGGER_DDL:
        op.execute(statement)


def undo_plumbing_v2() -> None:
    from alembic import op

    for statement in NOTIFY_TRIGGER_DDL:
        op.execute(statement)


def drop_plumbing() -> None:
    """Undo create_plumbing()."""
    from alembic import op

    for statement in (*DROP_NOTIFY_TRIGGER_DDL, *DROP_APPEND_ONLY_DDL):
        op.execute(statement)
    for table in ("idempotency_key", "audit_event", "inbox", "outbox"):
        op.drop_table(table)


def grant_runtime_role(role: str | None = None) -> None:
    """Privileges of the runtime role on everything the owner creates, now and later; audit stays append-only.

    Call it at the end of every migration that creates tables (it is idempotent).
    """
    from alembic import op

    role = role or runtime_role()
    if role is None:
        return
    quoted = '"' + role.replace('"', '""') + '"'
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM {quoted}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {quoted}",
    ):
        op.execute(statement)


def compare_with_models(connection: Connection, metadata: MetaData) -> list[Any]:
    """Differences between a migrated database and the models (Alembic compare_metadata); [] means no drift."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))
