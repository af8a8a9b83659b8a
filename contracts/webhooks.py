"""Events published by the webhooks service on `thamm.webhooks`, keyed by employer id."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts import topics
from contracts.base import Event, event_type

_S = "webhooks"


class EndpointDisabled(Event):
    """An employer's webhook endpoint was disabled: it answered 410 Gone, or failed for days.

    The employer is told by this event (and the endpoint's status) and re-enables it once fixed."""

    TOPIC: ClassVar[str] = topics.WEBHOOKS
    KEY_FIELD: ClassVar[str] = "employer_id"
    TYPE: ClassVar[str] = event_type(_S, "endpoint_disabled")
    employer_id: UUID = Field(description="The employer.")
    endpoint_id: UUID = Field(description="The endpoint.")
    reason_code: str = Field(description="`GONE` (410 answered) or `FAILING` (no success for days).")
    failing_since: datetime | None = Field(default=None, description="First failure of the current run (UTC).")


EVENTS: tuple[type[Event], ...] = (EndpointDisabled,)
