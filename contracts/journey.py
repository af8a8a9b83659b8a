"""The journey: stages, workflow ids and task queue, workflow inputs, and the events the workflow publishes."""

from __future__ import annotations

from datetime import date, datetime
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


class JourneyParameters(BaseModel):
    """Programme parameters of the journey's deadlines (days); set per call, carried in the workflow input."""

    model_config = ConfigDict(frozen=True)

    b1_reminder_days: int = Field(default=182, ge=1, description="Reminder when B1 is not reached (6 months).")
    b1_due_days: int = Field(default=274, ge=1, description="B1 due after enrolment (9 months): escalation.")
    b1_max_days: int = Field(default=548, ge=1, description="Extensions may not go past this (18 months).")
    matching_due_days: int = Field(default=91, ge=1, description="A signed contract due after B1 (3 months).")
    contract_to_visa_due_days: int = Field(default=122, ge=1, description="Visa due after the contract (4 months).")
    address_registration_days: int = Field(default=14, ge=1, description="Address registration after arrival.")
    residence_permit_margin_days: int = Field(default=14, ge=0, description="Escalate this long before visa expiry.")
    permit_renewal_margin_days: int = Field(default=90, ge=0, description="Renew this long before the permit expires.")
    final_exam_retake_days: int = Field(
        default=365, ge=30, le=365, description="A failed final exam extends the training to the retake (§21(3) BBiG)."
    )
    probation_days: int = Field(default=120, ge=30, le=122, description="Probation (Probezeit): 1 to 4 months.")
    decision_window_days: int = Field(default=30, ge=1, description="Time an officer has to decide an escalation.")
    contract_correction_days: int = Field(
        default=28, ge=1, description="A corrected contract is due this long after a BA refusal (escalation)."
    )
    search_period_days: int = Field(default=182, ge=1, description="Search for a new place after termination.")
    checkin_interval_days: int = Field(default=91, ge=7, description="Follow-up check-ins during training.")
    checkin_monthly_days: int = Field(default=30, ge=7, description="Check-ins in the first months (front-loaded).")
    checkin_monthly_until_month: int = Field(
        default=10, ge=0, le=36, description="Months after arrival with monthly check-ins; then every interval."
    )
    training_days: int = Field(default=1096, ge=365, description="Length of the Ausbildung (3 years).")
    job_search_days: int = Field(
        default=365, ge=0, le=366, description="After completion, follow the job search this long (0: do not)."
    )
    matching_from_level: str | None = Field(
        default="B1",
        pattern=r"^(A1|A2|B1|B2|C1|C2)$",
        description="A class assessment (`level_reached`) at this level starts matching before the certificate "
        "(overlapping the end of the course); the visa still waits for the certificate. None: the certificate only.",
    )


class JourneyInput(BaseModel):
    """Input of ApprenticeJourneyWorkflow: ids and reference codes only, never personal data."""

    model_config = ConfigDict(frozen=True)

    candidate_id: UUID
    application_id: UUID
    region: str
    occupation_codes: list[str]
    parameters: JourneyParameters = Field(default_factory=JourneyParameters)


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
    """A journey deadline came near (reminder) or passed (escalation to a case officer for a decision)."""

    TOPIC: ClassVar[str] = topics.JOURNEY
    TYPE: ClassVar[str] = event_type("journey", "deadline_escalated")
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")
    workflow_id: str = Field(description="`journey-<candidate id>`.")
    deadline: str = Field(description="Deadline code, e.g. `B1_WITHIN_9_MONTHS`.")
    stage: str = Field(description="Stage the journey was in.")
    due_at: datetime = Field(description="When the deadline falls or fell due (UTC).")
    level: str = Field(default="escalation", description="`reminder` before the due date, `escalation` after.")
    reason_code: str | None = Field(
        default=None,
        description="For `REQUEST_REFUSED`: `<step>:<status>:<problem type>` of the service's refusal.",
    )


class _OfficerEvent(Event):
    """A case officer acted on a journey (published by the journey workflow, in order with its stages)."""

    TOPIC: ClassVar[str] = topics.JOURNEY
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")
    workflow_id: str = Field(description="`journey-<candidate id>`.")
    officer: str = Field(description="The acting case officer's token subject (a staff id, never a name).")
    reason_code: str = Field(description="Why, an ActionReason code.")
    acted_at: datetime = Field(description="Workflow time of the action (UTC).")
    stage: str = Field(description="Stage the journey was in.")


