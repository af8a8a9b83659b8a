"""Tables of the webhooks database (plus the shared outbox, inbox, audit and idempotency tables)."""

from __future__ import annotations

import uuid
from datetime import datetime

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


class EndpointRecord(SQLModel, table=True):
    """An employer's HTTPS endpoint, the event types it wants, its signing secrets (encrypted) and health."""

    __tablename__ = "endpoint"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    employer_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False, index=True))
    url: str = Field(sa_column=col(sa.Text, False))
    description: str = Field(default="", sa_column=col(sa.Text, False))
    event_types: list[str] = Field(default_factory=new_list, sa_column=col(postgresql.ARRAY(sa.Text), False))
    status: str = Field(sa_column=col(sa.Text, False))
    disabled_reason: str | None = Field(default=None, sa_column=col(sa.Text))
    secret_enc: bytes = Field(sa_column=col(sa.LargeBinary, False))
    previous_secret_enc: bytes | None = Field(default=None, sa_column=col(sa.LargeBinary))
    previous_secret_until: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))
    failing_since: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))
    created_by: str = Field(sa_column=col(sa.Text, False))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class DeliveryRecord(SQLModel, table=True):
    """One event for one endpoint: its payload as sent, where it stands, when it is tried next."""

    __tablename__ = "delivery"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id", name="delivery_once_per_endpoint"),
        sa.Index("delivery_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'")),
        sa.Index("delivery_log", "endpoint_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    endpoint_id: uuid.UUID = Field(sa_column=references("endpoint.id"))
    employer_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False))
    event_id: str = Field(sa_column=col(sa.Text, False))
    event_type: str = Field(sa_column=col(sa.Text, False))
    msg_id: str = Field(sa_column=col(sa.Text, False))
    body: str = Field(sa_column=col(sa.Text, False))
    occurred_at: datetime = Field(sa_column=col(sa.DateTime(timezone=True), False))
    status: str = Field(sa_column=col(sa.Text, False))
    attempts: int = Field(default=0, sa_column=col(sa.Integer, False))
    manual: bool = Field(default=False, sa_column=col(sa.Boolean, False))
    next_attempt_at: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))
    leased_until: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))
    last_status_code: int | None = Field(default=None, sa_column=col(sa.Integer))
    last_error: str | None = Field(default=None, sa_column=col(sa.Text))
    delivered_at: datetime | None = Field(default=None, sa_column=col(sa.DateTime(timezone=True)))
    created_at: datetime | None = Field(default=None, sa_column=created_at())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at())


class AttemptRecord(SQLModel, table=True):
    """One HTTP attempt of a delivery: when, the answer's status (or the error), how long, an excerpt."""

    __tablename__ = "attempt"

    id: uuid.UUID = Field(default_factory=new_id, sa_column=uuid_pk())
    delivery_id: uuid.UUID = Field(sa_column=references("delivery.id"))
    attempted_at: datetime = Field(sa_column=col(sa.DateTime(timezone=True), False))
    status_code: int | None = Field(default=None, sa_column=col(sa.Integer))
    error: str | None = Field(default=None, sa_column=col(sa.Text))
    duration_ms: float = Field(sa_column=col(sa.Float, False))
    response_excerpt: str | None = Field(default=None, sa_column=col(sa.Text))


class ApiKeyReplicaRecord(SQLModel, table=True):
    """An employer API key as matching announced it (hash only), so employers' systems can call this API."""

    __tablename__ = "api_key_replica"

    id: uuid.UUID = Field(sa_column=sa.Column(UUID, primary_key=True))
    employer_id: uuid.UUID = Field(sa_column=sa.Column(UUID, nullable=False))
    secret_sha256: str = Field(sa_column=col(sa.Text, False))
    revoked: bool = Field(default=False, sa_column=col(sa.Boolean, False))


__all__ = [
    "ApiKeyReplicaRecord",
    "AttemptRecord",
    "AuditRecord",
    "DeliveryRecord",
    "EndpointRecord",
    "IdempotencyRecord",
    "InboxRecord",
    "OutboxRecord",
]
