"""The kit's database helpers on PostgreSQL: rows of several tables in one statement, and sessions for reads."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.common.db import Rows, ambient_session, insert_rows, transaction
from tests.support.backbone import Backbone

FIXED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
metadata = sa.MetaData()
parent = sa.Table(
    "kit_parent", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.Text, unique=True, nullable=False),
    sa.Column("tags", sa.ARRAY(sa.Text)),
    sa.Column("doc", sa.JSON),
)  # fmt: skip
child = sa.Table(
    "kit_child", metadata,
    sa.Column("position", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("parent_id", sa.Uuid, sa.ForeignKey("kit_parent.id"), nullable=False),
    sa.Column("note", sa.Text, server_default="none", nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), default=lambda: FIXED),
    *(sa.Column(f"c{i}", sa.Integer) for i in range(8)),
)  # fmt: skip


@pytest.fixture
async def tables(backbone: Backbone) -> AsyncIterator[Backbone]:
    engine = backbone.sessions.kw["bind"]
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    yield backbone
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)


@contextmanager
def statements(backbone: Backbone) -> Iterator[list[str]]:
    """The SQL statements the block sends, in order."""
    sent: list[str] = []
    engine = backbone.sessions.kw["bind"].sync_engine

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)


async def rows_of(backbone: Backbone, sql: str) -> list[Any]:
    async with backbone.sessions() as session:
        return list((await (await session.connection()).execute(sa.text(sql))).all())


async def test_rows_of_several_tables_go_in_one_statement_with_defaults_and_references(tables: Backbone) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    children = Rows(child, [
        {"parent_id": second, "note": "given", "c0": 1},  # before its parent: checked at the end of the statement
        {"parent_id": first, "c0": 2},
        {"parent_id": first, "c0": 3, "changed_at": datetime(2025, 5, 5, tzinfo=UTC)},
    ])  # fmt: skip
    parents = Rows(parent, [
        {"id": first, "name": "a", "tags": ["x", "y"], "doc": {"k": [1, 2]}},
        {"id": second, "name": "b"},
    ])  # fmt: skip
    with statements(tables) as sent:
        async with transaction(tables.sessions) as session:
            await insert_rows(session, children, parents)
    inserts = [s for s in sent if "INSERT" in s]
    assert len(inserts) == 1 and inserts[0].startswith("WITH ")
    assert await rows_of(tables, "SELECT name, tags, doc::text FROM kit_parent ORDER BY name") == [
        ("a", ["x", "y"], '{"k": [1, 2]}'), ("b", None, "null"),
    ]  # fmt: skip
    got = await rows_of(tables, "SELECT parent_id, note, changed_at, c0 FROM kit_child ORDER BY position")
    assert got == [
        (second, "given", FIXED, 1),  # the column's own default where none was given
        (first, "none", FIXED, 2),  # the database's default
        (first, "none", datetime(2025, 5, 5, tzinfo=UTC), 3),
    ]  # in the order given


async def test_a_refused_row_fails_the_whole_statement_and_names_its_table(tables: Backbone) -> None:
    existing = uuid.uuid4()
    async with transaction(tables.sessions) as session:
        await insert_rows(session, Rows(parent, [{"id": existing, "name": "taken"}]))
    with pytest.raises(IntegrityError) as refused:
        async with transaction(tables.sessions) as session:
            await insert_rows(
                session, Rows(child, [{"parent_id": uuid.uuid4()}]), Rows(parent, [{"id": uuid.uuid4(), "name": "n"}])
            )
    assert getattr(refused.value.orig.__cause__, "table_name", None) == "kit_child"  # the foreign key
    with pytest.raises(IntegrityError) as refused:
        async with transaction(tables.sessions) as session:
            await insert_rows(session, Rows(child, [{"parent_id": existing}]), Rows(parent, [
                {"id": uuid.uuid4(), "name": "taken"}]))  # fmt: skip
    assert getattr(refused.value.orig.__cause__, "sqlstate", None) == "23505"
    assert await rows_of(tables, "SELECT count(*) FROM kit_child") == [(0,)]  # nothing of either went in


async def test_more_values_than_one_statement_takes_go_in_chunks_in_order(tables: Backbone) -> None:
    owner = uuid.uuid4()
    many = [{"parent_id": owner, **{f"c{i}": n for i in range(8)}} for n in range(3500)]  # 35,000 values
    with statements(tables) as sent:
        async with transaction(tables.sessions) as session:
            await insert_rows(session, Rows(parent, [{"id": owner, "name": "many"}]), Rows(child, many))
    assert len([s for s in sent if "INSERT" in s]) > 2
    got = await rows_of(tables, "SELECT c0, c7 FROM kit_child ORDER BY position")
    assert got == [(n, n) for n in range(3500)]


async def test_reads_run_outside_a_transaction_and_inside_a_request_use_its_session(tables: Backbone) -> None:
    # Two statements of one transaction have one transaction id; in autocommit each statement has its own.
    async def xact(session: Any) -> str:
        return str((await (await session.connection()).execute(sa.text("SELECT pg_current_xact_id()"))).scalar_one())

    async with tables.sessions.reads() as session:
        assert await xact(session) != await xact(session)
    async with transaction(tables.sessions) as session:
        assert await xact(session) == await xact(session)
        async with ambient_session(session), tables.sessions.reads() as lent:
            assert lent is session
