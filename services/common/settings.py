"""Settings every service process shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from services.common.auth import TokenVerifier


#: Docker/Kubernetes secrets: a file named like the variable (`applications_master_key`) is read as its value.
SECRETS_DIR = Path("/run/secrets")


class ServiceSettings(BaseSettings):
    """Connection and runtime settings of one service; built once at start-up and passed down.

    Values come from the environment (`<PREFIX>_<FIELD>`) or, where the platform mounts them as files, from
    `/run/secrets/<prefix>_<field>` (compose and Kubernetes secrets), so passwords need not be in the env.
    """

    model_config = SettingsConfigDict(
        env_prefix="THAMM_", frozen=True, extra="ignore", secrets_dir=SECRETS_DIR if SECRETS_DIR.is_dir() else None
    )

    service_name: str = "thamm"
    environment: Literal["local", "production"] = Field(
        default="local",
        description="`production` requires explicit token issuers and audience and refuses local shortcuts.",
    )
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:55432/postgres",
        description="SQLAlchemy URL of the service's own database, as its runtime role (postgresql+asyncpg://...).",
    )
    migration_database_url: str | None = Field(
        default=None,
        description="URL as the role that owns the schema; used only by `migrate` (default: database_url).",
    )
    database_pool_size: int = 10
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    metrics_port: int | None = Field(
        default=None, description="Port of /metrics for processes without an HTTP API (relay, consumers)."
    )
    max_body_bytes: int = Field(default=1024 * 1024, gt=0, description="Largest request body accepted (413 above).")
    otel_exporter: Literal["none", "console", "otlp"] = Field(
        default="none",
        description="Where spans go: nowhere (default), the console, or an OTLP/HTTP endpoint.",
    )
    otel_endpoint: str | None = Field(default=None, description="OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318")
    relay_poll_interval_s: float = Field(
        default=0.02,
        gt=0,
        description="Longest wait between looks at the pending rows when idle (from 5 ms, doubling while idle).",
    )
    relay_batch_size: int = Field(default=500, ge=1)
    relay_min_poll_s: float = Field(
        default=0.005, gt=0, description="Shortest wait between looks: after a batch, or while rows are fenced."
    )
    relay_linger_s: float = Field(
        default=0.005,
        ge=0,
        description="After a batch short of a full one, wait this long before the next look, so the rows committed"
        " meanwhile go out together (one read, one produce request, one update for several events); 0: at once.",
    )
    outbox_retention_hours: float = Field(default=168, gt=0, description="Published outbox rows kept this long.")
    consumer_max_attempts: int = Field(default=5, ge=1, description="Tries per message before the dead-letter topic.")
    auth_issuer: str = Field(default="thamm-dev", description="Expected `iss` of people's access tokens.")
    auth_audience: str = Field(default="thamm", description="Expected `aud` of every access token.")
    auth_public_key_file: Path | None = Field(default=None, description="PEM public key verifying people's tokens.")
    auth_jwks_url: str | None = Field(default=None, description="JWKS URL of the people's token issuer.")
    auth_service_issuer: str = Field(default="thamm-services-dev", description="Expected `iss` of service tokens.")
    auth_service_public_key_file: Path | None = Field(
        default=None, description="PEM public key verifying service tokens (its own key pair, not people's)."
    )
    auth_max_token_lifetime_s: int = Field(default=12 * 3600, gt=0, description="Longest `exp - iat` accepted.")

    @model_validator(mode="after")
    def _explicit_in_production(self) -> Self:
        if self.environment == "production":
            missing = [n for n in ("auth_issuer", "auth_audience") if n not in self.model_fields_set]
            if missing:
                raise ValueError(f"set {', '.join(missing)} explicitly in production")
        return self

    def token_verifier(self) -> TokenVerifier:
        """The verifier for this service's API; refuses to start without a key source."""
        from services.common.auth import PEOPLE_ROLES, Role, TokenVerifier, TrustedIssuer

        if not self.auth_jwks_url and not self.auth_public_key_file:
            raise ValueError("set AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE (with the service's env prefix)")
        if self.auth_service_issuer == self.auth_issuer:
            raise ValueError("service tokens need their own issuer (AUTH_SERVICE_ISSUER)")
        issuers = [
            TrustedIssuer(
                issuer=self.auth_issuer,
                audience=self.auth_audience,
                allowed_roles=PEOPLE_ROLES,
                public_key_pem=self.auth_public_key_file.read_text() if self.auth_public_key_file else None,
                jwks_url=self.auth_jwks_url,
            )
        ]
        if self.auth_service_public_key_file:
            issuers.append(
                TrustedIssuer(
                    issuer=self.auth_service_issuer,
                    audience=self.auth_audience,
                    allowed_roles=frozenset({Role.SERVICE}),
                    public_key_pem=self.auth_service_public_key_file.read_text(),
                )
            )
        return TokenVerifier(issuers, max_lifetime_s=self.auth_max_token_lifetime_s)

    @property
    def asyncpg_dsn(self) -> str:
        """The database URL in the plain form asyncpg accepts."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    @property
    def owner_database_url(self) -> str:
        """The URL migrations run with."""
        return self.migration_database_url or self.database_url


#: Values that must never be used as secrets.
PLACEHOLDERS = frozenset({"", "changeme", "change-me", "secret", "placeholder", "xxx", "todo"})


def refuse_placeholder(value: str, name: str) -> str:
    """A settings validator: a secret may not be a placeholder."""
    if value.strip().lower() in PLACEHOLDERS:
        raise ValueError(f"{name} is a placeholder; set a real secret")
    return value
