"""Session fixtures: a private stack (own run folder and ports) started on first use and stopped at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest
import pytest_asyncio

from deploy.local.settings import REPO_ROOT, StackSettings
from deploy.local.stack import Stack, private_infrastructure

TEST_RUN_DIR = REPO_ROOT / ".run" / "test"


@pytest.fixture(scope="session")
def stack_settings() -> StackSettings:
    """Ports that do not collide with a developer's running `make up` stack."""
    return StackSettings(
        run_dir=TEST_RUN_DIR,
        postgres_port=55442,
        kafka_port=29092,
        kafka_controller_port=29093,
        temporal_port=27233,
        temporal_ui_port=28233,
        applications_port=18001,
        training_port=18002,
        matching_port=18003,
        visa_port=18004,
        monitoring_port=18005,
        webhooks_port=18007,
        authorities_port=18009,
        journey_port=18006,
        relay_metrics_port=19101,
        bridge_metrics_port=19102,
        dispatcher_metrics_port=19103,
        profiles_metrics_port=19104,
        disclosures_metrics_port=19105,
        statistics_metrics_port=19106,
        stop_timeout_s=15,
    )


@pytest_asyncio.fixture(scope="session")
async def infra(stack_settings: StackSettings) -> AsyncIterator[Stack]:
    """Real PostgreSQL, Kafka and Temporal for the whole test session; nothing may be left running after."""
    try:
        async with private_infrastructure(stack_settings) as stack:
            yield stack
    finally:
        leftovers = processes_under(stack_settings.run_dir)
        assert not leftovers, f"processes left behind after down: {leftovers}"


def processes_under(run_dir: Path) -> list[str]:
    """Processes whose command line mentions the run folder or uses one of the stack's ports."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(run_dir) in cmdline:
            found.append(f"{proc.info['pid']}: {cmdline[:120]}")
    return found
