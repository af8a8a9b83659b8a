"""What trainers, case officers and the journey ask the training service to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from contracts.training import CefrLevel, CertificateStatus, CohortStatus, CostPayer, LanguageModule


@dataclass(frozen=True)
class PlanCohort:
    site: str
    starts_on: date
    weeks: int
    hours_per_week: int
    total_hours: int
    capacity: int
    target_level: CefrLevel
    trainers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangeCohort:
    cohort_id: str
    capacity: int | None = None
    trainers: tuple[str, ...] | None = None
    weeks: int | None = None


@dataclass(frozen=True)
class MoveCohort:
    cohort_id: str
    status: CohortStatus


@dataclass(frozen=True)
class EnrolCandidate:
    candidate_id: uuid.UUID
    occupation_code: str
    region: str
    target_level: CefrLevel
    consulate: str | None = None


@dataclass(frozen=True)
class CancelEnrolment:
    enrolment_id: uuid.UUID
    reason_code: str


@dataclass(frozen=True)
class Presence:
    enrolment_id: uuid.UUID
    present: bool


@dataclass(frozen=True)
class RecordSession:
    cohort_id: str
    held_on: date
    starts_at: str
    hours: float
    attendance: tuple[Presence, ...]


@dataclass(frozen=True)
class RecordLevel:
    enrolment_id: uuid.UUID
    level: CefrLevel
    reached_on: date


@dataclass(frozen=True)
class RegisterExam:
    enrolment_id: uuid.UUID
    provider: str
    level: CefrLevel
    sitting_on: date
    fee_amount: str
    fee_currency: str
    fee_payer: CostPayer


@dataclass(frozen=True)
class ModuleScore:
    module: LanguageModule
    score: float
    max_score: float
    passed: bool


@dataclass(frozen=True)
class RecordExamResults:
    exam_id: uuid.UUID
    results: tuple[ModuleScore, ...]


@dataclass(frozen=True)
class RecordCertificate:
    enrolment_id: uuid.UUID
    provider: str
    number: str
    level: CefrLevel
    issued_on: date


@dataclass(frozen=True)
class VerifyCertificate:
    certificate_id: uuid.UUID
    status: CertificateStatus


@dataclass(frozen=True)
class RecordDropout:
    enrolment_id: uuid.UUID
    dropped_on: date
    reason_code: str


@dataclass(frozen=True)
class RecordInterculturalModule:
    enrolment_id: uuid.UUID
    completed_on: date
