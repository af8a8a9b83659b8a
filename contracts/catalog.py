"""The full event catalog: every published event type, looked up by its CloudEvents type."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts import applications, journey, matching, monitoring, topics, training, visa, webhooks
from contracts.base import Event

ALL_EVENTS: tuple[type[Event], ...] = (
    *applications.EVENTS,
    *training.EVENTS,
    *matching.EVENTS,
    *visa.EVENTS,
    *monitoring.EVENTS,
    *journey.EVENTS,
    *webhooks.EVENTS,
)

CATALOG: dict[str, type[Event]] = {cls.TYPE: cls for cls in ALL_EVENTS}

if len(CATALOG) != len(ALL_EVENTS):  # pragma: no cover - guards against a copy-pasted TYPE
    raise RuntimeError("two events share a CloudEvents type")


#: Topics whose service has shipped on main, with the time of the release: their event types are released,
#: and from then on a released type only changes compatibly (a breaking change is a new `.v2` type). The
#: schema committed last before that time is the released one. Types of the other topics are still being
#: designed with their service and may change in place; add the topic here when the service ships.
RELEASED_TOPICS: dict[str, datetime] = {
    topics.APPLICATIONS: datetime(2026, 1, 1, tzinfo=UTC),
    topics.JOURNEY: datetime(2026, 1, 1, tzinfo=UTC),
    topics.TRAINING: datetime(2026, 11, 29, 20, 0, tzinfo=UTC),
    topics.MATCHING: datetime(2026, 11, 29, 22, 0, tzinfo=UTC),
    topics.WEBHOOKS: datetime(2026, 11, 29, 22, 0, tzinfo=UTC),
    topics.VISA: datetime(2026, 11, 30, 0, 30, tzinfo=UTC),
    topics.MONITORING: datetime(2026, 11, 30, 2, 45, tzinfo=UTC),
}


def is_released(type_: str) -> bool:
    """Whether the event type is released (its schema is held to the compatibility rules)."""
    cls = CATALOG.get(type_)
    return cls is not None and cls.TOPIC in RELEASED_TOPICS


def released_at(type_: str) -> datetime | None:
    """When the event type's topic was released (None: not released)."""
    cls = CATALOG.get(type_)
    return RELEASED_TOPICS.get(cls.TOPIC) if cls is not None else None


class UnknownEventType(LookupError):
    """The type is not in the catalog (a producer is newer than this reader, or the message is foreign)."""


def event_class(type_: str) -> type[Event]:
    """The model class of a CloudEvents type."""
    try:
        return CATALOG[type_]
    except KeyError:
        raise UnknownEventType(type_) from None
