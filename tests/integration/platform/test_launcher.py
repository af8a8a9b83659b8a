"""The local stack launcher against the real components it starts."""

from __future__ import annotations

import os
import socket

import pytest

from deploy.local.components import PlatformProcess
from deploy.local.infra import Kafka
from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from deploy.local.supervisor import StackError
from deploy.local.table import infrastructure, platform_processes

pytestmark = pytest.mark.integration


async def test_up_is_idempotent_and_status_reports_health(
    infra: Stack, stack_settings: StackSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    pids = {c.name: c.pid_file.running_pid() for c in infra.components}
    await infra.up()
    assert "already running" in capsys.readouterr().out
    assert {c.name: c.pid_file.running_pid() for c in infra.components} == pids
    rows = {row.name: row for row in await infra.status()}
    for component in infrastructure(stack_settings):
        assert rows[component.name].healthy, component.name
        assert rows[component.name].port == component.port


async def test_a_taken_port_fails_at_once_with_a_clear_message(stack_settings: StackSettings) -> None:
    with socket.socket() as blocker:
        blocker.bind((stack_settings.host, 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        settings = stack_settings.model_copy(
            update={"applications_port": port, "run_dir": stack_settings.run_dir / "x"}
        )
        api = [p for p in platform_processes(settings) if p.port == port]
        with pytest.raises(StackError, match=rf"port {port} for applications-api is taken"):
            await Stack(settings, api).up(echo=False)


async def test_missing_java_is_reported_before_anything_starts(
    stack_settings: StackSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(StackError, match="Java 17\\+ is required"):
        await Stack(stack_settings, [Kafka(stack_settings)]).up(echo=False)


def test_unknown_component_names_are_refused(stack_settings: StackSettings) -> None:
    with pytest.raises(StackError, match="unknown component"):
        Stack(stack_settings).select(["nope"])


def test_every_platform_process_gets_its_connection_settings(stack_settings: StackSettings) -> None:
    for process in platform_processes(stack_settings):
        assert isinstance(process, PlatformProcess)
        env = process.env()
        prefix = process.env_prefix
        assert env[f"{prefix}KAFKA_BOOTSTRAP_SERVERS"] == stack_settings.kafka_bootstrap
        if process.database:
            assert env[f"{prefix}DATABASE_URL"].endswith(f":{stack_settings.postgres_port}/{process.database}")
        assert os.path.basename(process.argv()[0]).startswith("python")


def test_each_process_gets_only_its_own_secrets(stack_settings: StackSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPLICATIONS_MASTER_KEY", "exported in the launcher's shell")
    envs = {p.name: p.env() for p in platform_processes(stack_settings)}
    assert "APPLICATIONS_MASTER_KEY" in envs["applications-api"]
    assert envs["applications-api"]["APPLICATIONS_MASTER_KEY"] != "exported in the launcher's shell"
    for name, env in envs.items():
        if name != "applications-api":
            assert not {k for k in env if k.endswith(("MASTER_KEY", "HASH_KEY"))}, name
        assert not any("jwt-private" in v for v in env.values()), f"{name} must not hold the people's signing key"
        assert not any(v.startswith("postgresql+asyncpg://postgres:") for v in env.values()), f"{name} as superuser"
    signers = {name for name, env in envs.items() if "JOURNEY_SERVICE_SIGNING_KEY_FILE" in env}
    assert signers == {"journey-worker"}
    assert envs["applications-api"]["APPLICATIONS_DATABASE_URL"].startswith("postgresql+asyncpg://applications_app:")


async def test_postgres_over_tcp_needs_a_password(infra: Stack, stack_settings: StackSettings) -> None:
    import asyncpg

    for user in ("postgres", "applications_app"):
        with pytest.raises((asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError)):
            await asyncpg.connect(f"postgresql://{user}@{stack_settings.host}:{stack_settings.postgres_port}/postgres")
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(
                f"postgresql://{user}:wrong@{stack_settings.host}:{stack_settings.postgres_port}/postgres"
            )
    conn = await asyncpg.connect(stack_settings.postgres_admin_dsn)
    await conn.close()
