"""Append-only audit trail, written in the same transaction as the change it records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from opentelemetry import trace
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.auth import Principal


class AuditRecord(SQLModel, table=True):
    """Who did what to which resource, when, with what outcome (field names and non-personal values only)."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("audit_event_resource", "resource_type", "resource_id", "occurred_at"),)

    id: uuid.UUID = Field(
        default_factory=uuid.uuid4, sa_column=sa.Column(postgresql.UUID(as_uuid=True), primary_key=True)
    )
    occurred_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    actor_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    actor_id: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    action: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    resource_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    resource_id: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    outcome: str = Field(default="success", sa_column=sa.Column(sa.Text, nullable=False))
    trace_id: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(postgresql.JSONB, nullable=False))


#: PostgreSQL rules that make the table append-only for everyone, including the service's own role.
APPEND_ONLY_DDL = (
    "CREATE OR REPLACE RULE audit_event_no_update AS ON UPDATE TO audit_event DO INSTEAD NOTHING",
    "CREATE OR REPLACE RULE audit_event_no_delete AS ON DELETE TO audit_event DO INSTEAD NOTHING",
)


def record(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    resource_type: str,
    resource_id: object,
    changes: dict[str, Any] | None = None,
    outcome: str = "success",
) -> AuditRecord:
    """Add an audit row to the caller's transaction."""
    span = trace.get_current_span().get_span_context()
    row = AuditRecord(
        occurred_at=datetime.now(UTC),
        actor_type="system" if actor is None else ("service" if actor.has(*_service_roles()) else "user"),
        actor_id="system" if actor is None else actor.subject,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id),
        outcome=outcome,
        trace_id=format(span.trace_id, "032x") if span.is_valid else None,
        changes=changes or {},
    )
    session.add(row)
    return row


def _service_roles() -> tuple[Any, ...]:
    from services.common.auth import Role

    return (Role.SERVICE,)


for _statement in APPEND_ONLY_DDL:
    sa.event.listen(SQLModel.metadata.tables["audit_event"], "after_create", sa.DDL(_statement))  # type: ignore[no-untyped-call]
