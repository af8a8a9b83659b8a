"""`python -m services.monitoring api|relay|migrate|consume`."""

from __future__ import annotations

from pathlib import Path

from services.common.runner import run_service
from services.monitoring.app import create_app
from services.monitoring.config import MonitoringSettings
from services.monitoring.consumers import consumers

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    run_service("services.monitoring", MonitoringSettings, create_app, MIGRATIONS, consumers=consumers)
