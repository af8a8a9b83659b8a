"""Alembic environment of the visa database."""

from alembic import context
from sqlmodel import SQLModel

import services.visa.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from services.common.migrations import run_migrations_online

run_migrations_online(context.config, SQLModel.metadata)
