"""Settings of the training service (environment prefix TRAINING_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class TrainingSettings(ServiceSettings):
    """Training service settings; see ServiceSettings for the shared ones. It holds no keys of its own."""

    model_config = SettingsConfigDict(env_prefix="TRAINING_", frozen=True, extra="ignore")

    service_name: str = "training"
    database_url: str = "postgresql+asyncpg://training_app@127.0.0.1:55432/training"
    http_port: int = 8002
