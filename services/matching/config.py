"""Settings of the matching service (environment prefix MATCHING_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    """Matching service settings; see ServiceSettings for the shared ones. It holds no keys of its own."""

    model_config = SettingsConfigDict(env_prefix="MATCHING_", frozen=True, extra="ignore")

    service_name: str = "matching"
    database_url: str = "postgresql+asyncpg://matching_app@127.0.0.1:55432/matching"
    http_port: int = 8003
    applications_url: str = "http://127.0.0.1:8001"
