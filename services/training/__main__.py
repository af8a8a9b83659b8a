"""`python -m services.training api|relay|migrate`."""

from __future__ import annotations

from pathlib import Path

from services.common.runner import run_service
from services.training.app import create_app
from services.training.config import TrainingSettings

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    run_service("services.training", TrainingSettings, create_app, MIGRATIONS)
