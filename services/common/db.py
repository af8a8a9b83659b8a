"""Async SQLAlchemy engine and sessions over asyncpg, and the request's ambient transaction.

An idempotent request runs in one transaction that also stores its answer (services.common.idempotency).
While it runs, `transaction()` and `sessions()` hand the use case that request's session (a SAVEPOINT for
each `transaction()`), so the effect, its outbox rows and the stored answer commit together or not at all.
Outside such a request they open sessions of their own, as usual.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.settings import ServiceSettings
from services.common.tables import plumbing_tables

__all__ = [
    "SessionFactory", "ambient_session", "create_engine", "insert_rows", "plumbing_tables", "session_factory",
    "transaction",
]  # fmt: skip

_ambient: ContextVar[AsyncSession | None] = ContextVar("thamm_ambient_session", default=None)


class _Borrowed:
    """The ambient session, lent to a `with` block without closing it at the end."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def __aenter__(self) -> AsyncSession:
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        return None


class SessionFactory(async_sessionmaker[AsyncSession]):
    """Opens sessions; inside an idempotent request, lends that request's session instead."""

    _reads: async_sessionmaker[AsyncSession] | None = None

    def __call__(self, **kw: Any) -> Any:
        ambient = _ambient.get()
        if ambient is not None and not kw:
            return _Borrowed(ambient)
        return super().__call__(**kw)

    def reads(self) -> Any:
        """A session for queries, on a connection in autocommit: no BEGIN and no ROLLBACK around them.

        At READ COMMITTED each statement takes its own snapshot inside a transaction too, so a query sees
        the same rows either way; the transaction only added two round trips (a third of a one-statement
        read's time). Nothing run here is atomic with anything else: writes go through `transaction()`.
        Inside an idempotent request, that request's session, as for `sessions()`."""
        ambient = _ambient.get()
        if ambient is not None:
            return _Borrowed(ambient)
        if self._reads is None:
            engine = self.kw["bind"].execution_options(isolation_level="AUTOCOMMIT")
            self._reads = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        return self._reads()


def create_engine(settings: ServiceSettings, *, url: str | None = None) -> AsyncEngine:
    """One engine per process, pool sized by settings; statement parameters never reach logs or errors."""
    return create_async_engine(
        url or settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=0,  # overflow connections are opened and closed per use: under steady load, a new
        # connection (TCP, authentication, a server process) for every other transaction
        pool_recycle=1800,
        pool_reset_on_return=None,  # sessions end their transactions; the pool need not roll back again
        hide_parameters=True,
    )


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return SessionFactory(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session inside one transaction: committed on success, rolled back on error.

    Inside an idempotent request it is a savepoint of the request's transaction, committed with it.
    """
    ambient = _ambient.get()
    if ambient is not None:
        async with ambient.begin_nested():
            yield ambient
        return
    async with sessions() as session, session.begin():
        yield session


async def insert_rows(session: AsyncSession, *records: SQLModel) -> None:
    """INSERT table-model objects at once, one statement per table, without the unit of work.

    For hot paths whose new rows are answered from the objects in hand and never read back as ORM objects in
    the same transaction: the unit of work's bookkeeping (state tracking, dependency sort, reading server
    defaults back) cost more than the statements. Columns left None that have a default get it.
    """
    connection = await session.connection()
    for table, rows in _by_table(records).items():
        await connection.execute(table.insert(), rows)


def _by_table(records: tuple[SQLModel, ...]) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for record in records:
        table = record.__table__  # type: ignore[attr-defined]
        row = {
            c.key: getattr(record, c.key)
            for c in table.columns
            if getattr(record, c.key) is not None or (c.server_default is None and c.default is None)
        }
        grouped.setdefault(table, []).append(row)
    return grouped


@asynccontextmanager
async def ambient_session(session: AsyncSession) -> AsyncIterator[None]:
    """Make `session` the one use cases use for the block's duration (the idempotency layer's transaction)."""
    token = _ambient.set(session)
    try:
        yield
    finally:
        _ambient.reset(token)
