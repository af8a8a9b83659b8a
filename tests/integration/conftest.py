"""Fixtures for the event backbone: a database with outbox, inbox and an effect log."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
import sqlalchemy as sa
from sqlmodel import SQLModel

from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from deploy.provision import create_databases
from services.common.db import create_engine, plumbing_tables, session_factory
from services.common.settings import ServiceSettings
from tests.support.backbone import EFFECT_DDL, Backbone


@pytest_asyncio.fixture(scope="session")
async def backbone(infra: Stack, stack_settings: StackSettings) -> AsyncIterator[Backbone]:
    await create_databases(stack_settings.postgres_admin_dsn, ("backbone",))
    settings = ServiceSettings(
        service_name="backbone-test",
        database_url=stack_settings.database_url("backbone", "postgres"),
        kafka_bootstrap_servers=stack_settings.kafka_bootstrap,
    )
    engine = create_engine(settings)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all, tables=plumbing_tables())
        await conn.execute(sa.text(EFFECT_DDL))
    yield Backbone(settings, session_factory(engine))
    await engine.dispose()
