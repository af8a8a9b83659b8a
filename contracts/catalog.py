"""The full event catalog: every published event type, looked up by its CloudEvents type."""

from __future__ import annotations

from contracts import applications, journey, matching, monitoring, training, visa
from contracts.base import Event

ALL_EVENTS: tuple[type[Event], ...] = (
    *applications.EVENTS,
    *training.EVENTS,
    *matching.EVENTS,
    *visa.EVENTS,
    *monitoring.EVENTS,
    *journey.EVENTS,
)

CATALOG: dict[str, type[Event]] = {cls.TYPE: cls for cls in ALL_EVENTS}

if len(CATALOG) != len(ALL_EVENTS):  # pragma: no cover - guards against a copy-pasted TYPE
    raise RuntimeError("two events share a CloudEvents type")


class UnknownEventType(LookupError):
    """The type is not in the catalog (a producer is newer than this reader, or the message is foreign)."""


def event_class(type_: str) -> type[Event]:
    """The model class of a CloudEvents type."""
    try:
        return CATALOG[type_]
    except KeyError:
        raise UnknownEventType(type_) from None
