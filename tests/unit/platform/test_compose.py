"""docker-compose.yml describes the same stack as the local launcher (it cannot run on machines without Docker)."""

from __future__ import annotations

import yaml

from deploy.local.settings import REPO_ROOT, StackSettings
from deploy.local.table import infrastructure, platform_processes

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]


def _platform_services() -> dict[str, dict]:
    return {name: svc for name, svc in SERVICES.items() if "org.thamm.process" in (svc.get("labels") or {})}


def test_every_launcher_process_is_in_compose_and_the_other_way_round() -> None:
    table = {p.name for p in platform_processes(StackSettings())}
    assert set(_platform_services()) == table
    for name, svc in _platform_services().items():
        assert svc["labels"]["org.thamm.process"] == name


def test_compose_runs_each_process_with_the_launchers_command() -> None:
    for process in platform_processes(StackSettings()):
        command = SERVICES[process.name]["command"]
        assert command == ["python", "-m", process.module, *process.args], process.name


def test_infrastructure_is_in_compose_with_official_images_and_health_checks() -> None:
    images = {"postgres": "postgres:", "kafka": "apache/kafka:4.", "temporal": "temporalio/"}
    for component in infrastructure(StackSettings()):
        svc = SERVICES[component.name]
        assert svc["image"].startswith(images[component.name])
        assert "healthcheck" in svc
    assert SERVICES["temporal-ui"]["image"].startswith("temporalio/ui:")


def test_platform_services_build_our_image_and_wait_for_provisioning() -> None:
    assert (REPO_ROOT / "Dockerfile").exists()
    for name, svc in _platform_services().items():
        assert svc["build"] == ".", name
        waits_for = set(svc["depends_on"]) | {d for m in svc["depends_on"] for d in SERVICES[m].get("depends_on", {})}
        assert "provision" in waits_for, name
    provision = SERVICES["provision"]["depends_on"]
    assert {k for k, v in provision.items() if v["condition"] == "service_healthy"} == {
        "postgres",
        "kafka",
        "temporal",
    }


def test_published_ports_match_the_launcher_defaults() -> None:
    defaults = StackSettings()
    published = {name: {p.split(":")[-2] for p in svc.get("ports", [])} for name, svc in SERVICES.items()}
    assert str(defaults.kafka_port) in published["kafka"]
    assert str(defaults.temporal_port) in published["temporal"]
    assert str(defaults.temporal_ui_port) in published["temporal-ui"]
    assert str(defaults.applications_port) in published["applications-api"]


def test_ports_are_published_on_loopback_only() -> None:
    for name, svc in SERVICES.items():
        for port in svc.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)


def test_each_process_gets_only_its_own_secrets() -> None:
    def secrets(name: str) -> set[str]:
        return set(SERVICES[name].get("secrets", []))

    assert secrets("applications-api") >= {"applications_master_key", "applications_hash_key"}
    assert "applications_migration_database_url" not in secrets("applications-api"), "migrations run as the owner"
    assert secrets("applications-relay") == {"applications_database_url"}, "the relay needs no keys"
    holders = {name for name in SERVICES if "service-private.pem" in secrets(name)}
    assert holders == {"journey-worker"}, "only the worker signs service tokens"
    assert not any("jwt-private" in s for name in SERVICES for s in secrets(name)), "no process signs people's tokens"
    for name in ("journey-worker", "journey-bridge", "journey-api"):
        assert not {s for s in secrets(name) if s.startswith("applications_")}, name
    assert {n for n in SERVICES if "postgres_password" in secrets(n)} == {"postgres", "temporal", "provision"}
    for name, svc in SERVICES.items():
        env = svc.get("environment") or {}
        assert not any("PASSWORD=" in str(v) or str(v).startswith("postgresql") for v in env.values()), name
