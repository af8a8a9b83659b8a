"""Tables of the training database (plus the shared outbox, inbox, audit and idempotency tables)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from services.common.tables import (
    UUID,
    AuditRecord,
    IdempotencyRecord,
    InboxRecord,
    OutboxRecord,
    col,
    created_at,
    new_id,
    new_list,
    references,
    updated_at,
    uuid_pk,
)


class CohortRecord(SQLModel, table=True):
    """A language course at one provider's site: schedule, capacity, level, trainers."""

    __tablename__ = "cohort"
    __table_args__ = (sa.Index("cohort_open", "status", "target_level", "starts_on"),)

    id: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    provider: str = Field(sa_column=col(sa.Text, False, index=True))
    site: str = Field(sa_column=col(sa.Text, False))
    city: str = Field(sa_column=col(sa.Text, False))
    region: str = Field(sa_column=col(sa.Text, False))
    starts_on: date = Field(sa_column=col(sa.Date, False))
    ends_on: date = Field(sa_column=col(sa.Date, False))
    hours_per_week: int = Field(sa_column=col(sa.Integer, False))
    total_hours: int = Field(sa_column=col(sa.Integer, False))
    capacity: int = Field(sa_column=col(sa.Integer, False))
    target_level: str = Field(sa_column=col(sa.Text, False))
    trainers: list[str] = Field(default_factory=new_list, sa_column=col(postgresql.ARRAY(sa.Text), False))
    status: str = Field(sa_column=col(sa.Text, False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class EnrolmentRecord(SQLModel, table=True):
    """A candidate's place in (or wait for) a cohort; one active enrolment per candidate."""

    __tablename__ = "enrolment"
    __table_args__ = (
        sa.Index(
            "enrolment_one_active",
            "candidate_id",
            unique=True,
            postgresql_where=sa.text("status IN ('waiting', 'enrolled')"),
        ),
        sa.Index("enrolment_waiting", "status", "target_level", "requested_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False))
    cohort_id: str | None = Field(default=None, sa_column=sa.Column(sa.Text, sa.ForeignKey("cohort.id"), index=True))
    status: str = Field(sa_column=col(sa.Text, False))
    occupation_code: str = Field(sa_column=col(sa.Text, False))
    region: str = Field(sa_column=col(sa.Text, False))
    consulate: str = Field(sa_column=col(sa.Text, False))
    target_level: str = Field(sa_column=col(sa.Text, False))
    level_reached: str | None = Field(default=None, sa_column=col(sa.Text))
    level_reached_on: date | None = Field(default=None, sa_column=col(sa.Date))
    requirement_met_on: date | None = Field(default=None, sa_column=col(sa.Date))
    intercultural_completed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    ended_on: date | None = Field(default=None, sa_column=col(sa.Date))
    end_reason_code: str | None = Field(default=None, sa_column=col(sa.Text))
    requested_at: datetime | None = Field(default=None, sa_column=created_at())
    enrolled_at: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class SessionRecord(SQLModel, table=True):
    """A class held for a cohort."""

    __tablename__ = "class_session"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "held_on", "starts_at", name="class_session_once"),)

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    cohort_id: str = Field(sa_column=sa.Column(sa.Text, sa.ForeignKey("cohort.id"), nullable=False, index=True))
    held_on: date = Field(sa_column=col(sa.Date, False))
    starts_at: str = Field(sa_column=col(sa.Text, False))
    hours: float = Field(sa_column=col(sa.Float, False))
    recorded_by: str = Field(sa_column=col(sa.Text, False))


class AttendanceRecord(SQLModel, table=True):
    """Whether an enrolled candidate was present at a session."""

    __tablename__ = "attendance"

    session_id: uuid.UUID = Field(sa_column=sa.Column(UUID, sa.ForeignKey("class_session.id"), primary_key=True))
    enrolment_id: uuid.UUID = Field(sa_column=sa.Column(UUID, sa.ForeignKey("enrolment.id"), primary_key=True))
    present: bool = Field(sa_column=col(sa.Boolean, False))


class ExamRecord(SQLModel, table=True):
    """A registration for a certified exam sitting, with its fee (a cost line) and, once graded, results."""

    __tablename__ = "exam"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    enrolment_id: uuid.UUID = Field(sa_column=references("enrolment.id"))
    provider: str = Field(sa_column=col(sa.Text, False))
    level: str = Field(sa_column=col(sa.Text, False))
    sitting_on: date = Field(sa_column=col(sa.Date, False))
    fee_amount: Decimal = Field(sa_column=col(sa.Numeric(12, 2), False))
    fee_currency: str = Field(sa_column=col(sa.Text, False))
    fee_payer: str = Field(sa_column=col(sa.Text, False))
    results: list[dict[str, Any]] | None = Field(default=None, sa_column=col(postgresql.JSONB))
    graded_at: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


class CertificateRecord(SQLModel, table=True):
    """A language certificate and its verification with the provider."""

    __tablename__ = "certificate"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    enrolment_id: uuid.UUID = Field(sa_column=references("enrolment.id"))
    provider: str = Field(sa_column=col(sa.Text, False))
    number: str = Field(sa_column=col(sa.Text, False))
    level: str = Field(sa_column=col(sa.Text, False))
    issued_on: date = Field(sa_column=col(sa.Date, False))
    verification: str = Field(sa_column=col(sa.Text, False))
    verified_by: str | None = Field(default=None, sa_column=col(sa.Text))
    verified_at: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


__all__ = [
    "AttendanceRecord",
    "AuditRecord",
    "CertificateRecord",
    "CohortRecord",
    "EnrolmentRecord",
    "ExamRecord",
    "IdempotencyRecord",
    "InboxRecord",
    "OutboxRecord",
    "SessionRecord",
]
