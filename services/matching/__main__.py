"""`python -m services.matching api|relay|migrate|consume`."""

from __future__ import annotations

from pathlib import Path

from services.common.runner import run_service
from services.matching.app import create_app
from services.matching.config import MatchingSettings
from services.matching.consumers import consumers

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    run_service("services.matching", MatchingSettings, create_app, MIGRATIONS, consumers=consumers)
