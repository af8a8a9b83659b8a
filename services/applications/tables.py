"""Tables of the applications database (plus the shared outbox, inbox, audit and idempotency tables)."""

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
    new_id,
    new_list,
)
from services.common.tables import col as _col
from services.common.tables import created_at as _created
from services.common.tables import updated_at as _updated


class CandidateRecord(SQLModel, table=True):
    """A person applying; personal fields live only here. ID numbers are encrypted with the candidate's key."""

    __tablename__ = "candidate"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=sa.Column(UUID, primary_key=True))
    first_name: str | None = Field(default=None, sa_column=_col(sa.Text))
    last_name: str | None = Field(default=None, sa_column=_col(sa.Text))
    first_name_ar: str | None = Field(default=None, sa_column=_col(sa.Text))
    last_name_ar: str | None = Field(default=None, sa_column=_col(sa.Text))
    date_of_birth: date | None = Field(default=None, sa_column=_col(sa.Date))
    city: str | None = Field(default=None, sa_column=_col(sa.Text))
    phone: str | None = Field(default=None, sa_column=_col(sa.Text))
    email: str | None = Field(default=None, sa_column=_col(sa.Text))
    national_id_enc: bytes | None = Field(default=None, sa_column=_col(sa.LargeBinary))
    national_id_masked: str | None = Field(default=None, sa_column=_col(sa.Text))
    national_id_hash: str | None = Field(default=None, sa_column=_col(sa.Text, unique=True))
    passport_enc: bytes | None = Field(default=None, sa_column=_col(sa.LargeBinary))
    passport_masked: str | None = Field(default=None, sa_column=_col(sa.Text))
    passport_expiry: date | None = Field(default=None, sa_column=_col(sa.Date))
    name_dob_hash: str | None = Field(default=None, sa_column=_col(sa.Text, index=True))
    # De-identified statistical fields, kept after erasure.
    sex: str = Field(sa_column=_col(sa.Text, nullable=False))
    birth_year: int = Field(sa_column=_col(sa.Integer, nullable=False))
    nationality: str = Field(sa_column=_col(sa.Text, nullable=False))
    country_of_residence: str = Field(sa_column=_col(sa.Text, nullable=False))
    region: str = Field(sa_column=_col(sa.Text, nullable=False))
    education_level: str = Field(sa_column=_col(sa.Text, nullable=False))
    diploma: str | None = Field(default=None, sa_column=_col(sa.Text))
    languages: list[dict[str, str]] = Field(default_factory=new_list, sa_column=_col(postgresql.JSONB, nullable=False))
    erased_at: datetime | None = Field(default=None, sa_column=_col(sa.DateTime(timezone=True)))
    created_at: datetime | None = Field(default=None, sa_column=_created())


class CandidateKeyRecord(SQLModel, table=True):
    """The candidate's data key, wrapped by the master key; erasure sets it to NULL (crypto-shredding)."""

    __tablename__ = "candidate_key"

    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, sa.ForeignKey("candidate.id"), primary_key=True))
    wrapped_key: bytes | None = Field(default=None, sa_column=_col(sa.LargeBinary))
    destroyed_at: datetime | None = Field(default=None, sa_column=_col(sa.DateTime(timezone=True)))


class ConsentRecord(SQLModel, table=True):
    """A consent given or revoked for one purpose, in one text version and language (the latest counts)."""

    __tablename__ = "consent"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=sa.Column(UUID, primary_key=True))
    candidate_id: uuid.UUID = Field(
        sa_column=sa.Column(UUID, sa.ForeignKey("candidate.id"), nullable=False, index=True)
    )
    purpose: str = Field(sa_column=_col(sa.Text, nullable=False))
    granted: bool = Field(sa_column=_col(sa.Boolean, nullable=False))
    text_version: str = Field(sa_column=_col(sa.Text, nullable=False))
    language: str = Field(sa_column=_col(sa.Text, nullable=False))
    recorded_at: datetime = Field(sa_column=_col(sa.DateTime(timezone=True), nullable=False))


