"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 20:10:00
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
        "cohort",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=False),
        sa.Column("total_hours", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("target_level", sa.Text(), nullable=False),
        sa.Column("trainers", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("cohort_open", "cohort", ["status", "target_level", "starts_on"])
    op.create_index(op.f("ix_cohort_provider"), "cohort", ["provider"])
    op.create_table(
        "enrolment",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("cohort_id", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("occupation_code", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("consulate", sa.Text(), nullable=False),
        sa.Column("target_level", sa.Text(), nullable=False),
        sa.Column("level_reached", sa.Text(), nullable=True),
        sa.Column("level_reached_on", sa.Date(), nullable=True),
        sa.Column("requirement_met_on", sa.Date(), nullable=True),
        sa.Column("intercultural_completed_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason_code", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "enrolment_one_active",
        "enrolment",
        ["candidate_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('waiting', 'enrolled')"),
    )
    op.create_index("enrolment_waiting", "enrolment", ["status", "target_level", "requested_at"])
    op.create_index(op.f("ix_enrolment_cohort_id"), "enrolment", ["cohort_id"])
    op.create_table(
        "class_session",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("cohort_id", sa.Text(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Text(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cohort_id", "held_on", "starts_at", name="class_session_once"),
    )
    op.create_index(op.f("ix_class_session_cohort_id"), "class_session", ["cohort_id"])
    op.create_table(
        "attendance",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("enrolment_id", sa.UUID(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolment.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["class_session.id"]),
        sa.PrimaryKeyConstraint("session_id", "enrolment_id"),
    )
    op.create_table(
        "exam",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("enrolment_id", sa.UUID(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("sitting_on", sa.Date(), nullable=False),
        sa.Column("fee_amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("fee_currency", sa.Text(), nullable=False),
        sa.Column("fee_payer", sa.Text(), nullable=False),
        sa.Column("results", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_exam_enrolment_id"), "exam", ["enrolment_id"])
    op.create_table(
        "certificate",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("enrolment_id", sa.UUID(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("verification", sa.Text(), nullable=False),
        sa.Column("verified_by", sa.Text(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_certificate_enrolment_id"), "certificate", ["enrolment_id"])
    grant_runtime_role()


def downgrade() -> None:
    for table in ("certificate", "exam", "attendance", "class_session", "enrolment", "cohort"):
        op.drop_table(table)
    drop_plumbing()
