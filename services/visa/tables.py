"""Tables of the visa database (plus the shared outbox, inbox, audit and idempotency tables)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

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
    new_id,
    references,
    timestamp,
    updated_at,
    uuid_pk,
)


class VisaCaseRecord(SQLModel, table=True):
    """One visa case for one signed training contract; one live (not cancelled) case per candidate."""

    __tablename__ = "visa_case"
    __table_args__ = (
        sa.Index("visa_case_one_live", "candidate_id", unique=True, postgresql_where=sa.text("status <> 'cancelled'")),
        sa.Index("visa_case_listing", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    contract_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False))
    contract_version: int = Field(sa_column=col(sa.Integer, False))
    employer_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    consulate: str = Field(sa_column=col(sa.Text, False))
    channel: str = Field(sa_column=col(sa.Text, False))
    accelerated: bool = Field(sa_column=col(sa.Boolean, False))
    status: str = Field(sa_column=col(sa.Text, False, index=True))
    planned_entry_on: date | None = Field(default=None, sa_column=col(sa.Date))
    opened_on: date = Field(sa_column=col(sa.Date, False))
    checklist_completed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    approval_status: str = Field(sa_column=col(sa.Text, False))
    approval_attempts: int = Field(default=0, sa_column=col(sa.Integer, False))
    agreement_on: date | None = Field(default=None, sa_column=col(sa.Date))
    agreement_authority: str | None = Field(default=None, sa_column=col(sa.Text))
    fee_81a_payer: str | None = Field(default=None, sa_column=col(sa.Text))
    preapproval_issued_on: date | None = Field(default=None, sa_column=col(sa.Date))
    preapproval_valid_until: date | None = Field(default=None, sa_column=col(sa.Date))
    appointment_requested_on: date | None = Field(default=None, sa_column=col(sa.Date))
    appointment_at: datetime | None = Field(default=None, sa_column=timestamp())
    applications: int = Field(default=0, sa_column=col(sa.Integer, False))
    lodged_on: date | None = Field(default=None, sa_column=col(sa.Date))
    decision_due_on: date | None = Field(default=None, sa_column=col(sa.Date))
    valid_from: date | None = Field(default=None, sa_column=col(sa.Date))
    valid_until: date | None = Field(default=None, sa_column=col(sa.Date))
    refused_on: date | None = Field(default=None, sa_column=col(sa.Date))
    refusal_reason_code: str | None = Field(default=None, sa_column=col(sa.Text))
    court_action_filed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    collected_on: date | None = Field(default=None, sa_column=col(sa.Date))
    cancelled_on: date | None = Field(default=None, sa_column=col(sa.Date))
    cancel_reason_code: str | None = Field(default=None, sa_column=col(sa.Text))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class LabourApprovalRecord(SQLModel, table=True):
    """One request for the BA's approval and its answer (granted, deemed or refused)."""

    __tablename__ = "labour_approval"
    __table_args__ = (sa.UniqueConstraint("visa_case_id", "attempt"),)

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    visa_case_id: uuid.UUID = Field(sa_column=references("visa_case.id"))
    attempt: int = Field(sa_column=col(sa.Integer, False))
    contract_version: int = Field(sa_column=col(sa.Integer, False))
    authority: str = Field(sa_column=col(sa.Text, False))
    requested_on: date = Field(sa_column=col(sa.Date, False))
    deemed_on: date = Field(sa_column=col(sa.Date, False))
    status: str = Field(sa_column=col(sa.Text, False))
    decided_on: date | None = Field(default=None, sa_column=col(sa.Date))
    reason_code: str | None = Field(default=None, sa_column=col(sa.Text))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


class ChecklistItemRecord(SQLModel, table=True):
    """One document of a case's checklist, with who changed it last."""

    __tablename__ = "checklist_item"
    __table_args__ = (sa.PrimaryKeyConstraint("visa_case_id", "code"),)

    visa_case_id: uuid.UUID = Field(sa_column=sa.Column(UUID, sa.ForeignKey("visa_case.id"), nullable=False))
    code: str = Field(sa_column=col(sa.Text, False))
    required: bool = Field(sa_column=col(sa.Boolean, False))
    status: str = Field(sa_column=col(sa.Text, False))
    reason_code: str | None = Field(default=None, sa_column=col(sa.Text))
    passport_valid_until: date | None = Field(default=None, sa_column=col(sa.Date))
    changed_by: str | None = Field(default=None, sa_column=col(sa.Text))
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class CostLineRecord(SQLModel, table=True):
    """A cost of the visa stage with its payer (FR-01: a candidate-paid line is an alert in monitoring)."""

    __tablename__ = "cost_line"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    visa_case_id: uuid.UUID = Field(sa_column=references("visa_case.id"))
    category: str = Field(sa_column=col(sa.Text, False))
    amount_cents: int = Field(sa_column=col(sa.BigInteger, False))
    currency: str = Field(sa_column=col(sa.Text, False))
    payer: str = Field(sa_column=col(sa.Text, False))
    payee: str = Field(sa_column=col(sa.Text, False))
    incurred_on: date = Field(sa_column=col(sa.Date, False))
    recorded_by: str = Field(sa_column=col(sa.Text, False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


__all__ = [
    "AuditRecord",
    "ChecklistItemRecord",
    "CostLineRecord",
    "IdempotencyRecord",
    "InboxRecord",
    "LabourApprovalRecord",
    "OutboxRecord",
    "VisaCaseRecord",
]
