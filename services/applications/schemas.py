"""HTTP schemas of the applications API: XCreate / XUpdate / XPublic."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from contracts.training import CefrLevel

KldbCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
DocumentNumber = Annotated[str, StringConstraints(min_length=5, max_length=20, pattern=r"^[A-Za-z0-9 -]+$")]
Text = Annotated[str, StringConstraints(max_length=2000)]


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"
    OTHER = "X"


class EducationLevel(StrEnum):
    """ISCED-based levels."""

    LOWER_SECONDARY = "lower_secondary"
    UPPER_SECONDARY = "upper_secondary"
    POST_SECONDARY = "post_secondary"
    TERTIARY = "tertiary"


class ConsentPurpose(StrEnum):
    PROCESSING = "processing"
    SHARING_EMPLOYERS = "sharing_employers"
    STATISTICS = "statistics"


class LanguageSkill(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = Field(description="ISO 639-1, e.g. `de`.")
    level: CefrLevel


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: ConsentPurpose
    granted: bool
    text_version: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(
        description="Version of the consent text shown."
    )
    language: Literal["ar", "fr", "de", "en"] = Field(description="Language the text was shown in.")


class CandidateIn(BaseModel):
    """The candidate's details as a case officer registers them."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name
    last_name: Name
    first_name_ar: Name | None = Field(default=None, description="Given name in Arabic script.")
    last_name_ar: Name | None = Field(default=None, description="Family name in Arabic script.")
    date_of_birth: date
    sex: Sex
    nationality: CountryCode = Field(description="ISO 3166-1 alpha-2, e.g. `MA`.")
    country_of_residence: CountryCode
    region: str = Field(description="Moroccan region code from reference data, e.g. `casablanca-settat`.")
    city: Name
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ]{6,20}$")]
    email: EmailStr | None = None
    national_id_number: DocumentNumber = Field(description="CNIE number; encrypted at rest, masked in answers.")
    passport_number: DocumentNumber | None = Field(default=None, description="Encrypted at rest, masked in answers.")
    passport_expiry: date | None = None
    education_level: EducationLevel
    diploma: Literal["BAC", "BAC_PRO", "VOC_DIPLOMA", "OTHER"] | None = None
    languages: list[LanguageSkill] = Field(default_factory=list, max_length=10)


_EXAMPLE: dict[str, Any] = {
    "candidate": {
        "first_name": "Youssef",
        "last_name": "El Amrani",
        "first_name_ar": "يوسف",
        "last_name_ar": "العمراني",
        "date_of_birth": "2003-04-12",
        "sex": "M",
        "nationality": "MA",
        "country_of_residence": "MA",
        "region": "casablanca-settat",
        "city": "Casablanca",
        "phone": "+212 600 000000",
        "email": "youssef@example.org",
        "national_id_number": "BK123456",
        "education_level": "upper_secondary",
        "diploma": "BAC",
        "languages": [{"language": "de", "level": "A2"}, {"language": "fr", "level": "B2"}],
    },
    "occupation_codes": ["29302", "63302"],
    "consents": [{"purpose": "processing", "granted": True, "text_version": "2026-01", "language": "fr"}],
}


class ApplicationCreate(BaseModel):
    """A new application (a draft) with its candidate."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    candidate: CandidateIn
    occupation_codes: list[KldbCode] = Field(min_length=1, max_length=3, description="KldB 2010, by preference.")
    consents: list[ConsentIn] = Field(default_factory=list, max_length=10)


class CandidateUpdate(BaseModel):
    """Fields of a draft's candidate to change (others stay)."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name | None = None
    last_name: Name | None = None
    first_name_ar: Name | None = None
    last_name_ar: Name | None = None
    date_of_birth: date | None = None
    sex: Sex | None = None
    nationality: CountryCode | None = None
    country_of_residence: CountryCode | None = None
    region: str | None = None
    city: Name | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ]{6,20}$")] | None = None
    email: EmailStr | None = None
    passport_number: DocumentNumber | None = None
    passport_expiry: date | None = None
    education_level: EducationLevel | None = None
    diploma: Literal["BAC", "BAC_PRO", "VOC_DIPLOMA", "OTHER"] | None = None
    languages: list[LanguageSkill] | None = None


