"""Settings of the applications service (environment prefix APPLICATIONS_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class ApplicationsSettings(ServiceSettings):
    """Applications service settings; see ServiceSettings for the shared ones."""

    model_config = SettingsConfigDict(env_prefix="APPLICATIONS_", frozen=True, extra="ignore")

    service_name: str = "applications"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/applications"
    http_port: int = 8001
    migrate_on_start: bool = True
