"""What case officers, the journey and the authorities' answers ask the visa service to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class OpenCase:
    candidate_id: uuid.UUID
    contract_id: uuid.UUID
    contract_version: int
    employer_id: uuid.UUID
    accelerated: bool
    planned_entry_on: date | None
    country: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class CancelCase:
    case_id: uuid.UUID
    reason_code: str
    candidate_id: uuid.UUID | None = None


@dataclass(frozen=True)
class UpdateItem:
    case_id: uuid.UUID
    code: str
    status: str
    reason_code: str | None = None
    passport_valid_until: date | None = None


@dataclass(frozen=True)
class AgreeAccelerated:
    case_id: uuid.UUID
    agreed_on: date
    authority: str
    fee_payer: str


@dataclass(frozen=True)
class RequestApproval:
    case_id: uuid.UUID
    contract_version: int
    candidate_id: uuid.UUID | None = None


@dataclass(frozen=True)
class DecideApproval:
    case_id: uuid.UUID
    attempt: int
    outcome: str  # granted | refused
    decided_on: date
    reason_code: str | None = None


@dataclass(frozen=True)
class DeemApproval:
    case_id: uuid.UUID
    attempt: int
    candidate_id: uuid.UUID | None = None


@dataclass(frozen=True)
class IssuePreapproval:
    case_id: uuid.UUID
    issued_on: date
    valid_until: date | None


@dataclass(frozen=True)
class BookAppointment:
    case_id: uuid.UUID
    appointment_at: datetime
    channel: str | None


@dataclass(frozen=True)
class Lodge:
    case_id: uuid.UUID
    lodged_on: date


@dataclass(frozen=True)
class Decide:
    case_id: uuid.UUID
    outcome: str  # granted | refused
    decided_on: date
    valid_from: date | None = None
    valid_until: date | None = None
    reason_code: str | None = None


@dataclass(frozen=True)
class FileCourtAction:
    case_id: uuid.UUID
    filed_on: date


@dataclass(frozen=True)
class Collect:
    case_id: uuid.UUID
    collected_on: date


@dataclass(frozen=True)
class RecordCost:
    case_id: uuid.UUID
    category: str
    amount_cents: int
    currency: str
    payer: str
    payee: str
    incurred_on: date
