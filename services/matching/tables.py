"""Tables of the matching database (plus the shared outbox, inbox, audit and idempotency tables)."""

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
    references,
    updated_at,
    uuid_pk,
)

JSONB = postgresql.JSONB


class EmployerRecord(SQLModel, table=True):
    """A training company with its sites, contacts and cooperation agreement with the programme."""

    __tablename__ = "employer"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    name: str = Field(sa_column=col(sa.Text, False))
    nace_code: str = Field(sa_column=col(sa.Text, False))
    sites: list[dict[str, Any]] = Field(default_factory=new_list, sa_column=col(JSONB, False))
    contacts: list[dict[str, Any]] = Field(default_factory=new_list, sa_column=col(JSONB, False))
    agreement: dict[str, Any] = Field(default_factory=new_dict, sa_column=col(JSONB, False))
    intercultural_training: dict[str, Any] | None = Field(default=None, sa_column=col(JSONB))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class ApiKeyRecord(SQLModel, table=True):
    """An employer's API key: only a SHA-256 of its secret is kept; the key itself is shown once."""

    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    employer_id: uuid.UUID = Field(sa_column=references("employer.id"))
    name: str = Field(sa_column=col(sa.Text, False))
    prefix: str = Field(sa_column=col(sa.Text, False))
    secret_sha256: str = Field(sa_column=col(sa.Text, False))
    created_by: str = Field(sa_column=col(sa.Text, False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    last_used_on: date | None = Field(default=None, sa_column=col(sa.Date))
    revoked_at: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))


