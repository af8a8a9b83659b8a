"""Settings of the journey worker and bridge (environment prefix JOURNEY_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class JourneySettings(ServiceSettings):
    """Where Temporal and Kafka are; the journey processes own no database."""

    model_config = SettingsConfigDict(env_prefix="JOURNEY_", frozen=True, extra="ignore")

    service_name: str = "journey"
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"


async def connect_temporal(settings: JourneySettings):  # type: ignore[no-untyped-def]
    """A Temporal client speaking pydantic, with tracing propagated through Temporal headers."""
    from temporalio.client import Client
    from temporalio.contrib.opentelemetry import TracingInterceptor
    from temporalio.contrib.pydantic import pydantic_data_converter

    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        interceptors=[TracingInterceptor()],
    )
