"""HTTP schemas of the monitoring API: XCreate / XPublic. Reference data appear as enums."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from services.common.fields import IsoDate, JsonInt
from services.monitoring.domain import AlertStatus, CaseStatus, GrievanceStatus, Payer, RiskLevel, TaskStatus
from services.monitoring.reference import reference_data

_REF = reference_data()
if TYPE_CHECKING:
    Land: TypeAlias = str
    Signal: TypeAlias = str
    TerminationReason: TypeAlias = str
    ReturnReason: TypeAlias = str
    CostCategory: TypeAlias = str
    Currency: TypeAlias = str
    Holder: TypeAlias = str
    DocumentType: TypeAlias = str
    GrievanceCategory: TypeAlias = str
    GrievanceLanguage: TypeAlias = str
else:
    Land = Literal[_REF.lander]
    Signal = Literal[_REF.risk.signals]
    TerminationReason = Literal[_REF.termination_reasons]
    ReturnReason = Literal[_REF.return_reasons]
    CostCategory = Literal[_REF.cost_categories]
    Currency = Literal[tuple(sorted(_REF.rates.to_eur))]
    Holder = Literal[_REF.custody_holders]
    DocumentType = Literal[_REF.document_types]
    GrievanceCategory = Literal[_REF.grievance_categories]
    GrievanceLanguage = Literal[_REF.grievance_languages]

TaskName = Literal[
    "checkin", "address_registration", "residence_permit", "residence_permit_renewal", "probation_review",
    "replacement_search", "final_exam_retake", "orientation", "travel_insurance", "flight_booking",
    "bank_account", "health_insurance", "school_start", "training_start", "risk_review", "fair_recruitment_review",
    "grievance_acknowledgement",
]  # fmt: skip
Code = Field(min_length=1, max_length=40, pattern=r"^[A-Z][A-Z0-9_]*$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the journey's calls -------------------------------------------------------------------------------------


class PredepartureCreate(_In):
    """`contracts.activities.PredepartureRequest` without its idempotency key (that is the header)."""

    candidate_id: uuid.UUID
    employer_id: uuid.UUID
    training_starts_on: IsoDate | None = Field(default=None, description="The contract's start; tasks count back.")


class FollowUpTaskCreate(_In):
    """`contracts.activities.FollowUpTaskRequest` without its idempotency key (that is the header)."""

    candidate_id: uuid.UUID
    task: TaskName
    due_on: IsoDate
    employer_id: uuid.UUID | None = None


# --- casework ------------------------------------------------------------------------------------------------


class PredepartureUpdate(_In):
    orientation_on: IsoDate | None = Field(default=None, description="Day of the pre-departure orientation.")
    travel_insurance_on: IsoDate | None = Field(default=None, description="Day travel health insurance took effect.")
    flight_booked_on: IsoDate | None = Field(default=None, description="Day the flight was booked (employer pays).")
    planned_departure_on: IsoDate | None = None
    planned_arrival_on: IsoDate | None = Field(default=None, description="Before the training starts.")


class DepartureCreate(_In):
    departed_on: IsoDate


class ArrivalCreate(_In):
    arrived_on: IsoDate
    land: Land = Field(description="ISO 3166-2:DE code of the place of residence.")


class ArrivalStepCreate(_In):
    step: Literal[
        "address_registration", "bank_account", "health_insurance", "school_start", "training_start",
        "residence_permit_applied", "residence_permit_issued",
    ]  # fmt: skip
    done_on: IsoDate
    valid_until: IsoDate | None = Field(default=None, description="residence_permit_issued: last day of validity.")


class TaskDone(_In):
    outcome_code: str = Code
    done_on: IsoDate | None = Field(default=None, description="Default today.")


class CheckinCreate(_In):
    held_on: IsoDate
    signals: list[Signal] = Field(default_factory=list, max_length=6, description="Signals noted (codes only).")
    missed_school_days: JsonInt = Field(default=0, ge=0, le=200, description="Since the last check-in.")


class ProbationCreate(_In):
    passed_on: IsoDate


class TerminationCreate(_In):
    terminated_on: IsoDate = Field(description="Last day of the contract.")
    initiated_by: Literal["employer", "apprentice", "mutual"]
    reason_code: TerminationReason
    trainee_at_fault: StrictBool = Field(default=False, description="An officer's review follows if true.")


class ExamCreate(_In):
    exam: Literal["interim", "final"]
    taken_on: IsoDate
    passed: StrictBool


class AfterTrainingCreate(_In):
    outcome: Literal["job_search", "employed", "returned"]
    on: IsoDate
    same_employer: StrictBool | None = Field(default=None, description="employed: the training company hired.")
    reason_code: ReturnReason | None = Field(default=None, description="returned: why.")


class CostCreate(_In):
    candidate_id: uuid.UUID
    category: CostCategory
    amount_cents: JsonInt = Field(gt=0, le=10**10, description="Minor units.")
    currency: Currency
    payer: Payer = Field(description="`worker` raises a fair-recruitment alert (FR-01).")
    payee: str | None = Field(default=None, max_length=120, description="An organisation, never a person's name.")
    incurred_on: IsoDate


class AlertClose(_In):
    resolution: Literal["REIMBURSED", "DOCUMENT_RETURNED", "RECORDED_IN_ERROR"]
    closed_on: IsoDate
    reimbursement_cents: JsonInt | None = Field(default=None, gt=0, le=10**10, description="Default: the line.")
    reimbursement_currency: Currency | None = None
    reimbursed_by: Literal["employer", "programme"] | None = Field(default=None, description="Default: employer.")


class CustodyCreate(_In):
    document_type: DocumentType
    holder: Holder = Field(description="`employer` or `recruiter` raises an FR-06 alert.")
    recorded_on: IsoDate


class EarningsCreate(_In):
    month: IsoDate = Field(description="Any day of the first month in Germany.")
    gross_cents: JsonInt = Field(gt=0, le=10**9)
    currency: Currency = "EUR"


class GrievanceCreate(_In):
    candidate_id: uuid.UUID
    category: GrievanceCategory
    language: GrievanceLanguage = Field(description="Language the apprentice used: ar, fr or de.")
    summary: str = Field(min_length=1, max_length=4000, description="The account, for officers only; never published.")
    opened_on: IsoDate


class GrievanceMove(_In):
    status: Literal["acknowledged", "escalated", "resolved"]
    on: IsoDate
    resolution_code: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[A-Z][A-Z0-9_]*$")


# --- answers -------------------------------------------------------------------------------------------------


class FollowUpPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    candidate_id: uuid.UUID
    employer_id: uuid.UUID
    status: CaseStatus
    training_starts_on: date | None
    orientation_on: date | None
    travel_insurance_on: date | None
    flight_booked_on: date | None
    planned_departure_on: date | None
    planned_arrival_on: date | None
    predeparture_completed_on: date | None
    departed_on: date | None
    arrived_on: date | None
    land: str | None
    address_registered_on: date | None
    bank_account_on: date | None
    health_insurance_on: date | None
    school_start_on: date | None
    training_started_on: date | None
    permit_applied_on: date | None
    permit_issued_on: date | None
    permit_valid_until: date | None
    probation_passed_on: date | None
    risk_level: RiskLevel
    terminated_on: date | None
    interim_exam_on: date | None
    interim_exam_passed: bool | None
    final_exam_on: date | None
    final_exam_passed: bool | None
    completed_on: date | None
    job_search_started_on: date | None
    employed_on: date | None
    returned_on: date | None
    created_at: datetime | None
    updated_at: datetime | None


class FollowUpPage(BaseModel):
    items: list[FollowUpPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class TaskPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    candidate_id: uuid.UUID
    task: str
    due_on: date
    status: TaskStatus
    source: str
    done_on: date | None
    outcome_code: str | None


class TaskPage(BaseModel):
    items: list[TaskPublic]
    next_cursor: str | None


class CheckinPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    candidate_id: uuid.UUID
    held_on: date
    training_year: int
    risk_level: RiskLevel
    signals: list[str]
    missed_school_days: int


class CostPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    candidate_id: uuid.UUID
    source: str = Field(description="Which service recorded it: training, visa or monitoring.")
    category: str
    amount_cents: int
    currency: str
    rate_to_eur: float
    amount_eur_cents: int
    amount_mad_cents: int
    incurred_on: date
    payee: str | None
    payer: Payer
    reimburses: uuid.UUID | None


class CostPage(BaseModel):
    items: list[CostPublic]
    next_cursor: str | None
    worker_paid_eur_cents: int = Field(description="The candidate's worker-paid costs less reimbursements (EUR).")


class AlertPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    candidate_id: uuid.UUID
    rule: str
    cost_id: uuid.UUID | None
    custody_id: uuid.UUID | None
    status: AlertStatus
    raised_on: date
    closed_on: date | None
    resolution: str | None
    reimbursement_cost_id: uuid.UUID | None


class AlertPage(BaseModel):
    items: list[AlertPublic]
    next_cursor: str | None


class CustodyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    candidate_id: uuid.UUID
    document_type: str
    holder: str
    recorded_on: date
    recorded_by: str


class CustodyCreated(BaseModel):
    entry: CustodyPublic
    alert_raised: bool


class GrievancePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    candidate_id: uuid.UUID
    category: str
    language: str
    status: GrievanceStatus
    opened_on: date
    acknowledge_by: date
    resolve_by: date
    acknowledged_on: date | None
    escalated_on: date | None
    resolved_on: date | None
    resolution_code: str | None


class GrievanceDetail(GrievancePublic):
    summary: str = Field(description="The apprentice's account (officers only).")


class GrievancePage(BaseModel):
    items: list[GrievancePublic]
    next_cursor: str | None


class Indicator(BaseModel):
    """An indicator's figures with what they cover; a figure from fewer than 5 people reads suppressed."""

    indicator: str
    as_of: date
    filters: dict[str, str]
    people: dict[str, Any] = Field(description="How many people the selection holds (a figure, maybe suppressed).")
    figures: Any
