"""Settings of the journey worker, bridge and API (environment prefix JOURNEY_)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from contracts.journey import JourneyParameters
from services.common.settings import ServiceSettings


class JourneySettings(ServiceSettings):
    """Where Temporal, Kafka and the services are; the journey API keeps officers' notes in its own database."""

    model_config = SettingsConfigDict(env_prefix="JOURNEY_", frozen=True, extra="ignore")

    service_name: str = "journey"
    database_url: str = "postgresql+asyncpg://journey_app@127.0.0.1:55432/journey"
    http_port: int = 8006
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    training_url: str = "http://127.0.0.1:8002"
    matching_url: str = "http://127.0.0.1:8003"
    visa_url: str = "http://127.0.0.1:8004"
    monitoring_url: str = "http://127.0.0.1:8005"
    service_signing_key_file: Path | None = Field(
        default=None, description="PEM private key the worker signs its short-lived service tokens with."
    )
    service_token_ttl_s: int = 300
    worker_cached_workflows: int = Field(
        default=12000, ge=100, description="Sticky cache: the open journeys and children one worker keeps warm."
    )
    worker_workflow_tasks: int = Field(default=16, ge=1, description="Workflow tasks at once (2 cores: 16).")
    worker_activities: int = Field(default=64, ge=1, description="Activities at once (HTTP calls, publishing).")
    parameters: JourneyParameters = Field(
        default_factory=JourneyParameters,
        description="Programme deadlines; JOURNEY_PARAMETERS='{\"b1_due_days\": 274}'",
    )


async def connect_temporal(settings: JourneySettings, **kwargs: Any) -> Any:
    """A Temporal client speaking pydantic, with tracing propagated through Temporal headers."""
    from temporalio.client import Client
    from temporalio.contrib.opentelemetry import TracingInterceptor

    from workflows.converter import data_converter

    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter,
        interceptors=[TracingInterceptor()],
        **kwargs,
    )
