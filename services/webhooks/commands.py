"""What employers and case officers ask the webhooks service to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RegisterEndpoint:
    employer_id: uuid.UUID
    url: str
    event_types: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class ChangeEndpoint:
    endpoint_id: uuid.UUID
    url: str | None = None
    event_types: tuple[str, ...] | None = None
    description: str | None = None
    enabled: bool | None = None


@dataclass(frozen=True)
class Redeliver:
    delivery_id: uuid.UUID


@dataclass(frozen=True)
class Replay:
    endpoint_id: uuid.UUID
    since: datetime
