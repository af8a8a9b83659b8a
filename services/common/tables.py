"""The plumbing tables every service database has (outbox, inbox, audit, idempotency) and column helpers.

Services import these classes into their own `tables.py` so Alembic sees one metadata; a service's first
migration creates them with `services.common.migrations.create_plumbing` (the same schema, written once).
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

UUID = postgresql.UUID(as_uuid=True)


def _signed(make: Callable[[], Any], name: str) -> Callable[[], Any]:
    """`make` as a default factory whose signature is known in advance.

    A table model fills its defaults in `sqlmodel_table_construct`, and pydantic asks of every factory, on
    every new row, whether it takes the validated data: an `inspect.signature` each time, which for `list`
    parses its text signature (about 45 µs per field per row). A declared `__signature__` answers at once.
    """

    def factory() -> Any:
        return make()

    factory.__name__ = factory.__qualname__ = name
    factory.__signature__ = inspect.Signature()  # type: ignore[attr-defined]
    return factory


new_id: Callable[[], uuid.UUID] = _signed(uuid.uuid4, "new_id")
"""Default factory for UUID keys of table models."""
new_list: Callable[[], list[Any]] = _signed(list, "new_list")
"""Default factory for list columns of table models."""
new_dict: Callable[[], dict[str, Any]] = _signed(dict, "new_dict")
"""Default factory for dict (JSON object) columns of table models."""


def now() -> datetime:
    return datetime.now(UTC)


def col(type_: Any, nullable: bool = True, **kw: Any) -> Any:
    """A plain column (nullable unless told)."""
    return sa.Column(type_, nullable=nullable, **kw)


def uuid_pk() -> Any:
    """A UUID primary key column."""
    return sa.Column(UUID, primary_key=True)


def created_at() -> Any:
    """`created_at timestamptz NOT NULL DEFAULT now()`."""
    return sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def updated_at() -> Any:
    """`updated_at`, set by the database on insert and by the ORM on every update."""
    return sa.Column(
        sa.DateTime(timezone=True), nullable=False, default=now, onupdate=now, server_default=sa.func.now()
    )


def timestamp(nullable: bool = True) -> Any:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable)


def references(target: str, nullable: bool = False, index: bool = True) -> Any:
    """A UUID foreign key to `table.column`."""
    return sa.Column(UUID, sa.ForeignKey(target), nullable=nullable, index=index)


class OutboxRecord(SQLModel, table=True):
    """One event waiting for (or done with) publication; column names follow Debezium's outbox router."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("outbox_pending", "position", postgresql_where=sa.text("published_at IS NULL")),
        sa.Index("outbox_published_at", "published_at", postgresql_where=sa.text("published_at IS NOT NULL")),
    )

    position: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True))
    event_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, unique=True))
    topic: str = Field(sa_column=col(sa.Text, False))
    aggregate_type: str = Field(sa_column=col(sa.Text, False))
    aggregate_id: str = Field(sa_column=col(sa.Text, False))
    event_type: str = Field(sa_column=col(sa.Text, False))
    source: str = Field(sa_column=col(sa.Text, False))
    subject: str | None = Field(default=None, sa_column=col(sa.Text))
    payload: dict[str, Any] = Field(sa_column=col(postgresql.JSONB, False))
    headers: dict[str, str] = Field(
        default_factory=new_dict, sa_column=col(postgresql.JSONB, False, server_default="{}")
    )
    tx_id: int | None = Field(
        default=None,
        sa_column=col(sa.BigInteger, False, server_default=sa.text("(pg_current_xact_id()::text::bigint)")),
    )
    occurred_at: datetime = Field(sa_column=timestamp(False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    published_at: datetime | None = Field(default=None, sa_column=timestamp())
    attempts: int = Field(default=0, sa_column=col(sa.Integer, False, server_default="0"))
    last_error: str | None = Field(default=None, sa_column=col(sa.Text))


class InboxRecord(SQLModel, table=True):
    """An event a consumer group has processed; the primary key makes redelivery a no-op."""

    __tablename__ = "inbox"

    consumer_group: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    event_id: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    event_type: str = Field(sa_column=col(sa.Text, False))
    topic: str = Field(sa_column=col(sa.Text, False))
    partition: int = Field(sa_column=col(sa.Integer, False))
    offset: int = Field(sa_column=sa.Column("offset", sa.BigInteger, nullable=False))
    received_at: datetime | None = Field(default=None, sa_column=created_at())


class AuditRecord(SQLModel, table=True):
    """Who did what to which resource, when, with what outcome (field names and non-personal values only)."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("audit_event_resource", "resource_type", "resource_id", "occurred_at"),)

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    occurred_at: datetime = Field(sa_column=timestamp(False))
    actor_type: str = Field(sa_column=col(sa.Text, False))
    actor_id: str = Field(sa_column=col(sa.Text, False))
    action: str = Field(sa_column=col(sa.Text, False))
    resource_type: str = Field(sa_column=col(sa.Text, False))
    resource_id: str = Field(sa_column=col(sa.Text, False))
    outcome: str = Field(default="success", sa_column=col(sa.Text, False))
    trace_id: str | None = Field(default=None, sa_column=col(sa.Text))
    changes: dict[str, Any] = Field(default_factory=new_dict, sa_column=col(postgresql.JSONB, False))


class IdempotencyRecord(SQLModel, table=True):
    """The stored final answer to an idempotent request of one verified caller on one route."""

    __tablename__ = "idempotency_key"
    __table_args__ = (
        sa.Index("idempotency_key_subject", "subject_id"),
        sa.Index("idempotency_key_created", "created_at"),
    )

    scope: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    key: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    request_hash: str = Field(sa_column=col(sa.Text, False))
    status_code: int = Field(sa_column=col(sa.Integer, False))
    response_headers: list[list[str]] = Field(sa_column=col(postgresql.JSONB, False))
    response_body: bytes = Field(sa_column=col(sa.LargeBinary, False))
    subject_id: str | None = Field(default=None, sa_column=col(sa.Text))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


def plumbing_tables() -> list[sa.Table]:
    """The four plumbing tables, for databases built without migrations (tests, benchmarks)."""
    return [SQLModel.metadata.tables[n] for n in ("outbox", "inbox", "audit_event", "idempotency_key")]


NOTIFY_CHANNEL = "outbox"

#: Wakes the relay: a statement-level trigger notifies once per insert; PostgreSQL delivers at commit only
#: (never for a rolled-back event) and folds identical notifications of one transaction into one.
NOTIFY_TRIGGER_DDL = (
    f"""CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', ''); RETURN NULL; END $$""",
    "DROP TRIGGER IF EXISTS outbox_notify ON outbox",
    "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()",
)
DROP_NOTIFY_TRIGGER_DDL = ("DROP TRIGGER IF EXISTS outbox_notify ON outbox", "DROP FUNCTION IF EXISTS outbox_notify()")

#: The audit trail is append-only for every role, the owner included: UPDATE, DELETE and TRUNCATE raise.
APPEND_ONLY_DDL = (
    """CREATE OR REPLACE FUNCTION audit_event_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION USING MESSAGE = 'audit_event is append-only: ' || TG_OP || ' refused',
    ERRCODE = 'insufficient_privilege'; END $$""",
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_immutable()",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_immutable()",
)
DROP_APPEND_ONLY_DDL = (
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_immutable()",
)

for _statement in APPEND_ONLY_DDL:
    sa.event.listen(SQLModel.metadata.tables["audit_event"], "after_create", sa.DDL(_statement))  # type: ignore[no-untyped-call]
