"""HTTP schemas of the matching API: XCreate / XUpdate / XPublic. Reference data appear as enums."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, StringConstraints, model_validator

from contracts.training import CefrLevel
from services.common.fields import MULTI_LINE, SINGLE_LINE, IsoDate, IsoDateTime
from services.matching.domain import (
    ChamberKind,
    CheckStatus,
    ContractStatus,
    HousingSupport,
    InterviewMode,
    InterviewOutcome,
    MatchStatus,
    Mobility,
    OfferStatus,
    PositionStatus,
    ShortlistStatus,
)
from services.matching.reference import reference_data

_REF = reference_data()
if TYPE_CHECKING:
    LandCode: TypeAlias = str
    KldbCode: TypeAlias = str
    DecisionReason: TypeAlias = str
    DeclineReason: TypeAlias = str
    WithdrawReason: TypeAlias = str
else:
    LandCode = Literal[tuple(_REF.lands)]
    KldbCode = Literal[tuple(_REF.durations)]
    DecisionReason = Literal[tuple(_REF.decision_reasons)]
    DeclineReason = Literal[tuple(_REF.decline_reasons)]
    WithdrawReason = Literal[tuple(_REF.withdraw_reasons)]

Line = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=SINGLE_LINE)]
ShortLine = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=SINGLE_LINE)]
ContractText = Annotated[str, StringConstraints(min_length=20, max_length=200_000, pattern=MULTI_LINE)]
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")]
NaceCode = Annotated[str, StringConstraints(pattern=r"^[A-U]([0-9]{2}(\.[0-9]{1,2})?)?$")]
Cents = Annotated[int, Field(ge=0, le=10_000_000)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{6,20}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- employers -------------------------------------------------------------------------------------------


class Address(_In):
    street: Line
    postcode: Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
    city: Line


class Chamber(_In):
    kind: ChamberKind = Field(description="IHK (industry and commerce) or HWK (crafts).")
    name: Line = Field(description="e.g. `IHK München und Oberbayern`.")


class Site(_In):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")] = Field(
        description="The employer's own short code for the site, used by positions."
    )
    name: Line
    address: Address
    land: LandCode = Field(description="German Land, ISO 3166-2:DE.")
    chamber: Chamber
    agency_district: Line = Field(description="Employment agency (Agentur für Arbeit) district.")
    foreigners_authority: Line = Field(description="Competent foreigners authority (Ausländerbehörde).")


class Contact(_In):
    name: Line
    role: Line
    email: EmailStr
    phone: Phone | None = None


class Agreement(_In):
    """The cooperation agreement with the programme."""

    version: ShortLine
    signed_on: IsoDate
    places_committed: int = Field(ge=1, le=1000)


class InterculturalTraining(_In):
    """Intercultural training of the employer's staff who work with the trainees."""

    completed_on: IsoDate
    staff_trained: int = Field(ge=1, le=1000)


_EMPLOYER_EXAMPLE: dict[str, Any] = {
    "name": "Gasthof Sonne GmbH",
    "nace_code": "I56.10",
    "sites": [
        {
            "code": "muenchen",
            "name": "Gasthof Sonne",
            "address": {"street": "Marienplatz 1", "postcode": "80331", "city": "München"},
            "land": "DE-BY",
            "chamber": {"kind": "IHK", "name": "IHK München und Oberbayern"},
            "agency_district": "München",
            "foreigners_authority": "KVR München",
        }
    ],
    "contacts": [{"name": "Anna Huber", "role": "Ausbilderin", "email": "ausbildung@example.de"}],
    "agreement": {"version": "2026-01", "signed_on": "2026-03-01", "places_committed": 4},
}


class EmployerCreate(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EMPLOYER_EXAMPLE]})

    name: Line
    nace_code: NaceCode = Field(description="NACE Rev. 2 industry code, e.g. `I56.10`.")
    sites: list[Site] = Field(min_length=1, max_length=50)
    contacts: list[Contact] = Field(min_length=1, max_length=20)
    agreement: Agreement
    intercultural_training: InterculturalTraining | None = None

    @model_validator(mode="after")
    def _unique_sites(self) -> EmployerCreate:
        codes = [s.code for s in self.sites]
        if len(set(codes)) != len(codes):
            raise ValueError("site codes must be unique")
        return self


class EmployerUpdate(_In):
    """Changes to an employer; omitted fields stay. Sites can be added, not removed (positions refer to them)."""

    contacts: list[Contact] | None = Field(default=None, min_length=1, max_length=20)
    agreement: Agreement | None = None
    intercultural_training: InterculturalTraining | None = None
    add_sites: list[Site] | None = Field(default=None, min_length=1, max_length=50)


