"""Async SQLAlchemy engine and sessions over asyncpg, and the request's ambient transaction.

An idempotent request runs in one transaction that also stores its answer (services.common.idempotency).
While it runs, `transaction()` and `sessions()` hand the use case that request's session (a SAVEPOINT for
each `transaction()`), so the effect, its outbox rows and the stored answer commit together or not at all.
Outside such a request they open sessions of their own, as usual.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.settings import ServiceSettings
from services.common.tables import plumbing_tables

__all__ = [
    "Rows", "SessionFactory", "ambient_session", "create_engine", "insert_rows", "plumbing_tables",
    "session_factory", "transaction",
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


@dataclass(frozen=True)
class Rows:
    """Plain rows of one table (dicts keyed by column name) for `insert_rows`, beside table-model objects."""

    table: sa.Table
    values: Sequence[dict[str, Any]]


async def insert_rows(session: AsyncSession, *records: SQLModel | Rows) -> None:
    """INSERT new rows of several tables in one statement, without the unit of work.

    For hot paths whose new rows are answered from the objects in hand and never read back as ORM objects in
    the same transaction: the unit of work's bookkeeping (state tracking, dependency sort, reading server
    defaults back) cost more than the statements, and each statement its own round trip. Each table's rows
    are one multi-row INSERT, in the order given, and several tables are data-modifying CTEs of the same
    statement: a registration's candidate, key, consents, events, application and audit row go in one round
    trip instead of six. PostgreSQL checks foreign keys at the end of the statement, so rows may reference
    each other in any order. A column left None gets its default (the database's, or the column's own).
    The text is made once per shape (tables, columns, rows) and kept, so its cache key is not walked again.
    """
    groups = _by_table(records)
    if not groups:
        return
    connection = await session.connection()
    if sum(len(columns) * len(rows) for _, columns, rows in groups) <= _MAX_PARAMETERS:
        statement, params = _statement(groups)
        await connection.execute(statement, params)
        return
    for table, columns, rows in groups:  # too many values for one statement: a table at a time, in chunks
        step = max(1, _MAX_PARAMETERS // len(columns))
        for start in range(0, len(rows), step):
            statement, params = _statement([(table, columns, rows[start : start + step])])
            await connection.execute(statement, params)


#: asyncpg sends at most 32,767 parameters with a statement.
_MAX_PARAMETERS = 30_000

#: A cell that takes the column's database default.
_DEFAULT = object()

_Group = tuple[sa.Table, tuple[sa.Column[Any], ...], list[list[Any]]]


def _by_table(records: tuple[SQLModel | Rows, ...]) -> list[_Group]:
    """Per table, in first-seen order: the columns any row sets, and each row's cells in that order."""
    dicts: dict[sa.Table, list[dict[str, Any]]] = {}
    for record in records:
        if isinstance(record, Rows):
            dicts.setdefault(record.table, []).extend(record.values)
        else:  # a new object's values are in its instance dict (read past the attribute descriptors)
            dicts.setdefault(record.__table__, []).append(record.__dict__)  # type: ignore[attr-defined]
    groups: list[_Group] = []
    for table, rows in dicts.items():
        if not rows:
            continue
        plan = _PLANS.get(table) or _plan(table)
        cells = [[value if (value := row.get(key)) is not None else fill() for key, fill in plan] for row in rows]
        keep = [i for i in range(len(plan)) if any(r[i] is not _DEFAULT for r in cells)]
        columns = tuple(table.columns[i] for i in keep)
        groups.append((table, columns, [[r[i] for i in keep] for r in cells]))
    return groups


_PLANS: dict[sa.Table, list[tuple[str, Callable[[], Any]]]] = {}


def _plan(table: sa.Table) -> list[tuple[str, Callable[[], Any]]]:
    """Each column's key and what a None in it becomes: the column's own default, the database's, or NULL."""
    plan = []
    for column in table.columns:
        default: Any = column.default
        if default is not None and default.is_scalar:
            fill = _constant(default.arg)
        elif default is not None and default.is_callable:
            fill = functools.partial(default.arg, None)  # SQLAlchemy's wrapper takes an execution context
        else:
            fill = _constant(_DEFAULT if column.server_default is not None else None)
        plan.append((column.key, fill))
    _PLANS[table] = plan
    return plan


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


_STATEMENTS: dict[tuple[Any, ...], sa.TextClause] = {}


def _statement(groups: list[_Group]) -> tuple[sa.TextClause, dict[str, Any]]:
    """One INSERT per table, all but the last as CTEs; the statement kept per shape, and its parameters."""
    shape = tuple(
        (table.name, tuple(c.key for c in columns), tuple(tuple(v is _DEFAULT for v in row) for row in rows))
        for table, columns, rows in groups
    )
    params: dict[str, Any] = {}
    for g, (_, _, rows) in enumerate(groups):
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not _DEFAULT:
                    params[f"v{g}_{r}_{c}"] = value
    statement = _STATEMENTS.get(shape)
    if statement is None:
        if len(_STATEMENTS) > 512:  # shapes are few in practice; never grow without bound
            _STATEMENTS.clear()
        statement = _STATEMENTS[shape] = _compose(groups)
    return statement, params


def _compose(groups: list[_Group]) -> sa.TextClause:
    quote = _quote
    inserts, binds = [], []
    for g, (table, columns, rows) in enumerate(groups):
        values = []
        for r, row in enumerate(rows):
            cells = []
            for c, value in enumerate(row):
                if value is _DEFAULT:
                    cells.append("DEFAULT")
                else:
                    cells.append(f":v{g}_{r}_{c}")
                    binds.append(sa.bindparam(f"v{g}_{r}_{c}", type_=columns[c].type))
            values.append(f"({', '.join(cells)})")
        names = ", ".join(quote(c.name) for c in columns)
        target = f"{quote(table.schema)}.{quote(table.name)}" if table.schema else quote(table.name)
        inserts.append(f"INSERT INTO {target} ({names}) VALUES {', '.join(values)}")
    *ctes, last = inserts
    head = f"WITH {', '.join(f'i{n} AS ({sql})' for n, sql in enumerate(ctes))} " if ctes else ""
    return sa.text(head + last).bindparams(*binds)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@asynccontextmanager
async def ambient_session(session: AsyncSession) -> AsyncIterator[None]:
    """Make `session` the one use cases use for the block's duration (the idempotency layer's transaction)."""
    token = _ambient.set(session)
    try:
        yield
    finally:
        _ambient.reset(token)
