"""Append-only audit trail, written in the same transaction as the change it records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.auth import Principal, Role
from services.common.tables import AuditRecord

__all__ = ["AuditRecord", "entry", "record"]


def record(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    resource_type: str,
    resource_id: object,
    changes: dict[str, Any] | None = None,
    outcome: str = "success",
) -> AuditRecord:
    """Add an audit row to the caller's transaction (field names and non-personal values only)."""
    row = entry(actor, action, resource_type, resource_id, changes, outcome)
    session.add(row)
    return row


def entry(
    actor: Principal | None,
    action: str,
    resource_type: str,
    resource_id: object,
    changes: dict[str, Any] | None = None,
    outcome: str = "success",
) -> AuditRecord:
    """The audit row `record` adds, for a caller that writes its rows itself (`services.common.db.insert_rows`)."""
    span = trace.get_current_span().get_span_context()
    return AuditRecord(
        occurred_at=datetime.now(UTC),
        actor_type="system" if actor is None else ("service" if actor.has(Role.SERVICE) else "user"),
        actor_id="system" if actor is None else actor.subject,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id),
        outcome=outcome,
        trace_id=format(span.trace_id, "032x") if span.is_valid else None,
        changes=changes or {},
    )
