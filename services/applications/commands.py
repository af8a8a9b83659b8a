"""What case officers ask the applications service to do, as imperative commands that know nothing of HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.applications.domain import ConsentPurpose, Decision, Diploma, EducationLevel, ReviewDecision, Sex


@dataclass(frozen=True)
class CandidateDetails:
    """A candidate as registered; ID numbers in clear only until the use case encrypts them."""

    first_name: str
    last_name: str
    date_of_birth: date
    sex: Sex
    nationality: str
    country_of_residence: str
    region: str
    city: str
    phone: str
    national_id_number: str
    education_level: EducationLevel
    first_name_ar: str | None = None
    last_name_ar: str | None = None
    email: str | None = None
    passport_number: str | None = None
    passport_expiry: date | None = None
    diploma: Diploma | None = None
    languages: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class ChangeConsents:
    application_id: uuid.UUID
    consents: tuple[GiveConsent, ...]


@dataclass(frozen=True)
class GiveConsent:
    purpose: ConsentPurpose
    granted: bool
    text_version: str
    language: str


@dataclass(frozen=True)
class CreateApplication:
    candidate: CandidateDetails
    occupation_codes: tuple[str, ...]
    consents: tuple[GiveConsent, ...] = ()


@dataclass(frozen=True)
class UpdateDraft:
    application_id: uuid.UUID
    candidate_changes: dict[str, Any] = field(default_factory=dict)
    occupation_codes: tuple[str, ...] | None = None
    consents: tuple[GiveConsent, ...] | None = None


@dataclass(frozen=True)
class SubmitApplication:
    application_id: uuid.UUID


@dataclass(frozen=True)
class DecideApplication:
    application_id: uuid.UUID
    decision: Decision
    reason_code: str
    note: str | None = None
    occupation_code: str | None = None


@dataclass(frozen=True)
class WithdrawApplication:
    application_id: uuid.UUID
    reason_code: str
    note: str | None = None


@dataclass(frozen=True)
class UploadDocument:
    application_id: uuid.UUID
    document_type: str
    filename: str | None
    declared_type: str | None
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class ReviewDocument:
    application_id: uuid.UUID
    document_id: uuid.UUID
    decision: ReviewDecision
    reason_code: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class RevealIdNumbers:
    candidate_id: uuid.UUID
    fields: frozenset[str]


@dataclass(frozen=True)
class EraseCandidate:
    candidate_id: uuid.UUID
