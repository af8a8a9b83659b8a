"""Events published by the monitoring (follow-up) service on `thamm.monitoring`, keyed by candidate id."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts import topics
from contracts.base import Event, event_type

_S = "monitoring"


class _MonitoringEvent(Event):
    TOPIC: ClassVar[str] = topics.MONITORING
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")
    employer_id: UUID | None = Field(default=None, description="The training company concerned, if any (webhooks).")


class _CaseworkEvent(Event):
    """Casework facts that are not delivered to employers (no `employer_id`)."""

    TOPIC: ClassVar[str] = topics.MONITORING
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")


class PredepartureCompleted(_MonitoringEvent):
    """Pre-departure orientation, insurance and travel arrangements are complete."""

    TYPE: ClassVar[str] = event_type(_S, "predeparture_completed")
    completed_on: date = Field(description="Date the last pre-departure task was done.")
    departure_on: date = Field(description="Planned departure date.")


class ArrivalConfirmed(_MonitoringEvent):
    """The apprentice arrived in Germany."""

    TYPE: ClassVar[str] = event_type(_S, "arrival_confirmed")
    arrived_on: date = Field(description="Arrival date; the 14-day address registration deadline runs from it.")
    land: str = Field(description="ISO 3166-2:DE code of the place of residence.")


class CheckinRecorded(_MonitoringEvent):
    """A follow-up check-in with the apprentice was recorded."""

    TYPE: ClassVar[str] = event_type(_S, "checkin_recorded")
    checkin_id: UUID = Field(description="The check-in.")
    training_year: int = Field(ge=1, le=4, description="Training year the check-in falls in.")
    risk_level: str = Field(description="`low`, `medium` or `high`, as assessed by the follow-up officer.")
    held_on: date | None = Field(default=None, description="Day of the check-in.")
    signals: list[str] = Field(
        default_factory=list,
        description="Signal codes noted (`MISSED_SCHOOL_DAYS`, `CONFLICT`, `PAY`, `HOUSING`, `ISOLATION`, `PERMIT`).",
    )


class PlacementAtRisk(_MonitoringEvent):
    """A dropout signal crossed its threshold (missed school days, conflict, pay, housing, permit)."""

    TYPE: ClassVar[str] = event_type(_S, "placement_at_risk")
    signal: str = Field(description="Signal code, e.g. `MISSED_SCHOOL_DAYS`, `PERMIT_EXPIRY`.")
    severity: str = Field(description="`medium` or `high`.")


class ProbationPassed(_MonitoringEvent):
    """The probation period (Probezeit) ended with the training contract in force."""

    TYPE: ClassVar[str] = event_type(_S, "probation_passed")
    employer_id: UUID = Field(description="The training company.")
    passed_on: date = Field(description="Last day of probation.")


class TrainingTerminated(_MonitoringEvent):
    """The training contract ended early; the 6-month search period may start (§16a(4) AufenthG)."""

    TYPE: ClassVar[str] = event_type(_S, "training_terminated")
    employer_id: UUID = Field(description="The training company.")
    terminated_on: date = Field(description="Last day of the contract.")
    initiated_by: str = Field(description="`employer`, `apprentice` or `mutual`.")
    trainee_at_fault: bool = Field(description="True if the termination is the trainee's fault (no search period).")
    during_probation: bool = Field(description="True if it ended during the probation period.")
    reason_code: str | None = Field(default=None, description="Why it ended, e.g. `PERFORMANCE`, `CONFLICT`, `HEALTH`.")


class TrainingCompleted(_MonitoringEvent):
    """The apprentice completed the Ausbildung."""

    TYPE: ClassVar[str] = event_type(_S, "training_completed")
    completed_on: date = Field(description="Date of the final exam result.")
    final_exam_passed: bool = Field(description="True if the final (journeyman) exam was passed.")


class JobSearchStarted(_MonitoringEvent):
    """After completing the Ausbildung the graduate looks for a skilled job (the permit allows up to 12 months)."""

    TYPE: ClassVar[str] = event_type(_S, "job_search_started")
    started_on: date = Field(description="First day of the search.")


class EmployedAsSkilledWorker(_MonitoringEvent):
    """The graduate took up skilled employment (residence permit for skilled workers, §18a AufenthG)."""

    TYPE: ClassVar[str] = event_type(_S, "employed_as_skilled_worker")
    employed_on: date = Field(description="First day of the employment.")
    same_employer: bool = Field(description="True if the training company employs the graduate.")


class Returned(_MonitoringEvent):
    """The graduate (or a participant) returned to Morocco."""

    TYPE: ClassVar[str] = event_type(_S, "returned")
    returned_on: date = Field(description="Day of the return.")
    reason_code: str = Field(description="e.g. `PLANNED_RETURN`, `NO_JOB_FOUND`, `FAMILY`.")


class CostRecorded(_CaseworkEvent):
    """A recruitment cost line was recorded with its payer (fair recruitment, SDG 10.7.1)."""

    TYPE: ClassVar[str] = event_type(_S, "cost_recorded")
    cost_id: UUID = Field(description="The cost line.")
    category: str = Field(description="`travel`, `visa`, `test`, `medical`, `training`, `documents`, `other`.")
    amount_cents: int = Field(ge=0, description="Amount in minor units.")
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 currency code.")
    payer: str = Field(description="`employer`, `programme` or `worker` (a worker-paid line is an alert).")
    payee: str | None = Field(default=None, description="Who was paid (an organisation, never a person's name).")
    incurred_on: date | None = Field(default=None, description="Day the cost arose.")
    amount_eur_cents: int | None = Field(default=None, ge=0, description="The amount in euro cents at the day's rate.")
    reimburses: UUID | None = Field(default=None, description="The worker-paid line this one pays back.")


EVENTS: tuple[type[Event], ...] = (
    PredepartureCompleted,
    ArrivalConfirmed,
    CheckinRecorded,
    PlacementAtRisk,
    ProbationPassed,
    TrainingTerminated,
    TrainingCompleted,
    JobSearchStarted,
    EmployedAsSkilledWorker,
    Returned,
    CostRecorded,
)


class AddressRegistered(_MonitoringEvent):
    """The apprentice registered their address (Anmeldung), due within 14 days of arrival."""

    TYPE: ClassVar[str] = event_type(_S, "address_registered")
    registered_on: date = Field(description="Date of the registration.")


class ResidencePermitApplied(_MonitoringEvent):
    """The apprentice applied for the residence permit before the visa expired (the visa deadline is met)."""

    TYPE: ClassVar[str] = event_type(_S, "residence_permit_applied")
    applied_on: date = Field(description="Date of the application at the foreigners authority.")


class ResidencePermitIssued(_MonitoringEvent):
    """The foreigners authority issued the residence permit; it must come before the visa expires."""

    TYPE: ClassVar[str] = event_type(_S, "residence_permit_issued")
    issued_on: date = Field(description="Date of issue.")
    valid_until: date = Field(description="Last day of validity (renewal follow-up).")


EVENTS = (*EVENTS, AddressRegistered, ResidencePermitApplied, ResidencePermitIssued)


class Departed(_MonitoringEvent):
    """The apprentice left Morocco (the actual day; the for-work migration flow counts it)."""

    TYPE: ClassVar[str] = event_type(_S, "departed")
    departed_on: date = Field(description="Day of departure.")


class ArrivalStepRecorded(_MonitoringEvent):
    """One of the first weeks' steps was done (bank account, statutory health insurance, vocational school)."""

    TYPE: ClassVar[str] = event_type(_S, "arrival_step_recorded")
    step: str = Field(description="`bank_account`, `health_insurance` or `school_start`.")
    done_on: date = Field(description="Day the step was done.")


