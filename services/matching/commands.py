"""What employers, case officers and the journey ask the matching service to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.matching.domain import ContractTerms, HousingSupport, InterviewMode, InterviewOutcome, Mobility


@dataclass(frozen=True)
class RegisterEmployer:
    name: str
    nace_code: str
    sites: tuple[dict[str, Any], ...]
    contacts: tuple[dict[str, Any], ...]
    agreement: dict[str, Any]
    intercultural_training: dict[str, Any] | None = None


@dataclass(frozen=True)
class ChangeEmployer:
    employer_id: uuid.UUID
    contacts: tuple[dict[str, Any], ...] | None = None
    agreement: dict[str, Any] | None = None
    intercultural_training: dict[str, Any] | None = None
    add_sites: tuple[dict[str, Any], ...] | None = None


@dataclass(frozen=True)
class CreateApiKey:
    employer_id: uuid.UUID
    name: str


@dataclass(frozen=True)
class RevokeApiKey:
    employer_id: uuid.UUID
    key_id: uuid.UUID


@dataclass(frozen=True)
class CreatePosition:
    employer_id: uuid.UUID
    site: str
    occupation_code: str
    places: int
    starts_on: date
    latest_start_on: date
    required_level: str
    monthly_pay_cents: tuple[int, ...]
    collective_agreement: bool
    weekly_hours: float
    housing_support: HousingSupport
    tariff_monthly_cents: tuple[int, ...] | None = None
    accelerated_procedure: bool = False


@dataclass(frozen=True)
class ChangePosition:
    position_id: uuid.UUID
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClosePosition:
    position_id: uuid.UUID
    reason_code: str


@dataclass(frozen=True)
class ReleasePosition:
    position_id: uuid.UUID
    candidate_id: uuid.UUID
    employer_id: uuid.UUID
    reason_code: str


@dataclass(frozen=True)
class ChangePreferences:
    candidate_id: uuid.UUID
    preferred_lands: tuple[str, ...] | None
    mobility: Mobility | None


@dataclass(frozen=True)
class RequestMatch:
    candidate_id: uuid.UUID
    occupation_codes: tuple[str, ...]
    round: int


@dataclass(frozen=True)
class Decide:
    match_request_id: uuid.UUID
    position_id: uuid.UUID
    decision: str
    reason_code: str


@dataclass(frozen=True)
class ScheduleInterview:
    shortlist_id: uuid.UUID
    scheduled_at: datetime
    mode: InterviewMode


@dataclass(frozen=True)
class RecordInterviewOutcome:
    interview_id: uuid.UUID
    outcome: InterviewOutcome


@dataclass(frozen=True)
class MakeOffer:
    shortlist_id: uuid.UUID
    expires_on: date


@dataclass(frozen=True)
class AnswerOffer:
    offer_id: uuid.UUID
    answer: str
    reason_code: str | None


@dataclass(frozen=True)
class WithdrawOffer:
    offer_id: uuid.UUID
    reason_code: str


@dataclass(frozen=True)
class DraftContract:
    offer_id: uuid.UUID
    terms: ContractTerms
    text_de: str
    text_translation: str
    translation_language: str


@dataclass(frozen=True)
class AmendContract:
    contract_id: uuid.UUID
    terms: ContractTerms | None
    text_de: str | None
    text_translation: str | None


@dataclass(frozen=True)
class ConfirmContract:
    contract_id: uuid.UUID
    no_repayment_clauses: bool
    pay_reference_checked: bool


@dataclass(frozen=True)
class AcknowledgeContract:
    contract_id: uuid.UUID
    version: int
    contract_sha256: str
    acknowledged_on: date


@dataclass(frozen=True)
class SignContract:
    contract_id: uuid.UUID


@dataclass(frozen=True)
class CancelContract:
    contract_id: uuid.UUID
    reason_code: str
    cancelled_on: date


@dataclass(frozen=True)
class RequestCorrection:
    contract_id: uuid.UUID
    reason_code: str
    candidate_id: uuid.UUID | None = None


@dataclass(frozen=True)
class RegisterContract:
    contract_id: uuid.UUID
    registration: str
    reference: str
    registered_on: date
