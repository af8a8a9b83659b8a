"""HTTP schemas of the applications API: XCreate / XUpdate / XPublic."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import MISSING, BaseModel, ConfigDict, EmailStr, Field, StrictBool, StringConstraints

from contracts.training import CefrLevel
from services.applications.domain import ConsentPurpose, Decision, Diploma, EducationLevel, ReviewDecision, Sex
from services.applications.reference import reference_data
from services.common.fields import MULTI_LINE, SINGLE_LINE, IsoDate

_REF = reference_data()
if TYPE_CHECKING:
    RegionCode: TypeAlias = str
    OccupationCode: TypeAlias = str
    DocumentType: TypeAlias = str
    PreselectReason: TypeAlias = str
    RejectReason: TypeAlias = str
    WithdrawReason: TypeAlias = str
    RejectDocumentReason: TypeAlias = str
else:  # the reference data's codes as enums in the OpenAPI document (validated here, checked again by use cases)
    RegionCode = Literal[tuple(_REF.regions)]
    OccupationCode = Literal[tuple(_REF.occupations)]
    DocumentType = Literal[tuple(_REF.document_types)]
    PreselectReason = Literal[tuple(_REF.reasons["preselect"])]
    RejectReason = Literal[tuple(_REF.reasons["reject"])]
    WithdrawReason = Literal[tuple(_REF.reasons["withdraw"])]
    RejectDocumentReason = Literal[tuple(_REF.reasons["document_reject"])]

KldbCode: TypeAlias = OccupationCode
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True, pattern=SINGLE_LINE)]
DocumentNumber = Annotated[str, StringConstraints(min_length=5, max_length=20, pattern=r"^[A-Za-z0-9 -]+$")]
Text = Annotated[str, StringConstraints(max_length=2000, pattern=MULTI_LINE)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ]{6,20}$")]

__all__ = ["ConsentPurpose", "Decision", "Diploma", "EducationLevel", "ReviewDecision", "Sex"]


class LanguageSkill(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = Field(description="ISO 639-1, e.g. `de`.")
    level: CefrLevel


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: ConsentPurpose
    granted: StrictBool
    text_version: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,32}$")] = Field(
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
    date_of_birth: IsoDate
    sex: Sex
    nationality: CountryCode = Field(description="ISO 3166-1 alpha-2, e.g. `MA`.")
    country_of_residence: CountryCode
    region: RegionCode = Field(description="Moroccan region code from reference data, e.g. `casablanca-settat`.")
    city: Name
    phone: Phone
    email: EmailStr | None = None
    national_id_number: DocumentNumber = Field(description="CNIE number; encrypted at rest, masked in answers.")
    passport_number: DocumentNumber | None = Field(default=None, description="Encrypted at rest, masked in answers.")
    passport_expiry: IsoDate | None = None
    education_level: EducationLevel
    diploma: Diploma | None = None
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
    """Fields of a draft's candidate to change; omitted fields stay. Required fields may not be set to null."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name | MISSING = MISSING
    last_name: Name | MISSING = MISSING
    first_name_ar: Name | None = None
    last_name_ar: Name | None = None
    date_of_birth: IsoDate | MISSING = MISSING
    sex: Sex | MISSING = MISSING
    nationality: CountryCode | MISSING = MISSING
    country_of_residence: CountryCode | MISSING = MISSING
    region: RegionCode | MISSING = MISSING
    city: Name | MISSING = MISSING
    phone: Phone | MISSING = MISSING
    email: EmailStr | None = None
    passport_number: DocumentNumber | MISSING = MISSING
    passport_expiry: IsoDate | None = None
    education_level: EducationLevel | MISSING = MISSING
    diploma: Diploma | None = None
    languages: Annotated[list[LanguageSkill], Field(max_length=10)] | MISSING = MISSING


