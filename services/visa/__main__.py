"""`python -m services.visa api|relay|migrate`."""

from __future__ import annotations

from pathlib import Path

from services.common.runner import run_service
from services.visa.app import create_app
from services.visa.config import VisaSettings

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    run_service("services.visa", VisaSettings, create_app, MIGRATIONS)
