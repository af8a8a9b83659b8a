"""Alembic environment of the monitoring database."""

from alembic import context
from sqlmodel import SQLModel

import services.monitoring.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from services.common.migrations import run_migrations_online

run_migrations_online(context.config, SQLModel.metadata)
