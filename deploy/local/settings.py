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
    journey_port: int = 8006
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
    def postgres_admin_dsn(self) -> str:
        """asyncpg DSN of the server's `postgres` database (to create service databases)."""
        return f"postgresql://postgres@{self.host}:{self.postgres_port}/postgres"

    def database_url(self, database: str) -> str:
        """SQLAlchemy URL of one service database on the stack's PostgreSQL."""
        return f"postgresql+asyncpg://postgres@{self.host}:{self.postgres_port}/{database}"

    @property
    def kafka_libs(self) -> Path:
        return self.cache_dir / "kafka" / "libs"
