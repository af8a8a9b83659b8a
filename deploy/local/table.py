"""The platform's own processes, one line each: adding a service is adding its lines here."""

from __future__ import annotations

from deploy.local.components import Component, Kafka, PlatformProcess, Postgres, Temporal
from deploy.local.settings import StackSettings


def platform_processes(s: StackSettings) -> list[PlatformProcess]:
    """Every process the platform runs, in start order (compose lists the same names)."""
    return [
        PlatformProcess(
            "applications-api",
            s,
            s.applications_port,
            kind="platform",
            module="services.applications",
            args=("api",),
            env_prefix="APPLICATIONS_",
            database="applications",
        ),
        PlatformProcess(
            "applications-relay",
            s,
            kind="platform",
            module="services.applications",
            args=("relay",),
            env_prefix="APPLICATIONS_",
            database="applications",
        ),
        PlatformProcess("journey-worker", s, kind="platform", module="workflows.worker", env_prefix="JOURNEY_"),
        PlatformProcess("journey-bridge", s, kind="platform", module="workflows.bridge", env_prefix="JOURNEY_"),
    ]


def infrastructure(s: StackSettings) -> list[Component]:
    """PostgreSQL, Kafka and Temporal, in start order."""
    return [Postgres(s), Kafka(s), Temporal(s)]


def all_components(s: StackSettings) -> list[Component]:
    return [*infrastructure(s), *platform_processes(s)]
