"""plumbing v2: the outbox has no NOTIFY trigger (its lock serialised every commit); the relay polls

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 01:10:00
"""

from collections.abc import Sequence

from services.common.migrations import plumbing_v2, undo_plumbing_v2

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    plumbing_v2()


def downgrade() -> None:
    undo_plumbing_v2()
