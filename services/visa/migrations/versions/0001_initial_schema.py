"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 23:59:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.migrations import create_plumbing, drop_plumbing, grant_runtime_role

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("visa_case", "checklist_item", "cost_line", "labour_approval")


def upgrade() -> None:
    create_plumbing()
    op.create_table(
        "visa_case",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("contract_id", sa.UUID(), nullable=False),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.UUID(), nullable=False),
        sa.Column("consulate", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("accelerated", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("planned_entry_on", sa.Date(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("checklist_completed_on", sa.Date(), nullable=True),
        sa.Column("approval_status", sa.Text(), nullable=False),
        sa.Column("approval_attempts", sa.Integer(), nullable=False),
        sa.Column("agreement_on", sa.Date(), nullable=True),
        sa.Column("agreement_authority", sa.Text(), nullable=True),
        sa.Column("fee_81a_payer", sa.Text(), nullable=True),
        sa.Column("preapproval_issued_on", sa.Date(), nullable=True),
        sa.Column("preapproval_valid_until", sa.Date(), nullable=True),
        sa.Column("appointment_requested_on", sa.Date(), nullable=True),
        sa.Column("appointment_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applications", sa.Integer(), nullable=False),
        sa.Column("lodged_on", sa.Date(), nullable=True),
        sa.Column("decision_due_on", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("refused_on", sa.Date(), nullable=True),
        sa.Column("refusal_reason_code", sa.Text(), nullable=True),
        sa.Column("court_action_filed_on", sa.Date(), nullable=True),
        sa.Column("collected_on", sa.Date(), nullable=True),
        sa.Column("cancelled_on", sa.Date(), nullable=True),
        sa.Column("cancel_reason_code", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_visa_case_candidate_id"), "visa_case", ["candidate_id"], unique=False)
    op.create_index(op.f("ix_visa_case_employer_id"), "visa_case", ["employer_id"], unique=False)
    op.create_index(op.f("ix_visa_case_status"), "visa_case", ["status"], unique=False)
    op.create_index("visa_case_listing", "visa_case", ["created_at", "id"], unique=False)
    op.create_index(
        "visa_case_one_live",
        "visa_case",
        ["candidate_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'cancelled'"),
    )
    op.create_table(
        "checklist_item",
        sa.Column("visa_case_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason_code", sa.Text(), nullable=True),
        sa.Column("passport_valid_until", sa.Date(), nullable=True),
        sa.Column("changed_by", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["visa_case_id"],
            ["visa_case.id"],
        ),
        sa.PrimaryKeyConstraint("visa_case_id", "code"),
    )
    op.create_table(
        "cost_line",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("visa_case_id", sa.UUID(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("payer", sa.Text(), nullable=False),
        sa.Column("payee", sa.Text(), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["visa_case_id"],
            ["visa_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_cost_line_visa_case_id"), "cost_line", ["visa_case_id"], unique=False)
    op.create_table(
        "labour_approval",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("visa_case_id", sa.UUID(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("authority", sa.Text(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("deemed_on", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("reason_code", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["visa_case_id"],
            ["visa_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visa_case_id", "attempt"),
    )
    op.create_index(op.f("ix_labour_approval_visa_case_id"), "labour_approval", ["visa_case_id"], unique=False)
    grant_runtime_role()


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    drop_plumbing()
