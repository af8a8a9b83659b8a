"""A component of the local stack and the platform's own processes: how each starts and is told healthy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy.local.settings import StackSettings
from deploy.local.supervisor import PidFile, StackError
from services.common.auth import DEV_KEYS_DIR, ensure_dev_keys, ensure_key_pair, ensure_service_keys

#: Environment prefixes of the platform's processes; a process inherits none of them from the launcher.
PLATFORM_PREFIXES = (
    "APPLICATIONS_",
    "TRAINING_",
    "MATCHING_",
    "VISA_",
    "MONITORING_",
    "WEBHOOKS_",
    "JOURNEY_",
    "AUTHORITIES_",
)


@dataclass
class Component:
    """One process of the stack."""

    name: str
    settings: StackSettings
    port: int | None = None
    stop_signal: int = signal.SIGTERM
    kind: str = "infra"

    @property
    def pid_file(self) -> PidFile:
        return PidFile(self.settings.run_dir / "pids" / f"{self.name}.pid")

    @property
    def log(self) -> Path:
        return self.settings.run_dir / "logs" / f"{self.name}.log"

    def preflight(self) -> None:
        """Fail at once, with a clear message, if a prerequisite is missing."""

    def prepare(self) -> None:
        """Install or initialise what a first start needs (idempotent)."""

    def argv(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def user(self) -> str | None:
        return None

    def clean(self) -> None:
        """Delete the component's data kept outside the run folder, if any."""

    def spawn_options(self) -> dict[str, Any]:
        """Extra subprocess options (user, group, working folder)."""
        return {}

    async def healthy(self) -> bool:
        raise NotImplementedError

    async def after_start(self) -> None:
        """Provision what the platform expects once the component answers (idempotent)."""


@dataclass
class PlatformProcess(Component):
    """One of the platform's own Python processes, run as `python -m <module> <args>`."""

    module: str = ""
    args: tuple[str, ...] = ()
    env_prefix: str = ""
    database: str | None = None
    secrets: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)
    migrate: bool = False
    metrics_port: int | None = None
    key_pairs: tuple[str, ...] = ()  # dev key pairs the process needs (created once in the dev keys folder)

    def argv(self) -> list[str]:
        return [sys.executable, "-m", self.module, *self.args]

    def prepare(self) -> None:
        """Run the service's migrations first, as the schema owner (the API itself only holds its runtime role)."""
        if not self.migrate or self.database is None:
            return
        env = {
            **self.env(),
            f"{self.env_prefix}MIGRATION_DATABASE_URL": self.settings.database_url(self.database, "owner"),
        }
        result = subprocess.run(
            [sys.executable, "-m", self.module, "migrate"], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise StackError(f"migrating {self.database} failed:\n{(result.stderr or result.stdout)[-3000:]}")

    def env(self) -> dict[str, str]:
        """The process's environment: the launcher's, minus every platform setting, plus its own only."""
        s, p = self.settings, self.env_prefix
        env = {k: v for k, v in os.environ.items() if not k.startswith(PLATFORM_PREFIXES)}
        env.update(
            {
                f"{p}KAFKA_BOOTSTRAP_SERVERS": s.kafka_bootstrap,
                f"{p}TEMPORAL_ADDRESS": s.temporal_address,
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.database:
            env[f"{p}DATABASE_URL"] = s.database_url(self.database)
        if self.port:
            env[f"{p}HTTP_PORT"] = str(self.port)
            env[f"{p}HTTP_HOST"] = s.host
            env[f"{p}AUTH_PUBLIC_KEY_FILE"] = str(ensure_dev_keys()[1])
            env[f"{p}AUTH_SERVICE_PUBLIC_KEY_FILE"] = str(ensure_service_keys()[1])
        if self.metrics_port:
            env[f"{p}METRICS_PORT"] = str(self.metrics_port)
        for name in self.secrets:
            env[f"{p}{name}"] = dev_secret(f"{p}{name}")
        for pair in self.key_pairs:
            ensure_key_pair(DEV_KEYS_DIR, pair)
        env.update({k: v.format(run_dir=s.run_dir, keys_dir=DEV_KEYS_DIR) for k, v in self.extra_env.items()})
        return env

    async def healthy(self) -> bool:
        if self.port is None:
            return self.pid_file.running_pid() is not None
        import httpx

        try:
            async with httpx.AsyncClient(timeout=2) as client:
                response = await client.get(f"http://{self.settings.host}:{self.port}/healthz")
            return response.status_code == 200
        except httpx.HTTPError:
            return False


def dev_secret(name: str) -> str:
    """A random 32-byte base64 secret for local stacks, created once and kept in the dev keys folder."""
    import base64

    path = DEV_KEYS_DIR / f"{name.lower()}.b64"
    if not path.exists():
        DEV_KEYS_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.b64encode(os.urandom(32)).decode())
        path.chmod(0o600)
    return path.read_text().strip()