class EmployerPublic(BaseModel):
    id: uuid.UUID
    name: str
    nace_code: str
    sites: list[Site]
    contacts: list[Contact]
    agreement: Agreement
    intercultural_training: InterculturalTraining | None
    created_at: datetime
    updated_at: datetime


class EmployerPage(BaseModel):
    items: list[EmployerPublic]
    next_cursor: str | None = None


class ApiKeyCreate(_In):
    name: ShortLine = Field(description="What the key is for, e.g. `HR system`.")


class ApiKeyPublic(BaseModel):
    id: uuid.UUID
    employer_id: uuid.UUID
    name: str
    prefix: str = Field(description="The start of the key, to recognise it.")
    created_at: datetime
    last_used_on: date | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(
        description="The key itself: shown this once, never again. Send it as `Authorization: Bearer <key>`."
    )


class ApiKeyList(BaseModel):
    items: list[ApiKeyPublic]


# --- positions -------------------------------------------------------------------------------------------


class PositionCreate(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "employer_id": "7f1c2b9e-8d3a-4b8e-9a51-2f0f6c1d2e3a",
                    "site": "muenchen",
                    "occupation_code": "29302",
                    "places": 2,
                    "starts_on": "2027-08-01",
                    "latest_start_on": "2027-10-01",
                    "monthly_pay_cents": [110000, 120000, 130000],
                    "collective_agreement": True,
                    "tariff_monthly_cents": [110000, 120000, 130000],
                    "weekly_hours": 39,
                    "housing_support": "help_finding",
                }
            ]
        },
    )

    employer_id: uuid.UUID = Field(description="The employer (an employer caller may only name itself).")
    site: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")] = Field(description="A site code.")
    occupation_code: KldbCode = Field(description="KldB 2010 code of the Ausbildung occupation.")
    places: int = Field(ge=1, le=100)
    starts_on: IsoDate = Field(description="Training start, usually 1 August or 1 September.")
    latest_start_on: IsoDate = Field(description="Last day the trainee may still start.")
    required_level: CefrLevel = CefrLevel.B1
    monthly_pay_cents: list[Cents] = Field(
        min_length=1, max_length=4, description="Gross pay per month, per training year."
    )
    collective_agreement: StrictBool = Field(description="Whether the employer is bound by a collective agreement.")
    tariff_monthly_cents: list[Cents] | None = Field(
        default=None, min_length=1, max_length=4, description="The sector's collective rates per training year, if any."
    )
    weekly_hours: float = Field(gt=0, le=48)
    housing_support: HousingSupport = HousingSupport.NONE
    accelerated_procedure: StrictBool = Field(
        default=False,
        description="The employer agreed the §81a accelerated procedure with its foreigners authority: visas for "
        "this position use it (the employer or the programme pays its fee, never the candidate).",
    )

    @model_validator(mode="after")
    def _dates(self) -> PositionCreate:
        if self.latest_start_on < self.starts_on:
            raise ValueError("latest_start_on must not be before starts_on")
        return self


class PositionUpdate(_In):
    """Changes to a position in draft or published; omitted fields stay."""

    places: int | None = Field(default=None, ge=1, le=100)
    starts_on: IsoDate | None = None
    latest_start_on: IsoDate | None = None
    monthly_pay_cents: list[Cents] | None = Field(default=None, min_length=1, max_length=4)
    tariff_monthly_cents: list[Cents] | None = Field(default=None, min_length=1, max_length=4)
    weekly_hours: float | None = Field(default=None, gt=0, le=48)
    housing_support: HousingSupport | None = None
    accelerated_procedure: StrictBool | None = None


class PositionPublic(BaseModel):
    id: uuid.UUID
    employer_id: uuid.UUID
    site: str
    land: str
    occupation_code: str
    places: int
    places_left: int
    starts_on: date
    latest_start_on: date
    required_level: str
    monthly_pay_cents: list[int]
    collective_agreement: bool
    tariff_monthly_cents: list[int] | None
    weekly_hours: float
    housing_support: str
    accelerated_procedure: bool
    status: PositionStatus
    created_at: datetime
    updated_at: datetime


class PositionPage(BaseModel):
    items: list[PositionPublic]
    next_cursor: str | None = None


class PositionClose(_In):
    reason_code: Literal["WITHDRAWN", "EXPIRED"] = "WITHDRAWN"


class ContractCancel(_In):
    """A signed contract cancelled before the training begins (by the employer or by mutual agreement)."""

    reason_code: ReasonCode = Field(description="e.g. `EMPLOYER_INSOLVENT`, `MUTUAL_AGREEMENT`, `CANDIDATE_REQUEST`.")
    cancelled_on: IsoDate


