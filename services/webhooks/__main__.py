"""`python -m services.webhooks api|relay|migrate|consume` (consume: the dispatcher)."""

from __future__ import annotations

from pathlib import Path

from services.common.runner import run_service
from services.webhooks.app import create_app
from services.webhooks.config import WebhooksSettings
from services.webhooks.consumers import consumers

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    run_service("services.webhooks", WebhooksSettings, create_app, MIGRATIONS, consumers=consumers)
