"""A private stack for benchmarks: its own run folder and ports, started and stopped by the benchmark."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from deploy.local.settings import REPO_ROOT, StackSettings
from deploy.local.stack import Stack
from deploy.local.table import infrastructure

BENCH_SETTINGS = StackSettings(
    run_dir=REPO_ROOT / ".run" / "bench",
    postgres_port=55452,
    kafka_port=39092,
    kafka_controller_port=39093,
    temporal_port=37233,
    temporal_ui_port=38233,
    applications_port=28001,
    training_port=28002,
    matching_port=28003,
    visa_port=28004,
    monitoring_port=28005,
    journey_port=28006,
)


@asynccontextmanager
async def bench_infra(settings: StackSettings = BENCH_SETTINGS) -> AsyncIterator[Stack]:
    """Fresh PostgreSQL, Kafka and Temporal for one benchmark run."""
    Stack(settings).down(echo=False)
    shutil.rmtree(settings.run_dir, ignore_errors=True)
    settings.run_dir.mkdir(parents=True)
    stack = Stack(settings, infrastructure(settings))
    try:
        await stack.up(echo=False)
        yield stack
    finally:
        Stack(settings).down(echo=False)
