"""Settings every service process shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from services.common.auth import TokenVerifier


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
    auth_issuer: str = Field(default="thamm-dev", description="Expected `iss` of access tokens.")
    auth_audience: str = Field(default="thamm", description="Expected `aud` of access tokens.")
    auth_public_key_file: Path | None = Field(default=None, description="PEM public key verifying tokens.")
    auth_jwks_url: str | None = Field(default=None, description="JWKS URL of the token issuer (instead of a PEM).")

    def token_verifier(self) -> TokenVerifier:
        """The verifier for this service's API; refuses to start without a key source."""
        from services.common.auth import TokenVerifier

        if not self.auth_jwks_url and not self.auth_public_key_file:
            raise ValueError("set AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE (with the service's env prefix)")
        pem = self.auth_public_key_file.read_text() if self.auth_public_key_file else None
        return TokenVerifier(
            issuer=self.auth_issuer, audience=self.auth_audience, public_key_pem=pem, jwks_url=self.auth_jwks_url
        )

    @property
    def asyncpg_dsn(self) -> str:
        """The database URL in the plain form asyncpg accepts."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


#: Values that must never be used as secrets.
PLACEHOLDERS = frozenset({"", "changeme", "change-me", "secret", "placeholder", "xxx", "todo"})


def refuse_placeholder(value: str, name: str) -> str:
    """A settings validator: a secret may not be a placeholder."""
    if value.strip().lower() in PLACEHOLDERS:
        raise ValueError(f"{name} is a placeholder; set a real secret")
    return value
