"""A private stack for benchmarks: its own run folder and ports, started and stopped by the benchmark."""

from __future__ import annotations

import contextlib
from contextlib import AbstractAsyncContextManager

import psutil

from deploy.local.settings import REPO_ROOT, StackSettings
from deploy.local.stack import Stack, private_infrastructure
from deploy.local.supervisor import PidFile

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


def stack_processes(settings: StackSettings) -> dict[str, psutil.Process]:
    """The stack's running processes by name (kafka, postgres, temporal, ...), from its pid files."""
    found = {}
    for pid_file in sorted((settings.run_dir / "pids").glob("*.pid")):
        pid = PidFile(pid_file).running_pid()
        if pid is not None:
            with contextlib.suppress(psutil.Error):
                found[pid_file.stem] = psutil.Process(pid)
    return found


def cpu_seconds(process: psutil.Process | None, *, children: bool = False) -> float:
    """User + system CPU seconds of a process, with all its descendants if `children` (PostgreSQL's backends,
    the dev server the Temporal CLI runs); 0 for no process, and nothing for one that is gone."""
    if process is None:
        return 0.0
    total = 0.0
    with contextlib.suppress(psutil.Error):
        for p in (process, *(process.children(recursive=True) if children else ())):
            with contextlib.suppress(psutil.Error):
                times = p.cpu_times()
                total += times.user + times.system
    return total
