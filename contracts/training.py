"""Events published by the language-training service on `thamm.training`, keyed by candidate id."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts import topics
from contracts.base import Event, event_type

_S = "training"


class CefrLevel(StrEnum):
    """Common European Framework of Reference levels."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"


class _TrainingEvent(Event):
    TOPIC: ClassVar[str] = topics.TRAINING
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")
    cohort_id: str = Field(description="Language cohort the candidate is enrolled in.")


class Enrolled(_TrainingEvent):
    """The candidate was enrolled in a German language cohort."""

    TYPE: ClassVar[str] = event_type(_S, "enrolled")
    enrolment_id: UUID = Field(description="The enrolment record.")
    provider: str = Field(description="Language provider code, e.g. `goethe`, `telc`.")
    starts_on: date = Field(description="First day of the course.")
    target_level: CefrLevel = Field(description="Level the course leads to (usually B1).")


class AttendanceBelowThreshold(_TrainingEvent):
    """Attendance over the last period fell below the programme threshold."""

    TYPE: ClassVar[str] = event_type(_S, "attendance_below_threshold")
    attendance_rate: float = Field(ge=0, le=1, description="Share of sessions attended in the period (0-1).")
    threshold: float = Field(ge=0, le=1, description="Programme threshold in force (0-1).")
    period_end: date = Field(description="Last day of the measured period.")


class LevelReached(_TrainingEvent):
    """The trainer recorded that the candidate reached a CEFR level in class (not yet certified)."""

    TYPE: ClassVar[str] = event_type(_S, "level_reached")
    level: CefrLevel = Field(description="Level reached.")
    reached_on: date = Field(description="Date of the assessment.")


class ExamPassed(_TrainingEvent):
    """The candidate passed a certified language exam (all modules required for the level)."""

    TYPE: ClassVar[str] = event_type(_S, "exam_passed")
    exam_id: UUID = Field(description="The exam sitting.")
    level: CefrLevel = Field(description="Certified level, e.g. B1.")
    provider: str = Field(description="Certifying ALTE member, e.g. `goethe`.")
    certificate_id: UUID = Field(description="Stored certificate document (content held by the training service).")
    taken_on: date = Field(description="Exam date.")


class ExamFailed(_TrainingEvent):
    """The candidate failed a certified language exam; failed modules may be retaken."""

    TYPE: ClassVar[str] = event_type(_S, "exam_failed")
    exam_id: UUID = Field(description="The exam sitting.")
    level: CefrLevel = Field(description="Level attempted.")
    failed_skills: list[str] = Field(description="Modules failed: reading, listening, writing, speaking.")
    taken_on: date = Field(description="Exam date.")


class TrainingDroppedOut(_TrainingEvent):
    """The candidate left language training before the target level."""

    TYPE: ClassVar[str] = event_type(_S, "training_dropped_out")
    dropped_on: date = Field(description="Last day of participation.")
    reason_code: str = Field(description="Reason code from reference data, e.g. `ABSENCE`, `PERSONAL`.")


EVENTS: tuple[type[Event], ...] = (
    Enrolled,
    AttendanceBelowThreshold,
    LevelReached,
    ExamPassed,
    ExamFailed,
    TrainingDroppedOut,
)