class ApplicationUpdate(BaseModel):
    """Changes to a draft application; omitted fields stay."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"occupation_codes": ["25102"]}]})

    candidate: CandidateUpdate | MISSING = MISSING
    occupation_codes: Annotated[list[KldbCode], Field(min_length=1, max_length=3)] | MISSING = MISSING
    consents: Annotated[list[ConsentIn], Field(max_length=10)] | MISSING = MISSING


class CandidateContact(BaseModel):
    """Name and contact: for case officers, and for an employer once the candidate accepted its offer."""

    candidate_id: uuid.UUID
    first_name: str | None
    last_name: str | None
    first_name_ar: str | None = None
    last_name_ar: str | None = None
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    disclosed_since: datetime | None = Field(default=None, description="When the employer's access began.")


REVOKE_SHARING = {"purpose": "sharing_employers", "granted": False, "text_version": "2026-01", "language": "fr"}


class ConsentChange(BaseModel):
    """Consents given or revoked (at any stage); each one is published as `consent_changed`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "consents": [
                        {"purpose": "sharing_employers", "granted": False, "text_version": "2026-01", "language": "fr"}
                    ]
                }
            ]
        },
    )

    consents: Annotated[list[ConsentIn], Field(min_length=1, max_length=10)]


class ConsentState(BaseModel):
    """The latest consent per purpose."""

    consents: dict[str, bool]


class CandidateSummary(BaseModel):
    """The de-identified candidate that operators, analysts and services see: no names, contact or ID numbers."""

    id: uuid.UUID
    sex: str
    birth_year: int
    nationality: str
    country_of_residence: str
    region: str
    education_level: str
    diploma: str | None
    languages: list[dict[str, str]]
    consents: dict[str, bool] = Field(description="Latest consent per purpose.")
    erased: bool


class CandidatePublic(BaseModel):
    """The candidate as case officers see it: ID numbers masked unless revealed."""

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
    decision_note: str | None = Field(description="Free text; case officers only (null for other roles).")
    preselected_occupation: str | None
    submitted_at: datetime | None
    decided_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    candidate: CandidatePublic | CandidateSummary | None = Field(
        default=None, description="Case officers get the identity block; other roles the de-identified summary."
    )


class ApplicationPage(BaseModel):
    """One page of applications; pass `next_cursor` as `cursor` for the next page."""

    items: list[ApplicationPublic]
    next_cursor: str | None


_NOTE = "Free text for case officers; erased with the candidate."


class PreselectionCreate(BaseModel):
    """Pre-select the candidate for one of their preferred occupations."""

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

    decision: Literal[Decision.PRESELECT]
    reason_code: PreselectReason
    occupation_code: KldbCode = Field(description="One of the candidate's preferred occupations.")
    note: Text | None = Field(default=None, description=_NOTE)


class RejectionCreate(BaseModel):
    """Reject the application with a reason."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"decision": "reject", "reason_code": "NOT_ELIGIBLE_AGE"}]}
    )

    decision: Literal[Decision.REJECT]
    reason_code: RejectReason
    note: Text | None = Field(default=None, description=_NOTE)


DecisionCreate = Annotated[PreselectionCreate | RejectionCreate, Field(discriminator="decision")]


class WithdrawalCreate(BaseModel):
    """A withdrawal the candidate asked for, recorded by a case officer."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason_code": "OTHER_OFFER"}]})

    reason_code: WithdrawReason
    note: Text | None = Field(default=None, description="Free text for case officers; erased with the candidate.")


class DocumentPublic(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    document_type: str
    status: str
    filename: str | None
    content_type: str
    size_bytes: int
    sha256: str | None = Field(description="Of the clear content; null after erasure.")
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


class DocumentVerification(BaseModel):
    """Verify an uploaded document."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"decision": "verify"}]})

    decision: Literal[ReviewDecision.VERIFY]
    note: Text | None = Field(default=None, description="Free text; erased with the candidate.")


class DocumentRejection(BaseModel):
    """Reject an uploaded document with a reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"decision": "reject", "reason_code": "ILLEGIBLE", "note": "Scan too dark"}]},
    )

    decision: Literal[ReviewDecision.REJECT]
    reason_code: RejectDocumentReason
    note: Text | None = Field(default=None, description="Free text; erased with the candidate.")


DocumentReview = Annotated[DocumentVerification | DocumentRejection, Field(discriminator="decision")]


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