class PositionRecord(SQLModel, table=True):
    """Apprenticeship places of one occupation at one site."""

    __tablename__ = "position"
    __table_args__ = (sa.Index("position_open", "status", "occupation_code", "starts_on"),)

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    employer_id: uuid.UUID = Field(sa_column=references("employer.id"))
    site: str = Field(sa_column=col(sa.Text, False))
    land: str = Field(sa_column=col(sa.Text, False))
    occupation_code: str = Field(sa_column=col(sa.Text, False))
    places: int = Field(sa_column=col(sa.Integer, False))
    places_left: int = Field(sa_column=col(sa.Integer, False))
    starts_on: date = Field(sa_column=col(sa.Date, False))
    latest_start_on: date = Field(sa_column=col(sa.Date, False))
    required_level: str = Field(sa_column=col(sa.Text, False))
    monthly_pay_cents: list[int] = Field(default_factory=new_list, sa_column=col(postgresql.ARRAY(sa.Integer), False))
    collective_agreement: bool = Field(sa_column=col(sa.Boolean, False))
    tariff_monthly_cents: list[int] | None = Field(default=None, sa_column=col(postgresql.ARRAY(sa.Integer)))
    weekly_hours: float = Field(sa_column=col(sa.Float, False))
    housing_support: str = Field(sa_column=col(sa.Text, False))
    accelerated_procedure: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    status: str = Field(sa_column=col(sa.Text, False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class ProfileRecord(SQLModel, table=True):
    """A candidate as matching sees them: pseudonymous, built from events, present only with consent."""

    __tablename__ = "profile"
    __table_args__ = (sa.Index("profile_matchable", "matchable", "candidate_id"),)

    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, primary_key=True))
    occupation_codes: list[str] = Field(default_factory=new_list, sa_column=col(postgresql.ARRAY(sa.Text), False))
    region: str | None = Field(default=None, sa_column=col(sa.Text))
    level: str | None = Field(default=None, sa_column=col(sa.Text))
    target_level: str = Field(default="B1", sa_column=col(sa.Text, False))
    course_starts_on: date | None = Field(default=None, sa_column=col(sa.Date))
    certified_on: date | None = Field(default=None, sa_column=col(sa.Date))
    available_from: date | None = Field(default=None, sa_column=col(sa.Date))
    preferred_lands: list[str] = Field(default_factory=new_list, sa_column=col(postgresql.ARRAY(sa.Text), False))
    mobility: str = Field(default="anywhere", sa_column=col(sa.Text, False))
    consent: bool = Field(default=False, sa_column=col(sa.Boolean, False))
    consent_changed_at: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))
    active: bool = Field(default=True, sa_column=col(sa.Boolean, False))
    matchable: bool = Field(default=False, sa_column=col(sa.Boolean, False))
    erased_at: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class MatchRequestRecord(SQLModel, table=True):
    """A request to place one candidate (from the journey, per round) and its stored ranking."""

    __tablename__ = "match_request"
    __table_args__ = (sa.UniqueConstraint("candidate_id", "round", name="match_request_once_per_round"),)

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    occupation_codes: list[str] = Field(default_factory=new_list, sa_column=col(postgresql.ARRAY(sa.Text), False))
    round: int = Field(sa_column=col(sa.Integer, False))
    status: str = Field(sa_column=col(sa.Text, False))
    ranked_at: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))
    requested_by: str = Field(sa_column=col(sa.Text, False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class SuggestionRecord(SQLModel, table=True):
    """One ranked position of a match request, with each criterion's contribution (the explanation)."""

    __tablename__ = "suggestion"

    match_request_id: uuid.UUID = Field(
        sa_column=sa.Column(UUID, sa.ForeignKey("match_request.id", ondelete="CASCADE"), primary_key=True)
    )
    position_id: uuid.UUID = Field(sa_column=sa.Column(UUID, sa.ForeignKey("position.id"), primary_key=True))
    rank: int = Field(sa_column=col(sa.Integer, False))
    score: float = Field(sa_column=col(sa.Numeric(6, 2), False))
    terms: list[dict[str, Any]] = Field(default_factory=new_list, sa_column=col(JSONB, False))


class DecisionRecord(SQLModel, table=True):
    """A case officer's decision on a suggestion (shortlist or pass) and its reason (GDPR Art. 22)."""

    __tablename__ = "decision"
    __table_args__ = (sa.UniqueConstraint("match_request_id", "position_id", name="decision_once"),)

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    match_request_id: uuid.UUID = Field(sa_column=references("match_request.id"))
    position_id: uuid.UUID = Field(sa_column=references("position.id"))
    decision: str = Field(sa_column=col(sa.Text, False))
    reason_code: str = Field(sa_column=col(sa.Text, False))
    rank: int = Field(sa_column=col(sa.Integer, False))
    decided_by: str = Field(sa_column=col(sa.Text, False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())


class ShortlistRecord(SQLModel, table=True):
    """A candidate on an employer's shortlist for a position; its id is the employer's reference."""

    __tablename__ = "shortlist"
    __table_args__ = (sa.UniqueConstraint("candidate_id", "position_id", name="shortlist_once"),)

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    match_request_id: uuid.UUID = Field(sa_column=references("match_request.id"))
    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    employer_id: uuid.UUID = Field(sa_column=references("employer.id"))
    position_id: uuid.UUID = Field(sa_column=references("position.id"))
    rank: int = Field(sa_column=col(sa.Integer, False))
    status: str = Field(sa_column=col(sa.Text, False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class InterviewRecord(SQLModel, table=True):
    __tablename__ = "interview"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    shortlist_id: uuid.UUID = Field(sa_column=references("shortlist.id"))
    scheduled_at: datetime = Field(sa_column=col(sa.DateTime(timezone=True), False))
    mode: str = Field(sa_column=col(sa.Text, False))
    outcome: str | None = Field(default=None, sa_column=col(sa.Text))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class OfferRecord(SQLModel, table=True):
    __tablename__ = "offer"
    __table_args__ = (
        sa.Index("offer_one_open", "shortlist_id", unique=True, postgresql_where=sa.text("status = 'open'")),
    )

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    shortlist_id: uuid.UUID = Field(sa_column=references("shortlist.id"))
    expires_on: date = Field(sa_column=col(sa.Date, False))
    status: str = Field(sa_column=col(sa.Text, False))
    reason_code: str | None = Field(default=None, sa_column=col(sa.Text))
    decided_by: str | None = Field(default=None, sa_column=col(sa.Text))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class ContractRecord(SQLModel, table=True):
    """A training contract (Ausbildungsvertrag): terms, both texts, versions, checks and signature."""

    __tablename__ = "contract"
    __table_args__ = (
        sa.Index("contract_one_live", "offer_id", unique=True, postgresql_where=sa.text("status <> 'released'")),
    )

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    offer_id: uuid.UUID = Field(sa_column=references("offer.id"))
    shortlist_id: uuid.UUID = Field(sa_column=references("shortlist.id"))
    version: int = Field(sa_column=col(sa.Integer, False))
    terms: dict[str, Any] = Field(default_factory=new_dict, sa_column=col(JSONB, False))
    text_de: str = Field(sa_column=col(sa.Text, False))
    text_translation: str = Field(sa_column=col(sa.Text, False))
    translation_language: str = Field(sa_column=col(sa.Text, False))
    sha256: str = Field(sa_column=col(sa.Text, False))
    checks: list[dict[str, Any]] = Field(default_factory=new_list, sa_column=col(JSONB, False))
    confirmations: dict[str, Any] = Field(default_factory=new_dict, sa_column=col(JSONB, False))
    acknowledged_version: int | None = Field(default=None, sa_column=col(sa.Integer))
    acknowledged_on: date | None = Field(default=None, sa_column=col(sa.Date))
    registrations: dict[str, Any] = Field(default_factory=new_dict, sa_column=col(JSONB, False))
    status: str = Field(sa_column=col(sa.Text, False))
    signed_on: date | None = Field(default=None, sa_column=col(sa.Date))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


__all__ = [
    "ApiKeyRecord",
    "AuditRecord",
    "ContractRecord",
    "DecisionRecord",
    "EmployerRecord",
    "IdempotencyRecord",
    "InboxRecord",
    "InterviewRecord",
    "MatchRequestRecord",
    "OfferRecord",
    "OutboxRecord",
    "PositionRecord",
    "ProfileRecord",
    "ShortlistRecord",
    "SuggestionRecord",
]
