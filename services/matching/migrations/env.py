"""Alembic environment of the matching database."""

from alembic import context
from sqlmodel import SQLModel

import services.matching.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from services.common.migrations import run_migrations_online

run_migrations_online(context.config, SQLModel.metadata)
