"""Tables of the monitoring database (plus the shared outbox, inbox, audit and idempotency tables).

Two kinds: the follow-up casework (written by officers and the journey; the source of the monitoring events)
and the read models built from every topic by the `monitoring-statistics` consumer (`READ_MODELS`). The read
models can be emptied and rebuilt by replaying the topics; the casework cannot (it is where facts start).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
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
    new_dict,
    new_id,
    new_list,
    timestamp,
    updated_at,
    uuid_pk,
)

JSONB = postgresql.JSONB


class FollowUpCaseRecord(SQLModel, table=True):
    """One apprentice's follow-up from pre-departure to after the training (casework)."""

    __tablename__ = "follow_up_case"
    __table_args__ = (sa.Index("follow_up_case_listing", "created_at", "candidate_id"),)

    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, primary_key=True))
    employer_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    status: str = Field(sa_column=col(sa.Text, False, index=True))
    training_starts_on: date | None = Field(default=None, sa_column=col(sa.Date))
    orientation_on: date | None = Field(default=None, sa_column=col(sa.Date))
    travel_insurance_on: date | None = Field(default=None, sa_column=col(sa.Date))
    flight_booked_on: date | None = Field(default=None, sa_column=col(sa.Date))
    planned_departure_on: date | None = Field(default=None, sa_column=col(sa.Date))
    planned_arrival_on: date | None = Field(default=None, sa_column=col(sa.Date))
    predeparture_completed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    departed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    arrived_on: date | None = Field(default=None, sa_column=col(sa.Date))
    land: str | None = Field(default=None, sa_column=col(sa.Text))
    address_registered_on: date | None = Field(default=None, sa_column=col(sa.Date))
    bank_account_on: date | None = Field(default=None, sa_column=col(sa.Date))
    health_insurance_on: date | None = Field(default=None, sa_column=col(sa.Date))
    school_start_on: date | None = Field(default=None, sa_column=col(sa.Date))
    training_started_on: date | None = Field(default=None, sa_column=col(sa.Date))
    permit_applied_on: date | None = Field(default=None, sa_column=col(sa.Date))
    permit_issued_on: date | None = Field(default=None, sa_column=col(sa.Date))
    permit_valid_until: date | None = Field(default=None, sa_column=col(sa.Date))
    probation_passed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    risk_level: str = Field(default="low", sa_column=col(sa.Text, False))
    terminated_on: date | None = Field(default=None, sa_column=col(sa.Date))
    interim_exam_on: date | None = Field(default=None, sa_column=col(sa.Date))
    interim_exam_passed: bool | None = Field(default=None, sa_column=col(sa.Boolean))
    final_exam_on: date | None = Field(default=None, sa_column=col(sa.Date))
    final_exam_passed: bool | None = Field(default=None, sa_column=col(sa.Boolean))
    completed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    job_search_started_on: date | None = Field(default=None, sa_column=col(sa.Date))
    employed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    returned_on: date | None = Field(default=None, sa_column=col(sa.Date))
    first_month_gross_cents: int | None = Field(default=None, sa_column=col(sa.BigInteger))
    first_month_currency: str | None = Field(default=None, sa_column=col(sa.Text))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class FollowUpTaskRecord(SQLModel, table=True):
    """A task for the follow-up officer (from the journey, a risk signal, an alert or a grievance)."""

    __tablename__ = "follow_up_task"
    __table_args__ = (sa.Index("follow_up_task_listing", "due_on", "id"),)

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    employer_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(UUID))
    task: str = Field(sa_column=col(sa.Text, False))
    due_on: date = Field(sa_column=col(sa.Date, False))
    status: str = Field(default="open", sa_column=col(sa.Text, False, index=True))
    source: str = Field(sa_column=col(sa.Text, False))
    done_on: date | None = Field(default=None, sa_column=col(sa.Date))
    done_by: str | None = Field(default=None, sa_column=col(sa.Text))
    outcome_code: str | None = Field(default=None, sa_column=col(sa.Text))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


