"""Events published by the language-training service on `thamm.training`, keyed by candidate id."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

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


class LanguageModule(StrEnum):
    """The skills a certified exam tests; modular providers certify each on its own."""

    READING = "reading"
    LISTENING = "listening"
    WRITING = "writing"
    SPEAKING = "speaking"


class CostPayer(StrEnum):
    """Who pays a cost line. Never the candidate (fair recruitment, FR-01)."""

    PROGRAMME = "programme"
    EMPLOYER = "employer"


class CohortStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    ENDED = "ended"
    CANCELLED = "cancelled"


class CertificateStatus(StrEnum):
    """A certificate's verification with its provider."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    REJECTED = "rejected"


class ModuleResult(BaseModel):
    """One module's result at one sitting."""

    model_config = ConfigDict(frozen=True)

    module: LanguageModule
    score: float = Field(ge=0, description="Points obtained.")
    max_score: float = Field(gt=0, description="Points possible.")
    passed: bool


class _CandidateEvent(Event):
    TOPIC: ClassVar[str] = topics.TRAINING
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")


class _TrainingEvent(_CandidateEvent):
    cohort_id: str = Field(description="Language cohort the candidate is enrolled in.")


class Enrolled(_TrainingEvent):
    """The candidate was enrolled in a German language cohort."""

    TYPE: ClassVar[str] = event_type(_S, "enrolled")
    enrolment_id: UUID = Field(description="The enrolment record.")
    provider: str = Field(description="Language provider code, e.g. `goethe`, `telc`.")
    starts_on: date = Field(description="First day of the course (the cohort's start, not the enrolment's).")
    target_level: CefrLevel = Field(description="Level the course leads to (usually B1).")


class EnrolmentWaitlisted(_CandidateEvent):
    """No cohort had a free place in or near the candidate's region: the candidate waits for the next one."""

    TYPE: ClassVar[str] = event_type(_S, "enrolment_waitlisted")
    enrolment_id: UUID = Field(description="The enrolment record.")
    region: str = Field(description="Region code the candidate waits in.")
    target_level: CefrLevel = Field(description="Level sought.")
    waitlisted_on: date = Field(description="Day the candidate joined the waiting list.")


class EnrolmentCancelled(_CandidateEvent):
    """The enrolment was cancelled (the candidate withdrew from the programme: compensation)."""

    TYPE: ClassVar[str] = event_type(_S, "enrolment_cancelled")
    enrolment_id: UUID = Field(description="The enrolment record.")
    cohort_id: str | None = Field(default=None, description="The cohort, unless the candidate was still waiting.")
    cancelled_on: date = Field(description="Day of the cancellation.")
    reason_code: str = Field(description="Why, a code (e.g. `CANDIDATE_WITHDREW`).")


class AttendanceRecorded(_TrainingEvent):
    """A candidate's attendance over a period, for monitoring (sessions held and attended)."""

    TYPE: ClassVar[str] = event_type(_S, "attendance_recorded")
    enrolment_id: UUID = Field(description="The enrolment record.")
    period_start: date = Field(description="First day of the period.")
    period_end: date = Field(description="Last day of the period.")
    sessions_held: int = Field(ge=0, description="Sessions of the cohort in the period.")
    sessions_attended: int = Field(ge=0, description="Sessions the candidate attended.")
    attendance_rate: float = Field(ge=0, le=1, description="sessions_attended / sessions_held (1 when none held).")


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


class ExamRegistered(_TrainingEvent):
    """The candidate was registered for a certified exam; the fee is a cost line (never paid by the candidate)."""

    TYPE: ClassVar[str] = event_type(_S, "exam_registered")
    exam_id: UUID = Field(description="The exam sitting.")
    provider: str = Field(description="Exam provider code.")
    level: CefrLevel = Field(description="Level of the exam.")
    sitting_on: date = Field(description="Day of the sitting.")
    fee_amount: str = Field(pattern=r"^\d+(\.\d{1,2})?$", description="Fee, decimal text (e.g. `2300.00`).")
    fee_currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency, e.g. `MAD`.")
    fee_payer: CostPayer = Field(description="Who pays the fee.")


class ExamPassed(_TrainingEvent):
    """The requirement for the candidate's consulate and occupation is met: every module passed (at one sitting,
    or across sittings where the provider is modular), with an ALTE member's exam."""

    TYPE: ClassVar[str] = event_type(_S, "exam_passed")
    exam_id: UUID = Field(description="The sitting that completed the requirement.")
    level: CefrLevel = Field(description="Certified level, e.g. B1.")
    provider: str = Field(description="Certifying ALTE member, e.g. `goethe`.")
    certificate_id: UUID | None = Field(default=None, description="The certificate record, once recorded.")
    taken_on: date = Field(description="Exam date.")
    module_results: list[ModuleResult] = Field(default_factory=list, description="This sitting's results.")


class ExamFailed(_TrainingEvent):
    """The candidate failed a certified language exam; failed modules may be retaken."""

    TYPE: ClassVar[str] = event_type(_S, "exam_failed")
    exam_id: UUID = Field(description="The exam sitting.")
    level: CefrLevel = Field(description="Level attempted.")
    failed_skills: list[str] = Field(description="Modules still to pass: reading, listening, writing, speaking.")
    taken_on: date = Field(description="Exam date.")
    module_results: list[ModuleResult] = Field(default_factory=list, description="This sitting's results.")


class CertificateVerificationChanged(_CandidateEvent):
    """A certificate's verification with its provider: unverified, verified, or rejected as not genuine."""

    TYPE: ClassVar[str] = event_type(_S, "certificate_verification_changed")
    certificate_id: UUID = Field(description="The certificate record.")
    provider: str = Field(description="Issuing provider code.")
    level: CefrLevel = Field(description="Certified level.")
    status: CertificateStatus = Field(description="Verification status.")


class InterculturalModuleCompleted(_TrainingEvent):
    """The candidate completed the intercultural preparation module."""

    TYPE: ClassVar[str] = event_type(_S, "intercultural_module_completed")
    enrolment_id: UUID = Field(description="The enrolment record.")
    completed_on: date = Field(description="Day of completion.")


class CohortStatusChanged(Event):
    """A cohort was planned, started, ended or cancelled (keyed by cohort id; concerns no single candidate)."""

    TOPIC: ClassVar[str] = topics.TRAINING
    TYPE: ClassVar[str] = event_type(_S, "cohort_status_changed")
    KEY_FIELD: ClassVar[str] = "cohort_id"
    cohort_id: str = Field(description="The cohort.")
    provider: str = Field(description="Language provider code.")
    region: str = Field(description="Region code of the cohort's site.")
    status: CohortStatus = Field(description="New status.")
    starts_on: date = Field(description="First day of the course.")
    ends_on: date = Field(description="Last day of the course.")
    capacity: int = Field(ge=1, description="Places.")


class TrainingDroppedOut(_TrainingEvent):
    """The candidate left language training before the target level."""

    TYPE: ClassVar[str] = event_type(_S, "training_dropped_out")
    dropped_on: date = Field(description="Last day of participation.")
    reason_code: str = Field(description="Reason code from reference data, e.g. `ABSENCE`, `PERSONAL`.")


EVENTS: tuple[type[Event], ...] = (
    Enrolled,
    EnrolmentWaitlisted,
    EnrolmentCancelled,
    AttendanceRecorded,
    AttendanceBelowThreshold,
    LevelReached,
    ExamRegistered,
    ExamPassed,
    ExamFailed,
    CertificateVerificationChanged,
    InterculturalModuleCompleted,
    TrainingDroppedOut,
    CohortStatusChanged,
)
