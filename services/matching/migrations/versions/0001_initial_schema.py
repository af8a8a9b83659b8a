"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 21:10:00
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

TABLES = (
    "employer",
    "api_key",
    "position",
    "profile",
    "match_request",
    "suggestion",
    "decision",
    "shortlist",
    "interview",
    "offer",
    "contract",
)


def upgrade() -> None:
    create_plumbing()
    op.create_table(
        "employer",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("nace_code", sa.Text(), nullable=False),
        sa.Column("sites", postgresql.JSONB(), nullable=False),
        sa.Column("contacts", postgresql.JSONB(), nullable=False),
        sa.Column("agreement", postgresql.JSONB(), nullable=False),
        sa.Column("intercultural_training", postgresql.JSONB(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "match_request",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("occupation_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("ranked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("candidate_id", "round", name="match_request_once_per_round"),
    )
    op.create_index(op.f("ix_match_request_candidate_id"), "match_request", ["candidate_id"], unique=False)
    op.create_table(
        "profile",
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("occupation_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column("target_level", sa.Text(), nullable=False),
        sa.Column("course_starts_on", sa.Date(), nullable=True),
        sa.Column("certified_on", sa.Date(), nullable=True),
        sa.Column("available_from", sa.Date(), nullable=True),
        sa.Column("preferred_lands", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("mobility", sa.Text(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("consent_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("matchable", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("candidate_id"),
    )
    op.create_index("profile_matchable", "profile", ["matchable", "candidate_id"], unique=False)
    op.create_table(
        "api_key",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("employer_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("secret_sha256", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_on", sa.Date(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_api_key_employer_id"), "api_key", ["employer_id"], unique=False)
    op.create_table(
        "position",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("employer_id", sa.UUID(), nullable=False),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("land", sa.Text(), nullable=False),
        sa.Column("occupation_code", sa.Text(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("places_left", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("latest_start_on", sa.Date(), nullable=False),
        sa.Column("required_level", sa.Text(), nullable=False),
        sa.Column("monthly_pay_cents", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("collective_agreement", sa.Boolean(), nullable=False),
        sa.Column("tariff_monthly_cents", postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.Column("weekly_hours", sa.Float(), nullable=False),
        sa.Column("housing_support", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_position_employer_id"), "position", ["employer_id"], unique=False)
    op.create_index("position_open", "position", ["status", "occupation_code", "starts_on"], unique=False)
    op.create_table(
        "decision",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("match_request_id", sa.UUID(), nullable=False),
        sa.Column("position_id", sa.UUID(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("reason_code", sa.Text(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_request_id"],
            ["match_request.id"],
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["position.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("match_request_id", "position_id", name="decision_once"),
    )
    op.create_index(op.f("ix_decision_match_request_id"), "decision", ["match_request_id"], unique=False)
    op.create_index(op.f("ix_decision_position_id"), "decision", ["position_id"], unique=False)
    op.create_table(
        "shortlist",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("match_request_id", sa.UUID(), nullable=False),
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("employer_id", sa.UUID(), nullable=False),
        sa.Column("position_id", sa.UUID(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["match_request_id"],
            ["match_request.id"],
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["position.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("candidate_id", "position_id", name="shortlist_once"),
    )
    op.create_index(op.f("ix_shortlist_candidate_id"), "shortlist", ["candidate_id"], unique=False)
    op.create_index(op.f("ix_shortlist_employer_id"), "shortlist", ["employer_id"], unique=False)
    op.create_index(op.f("ix_shortlist_match_request_id"), "shortlist", ["match_request_id"], unique=False)
    op.create_index(op.f("ix_shortlist_position_id"), "shortlist", ["position_id"], unique=False)
    op.create_table(
        "suggestion",
        sa.Column("match_request_id", sa.UUID(), nullable=False),
        sa.Column("position_id", sa.UUID(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("terms", postgresql.JSONB(), nullable=False),
        sa.ForeignKeyConstraint(["match_request_id"], ["match_request.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["position.id"],
        ),
        sa.PrimaryKeyConstraint("match_request_id", "position_id"),
    )
    op.create_table(
        "interview",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("shortlist_id", sa.UUID(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["shortlist_id"],
            ["shortlist.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_interview_shortlist_id"), "interview", ["shortlist_id"], unique=False)
    op.create_table(
        "offer",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("shortlist_id", sa.UUID(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason_code", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["shortlist_id"],
            ["shortlist.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_offer_shortlist_id"), "offer", ["shortlist_id"], unique=False)
    op.create_index(
        "offer_one_open", "offer", ["shortlist_id"], unique=True, postgresql_where=sa.text("status = 'open'")
    )
    op.create_table(
        "contract",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("offer_id", sa.UUID(), nullable=False),
        sa.Column("shortlist_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("terms", postgresql.JSONB(), nullable=False),
        sa.Column("text_de", sa.Text(), nullable=False),
        sa.Column("text_translation", sa.Text(), nullable=False),
        sa.Column("translation_language", sa.Text(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("checks", postgresql.JSONB(), nullable=False),
        sa.Column("confirmations", postgresql.JSONB(), nullable=False),
        sa.Column("acknowledged_version", sa.Integer(), nullable=True),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("registrations", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shortlist_id"],
            ["shortlist.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "contract_one_live", "contract", ["offer_id"], unique=True, postgresql_where=sa.text("status <> 'released'")
    )
    op.create_index(op.f("ix_contract_offer_id"), "contract", ["offer_id"], unique=False)
    op.create_index(op.f("ix_contract_shortlist_id"), "contract", ["shortlist_id"], unique=False)
    grant_runtime_role()


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    drop_plumbing()
