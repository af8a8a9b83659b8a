"""The event types employers can subscribe to, with an example payload each (the published list)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

from contracts import topics
from contracts.catalog import ALL_EVENTS
from contracts.examples import sample_event
from services.webhooks.domain import NOT_DELIVERED, TEST_EVENT, payload

TOPICS = (topics.MATCHING, topics.VISA, topics.MONITORING, topics.JOURNEY)


@cache
def event_types() -> dict[str, dict[str, Any]]:
    """Type -> description and example body, for every catalog event that names an employer."""
    found: dict[str, dict[str, Any]] = {}
    for cls in ALL_EVENTS:
        if cls.TOPIC not in TOPICS or "employer_id" not in cls.model_fields or cls.TYPE in NOT_DELIVERED:
            continue
        data = sample_event(cls).model_dump(mode="json")
        example = payload(cls.TYPE, str(uuid.UUID(int=1)), datetime(2027, 8, 1, 9, 0, tzinfo=UTC), data)
        found[cls.TYPE] = {"description": (cls.__doc__ or "").strip().split("\n")[0], "example": example}
    found[TEST_EVENT] = {
        "description": "A test event sent on request (POST /v1/endpoints/{id}/test); always delivered.",
        "example": payload(TEST_EVENT, str(uuid.UUID(int=2)), datetime(2027, 8, 1, 9, 0, tzinfo=UTC), {"test": True}),
    }
    return found
