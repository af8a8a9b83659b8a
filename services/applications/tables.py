"""Tables of the applications database (plus the shared outbox and inbox)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from services.common.inbox import InboxRecord
from services.common.outbox import OutboxRecord


def _uuid_pk() -> sa.Column[uuid.UUID]:
    return sa.Column(postgresql.UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)


def _timestamp(*, on_update: bool = False) -> sa.Column[datetime]:
    return sa.Column(
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.func.now(),
        onupdate=sa.func.now() if on_update else None,
    )


class CandidateRecord(SQLModel, table=True):
    """A person applying to the programme; personal fields stay in this database."""

    __tablename__ = "candidate"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=_uuid_pk())
    first_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    last_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    date_of_birth: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    region: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime | None = Field(default=None, sa_column=_timestamp())


class ApplicationRecord(SQLModel, table=True):
    """A candidate's application to one programme call."""

    __tablename__ = "application"
    __table_args__ = (sa.Index("application_status_created", "status", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=_uuid_pk())
    candidate_id: uuid.UUID = Field(
        sa_column=sa.Column(postgresql.UUID(as_uuid=True), sa.ForeignKey("candidate.id"), nullable=False, index=True)
    )
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    region: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    occupation_codes: list[str] = Field(sa_column=sa.Column(postgresql.ARRAY(sa.Text), nullable=False))
    submitted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    created_at: datetime | None = Field(default=None, sa_column=_timestamp())
    updated_at: datetime | None = Field(default=None, sa_column=_timestamp(on_update=True))


__all__ = ["ApplicationRecord", "CandidateRecord", "InboxRecord", "OutboxRecord"]
