"""Settings every service process shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Connection and runtime settings of one service; built once at start-up and passed down."""

    model_config = SettingsConfigDict(env_prefix="THAMM_", frozen=True, extra="ignore")

    service_name: str = "thamm"
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:55432/postgres",
        description="SQLAlchemy URL of the service's own database (postgresql+asyncpg://...).",
    )
    database_pool_size: int = 10
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    otel_exporter: Literal["none", "console", "otlp"] = Field(
        default="none",
        description="Where spans go: nowhere (default), the console, or an OTLP/HTTP endpoint.",
    )
    otel_endpoint: str | None = Field(default=None, description="OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318")
    relay_poll_interval_s: float = Field(default=1.0, gt=0, description="Fallback poll when no NOTIFY arrives.")
    relay_batch_size: int = Field(default=500, ge=1)
    outbox_retention_hours: float = Field(default=168, gt=0, description="Published outbox rows kept this long.")
    consumer_max_attempts: int = Field(default=5, ge=1, description="Tries per message before the dead-letter topic.")

    @property
    def asyncpg_dsn(self) -> str:
        """The database URL in the plain form asyncpg accepts."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
