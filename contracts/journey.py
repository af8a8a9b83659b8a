"""The journey: stages, workflow ids and task queue, workflow inputs, and the events the workflow publishes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.base import Event, event_type

TASK_QUEUE = "journey"
WORKFLOW_ID_PREFIX = "journey-"


class JourneyStage(StrEnum):
    """Stage of an apprentice's journey, kept in the `JourneyStage` search attribute."""

    SUBMITTED = "SUBMITTED"
    PRESELECTED = "PRESELECTED"
    LANGUAGE_TRAINING = "LANGUAGE_TRAINING"
    MATCHING = "MATCHING"
    CONTRACT_SIGNED = "CONTRACT_SIGNED"
    VISA = "VISA"
    PRE_DEPARTURE = "PRE_DEPARTURE"
    ARRIVED = "ARRIVED"
    IN_TRAINING = "IN_TRAINING"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"
    TRAINING_FAILED = "TRAINING_FAILED"
    NOT_PLACED = "NOT_PLACED"
    VISA_REFUSED = "VISA_REFUSED"
    DROPPED_OUT = "DROPPED_OUT"


TERMINAL_STAGES = frozenset(
    {
        JourneyStage.COMPLETED,
        JourneyStage.REJECTED,
        JourneyStage.WITHDRAWN,
        JourneyStage.TRAINING_FAILED,
        JourneyStage.NOT_PLACED,
        JourneyStage.VISA_REFUSED,
        JourneyStage.DROPPED_OUT,
    }
)


def journey_workflow_id(candidate_id: UUID | str) -> str:
    """`journey-<candidate id>`: a business id, so a redelivered event cannot start a second run."""
    return f"{WORKFLOW_ID_PREFIX}{UUID(str(candidate_id))}"


class JourneyInput(BaseModel):
    """Input of ApprenticeJourneyWorkflow: ids and reference codes only, never personal data."""

    model_config = ConfigDict(frozen=True)

    candidate_id: UUID
    application_id: UUID
    region: str
    occupation_codes: list[str]


class JourneyFact(BaseModel):
    """A catalog event as the bridge hands it to the workflow (signal argument)."""

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(description="CloudEvents id; the workflow ignores a fact it has already applied.")
    event_type: str = Field(description="CloudEvents type, e.g. `thamm.training.exam_passed.v1`.")
    occurred_at: datetime
    data: dict[str, object] = Field(description="The event's JSON payload (ids and codes only).")


class StageChanged(Event):
    """The journey moved from one stage to another (published by the journey workflow)."""

    TOPIC: ClassVar[str] = topics.JOURNEY
    TYPE: ClassVar[str] = event_type("journey", "stage_changed")
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")
    workflow_id: str = Field(description="`journey-<candidate id>`.")
    from_stage: str | None = Field(description="Previous stage; null when the journey starts.")
    to_stage: str = Field(description="New stage (JourneyStage value).")
    changed_at: datetime = Field(description="Workflow time of the change (UTC).")


class DeadlineEscalated(Event):
    """A journey deadline passed and was escalated to a case officer for a decision."""

    TOPIC: ClassVar[str] = topics.JOURNEY
    TYPE: ClassVar[str] = event_type("journey", "deadline_escalated")
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")
    workflow_id: str = Field(description="`journey-<candidate id>`.")
    deadline: str = Field(description="Deadline code, e.g. `B1_WITHIN_9_MONTHS`.")
    stage: str = Field(description="Stage the journey was in.")
    due_at: datetime = Field(description="When the deadline fell due (UTC).")


EVENTS: tuple[type[Event], ...] = (StageChanged, DeadlineEscalated)
