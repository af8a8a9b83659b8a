"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 15:22:35.273172
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.common.migrations import create_plumbing, drop_plumbing, grant_runtime_role

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_plumbing()
    op.create_table(
        "candidate",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("first_name_ar", sa.Text(), nullable=True),
        sa.Column("last_name_ar", sa.Text(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("national_id_enc", sa.LargeBinary(), nullable=True),
        sa.Column("national_id_masked", sa.Text(), nullable=True),
        sa.Column("national_id_hash", sa.Text(), nullable=True),
        sa.Column("passport_enc", sa.LargeBinary(), nullable=True),
        sa.Column("passport_masked", sa.Text(), nullable=True),
        sa.Column("passport_expiry", sa.Date(), nullable=True),
        sa.Column("name_dob_hash", sa.Text(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("nationality", sa.Text(), nullable=False),
        sa.Column("country_of_residence", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("education_level", sa.Text(), nullable=False),
        sa.Column("diploma", sa.Text(), nullable=True),
        sa.Column("languages", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("national_id_hash"),
    )
    op.create_index(op.f("ix_candidate_name_dob_hash"), "candidate", ["name_dob_hash"], unique=False)
    op.create_table(
        "application",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("occupation_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("programme_id", sa.Text(), nullable=False),
        sa.Column("rules_version", sa.Text(), nullable=True),
        sa.Column("eligibility", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=True),
        sa.Column("review_flags", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("decision_reason_code", sa.Text(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("preselected_occupation", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("application_created", "application", ["created_at", "id"], unique=False)
    op.create_index(
        "application_occupations", "application", ["occupation_codes"], unique=False, postgresql_using="gin"
    )
    op.create_index("application_status", "application", ["status"], unique=False)
    op.create_index("application_submitted", "application", ["submitted_at", "id"], unique=False)
    op.create_index(op.f("ix_application_candidate_id"), "application", ["candidate_id"], unique=False)
    op.create_table(
        "candidate_key",
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
        ),
        sa.PrimaryKeyConstraint("candidate_id"),
    )
    op.create_table(
        "consent",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("text_version", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_consent_candidate_id"), "consent", ["candidate_id"], unique=False)
    op.create_table(
        "document",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("document_type", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=True),
        sa.Column("storage_key", sa.Text(), nullable=True),
        sa.Column("reject_reason_code", sa.Text(), nullable=True),
        sa.Column("reject_note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_document_application_id"), "document", ["application_id"], unique=False)
    op.create_table(
        "blob_deletion",
        sa.Column("storage_key", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("storage_key"),
    )
    grant_runtime_role()


def downgrade() -> None:
    for table in ("blob_deletion", "document", "consent", "candidate_key", "application", "candidate"):
        op.drop_table(table)
    drop_plumbing()
