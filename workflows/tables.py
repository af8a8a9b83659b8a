"""Tables of the journey API's database: the notes and audit of case officers' actions on journeys.

The workflow's history holds only the action, its reason code and the officer's subject; any free-text note
stays here, where erasure and access control can reach it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.common.tables import (
    UUID,
    AuditRecord,
    IdempotencyRecord,
    InboxRecord,
    OutboxRecord,
    col,
    created_at,
    uuid_pk,
)


class JourneyActionRecord(SQLModel, table=True):
    """One accepted officer action on a journey, with the optional note that never enters Temporal."""

    __tablename__ = "journey_action"
    __table_args__ = (sa.Index("journey_action_candidate", "candidate_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=uuid_pk())
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False))
    action: str = Field(sa_column=col(sa.Text, False))
    reason_code: str = Field(sa_column=col(sa.Text, False))
    officer: str = Field(sa_column=col(sa.Text, False))
    note: str | None = Field(default=None, sa_column=col(sa.Text))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


__all__ = ["AuditRecord", "IdempotencyRecord", "InboxRecord", "JourneyActionRecord", "OutboxRecord"]
