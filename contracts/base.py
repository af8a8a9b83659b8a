"""Base of every integration event: frozen, tolerant to unknown fields, routed by its class attributes."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """A fact one service publishes. Subclasses set TYPE, TOPIC and, if not per candidate, KEY_FIELD."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]
    KEY_FIELD: ClassVar[str] = "candidate_id"

    def key(self) -> str:
        """The Kafka record key and CloudEvents partitionkey: candidate id, or employer id for employer events."""
        return str(getattr(self, self.KEY_FIELD))

    def subject(self) -> str | None:
        """The CloudEvents subject: the candidate id where the event concerns a candidate."""
        value = getattr(self, "candidate_id", None)
        return str(value) if value is not None else None


def event_type(service: str, name: str, version: int = 1) -> str:
    """`thamm.<service>.<event>.v<N>`."""
    return f"thamm.{service}.{name}.v{version}"
