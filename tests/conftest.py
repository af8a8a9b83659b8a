"""Session fixtures: a private stack (own run folder and ports) started on first use and stopped at the end."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psutil
import pytest
import pytest_asyncio

from deploy.local.settings import REPO_ROOT, StackSettings
from deploy.local.stack import Stack
from deploy.local.table import infrastructure

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
        journey_port=18006,
        stop_timeout_s=15,
    )


@pytest.fixture(scope="session")
def _fresh_run_dir(stack_settings: StackSettings) -> Iterator[None]:
    Stack(stack_settings).down(echo=False)  # a previous interrupted session may have left processes
    shutil.rmtree(stack_settings.run_dir, ignore_errors=True)
    stack_settings.run_dir.mkdir(parents=True)
    yield


@pytest_asyncio.fixture(scope="session")
async def infra(stack_settings: StackSettings, _fresh_run_dir: None) -> AsyncIterator[Stack]:
    """Real PostgreSQL, Kafka and Temporal for the whole test session."""
    stack = Stack(stack_settings, infrastructure(stack_settings))
    try:
        await stack.up(echo=False)
        yield stack
    finally:
        Stack(stack_settings).down(echo=False)
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