class ApplicationRecord(SQLModel, table=True):
    """A candidate's application to the programme."""

    __tablename__ = "application"
    __table_args__ = (
        sa.Index("application_created", "created_at", "id"),
        sa.Index("application_submitted", "submitted_at", "id"),
        sa.Index("application_status", "status"),
        sa.Index("application_occupations", "occupation_codes", postgresql_using="gin"),
    )

    id: uuid.UUID = Field(default_factory=new_id, sa_column=sa.Column(UUID, primary_key=True))
    candidate_id: uuid.UUID = Field(
        sa_column=sa.Column(UUID, sa.ForeignKey("candidate.id"), nullable=False, index=True)
    )
    status: str = Field(sa_column=_col(sa.Text, nullable=False))
    region: str = Field(sa_column=_col(sa.Text, nullable=False))
    occupation_codes: list[str] = Field(sa_column=_col(postgresql.ARRAY(sa.Text), nullable=False))
    programme_id: str = Field(default="thamm-ausbildung", sa_column=_col(sa.Text, nullable=False))
    rules_version: str | None = Field(default=None, sa_column=_col(sa.Text))
    eligibility: list[dict[str, Any]] = Field(
        default_factory=new_list, sa_column=_col(postgresql.JSONB, nullable=False)
    )
    eligible: bool | None = Field(default=None, sa_column=_col(sa.Boolean))
    review_flags: list[str] = Field(default_factory=new_list, sa_column=_col(postgresql.ARRAY(sa.Text), nullable=False))
    decision_reason_code: str | None = Field(default=None, sa_column=_col(sa.Text))
    decision_note: str | None = Field(default=None, sa_column=_col(sa.Text))
    preselected_occupation: str | None = Field(default=None, sa_column=_col(sa.Text))
    submitted_at: datetime | None = Field(default=None, sa_column=_col(sa.DateTime(timezone=True)))
    decided_at: datetime | None = Field(default=None, sa_column=_col(sa.DateTime(timezone=True)))
    created_at: datetime | None = Field(default=None, sa_column=_created())
    updated_at: datetime | None = Field(default=None, sa_column=_updated())


class DocumentRecord(SQLModel, table=True):
    """An uploaded document: its content encrypted with the candidate's data key in storage, metadata here."""

    __tablename__ = "document"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=sa.Column(UUID, primary_key=True))
    application_id: uuid.UUID = Field(
        sa_column=sa.Column(UUID, sa.ForeignKey("application.id"), nullable=False, index=True)
    )
    document_type: str = Field(sa_column=_col(sa.Text, nullable=False))
    status: str = Field(sa_column=_col(sa.Text, nullable=False))
    filename: str | None = Field(default=None, sa_column=_col(sa.Text))
    content_type: str = Field(sa_column=_col(sa.Text, nullable=False))
    size_bytes: int = Field(sa_column=_col(sa.BigInteger, nullable=False))
    sha256: str | None = Field(default=None, sa_column=_col(sa.Text), description="Of the clear content.")
    storage_key: str | None = Field(default=None, sa_column=_col(sa.Text))
    reject_reason_code: str | None = Field(default=None, sa_column=_col(sa.Text))
    reject_note: str | None = Field(default=None, sa_column=_col(sa.Text))
    reviewed_by: str | None = Field(default=None, sa_column=_col(sa.Text))
    reviewed_at: datetime | None = Field(default=None, sa_column=_col(sa.DateTime(timezone=True)))
    uploaded_at: datetime | None = Field(default=None, sa_column=_created())


class BlobDeletionRecord(SQLModel, table=True):
    """A stored file to delete (after erasure); a background job retries until the storage confirms."""

    __tablename__ = "blob_deletion"

    storage_key: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    requested_at: datetime | None = Field(default=None, sa_column=_created())
    attempts: int = Field(default=0, sa_column=_col(sa.Integer, nullable=False, server_default="0"))
    next_attempt_at: datetime | None = Field(default=None, sa_column=_created())
    last_error: str | None = Field(default=None, sa_column=_col(sa.Text))


class ContactDisclosureRecord(SQLModel, table=True):
    """An employer may read the candidate's name and contact: the candidate accepted its offer (from matching).

    Granted by `offer_accepted`; ended by `offer_withdrawn` or `position_released` for that employer."""

    __tablename__ = "contact_disclosure"

    candidate_id: uuid.UUID = Field(sa_column=sa.Column(UUID, primary_key=True))
    employer_id: uuid.UUID = Field(sa_column=sa.Column(UUID, primary_key=True))
    offer_id: uuid.UUID = Field(sa_column=_col(UUID, nullable=False))
    granted_at: datetime = Field(sa_column=_col(sa.DateTime(timezone=True), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_col(sa.DateTime(timezone=True)))


__all__ = [
    "ApplicationRecord",
    "AuditRecord",
    "BlobDeletionRecord",
    "CandidateKeyRecord",
    "CandidateRecord",
    "ConsentRecord",
    "ContactDisclosureRecord",
    "DocumentRecord",
    "IdempotencyRecord",
    "InboxRecord",
    "OutboxRecord",
]
