"""HTTP schemas of the webhooks API: XCreate / XUpdate / XPublic."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from services.common.fields import SINGLE_LINE, IsoDateTime
from services.webhooks.catalog import event_types
from services.webhooks.domain import DeliveryStatus, EndpointStatus

if TYPE_CHECKING:
    EventType: TypeAlias = str
else:
    EventType = Literal[tuple(event_types())]

Url = Annotated[
    str,
    StringConstraints(
        max_length=2000,
        pattern=r"^(https://[A-Za-z0-9.-]+|http://(127\.0\.0\.1|localhost))(:[0-9]{1,5})?(/[\x21-\x7e]*)?$",
    ),
]
Description = Annotated[str, StringConstraints(max_length=200, pattern=SINGLE_LINE)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EventTypePublic(BaseModel):
    type: str
    description: str
    example: dict[str, Any] = Field(description="A body as the endpoint receives it.")


class EventTypeList(BaseModel):
    items: list[EventTypePublic]


class EndpointCreate(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "employer_id": "7f1c2b9e-8d3a-4b8e-9a51-2f0f6c1d2e3a",
                    "url": "https://hr.example.de/thamm/webhooks",
                    "event_types": ["thamm.matching.offer_accepted.v1", "thamm.matching.contract_signed.v1"],
                    "description": "HR system",
                }
            ]
        },
    )

    employer_id: uuid.UUID = Field(description="The employer (an employer caller may only name itself).")
    url: Url = Field(description="HTTPS; plain http only for 127.0.0.1 or localhost in local mode.")
    event_types: list[EventType] = Field(min_length=1, max_length=60)
    description: Description = ""


class EndpointUpdate(_In):
    url: Url | None = None
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=60)
    description: Description | None = None
    enabled: StrictBool | None = Field(default=None, description="false stops deliveries; true resumes them.")


class EndpointPublic(BaseModel):
    id: uuid.UUID
    employer_id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    status: EndpointStatus
    disabled_reason: str | None = Field(description="`GONE`, `FAILING` or `BY_EMPLOYER` when disabled.")
    failing_since: datetime | None
    previous_secret_until: datetime | None = Field(description="Until then the old secret also signs.")
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointPublic):
    secret: str = Field(description="The signing secret (`whsec_...`): shown this once; store it safely.")


class EndpointPage(BaseModel):
    items: list[EndpointPublic]
    next_cursor: str | None = None


class AttemptPublic(BaseModel):
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float
    response_excerpt: str | None


class DeliveryPublic(BaseModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    msg_id: str = Field(description="The `webhook-id` header: the same on every retry and redelivery.")
    event_id: str
    event_type: str
    occurred_at: datetime
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryDetail(DeliveryPublic):
    body: str = Field(description="The body exactly as sent (and signed).")
    attempt_log: list[AttemptPublic]


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    next_cursor: str | None = None


class ReplayCreate(_In):
    since: IsoDateTime = Field(description="Deliveries created at or after this time are sent again.")


class ReplayPublic(BaseModel):
    replayed: int


__all__ = ["DeliveryStatus", "EndpointStatus"]
