"""Settings of the webhooks service (environment prefix WEBHOOKS_)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from services.common.crypto import decode_key
from services.common.settings import ServiceSettings, refuse_placeholder


class WebhooksSettings(ServiceSettings):
    """Webhooks settings; see ServiceSettings for the shared ones. The secret key has no default."""

    model_config = SettingsConfigDict(env_prefix="WEBHOOKS_", frozen=True, extra="ignore")

    service_name: str = "webhooks"
    database_url: str = "postgresql+asyncpg://webhooks_app@127.0.0.1:55432/webhooks"
    http_port: int = 8007
    secret_key: str = Field(description="base64 of 32 bytes: encrypts the endpoints' signing secrets at rest.")
    retry_schedule_s: tuple[float, ...] = Field(
        default=(0, 5, 300, 1800, 7200, 18000, 36000, 36000),
        description="Delay before each attempt (the first is immediate); after the last, the delivery fails.",
    )
    connect_timeout_s: float = Field(default=5.0, gt=0)
    read_timeout_s: float = Field(default=15.0, gt=0)
    lease_s: float = Field(default=60.0, gt=0, description="A claimed delivery is retried after this if unanswered.")
    max_in_flight: int = Field(default=32, ge=1, description="Deliveries in flight at once (one per endpoint).")
    poll_interval_s: float = Field(default=0.5, gt=0)
    disable_after_s: float = Field(default=5 * 86400, gt=0, description="Failing this long disables an endpoint.")
    response_excerpt_bytes: int = Field(default=1024, ge=0, description="How much of an answer is kept.")
    dispatcher_group: str = Field(
        default="webhooks-dispatcher",
        pattern=r"^[a-z0-9-]+$",
        description="Consumer group (its dead-letter topics follow).",
    )
    rotation_overlap_s: float = Field(default=86400, ge=0, description="The old secret also signs this long.")

    @field_validator("secret_key")
    @classmethod
    def _real_key(cls, value: str) -> str:
        refuse_placeholder(value, "secret_key")
        decode_key(value)
        return value
