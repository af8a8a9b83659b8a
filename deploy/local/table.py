"""The platform's own processes, one line each: adding a service is adding its lines here."""

from __future__ import annotations

from typing import Any

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
TRAINING = {"env_prefix": "TRAINING_", "database": "training", "module": "services.training"}
MATCHING = {"env_prefix": "MATCHING_", "database": "matching", "module": "services.matching"}
VISA = {"env_prefix": "VISA_", "database": "visa", "module": "services.visa"}
MONITORING = {"env_prefix": "MONITORING_", "database": "monitoring", "module": "services.monitoring"}
WEBHOOKS = {
    "env_prefix": "WEBHOOKS_",
    "database": "webhooks",
    "module": "services.webhooks",
    "secrets": ("SECRET_KEY",),
}
JOURNEY = {"env_prefix": "JOURNEY_"}
#: Only the journey worker signs service tokens, with the service issuer's key (never the people's issuer key).
SIGNING: dict[str, str] = {"JOURNEY_SERVICE_SIGNING_KEY_FILE": "{keys_dir}/service-private.pem"}


def platform_processes(s: StackSettings) -> list[PlatformProcess]:
    """Every process the platform runs, in start order (compose lists the same names)."""
    apps: dict[str, Any] = {"kind": "platform", **APPLICATIONS}
    relay: dict[str, Any] = {**apps, "secrets": ()}  # the relay needs the database and Kafka, not the keys
    training: dict[str, Any] = {"kind": "platform", **TRAINING}
    matching: dict[str, Any] = {
        "kind": "platform", **MATCHING, "extra_env": {"MATCHING_APPLICATIONS_URL": f"http://{s.host}:{s.applications_port}"},
    }  # fmt: skip
    visa: dict[str, Any] = {
        "kind": "platform", **VISA, "key_pairs": ("authorities",),
        "extra_env": {"VISA_AUTHORITIES_PUBLIC_KEY_FILE": "{keys_dir}/authorities-public.pem"},
    }  # fmt: skip
    webhooks: dict[str, Any] = {"kind": "platform", **WEBHOOKS}
    monitoring: dict[str, Any] = {"kind": "platform", **MONITORING}
    authorities: dict[str, Any] = {
        "kind": "platform", "env_prefix": "AUTHORITIES_", "module": "deploy.authorities",
        "extra_env": {
            "AUTHORITIES_VISA_URL": f"http://{s.host}:{s.visa_port}", "AUTHORITIES_PROFILE": s.authorities_profile,
            "AUTHORITIES_SIGNING_KEY_FILE": "{keys_dir}/authorities-private.pem",
        },
        "key_pairs": ("authorities",),
    }  # fmt: skip
    journey: dict[str, Any] = {"kind": "platform", **JOURNEY, "extra_env": _service_urls(s)}
    return [
        PlatformProcess("applications-api", s, s.applications_port, args=("api",), migrate=True, **apps),
        PlatformProcess("applications-relay", s, args=("relay",), metrics_port=s.relay_metrics_port, **relay),
        PlatformProcess(
            "applications-consumer", s, args=("consume",), metrics_port=s.disclosures_metrics_port, **relay
        ),
        PlatformProcess("training-api", s, s.training_port, args=("api",), migrate=True, **training),
        PlatformProcess("training-relay", s, args=("relay",), **training),
        PlatformProcess("matching-api", s, s.matching_port, args=("api",), migrate=True, **matching),
        PlatformProcess("matching-relay", s, args=("relay",), **matching),
        PlatformProcess("matching-consumer", s, args=("consume",), metrics_port=s.profiles_metrics_port, **matching),
        PlatformProcess("visa-api", s, s.visa_port, args=("api",), migrate=True, **visa),
        PlatformProcess("visa-relay", s, args=("relay",), **visa),
        PlatformProcess("monitoring-api", s, s.monitoring_port, args=("api",), migrate=True, **monitoring),
        PlatformProcess("monitoring-relay", s, args=("relay",), **monitoring),
        PlatformProcess(
            "monitoring-consumer", s, args=("consume",), metrics_port=s.statistics_metrics_port, **monitoring
        ),
        PlatformProcess("authorities-simulator", s, s.authorities_port, **authorities),
        PlatformProcess("webhooks-api", s, s.webhooks_port, args=("api",), migrate=True, **webhooks),
        PlatformProcess("webhooks-relay", s, args=("relay",), **{**webhooks, "secrets": ()}),
        PlatformProcess(
            "webhooks-dispatcher", s, args=("consume",), metrics_port=s.dispatcher_metrics_port, **webhooks
        ),
        PlatformProcess(
            "journey-worker", s, module="workflows.worker", **{**journey, "extra_env": {**_service_urls(s), **SIGNING}}
        ),
        PlatformProcess("journey-bridge", s, module="workflows.bridge", metrics_port=s.bridge_metrics_port, **journey),
        PlatformProcess(
            "journey-api",
            s,
            s.journey_port,
            module="workflows.api",
            args=("api",),
            database="journey",
            migrate=True,
            **journey,
        ),
    ]


def _service_urls(s: StackSettings) -> dict[str, str]:
    """Where the journey's activities reach each service on this stack."""
    return {f"JOURNEY_{name.upper()}_URL": f"http://{s.host}:{port}" for name, port in (
        ("training", s.training_port), ("matching", s.matching_port), ("visa", s.visa_port),
        ("monitoring", s.monitoring_port),
    )}  # fmt: skip


def infrastructure(s: StackSettings) -> list[Component]:
    """PostgreSQL, Kafka and Temporal, in start order."""
    return [Postgres(s), Kafka(s), Temporal(s)]


def all_components(s: StackSettings) -> list[Component]:
    return [*infrastructure(s), *platform_processes(s)]
