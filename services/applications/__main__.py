"""`python -m services.applications api|relay|migrate|consume`."""

from __future__ import annotations

from pathlib import Path

from services.applications.app import create_app
from services.applications.config import ApplicationsSettings
from services.applications.consumers import consumers
from services.common.runner import run_service

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    run_service("services.applications", ApplicationsSettings, create_app, MIGRATIONS, consumers=consumers)