class ApplicationUpdate(BaseModel):
    """Changes to a draft application."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"occupation_codes": ["25102"]}]})

    candidate: CandidateUpdate | None = None
    occupation_codes: list[KldbCode] | None = Field(default=None, min_length=1, max_length=3)
    consents: list[ConsentIn] | None = Field(default=None, max_length=10)


class CandidatePublic(BaseModel):
    """The candidate as the API shows it: ID numbers masked unless revealed to a case officer."""

    id: uuid.UUID
    first_name: str | None
    last_name: str | None
    first_name_ar: str | None
    last_name_ar: str | None
    date_of_birth: date | None
    sex: str
    birth_year: int
    nationality: str
    country_of_residence: str
    region: str
    city: str | None
    phone: str | None
    email: str | None
    national_id_number: str | None = Field(description="Masked (`******56`) unless revealed.")
    passport_number: str | None = Field(description="Masked unless revealed.")
    passport_expiry: date | None
    education_level: str
    diploma: str | None
    languages: list[dict[str, str]]
    consents: dict[str, bool] = Field(description="Latest consent per purpose.")
    erased: bool


class RuleResultPublic(BaseModel):
    rule: str
    passed: bool
    reason: str


class ApplicationPublic(BaseModel):
    """An application as case officers see it."""

    id: uuid.UUID
    candidate_id: uuid.UUID
    status: str
    region: str
    occupation_codes: list[str]
    programme_id: str
    rules_version: str | None
    eligible: bool | None
    eligibility: list[RuleResultPublic]
    review_flags: list[str] = Field(description="Reasons for a manual look, e.g. `possible_duplicate_name_dob`.")
    decision_reason_code: str | None
    decision_note: str | None
    preselected_occupation: str | None
    submitted_at: datetime | None
    decided_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    candidate: CandidatePublic | None = None


class ApplicationPage(BaseModel):
    """One page of applications; pass `next_cursor` as `cursor` for the next page."""

    items: list[ApplicationPublic]
    next_cursor: str | None


class Decision(StrEnum):
    PRESELECT = "preselect"
    REJECT = "reject"


class DecisionCreate(BaseModel):
    """A case officer's screening decision."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decision": "preselect",
                    "reason_code": "INTERVIEW_PASSED",
                    "occupation_code": "29302",
                    "note": "Strong interview, motivated for hospitality.",
                }
            ]
        },
    )

    decision: Decision
    reason_code: Annotated[str, StringConstraints(pattern=r"^[A-Z_]{2,40}$")]
    note: Text | None = None
    occupation_code: KldbCode | None = Field(default=None, description="Required to pre-select.")


class WithdrawalCreate(BaseModel):
    """A withdrawal the candidate asked for, recorded by a case officer."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason_code": "OTHER_OFFER"}]})

    reason_code: Annotated[str, StringConstraints(pattern=r"^[A-Z_]{2,40}$")]
    note: Text | None = None


class DocumentPublic(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    document_type: str
    status: str
    filename: str | None
    content_type: str
    size_bytes: int
    sha256: str
    reject_reason_code: str | None
    reject_note: str | None
    reviewed_at: datetime | None
    uploaded_at: datetime | None


class ChecklistItemPublic(BaseModel):
    accepted_types: list[str]
    status: str


class DocumentList(BaseModel):
    """Documents on file and the pre-selection checklist."""

    items: list[DocumentPublic]
    checklist: list[ChecklistItemPublic]
    complete: bool


class DocumentReview(BaseModel):
    """Verify or reject an uploaded document."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"decision": "reject", "reason_code": "ILLEGIBLE", "note": "Scan too dark"}]},
    )

    decision: Literal["verify", "reject"]
    reason_code: Annotated[str, StringConstraints(pattern=r"^[A-Z_]{2,40}$")] | None = None
    note: Text | None = None


class HistoryEntry(BaseModel):
    occurred_at: datetime
    actor_type: str
    actor_id: str
    action: str
    resource_type: str
    resource_id: str
    outcome: str
    changes: dict[str, Any]


class ErasurePublic(BaseModel):
    candidate_id: uuid.UUID
    erased_at: datetime
