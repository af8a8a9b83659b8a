"""What case officers, follow-up staff and the journey ask the monitoring service to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class StartPredeparture:
    candidate_id: uuid.UUID
    employer_id: uuid.UUID
    training_starts_on: date | None


@dataclass(frozen=True)
class RecordPredeparture:
    candidate_id: uuid.UUID
    orientation_on: date | None = None
    travel_insurance_on: date | None = None
    flight_booked_on: date | None = None
    planned_departure_on: date | None = None
    planned_arrival_on: date | None = None


@dataclass(frozen=True)
class RecordDeparture:
    candidate_id: uuid.UUID
    departed_on: date


@dataclass(frozen=True)
class ConfirmArrival:
    candidate_id: uuid.UUID
    arrived_on: date
    land: str


@dataclass(frozen=True)
class RecordArrivalStep:
    candidate_id: uuid.UUID
    step: str
    done_on: date
    valid_until: date | None = None


@dataclass(frozen=True)
class CreateTask:
    candidate_id: uuid.UUID
    task: str
    due_on: date
    employer_id: uuid.UUID | None
    source: str = "journey"


@dataclass(frozen=True)
class CompleteTask:
    task_id: uuid.UUID
    outcome_code: str
    done_on: date


@dataclass(frozen=True)
class RecordCheckin:
    candidate_id: uuid.UUID
    held_on: date
    signals: tuple[str, ...]
    missed_school_days: int


@dataclass(frozen=True)
class RecordProbation:
    candidate_id: uuid.UUID
    passed_on: date


@dataclass(frozen=True)
class RecordTermination:
    candidate_id: uuid.UUID
    terminated_on: date
    initiated_by: str
    reason_code: str
    trainee_at_fault: bool


@dataclass(frozen=True)
class RecordExam:
    candidate_id: uuid.UUID
    exam: str
    taken_on: date
    passed: bool


@dataclass(frozen=True)
class RecordAfterTraining:
    candidate_id: uuid.UUID
    outcome: str  # job_search | employed | returned
    on: date
    same_employer: bool | None = None
    reason_code: str | None = None


@dataclass(frozen=True)
class RecordCost:
    candidate_id: uuid.UUID
    category: str
    amount_cents: int
    currency: str
    payer: str
    payee: str | None
    incurred_on: date
    reimburses: uuid.UUID | None = None


@dataclass(frozen=True)
class CloseAlert:
    alert_id: uuid.UUID
    resolution: str
    closed_on: date
    reimbursement_cents: int | None = None
    reimbursement_currency: str | None = None
    reimbursed_by: str | None = None


@dataclass(frozen=True)
class RecordCustody:
    candidate_id: uuid.UUID
    document_type: str
    holder: str
    recorded_on: date


@dataclass(frozen=True)
class RecordEarnings:
    candidate_id: uuid.UUID
    month: date
    gross_cents: int
    currency: str


@dataclass(frozen=True)
class OpenGrievance:
    candidate_id: uuid.UUID
    category: str
    language: str
    summary: str
    opened_on: date


@dataclass(frozen=True)
class MoveGrievance:
    grievance_id: uuid.UUID
    status: str
    on: date
    resolution_code: str | None = None
