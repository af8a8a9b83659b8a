"""The platform's own processes, one line each: adding a service is adding its lines here."""

from __future__ import annotations

from deploy.local.components import Component, PlatformProcess
from deploy.local.infra import Kafka, Postgres, Temporal
from deploy.local.settings import StackSettings

APPLICATIONS = {
    "env_prefix": "APPLICATIONS_",
    "database": "applications",
    "module": "services.applications",
    "secrets": ("MASTER_KEY", "HASH_KEY"),
    "extra_env": {"APPLICATIONS_DOCUMENT_DIR": "{run_dir}/documents"},
}
JOURNEY = {"env_prefix": "JOURNEY_", "extra_env": {"JOURNEY_SERVICE_SIGNING_KEY_FILE": "{keys_dir}/jwt-private.pem"}}


def platform_processes(s: StackSettings) -> list[PlatformProcess]:
    """Every process the platform runs, in start order (compose lists the same names)."""
    # fmt: off
    return [
        PlatformProcess("applications-api", s, s.applications_port, kind="platform", args=("api",), **APPLICATIONS),  # type: ignore[arg-type]
        PlatformProcess("applications-relay", s, kind="platform", args=("relay",), **APPLICATIONS),  # type: ignore[arg-type]
        PlatformProcess("journey-worker", s, kind="platform", module="workflows.worker", **JOURNEY),  # type: ignore[arg-type]
        PlatformProcess("journey-bridge", s, kind="platform", module="workflows.bridge", **JOURNEY),  # type: ignore[arg-type]
        PlatformProcess("journey-api", s, s.journey_port, kind="platform", module="workflows.api", **JOURNEY),  # type: ignore[arg-type]
    ]
    # fmt: on


def infrastructure(s: StackSettings) -> list[Component]:
    """PostgreSQL, Kafka and Temporal, in start order."""
    return [Postgres(s), Kafka(s), Temporal(s)]


def all_components(s: StackSettings) -> list[Component]:
    return [*infrastructure(s), *platform_processes(s)]
