"""A private stack for benchmarks: its own run folder and ports, started and stopped by the benchmark."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from deploy.local.settings import REPO_ROOT, StackSettings
from deploy.local.stack import Stack, private_infrastructure

BENCH_SETTINGS = StackSettings(
    run_dir=REPO_ROOT / ".run" / "bench" / "stack",
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
    webhooks_port=28007,
    authorities_port=28009,
    journey_port=28006,
    relay_metrics_port=29101,
    bridge_metrics_port=29102,
    dispatcher_metrics_port=29103,
    profiles_metrics_port=29104,
    disclosures_metrics_port=29105,
    statistics_metrics_port=29106,
    postgres_durable=True,  # fsync and synchronous_commit on: figures as in production, not as in development
)


def bench_infra(settings: StackSettings = BENCH_SETTINGS) -> AbstractAsyncContextManager[Stack]:
    """Fresh PostgreSQL, Kafka and Temporal for one benchmark run."""
    return private_infrastructure(settings)
