"""initial schema: follow-up casework, the ledger, grievances and the statistics read models

Revision ID: 0001
Revises:
Create Date: 2026-11-30 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.common.migrations import create_plumbing, drop_plumbing, grant_runtime_role, plumbing_v2

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "checkin",
    "ledger_line",
    "document_custody",
    "fair_recruitment_alert",
    "follow_up_case",
    "follow_up_task",
    "grievance",
    "stat_exam",
    "stat_person",
)


def upgrade() -> None:
    create_plumbing()
    plumbing_v2()
    op.create_table(
        "checkin",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("training_year", sa.Integer(), nullable=False),
        sa.Column("risk_level", sa.Text(), nullable=False),
        sa.Column("signals", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("missed_school_days", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_checkin_candidate_id"), "checkin", ["candidate_id"], unique=False)
    op.create_table(
        "ledger_line",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("rate_to_eur", sa.Float(), nullable=False),
        sa.Column("amount_eur_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_mad_cents", sa.BigInteger(), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("payee", sa.Text(), nullable=True),
        sa.Column("payer", sa.Text(), nullable=False),
        sa.Column("reimburses", sa.UUID(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ledger_line_listing", "ledger_line", ["incurred_on", "id"], unique=False)
    op.create_index(op.f("ix_ledger_line_candidate_id"), "ledger_line", ["candidate_id"], unique=False)
    op.create_index(op.f("ix_ledger_line_payer"), "ledger_line", ["payer"], unique=False)
    op.create_table(
        "document_custody",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("document_type", sa.Text(), nullable=False),
        sa.Column("holder", sa.Text(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_document_custody_candidate_id"), "document_custody", ["candidate_id"], unique=False)
    op.create_table(
        "fair_recruitment_alert",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("cost_id", sa.UUID(), nullable=True),
        sa.Column("custody_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("reimbursement_cost_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cost_id"),
        sa.UniqueConstraint("custody_id"),
    )
    op.create_index("alert_listing", "fair_recruitment_alert", ["raised_on", "id"], unique=False)
    op.create_index(
        op.f("ix_fair_recruitment_alert_candidate_id"), "fair_recruitment_alert", ["candidate_id"], unique=False
    )
    op.create_index(op.f("ix_fair_recruitment_alert_status"), "fair_recruitment_alert", ["status"], unique=False)
    op.create_table(
        "follow_up_case",
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("employer_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("training_starts_on", sa.Date(), nullable=True),
        sa.Column("orientation_on", sa.Date(), nullable=True),
        sa.Column("travel_insurance_on", sa.Date(), nullable=True),
        sa.Column("flight_booked_on", sa.Date(), nullable=True),
        sa.Column("planned_departure_on", sa.Date(), nullable=True),
        sa.Column("planned_arrival_on", sa.Date(), nullable=True),
        sa.Column("predeparture_completed_on", sa.Date(), nullable=True),
        sa.Column("departed_on", sa.Date(), nullable=True),
        sa.Column("arrived_on", sa.Date(), nullable=True),
        sa.Column("land", sa.Text(), nullable=True),
        sa.Column("address_registered_on", sa.Date(), nullable=True),
        sa.Column("bank_account_on", sa.Date(), nullable=True),
        sa.Column("health_insurance_on", sa.Date(), nullable=True),
        sa.Column("school_start_on", sa.Date(), nullable=True),
        sa.Column("training_started_on", sa.Date(), nullable=True),
        sa.Column("permit_applied_on", sa.Date(), nullable=True),
        sa.Column("permit_issued_on", sa.Date(), nullable=True),
        sa.Column("permit_valid_until", sa.Date(), nullable=True),
        sa.Column("probation_passed_on", sa.Date(), nullable=True),
        sa.Column("risk_level", sa.Text(), nullable=False),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("interim_exam_on", sa.Date(), nullable=True),
        sa.Column("interim_exam_passed", sa.Boolean(), nullable=True),
        sa.Column("final_exam_on", sa.Date(), nullable=True),
        sa.Column("final_exam_passed", sa.Boolean(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("job_search_started_on", sa.Date(), nullable=True),
        sa.Column("employed_on", sa.Date(), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("first_month_gross_cents", sa.BigInteger(), nullable=True),
        sa.Column("first_month_currency", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("candidate_id"),
    )
    op.create_index("follow_up_case_listing", "follow_up_case", ["created_at", "candidate_id"], unique=False)
    op.create_index(op.f("ix_follow_up_case_employer_id"), "follow_up_case", ["employer_id"], unique=False)
    op.create_index(op.f("ix_follow_up_case_status"), "follow_up_case", ["status"], unique=False)
    op.create_table(
        "follow_up_task",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("employer_id", sa.UUID(), nullable=True),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_by", sa.Text(), nullable=True),
        sa.Column("outcome_code", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("follow_up_task_listing", "follow_up_task", ["due_on", "id"], unique=False)
    op.create_index(op.f("ix_follow_up_task_candidate_id"), "follow_up_task", ["candidate_id"], unique=False)
    op.create_index(op.f("ix_follow_up_task_status"), "follow_up_task", ["status"], unique=False)
    op.create_table(
        "grievance",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("acknowledge_by", sa.Date(), nullable=False),
        sa.Column("resolve_by", sa.Date(), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("resolution_code", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("grievance_listing", "grievance", ["opened_on", "id"], unique=False)
    op.create_index(op.f("ix_grievance_candidate_id"), "grievance", ["candidate_id"], unique=False)
    op.create_index(op.f("ix_grievance_status"), "grievance", ["status"], unique=False)
    op.create_table(
        "stat_exam",
        sa.Column("exam_id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("modules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("exam_id"),
    )
    op.create_index(op.f("ix_stat_exam_candidate_id"), "stat_exam", ["candidate_id"], unique=False)
    op.create_table(
        "stat_person",
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("programme_id", sa.Text(), nullable=True),
        sa.Column("cohort_id", sa.Text(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("age_band", sa.Text(), nullable=True),
        sa.Column("education_isced", sa.Text(), nullable=True),
        sa.Column("citizenship", sa.Text(), nullable=True),
        sa.Column("country_of_residence", sa.Text(), nullable=True),
        sa.Column("country_of_birth", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("occupation", sa.Text(), nullable=True),
        sa.Column("land", sa.Text(), nullable=True),
        sa.Column("employer_id", sa.UUID(), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=True),
        sa.Column("preselected_on", sa.Date(), nullable=True),
        sa.Column("enrolled_on", sa.Date(), nullable=True),
        sa.Column("b1_on", sa.Date(), nullable=True),
        sa.Column("matched_on", sa.Date(), nullable=True),
        sa.Column("contract_on", sa.Date(), nullable=True),
        sa.Column("training_starts_on", sa.Date(), nullable=True),
        sa.Column("visa_on", sa.Date(), nullable=True),
        sa.Column("departed_on", sa.Date(), nullable=True),
        sa.Column("arrived_on", sa.Date(), nullable=True),
        sa.Column("in_training_on", sa.Date(), nullable=True),
        sa.Column("probation_passed_on", sa.Date(), nullable=True),
        sa.Column("terminations", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("replacements", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("employed_on", sa.Date(), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("left_stage", sa.Text(), nullable=True),
        sa.Column("held_days", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("monthly_pay_cents", sa.BigInteger(), nullable=True),
        sa.Column("first_month_eur_cents", sa.BigInteger(), nullable=True),
        sa.Column("attendance_held", sa.Integer(), nullable=False),
        sa.Column("attendance_attended", sa.Integer(), nullable=False),
        sa.Column("periods", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("candidate_id"),
    )
    grant_runtime_role()


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    drop_plumbing()
