"""Alembic migrations run from code, serialised by an advisory lock so replicas can start together."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData

from services.common.settings import ServiceSettings

MIGRATION_LOCK_KEY = 0x7448_4D4D_0002


def alembic_config(settings: ServiceSettings, script_location: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    config.attributes["settings"] = settings
    return config


async def upgrade_to_head(settings: ServiceSettings, script_location: Path) -> None:
    """Bring the service's database to the newest revision (no-op when already there)."""
    conn = await asyncpg.connect(settings.asyncpg_dsn)
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