class JourneyHeld(_OfficerEvent):
    """Every deadline of the journey was paused (time on hold does not count towards them)."""

    TYPE: ClassVar[str] = event_type("journey", "journey_held")


class JourneyResumed(_OfficerEvent):
    """The journey resumed after a hold; open deadlines moved by the time spent on hold."""

    TYPE: ClassVar[str] = event_type("journey", "journey_resumed")
    held_days: float = Field(ge=0, description="How long the hold lasted, in days.")


class DeadlineExtended(_OfficerEvent):
    """A case officer gave more time on an open deadline."""

    TYPE: ClassVar[str] = event_type("journey", "deadline_extended")
    deadline: str = Field(description="Deadline code.")
    extended_by_days: int = Field(ge=1, description="Days added.")
    due_at: datetime = Field(description="The new due date (UTC).")


class JourneyRerouted(_OfficerEvent):
    """After a failed match: another matching round, or back to language training."""

    TYPE: ClassVar[str] = event_type("journey", "journey_rerouted")
    target: str = Field(description="`MATCHING` or `LANGUAGE_TRAINING`.")
    matching_round: int = Field(ge=1, description="The round now under way.")


class JourneyEndedByOfficer(_OfficerEvent):
    """A case officer ended the journey: an outcome after an escalation, or a withdrawal."""

    TYPE: ClassVar[str] = event_type("journey", "journey_ended_by_officer")
    outcome: str = Field(description="`TRAINING_FAILED`, `NOT_PLACED`, `DROPPED_OUT` or `WITHDRAWN`.")


EVENTS: tuple[type[Event], ...] = (
    StageChanged,
    DeadlineEscalated,
    JourneyHeld,
    JourneyResumed,
    DeadlineExtended,
    JourneyRerouted,
    JourneyEndedByOfficer,
)


# --- case officer actions (workflow updates) and what queries return -----------------------------------


class ActionReason(StrEnum):
    """Why a case officer acts on a journey. Codes only: a free-text note stays in the journey API's database,
    never in the workflow's history; no code names a health or other special-category reason."""

    CANDIDATE_REQUEST = "CANDIDATE_REQUEST"
    PERSONAL_CIRCUMSTANCES = "PERSONAL_CIRCUMSTANCES"
    EXAM_RESCHEDULED = "EXAM_RESCHEDULED"
    PROVIDER_DELAY = "PROVIDER_DELAY"
    AUTHORITY_DELAY = "AUTHORITY_DELAY"
    EMPLOYER_REQUEST = "EMPLOYER_REQUEST"
    DOCUMENTS_PENDING = "DOCUMENTS_PENDING"
    NO_SUITABLE_POSITION = "NO_SUITABLE_POSITION"
    LANGUAGE_LEVEL_INSUFFICIENT = "LANGUAGE_LEVEL_INSUFFICIENT"
    OTHER_OFFER = "OTHER_OFFER"
    NO_CONTACT = "NO_CONTACT"
    VISA_REFUSED = "VISA_REFUSED"
    OTHER = "OTHER"


