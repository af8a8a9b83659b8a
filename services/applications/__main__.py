"""`python -m services.applications api|relay|migrate`."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from services.applications.config import ApplicationsSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.applications")
    parser.add_argument("command", choices=["api", "relay", "migrate"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = ApplicationsSettings()
    if args.command == "migrate":
        from services.common.migrations import upgrade_to_head

        asyncio.run(upgrade_to_head(settings, MIGRATIONS))
    elif args.command == "relay":
        from services.common.relay import run_relay
        from services.common.telemetry import setup_telemetry

        setup_telemetry(settings)
        asyncio.run(run_relay(settings))
    else:
        import uvicorn

        from services.applications.app import create_app
        from services.common.migrations import upgrade_to_head

        if settings.migrate_on_start:
            asyncio.run(upgrade_to_head(settings, MIGRATIONS))
        uvicorn.run(
            create_app(settings),
            host=settings.http_host,
            port=settings.http_port,
            log_level="warning",
            access_log=False,
        )


if __name__ == "__main__":
    main()