class CorrectionRequest(_In):
    """The journey's call after a BA refusal (`contracts.activities.ContractCorrectionRequest` without the path id)."""

    candidate_id: uuid.UUID | None = None
    reason_code: str = Field(
        pattern=r"^[A-Z][A-Z0-9_]{1,59}$", description="The BA's reason, e.g. `PAY_BELOW_MINIMUM`."
    )


class PositionRelease(_In):
    """The journey's compensation call (`contracts.activities.ReleasePositionRequest` without the path id)."""

    candidate_id: uuid.UUID
    employer_id: uuid.UUID
    reason_code: ReasonCode


# --- profiles and ranking --------------------------------------------------------------------------------


class ProfilePublic(BaseModel):
    """A candidate as matching sees them: no name, no contact."""

    candidate_id: uuid.UUID
    occupation_codes: list[str]
    region: str | None
    level: str | None
    target_level: str
    available_from: date | None
    preferred_lands: list[str]
    mobility: Mobility
    matchable: bool = Field(description="False without consent to share with employers, or after leaving.")
    updated_at: datetime


class ProfilePage(BaseModel):
    items: list[ProfilePublic]
    next_cursor: str | None = None


class ProfileUpdate(_In):
    """The candidate's regional preferences, recorded by a case officer."""

    preferred_lands: list[LandCode] | None = Field(default=None, max_length=16)
    mobility: Mobility | None = None


class TermPublic(BaseModel):
    criterion: Literal["occupation", "language", "start_date", "region", "places"]
    fit: float = Field(ge=0, le=1, description="How well the pair meets this criterion, 0-1.")
    weight: int = Field(description="Points this criterion is worth.")
    points: float = Field(description="fit x weight: this criterion's part of the score.")
    reason: str


class SuggestionPublic(BaseModel):
    rank: int
    position_id: uuid.UUID
    employer_id: uuid.UUID
    occupation_code: str
    land: str
    starts_on: date
    score: float = Field(description="The sum of the terms' points (0-100).")
    terms: list[TermPublic]
    decision: Literal["shortlist", "pass"] | None = None


class MatchRequestCreate(_In):
    """`contracts.activities.MatchRequest` without its idempotency key (that travels as a header)."""

    candidate_id: uuid.UUID
    occupation_codes: list[KldbCode] = Field(min_length=1, max_length=5)
    round: int = Field(default=1, ge=1, le=50)


class MatchRequestPublic(BaseModel):
    id: uuid.UUID
    match_request_id: uuid.UUID = Field(description="Same as id (the journey reads this name).")
    candidate_id: uuid.UUID
    occupation_codes: list[str]
    round: int
    status: MatchStatus
    ranked_at: datetime | None
    suggestions: list[SuggestionPublic] = Field(default_factory=list)
    created_at: datetime


class MatchRequestPage(BaseModel):
    items: list[MatchRequestPublic]
    next_cursor: str | None = None


