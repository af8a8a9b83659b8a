"""contact disclosure to employers after an accepted offer

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.migrations import grant_runtime_role

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_disclosure",
        sa.Column("candidate_id", sa.UUID(), nullable=False),
        sa.Column("employer_id", sa.UUID(), nullable=False),
        sa.Column("offer_id", sa.UUID(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("candidate_id", "employer_id"),
    )
    grant_runtime_role()


def downgrade() -> None:
    op.drop_table("contact_disclosure")