class OfficerAction(BaseModel):
    """What every officer update carries: who acted (the verified subject) and why (a code)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    officer: str = Field(min_length=1, max_length=200, description="The acting case officer's token subject.")
    reason_code: ActionReason


class ExtendDeadline(OfficerAction):
    """Give more time on an open deadline."""

    deadline: str = Field(description="Deadline code, e.g. `B1_WITHIN_9_MONTHS`.")
    extend_by_days: int = Field(ge=1, le=365)


class WithdrawJourney(OfficerAction):
    """End the journey as WITHDRAWN (compensations run first)."""


#: The outcomes a case officer may decide that end someone's participation (never a timer's decision).
OFFICER_ENDINGS = (
    JourneyStage.TRAINING_FAILED,
    JourneyStage.NOT_PLACED,
    JourneyStage.DROPPED_OUT,
    JourneyStage.VISA_REFUSED,
)


class EndJourney(OfficerAction):
    """A case officer ends the journey with an outcome after an escalation (compensations run first)."""

    outcome: JourneyStage = Field(
        description="`TRAINING_FAILED`, `NOT_PLACED`, `DROPPED_OUT` or `VISA_REFUSED` (after a refusal with no new "
        "application and no court action)."
    )


class HoldJourney(OfficerAction):
    """Pause every deadline; facts are still recorded."""


class ResumeJourney(OfficerAction):
    """Resume after a hold; open deadlines move by the time spent on hold."""


class RerouteJourney(OfficerAction):
    """After a failed match: another matching round, or back to language training."""

    target: JourneyStage = Field(description="MATCHING (new round) or LANGUAGE_TRAINING.")


class DeadlineView(BaseModel):
    """An open deadline as operators and case officers see it."""

    code: str
    due_at: datetime
    reminder_at: datetime | None = None
    escalated_at: datetime | None = None
    decision_due_at: datetime | None = None
    extensions: int = 0
    lapse_outcome: str | None = Field(default=None, description="Terminal stage if the decision window passes.")
    max_due_at: datetime | None = Field(default=None, description="Extensions may not go past this.")
    reminded: bool = False


class StageEntry(BaseModel):
    """One stage the journey entered, with the workflow time and the fact (or action) that moved it."""

    stage: JourneyStage
    entered_at: datetime
    cause: str | None = None


class JourneyView(BaseModel):
    """Everything a query of the journey returns."""

    candidate_id: UUID
    stage: JourneyStage
    on_hold: bool
    history: list[StageEntry]
    deadlines: list[DeadlineView]
    cohort_id: str | None = None
    employer_id: str | None = None
    position_id: str | None = None
    consulate: str | None = None
    matching_round: int = 1


class JourneyResult(BaseModel):
    """How a journey ended."""

    candidate_id: UUID
    outcome: JourneyStage
    history: list[StageEntry]
    after_completion: str | None = Field(
        default=None,
        description="After COMPLETED: `EMPLOYED_AS_SKILLED_WORKER`, `RETURNED` or `NOT_REPORTED` (12 months passed).",
    )


# --- the journey's children: their ids, inputs and outcomes ------------------------------------------------


class VisaInput(BaseModel):
    candidate_id: UUID
    visa_case_id: UUID
    consulate: str
    accelerated: bool = False
    contract_id: UUID | None = Field(default=None, description="The contract a BA refusal asks to correct.")
    contract_version: int = Field(default=1, ge=1, description="The contract version the case was opened with.")
    employer_id: UUID | None = None
    parameters: JourneyParameters = Field(default_factory=JourneyParameters)


class VisaOutcome(BaseModel):
    granted: bool
    valid_until: str | None = None
    reason_code: str | None = None
    cancelled: bool = Field(default=False, description="The case was cancelled in the visa service.")
    steps: list[str] = Field(default_factory=list, description="Steps seen, in order (no personal data).")


class FollowUpInput(BaseModel):
    candidate_id: UUID
    employer_id: str | None
    arrived_on: date
    visa_valid_until: date | None = None
    parameters: JourneyParameters = Field(default_factory=JourneyParameters)
    occupation_codes: list[str] = Field(default_factory=list, description="What re-matching asks for.")
    matching_round: int = Field(default=1, ge=1, description="The journey's last matching round.")
    contract_starts_on: date | None = Field(default=None, description="Probation counts from the contract's start.")
    probation_months: int | None = Field(default=None, ge=1, le=4, description="The contract's probation (1-4).")
    training_ends_on: date | None = Field(default=None, description="The training's end as contracted.")
    # carried across continue-as-new
    run: int = 1
    started_at: datetime | None = None
    deadlines: list[DeadlineView] = Field(default_factory=list)
    next_checkin_at: datetime | None = None
    searching: bool = False
    seen: list[str] = Field(default_factory=list)


class FollowUpOutcome(BaseModel):
    outcome: JourneyStage
    reason: str
    employer_id: str | None = None
    completed_on: date | None = Field(default=None, description="The day of the final exam result (COMPLETED).")


def visa_workflow_id(candidate_id: UUID | str) -> str:
    return f"visa-{candidate_id}"


def follow_up_workflow_id(candidate_id: UUID | str) -> str:
    return f"follow-up-{candidate_id}"
