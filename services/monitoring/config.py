"""Settings of the monitoring service (environment prefix MONITORING_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class MonitoringSettings(ServiceSettings):
    """Monitoring service settings; see ServiceSettings for the shared ones. It holds no keys of its own."""

    model_config = SettingsConfigDict(env_prefix="MONITORING_", frozen=True, extra="ignore")

    service_name: str = "monitoring"
    database_url: str = "postgresql+asyncpg://monitoring_app@127.0.0.1:55432/monitoring"
    http_port: int = 8005
