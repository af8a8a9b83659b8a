"""Alembic environment of the journey API's database (officer action notes, plumbing tables)."""

from alembic import context
from sqlmodel import SQLModel

import workflows.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from services.common.migrations import run_migrations_online

run_migrations_online(context.config, SQLModel.metadata)
