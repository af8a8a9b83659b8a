"""Async SQLAlchemy engine and sessions over asyncpg."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.settings import ServiceSettings

SessionFactory = async_sessionmaker[AsyncSession]


def create_engine(settings: ServiceSettings) -> AsyncEngine:
    """One engine per process, pool sized by settings."""
    return create_async_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        pool_pre_ping=True,
    )


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session inside one transaction: committed on success, rolled back on error."""
    async with sessions() as session, session.begin():
        yield session


def plumbing_tables() -> list[sa.Table]:
    """The outbox and inbox tables, for databases built without migrations (tests, benchmarks)."""
    import services.common.inbox
    import services.common.outbox  # noqa: F401  (register the tables)

    return [SQLModel.metadata.tables["outbox"], SQLModel.metadata.tables["inbox"]]