class DecisionCreate(_In):
    """A case officer's decision on one suggested position; the ranking only suggests."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "position_id": "7f1c2b9e-8d3a-4b8e-9a51-2f0f6c1d2e3a",
                    "decision": "shortlist",
                    "reason_code": "BEST_FIT",
                }
            ]
        },
    )

    position_id: uuid.UUID
    decision: Literal["shortlist", "pass"]
    reason_code: DecisionReason


class DecisionPublic(BaseModel):
    id: uuid.UUID
    match_request_id: uuid.UUID
    position_id: uuid.UUID
    decision: str
    reason_code: str
    rank: int
    decided_by: str
    shortlist_id: uuid.UUID | None = None
    created_at: datetime


class CandidateSuggestion(BaseModel):
    rank: int
    score: float
    terms: list[TermPublic]
    profile: ProfilePublic


class CandidateSuggestions(BaseModel):
    position_id: uuid.UUID
    items: list[CandidateSuggestion]


# --- shortlist, interviews, offers -----------------------------------------------------------------------


class ShortlistProfile(BaseModel):
    """What an employer sees of a shortlisted candidate before acceptance: no id, name or contact."""

    occupation_codes: list[str]
    level: str | None
    target_level: str
    available_from: date | None


class ShortlistPublic(BaseModel):
    id: uuid.UUID = Field(description="The employer's reference for the candidate.")
    position_id: uuid.UUID
    employer_id: uuid.UUID
    rank: int
    status: ShortlistStatus
    profile: ShortlistProfile | None
    candidate_id: uuid.UUID | None = Field(
        description="Shown to case officers always, to the employer once the candidate accepted its offer."
    )
    contact_url: str | None = Field(
        default=None, description="After acceptance: where the employer reads the candidate's name and contact."
    )
    created_at: datetime


class ShortlistPage(BaseModel):
    items: list[ShortlistPublic]
    next_cursor: str | None = None


class InterviewCreate(_In):
    shortlist_id: uuid.UUID
    scheduled_at: IsoDateTime
    mode: InterviewMode


class InterviewOutcomeIn(_In):
    outcome: InterviewOutcome


class InterviewPublic(BaseModel):
    id: uuid.UUID
    shortlist_id: uuid.UUID
    scheduled_at: datetime
    mode: InterviewMode
    outcome: InterviewOutcome | None
    created_at: datetime


class InterviewPage(BaseModel):
    items: list[InterviewPublic]
    next_cursor: str | None = None


class OfferCreate(_In):
    shortlist_id: uuid.UUID
    expires_on: IsoDate = Field(description="Last day the candidate may accept.")


class OfferAccept(_In):
    """The candidate accepts (recorded by a case officer)."""

    answer: Literal["accept"]


class OfferDecline(_In):
    """The candidate declines, with a reason (recorded by a case officer)."""

    answer: Literal["decline"]
    reason_code: DeclineReason


OfferAnswer = Annotated[OfferAccept | OfferDecline, Field(discriminator="answer")]


class OfferWithdrawal(_In):
    reason_code: WithdrawReason


class OfferPublic(BaseModel):
    id: uuid.UUID
    shortlist_id: uuid.UUID
    expires_on: date
    status: OfferStatus
    reason_code: str | None
    created_at: datetime
    updated_at: datetime


class OfferPage(BaseModel):
    items: list[OfferPublic]
    next_cursor: str | None = None


# --- contracts -------------------------------------------------------------------------------------------


class ContractTermsIn(_In):
    starts_on: IsoDate
    duration_months: int = Field(ge=12, le=48)
    probation_months: int = Field(ge=1, le=6, description="1-4 is lawful (§20 BBiG); the checks say so.")
    weekly_hours: float = Field(gt=0, le=48)
    monthly_pay_cents: list[Cents] = Field(min_length=1, max_length=4)
    top_up_monthly_cents: Cents = Field(default=0, description="A documented top-up towards subsistence.")


class ContractCreate(_In):
    offer_id: uuid.UUID = Field(description="An accepted offer.")
    terms: ContractTermsIn
    text_de: ContractText = Field(description="The contract in German.")
    text_translation: ContractText = Field(description="The contract in the candidate's language.")
    translation_language: Literal["ar", "fr"]


class ContractAmend(_In):
    """A change to the contract: a new version, which needs a new acknowledgement before signing."""

    terms: ContractTermsIn | None = None
    text_de: ContractText | None = None
    text_translation: ContractText | None = None


class Confirmations(_In):
    """What a case officer confirms by reading the contract."""

    no_repayment_clauses: StrictBool = Field(description="No repayment or penalty clauses (§12 BBiG, FR-08).")
    pay_reference_checked: StrictBool = Field(
        default=False, description="The pay was checked by hand where the reference data had no figures for the year."
    )


class Acknowledgement(_In):
    """The candidate acknowledged this version (recorded by a case officer)."""

    version: int = Field(ge=1)
    contract_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    acknowledged_on: IsoDate


class Registration(_In):
    registration: Literal["chamber", "school"]
    reference: ShortLine = Field(description="The chamber's or school's reference.")
    registered_on: IsoDate


class CheckPublic(BaseModel):
    rule: str
    status: CheckStatus
    detail: str


class ContractPublic(BaseModel):
    id: uuid.UUID
    offer_id: uuid.UUID
    shortlist_id: uuid.UUID
    version: int
    terms: ContractTermsIn
    ends_on: date
    translation_language: str
    sha256: str = Field(description="SHA-256 of this version: terms and both texts.")
    checks: list[CheckPublic]
    confirmations: dict[str, bool]
    acknowledged_version: int | None
    registrations: dict[str, Any]
    status: ContractStatus
    ready_to_sign: bool
    missing: list[str] = Field(description="What still stands in the way of signing.")
    signed_on: date | None
    created_at: datetime
    updated_at: datetime


class ContractDocument(BaseModel):
    id: uuid.UUID
    version: int
    sha256: str
    text_de: str
    text_translation: str
    translation_language: str


class ContractPage(BaseModel):
    items: list[ContractPublic]
    next_cursor: str | None = None
