"""Ports and folders of one local stack; every value can be overridden with a THAMM_STACK_* variable."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class StackSettings(BaseSettings):
    """Where a local stack keeps its state and which loopback ports it binds."""

    model_config = SettingsConfigDict(env_prefix="THAMM_STACK_", frozen=True)

    run_dir: Path = Field(default=REPO_ROOT / ".run" / "local", description="pid files, logs and data")
    cache_dir: Path = Field(default=REPO_ROOT / ".cache", description="downloaded Kafka jars")
    host: str = "127.0.0.1"
    postgres_port: int = 55432
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    applications_port: int = 8001
    training_port: int = 8002
    matching_port: int = 8003
    visa_port: int = 8004
    monitoring_port: int = 8005
    webhooks_port: int = 8007
    authorities_port: int = Field(default=8009, description="the authorities simulator (local stacks only)")
    authorities_profile: str = Field(default="fast", description="`fast` (a day takes 0.05 s) or `realistic`")
    journey_port: int = 8006
    relay_metrics_port: int = Field(default=9101, description="/metrics of the applications relay")
    bridge_metrics_port: int = Field(default=9102, description="/metrics of the journey bridge")
    dispatcher_metrics_port: int = Field(default=9103, description="/metrics of the webhook dispatcher")
    profiles_metrics_port: int = Field(default=9104, description="/metrics of the matching profiles consumer")
    disclosures_metrics_port: int = Field(default=9105, description="/metrics of the applications consumer")
    statistics_metrics_port: int = Field(default=9106, description="/metrics of the monitoring statistics consumer")
    postgres_durable: bool = Field(
        default=False, description="fsync and synchronous_commit on (benchmarks); off for fast local development"
    )
    kafka_heap_mb: int = Field(default=512, le=512)
    stop_timeout_s: float = 20.0
    start_timeout_s: float = 90.0

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def temporal_address(self) -> str:
        return f"{self.host}:{self.temporal_port}"

    @property
    def secrets_dir(self) -> Path:
        """Generated local secrets of this stack (database passwords), private to its owner."""
        return self.run_dir / "secrets"

    def secret(self, name: str) -> str:
        """A random secret for this stack, created once (0600 in a 0700 folder)."""
        import secrets

        path = self.secrets_dir / name
        if not path.exists():
            self.secrets_dir.mkdir(parents=True, exist_ok=True)
            self.secrets_dir.chmod(0o700)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(24))
            tmp.chmod(0o600)
            tmp.replace(path)
        return path.read_text().strip()

    @property
    def postgres_password(self) -> str:
        return self.secret("postgres-superuser")

    @property
    def postgres_admin_dsn(self) -> str:
        """asyncpg DSN of the server's `postgres` database as the superuser (provisioning only)."""
        return f"postgresql://postgres:{self.postgres_password}@{self.host}:{self.postgres_port}/postgres"

    def database_url(self, database: str, role: str = "app") -> str:
        """SQLAlchemy URL of one service database: as its runtime role (`app`), its `owner`, or `postgres`."""
        if role == "postgres":
            user, password = "postgres", self.postgres_password
        else:
            user, password = f"{database}_{role}", self.secret(f"postgres-{database}-{role}")
        return f"postgresql+asyncpg://{user}:{password}@{self.host}:{self.postgres_port}/{database}"

    async def provision_database(self, database: str) -> tuple[str, str]:
        """Create (or update) a service database with its owner and runtime roles; returns (owner, app) URLs."""
        from deploy.provision import create_service_database

        await create_service_database(
            self.postgres_admin_dsn,
            database,
            self.secret(f"postgres-{database}-owner"),
            self.secret(f"postgres-{database}-app"),
        )
        return self.database_url(database, "owner"), self.database_url(database, "app")

    @property
    def kafka_libs(self) -> Path:
        return self.cache_dir / "kafka" / "libs"