class CheckinRecord(SQLModel, table=True):
    """A check-in with the apprentice: risk level and signals, no narrative."""

    __tablename__ = "checkin"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    held_on: date = Field(sa_column=col(sa.Date, False))
    training_year: int = Field(sa_column=col(sa.Integer, False))
    risk_level: str = Field(sa_column=col(sa.Text, False))
    signals: list[str] = Field(default_factory=new_list, sa_column=col(JSONB, False))
    missed_school_days: int = Field(default=0, sa_column=col(sa.Integer, False))
    recorded_by: str = Field(sa_column=col(sa.Text, False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


class GrievanceRecord(SQLModel, table=True):
    """A grievance (FR-07). The apprentice's account stays here, readable by officers only; never in events."""

    __tablename__ = "grievance"
    __table_args__ = (sa.Index("grievance_listing", "opened_on", "id"),)

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    category: str = Field(sa_column=col(sa.Text, False))
    language: str = Field(sa_column=col(sa.Text, False))
    summary: str = Field(sa_column=col(sa.Text, False))
    status: str = Field(sa_column=col(sa.Text, False, index=True))
    opened_on: date = Field(sa_column=col(sa.Date, False))
    acknowledge_by: date = Field(sa_column=col(sa.Date, False))
    resolve_by: date = Field(sa_column=col(sa.Date, False))
    acknowledged_on: date | None = Field(default=None, sa_column=col(sa.Date))
    escalated_on: date | None = Field(default=None, sa_column=col(sa.Date))
    resolved_on: date | None = Field(default=None, sa_column=col(sa.Date))
    resolution_code: str | None = Field(default=None, sa_column=col(sa.Text))
    opened_by: str = Field(sa_column=col(sa.Text, False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


class CustodyRecord(SQLModel, table=True):
    """Document custody log (FR-06): who holds which identity document since when; the type, never a number."""

    __tablename__ = "document_custody"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    document_type: str = Field(sa_column=col(sa.Text, False))
    holder: str = Field(sa_column=col(sa.Text, False))
    recorded_on: date = Field(sa_column=col(sa.Date, False))
    recorded_by: str = Field(sa_column=col(sa.Text, False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


class AlertRecord(SQLModel, table=True):
    """A fair-recruitment alert (FR-01 worker-paid cost, FR-06 custody); closed by a reimbursement or a return."""

    __tablename__ = "fair_recruitment_alert"
    __table_args__ = (sa.Index("alert_listing", "raised_on", "id"),)

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    rule: str = Field(sa_column=col(sa.Text, False))
    cost_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(UUID, unique=True))
    custody_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(UUID, unique=True))
    status: str = Field(default="open", sa_column=col(sa.Text, False, index=True))
    raised_on: date = Field(sa_column=col(sa.Date, False))
    closed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    resolution: str | None = Field(default=None, sa_column=col(sa.Text))
    reimbursement_cost_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(UUID))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


# --- read models (rebuilt from the topics) ---------------------------------------------------------------------


class LedgerLineRecord(SQLModel, table=True):
    """Every cost line of the journey (FR-01, SDG 10.7.1), whichever service recorded it; negative = refund."""

    __tablename__ = "ledger_line"
    __table_args__ = (sa.Index("ledger_line_listing", "incurred_on", "id"),)

    id: uuid.UUID = Field(sa_column=uuid_pk())
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    source: str = Field(sa_column=col(sa.Text, False))
    category: str = Field(sa_column=col(sa.Text, False))
    amount_cents: int = Field(sa_column=col(sa.BigInteger, False))
    currency: str = Field(sa_column=col(sa.Text, False))
    rate_to_eur: float = Field(sa_column=col(sa.Float, False))
    amount_eur_cents: int = Field(sa_column=col(sa.BigInteger, False))
    amount_mad_cents: int = Field(sa_column=col(sa.BigInteger, False))
    incurred_on: date = Field(sa_column=col(sa.Date, False))
    payee: str | None = Field(default=None, sa_column=col(sa.Text))
    payer: str = Field(sa_column=col(sa.Text, False, index=True))
    reimburses: uuid.UUID | None = Field(default=None, sa_column=sa.Column(UUID))


class PersonStatsRecord(SQLModel, table=True):
    """One row per candidate with the de-identified facts the indicators need (no name, number or contact)."""

    __tablename__ = "stat_person"

    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, primary_key=True))
    programme_id: str | None = Field(default=None, sa_column=col(sa.Text))
    cohort_id: str | None = Field(default=None, sa_column=col(sa.Text))
    sex: str | None = Field(default=None, sa_column=col(sa.Text))
    age_band: str | None = Field(default=None, sa_column=col(sa.Text))
    education_isced: str | None = Field(default=None, sa_column=col(sa.Text))
    citizenship: str | None = Field(default=None, sa_column=col(sa.Text))
    country_of_residence: str | None = Field(default=None, sa_column=col(sa.Text))
    country_of_birth: str | None = Field(default=None, sa_column=col(sa.Text))
    region: str | None = Field(default=None, sa_column=col(sa.Text))
    occupation: str | None = Field(default=None, sa_column=col(sa.Text))
    land: str | None = Field(default=None, sa_column=col(sa.Text))
    employer_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(UUID))
    applied_on: date | None = Field(default=None, sa_column=col(sa.Date))
    eligible: bool | None = Field(default=None, sa_column=col(sa.Boolean))
    preselected_on: date | None = Field(default=None, sa_column=col(sa.Date))
    enrolled_on: date | None = Field(default=None, sa_column=col(sa.Date))
    b1_on: date | None = Field(default=None, sa_column=col(sa.Date))
    matched_on: date | None = Field(default=None, sa_column=col(sa.Date))
    contract_on: date | None = Field(default=None, sa_column=col(sa.Date))
    training_starts_on: date | None = Field(default=None, sa_column=col(sa.Date))
    visa_on: date | None = Field(default=None, sa_column=col(sa.Date))
    departed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    arrived_on: date | None = Field(default=None, sa_column=col(sa.Date))
    in_training_on: date | None = Field(default=None, sa_column=col(sa.Date))
    probation_passed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    terminations: list[dict[str, Any]] = Field(default_factory=new_list, sa_column=col(JSONB, False))
    replacements: int = Field(default=0, sa_column=col(sa.Integer, False))
    completed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    employed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    returned_on: date | None = Field(default=None, sa_column=col(sa.Date))
    left_on: date | None = Field(default=None, sa_column=col(sa.Date))
    left_stage: str | None = Field(default=None, sa_column=col(sa.Text))
    held_days: dict[str, float] = Field(default_factory=new_dict, sa_column=col(JSONB, False))
    monthly_pay_cents: int | None = Field(default=None, sa_column=col(sa.BigInteger))
    first_month_eur_cents: int | None = Field(default=None, sa_column=col(sa.BigInteger))
    attendance_held: int = Field(default=0, sa_column=col(sa.Integer, False))
    attendance_attended: int = Field(default=0, sa_column=col(sa.Integer, False))
    periods: dict[str, Any] = Field(default_factory=new_dict, sa_column=col(JSONB, False))
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class ExamStatsRecord(SQLModel, table=True):
    """One language exam sitting with its module results (pass rate per module)."""

    __tablename__ = "stat_exam"

    exam_id: uuid.UUID = Field(sa_column=uuid_pk())
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    level: str = Field(sa_column=col(sa.Text, False))
    taken_on: date = Field(sa_column=col(sa.Date, False))
    passed: bool = Field(sa_column=col(sa.Boolean, False))
    modules: dict[str, bool] = Field(default_factory=new_dict, sa_column=col(JSONB, False))


#: Tables the statistics consumer builds; a rebuild empties them (with its inbox rows) and replays the topics.
READ_MODELS = ("ledger_line", "stat_person", "stat_exam")

__all__ = [
    "AlertRecord",
    "AuditRecord",
    "CheckinRecord",
    "CustodyRecord",
    "ExamStatsRecord",
    "FollowUpCaseRecord",
    "FollowUpTaskRecord",
    "GrievanceRecord",
    "IdempotencyRecord",
    "InboxRecord",
    "LedgerLineRecord",
    "OutboxRecord",
    "PersonStatsRecord",
    "timestamp",
]