class TrainingStarted(_MonitoringEvent):
    """The Ausbildung began: the apprentice's first day at the training company (the journey is IN_TRAINING)."""

    TYPE: ClassVar[str] = event_type(_S, "training_started")
    started_on: date = Field(description="First day of the training.")


class ExamResultRecorded(_MonitoringEvent):
    """An interim or final exam of the Ausbildung (chamber exam) was taken; the final one also completes it."""

    TYPE: ClassVar[str] = event_type(_S, "exam_result_recorded")
    exam: str = Field(description="`interim` or `final`.")
    taken_on: date = Field(description="Day of the exam (the result's date).")
    passed: bool = Field(description="True if passed.")


class FairRecruitmentAlert(_CaseworkEvent):
    """A fair-recruitment rule was broken (FR-01 a worker-paid cost, FR-06 a document held by an employer)."""

    TYPE: ClassVar[str] = event_type(_S, "fair_recruitment_alert")
    alert_id: UUID = Field(description="The alert.")
    rule: str = Field(description="`FR-01` or `FR-06`.")
    raised_on: date = Field(description="Day the cost or custody was recorded.")
    cost_id: UUID | None = Field(default=None, description="The worker-paid cost line (FR-01).")


class FairRecruitmentAlertClosed(_CaseworkEvent):
    """An alert was closed: the worker was reimbursed (FR-01), the document returned (FR-06)."""

    TYPE: ClassVar[str] = event_type(_S, "fair_recruitment_alert_closed")
    alert_id: UUID = Field(description="The alert.")
    closed_on: date = Field(description="Day of the reimbursement or the return.")
    resolution: str = Field(description="`REIMBURSED`, `DOCUMENT_RETURNED` or `RECORDED_IN_ERROR`.")


class DocumentCustodyRecorded(_CaseworkEvent):
    """Who holds an identity document now (FR-06: never an employer or a recruiter)."""

    TYPE: ClassVar[str] = event_type(_S, "document_custody_recorded")
    document_type: str = Field(description="`PASSPORT`, `CNIE`, `RES_PERMIT`, ... (the type, never the number).")
    holder: str = Field(description="`apprentice`, `programme`, `authority`, `employer` or `recruiter`.")
    recorded_on: date = Field(description="Day the document changed hands.")


class GrievanceUpdated(_CaseworkEvent):
    """A grievance (FR-07) was opened, acknowledged, escalated or resolved. No story text, only codes."""

    TYPE: ClassVar[str] = event_type(_S, "grievance_updated")
    grievance_id: UUID = Field(description="The grievance.")
    status: str = Field(description="`open`, `acknowledged`, `escalated` or `resolved`.")
    category: str = Field(description="`PAY`, `WORKING_TIME`, `TREATMENT`, `HOUSING`, `FEES`, `DOCUMENTS`, `OTHER`.")
    changed_on: date = Field(description="Day of the change.")
    acknowledge_by: date | None = Field(default=None, description="Deadline for the acknowledgement.")


class FirstMonthEarningsRecorded(_CaseworkEvent):
    """The gross pay of the first month in Germany (SDG 10.7.1's denominator); reported pay replaces the contract's."""

    TYPE: ClassVar[str] = event_type(_S, "first_month_earnings_recorded")
    month: date = Field(description="First day of the month.")
    gross_cents: int = Field(ge=0, description="Gross pay in minor units.")
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 currency code.")
    source: str = Field(description="`contract` or `reported`.")


EVENTS = (
    *EVENTS,
    Departed,
    ArrivalStepRecorded,
    TrainingStarted,
    ExamResultRecorded,
    FairRecruitmentAlert,
    FairRecruitmentAlertClosed,
    DocumentCustodyRecorded,
    GrievanceUpdated,
    FirstMonthEarningsRecorded,
)
