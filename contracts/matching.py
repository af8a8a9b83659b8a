"""Events published by the employer-matching service on `thamm.matching`.

Candidate events are keyed by candidate id; employer-only events (registration, positions) by employer id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts import topics
from contracts.base import Event, event_type

_S = "matching"


class _EmployerEvent(Event):
    TOPIC: ClassVar[str] = topics.MATCHING
    KEY_FIELD: ClassVar[str] = "employer_id"
    employer_id: UUID = Field(description="The training company.")


class EmployerRegistered(_EmployerEvent):
    """A training company signed the cooperation agreement and was registered."""

    TYPE: ClassVar[str] = event_type(_S, "employer_registered")
    land: str = Field(description="German Land of the main site, ISO 3166-2:DE code, e.g. `DE-BY`.")
    chamber: str = Field(description="Competent chamber (IHK/HWK) code.")


class ApiKeyCreated(_EmployerEvent):
    """An API key was created for the employer's systems; services that accept it verify against this hash.

    Only the SHA-256 of the key's 256-bit random secret travels: the key cannot be derived from it."""

    TYPE: ClassVar[str] = event_type(_S, "api_key_created")
    key_id: UUID = Field(description="The key's id (also inside the key).")
    secret_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the key's secret part.")


class ApiKeyRevoked(_EmployerEvent):
    """An API key was revoked: every service refuses it from now on."""

    TYPE: ClassVar[str] = event_type(_S, "api_key_revoked")
    key_id: UUID = Field(description="The key's id.")


class PositionPublished(_EmployerEvent):
    """An employer published apprenticeship places for one occupation."""

    TYPE: ClassVar[str] = event_type(_S, "position_published")
    position_id: UUID = Field(description="The position.")
    occupation_code: str = Field(description="KldB 2010 code of the Ausbildung occupation.")
    places: int = Field(ge=1, description="Number of places offered.")
    starts_on: date = Field(description="Training start date (usually 1 August or 1 September).")
    latest_start_on: date = Field(description="Last day the trainee may still start.")
    land: str = Field(description="ISO 3166-2:DE code of the training site.")
    required_level: str = Field(description="CEFR level the employer requires, e.g. `B1`.")


class PositionClosed(_EmployerEvent):
    """A position stopped taking candidates (filled, withdrawn by the employer, expired)."""

    TYPE: ClassVar[str] = event_type(_S, "position_closed")
    position_id: UUID = Field(description="The position.")
    reason_code: str = Field(description="`FILLED`, `WITHDRAWN` or `EXPIRED`.")


class _CandidateMatchEvent(Event):
    TOPIC: ClassVar[str] = topics.MATCHING
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")
    employer_id: UUID = Field(description="The training company.")
    position_id: UUID = Field(description="The position.")
    shortlist_id: UUID = Field(description="The shortlist entry: the employer's reference for the candidate.")


class PositionReleased(_CandidateMatchEvent):
    """A place held for the candidate was freed (compensation: withdrawal, refused visa, re-routing)."""

    TYPE: ClassVar[str] = event_type(_S, "position_released")
    shortlist_id: UUID | None = Field(default=None, description="The shortlist entry, when there was one.")  # type: ignore[assignment]
    reason_code: str = Field(description="Why, a code, e.g. `CANDIDATE_WITHDREW`, `VISA_REFUSED_...`.")
    places_left: int = Field(ge=0, description="Places of the position still free after the release.")


class CandidateShortlisted(_CandidateMatchEvent):
    """A case officer put the candidate on an employer's shortlist for a position."""

    TYPE: ClassVar[str] = event_type(_S, "candidate_shortlisted")
    match_request_id: UUID = Field(description="The match request whose ranking suggested the position.")
    rank: int = Field(ge=1, description="Rank proposed by automated matching; a person decided the shortlist.")
    reason_code: str = Field(description="The case officer's reason for the decision, e.g. `BEST_FIT`.")


class InterviewScheduled(_CandidateMatchEvent):
    """An interview between the candidate and the employer was scheduled."""

    TYPE: ClassVar[str] = event_type(_S, "interview_scheduled")
    interview_id: UUID = Field(description="The interview.")
    scheduled_at: datetime = Field(description="Start time (UTC).")
    mode: str = Field(description="`video` or `on_site`.")


class InterviewCompleted(_CandidateMatchEvent):
    """An interview took place and the employer recorded its outcome."""

    TYPE: ClassVar[str] = event_type(_S, "interview_completed")
    interview_id: UUID = Field(description="The interview.")
    outcome: str = Field(description="`positive`, `negative` or `no_show`.")


class OfferMade(_CandidateMatchEvent):
    """The employer offered the candidate a training place."""

    TYPE: ClassVar[str] = event_type(_S, "offer_made")
    offer_id: UUID = Field(description="The offer.")
    expires_on: date = Field(description="Last day the candidate may accept.")


class OfferAccepted(_CandidateMatchEvent):
    """The candidate accepted the offer."""

    TYPE: ClassVar[str] = event_type(_S, "offer_accepted")
    offer_id: UUID = Field(description="The offer.")


class OfferDeclined(_CandidateMatchEvent):
    """The candidate declined the offer."""

    TYPE: ClassVar[str] = event_type(_S, "offer_declined")
    offer_id: UUID = Field(description="The offer.")
    reason_code: str = Field(description="Reason code from reference data.")


class OfferWithdrawn(_CandidateMatchEvent):
    """The employer withdrew an offer; the journey compensates and re-routes to matching."""

    TYPE: ClassVar[str] = event_type(_S, "offer_withdrawn")
    offer_id: UUID = Field(description="The offer.")
    reason_code: str = Field(description="Reason code from reference data.")


class ContractAmended(_CandidateMatchEvent):
    """The contract changed after the candidate acknowledged it: a new version needs a new acknowledgement."""

    TYPE: ClassVar[str] = event_type(_S, "contract_amended")
    contract_id: UUID = Field(description="The contract.")
    version: int = Field(ge=2, description="The new version.")
    contract_sha256: str = Field(description="SHA-256 of the new version.")
    changed: list[str] = Field(description="Names of the terms or texts that changed.")


class ContractAcknowledged(_CandidateMatchEvent):
    """The candidate acknowledged one version of the contract in German and in their language (FR-02)."""

    TYPE: ClassVar[str] = event_type(_S, "contract_acknowledged")
    contract_id: UUID = Field(description="The contract.")
    version: int = Field(ge=1, description="The version acknowledged.")
    contract_sha256: str = Field(description="SHA-256 of that version.")
    language: str = Field(description="The candidate's language of the translation: `ar` or `fr`.")
    acknowledged_on: date = Field(description="Day of the acknowledgement.")


class ContractSigned(_CandidateMatchEvent):
    """Both sides signed the training contract (Ausbildungsvertrag); the visa process may start."""

    TYPE: ClassVar[str] = event_type(_S, "contract_signed")
    contract_id: UUID = Field(description="The contract.")
    version: int = Field(ge=1, description="The version signed (the one acknowledged).")
    occupation_code: str = Field(description="KldB 2010 code of the occupation trained.")
    starts_on: date = Field(description="Training start date.")
    ends_on: date = Field(description="Last day of the training as contracted.")
    duration_months: int = Field(ge=12, le=48, description="Contracted training duration in months.")
    probation_months: int = Field(ge=1, le=4, description="Probation (Probezeit), counted from `starts_on`.")
    weekly_hours: float = Field(gt=0, description="Contracted hours per week.")
    land: str = Field(description="ISO 3166-2:DE code of the training site.")
    signed_on: date = Field(description="Day of the signature.")
    contract_sha256: str = Field(description="SHA-256 of the signed contract version (no-substitution check).")
    monthly_pay_year1_cents: int = Field(ge=0, description="Training pay in year 1, euro cents per month.")
    accelerated_procedure: bool = Field(
        default=False, description="The position uses the §81a accelerated procedure: the visa case is opened so."
    )


class ContractCorrectionRequested(_CandidateMatchEvent):
    """The labour-market approval was refused for the signed version: the employer is asked for a corrected
    contract (a new version, acknowledged and signed again); the place stays taken."""

    TYPE: ClassVar[str] = event_type(_S, "contract_correction_requested")
    contract_id: UUID = Field(description="The contract.")
    version: int = Field(ge=1, description="The version that needs correcting.")
    reason_code: str = Field(description="Why, e.g. the BA's `PAY_BELOW_MINIMUM`.")


class ContractCancelled(_CandidateMatchEvent):
    """A signed contract was cancelled before the training began (by the employer, or by mutual agreement): its
    place comes back; the journey undoes the visa case and looks for a new place."""

    TYPE: ClassVar[str] = event_type(_S, "contract_cancelled")
    contract_id: UUID = Field(description="The contract.")
    cancelled_on: date = Field(description="Day of the cancellation.")
    reason_code: str = Field(description="Why, e.g. `EMPLOYER_INSOLVENT`, `MUTUAL_AGREEMENT`.")
    places_left: int = Field(ge=0, description="Places of the position free after the cancellation.")


class ContractRegistered(_CandidateMatchEvent):
    """The contract was registered with the chamber, or the trainee with the vocational school."""

    TYPE: ClassVar[str] = event_type(_S, "contract_registered")
    contract_id: UUID = Field(description="The contract.")
    registration: str = Field(description="`chamber` (IHK/HWK register) or `school` (Berufsschule).")
    registered_on: date = Field(description="Day of the registration.")


EVENTS: tuple[type[Event], ...] = (
    EmployerRegistered,
    ApiKeyCreated,
    ApiKeyRevoked,
    PositionPublished,
    PositionClosed,
    PositionReleased,
    CandidateShortlisted,
    InterviewScheduled,
    InterviewCompleted,
    OfferMade,
    OfferAccepted,
    OfferDeclined,
    OfferWithdrawn,
    ContractAmended,
    ContractAcknowledged,
    ContractSigned,
    ContractRegistered,
    ContractCorrectionRequested,
    ContractCancelled,
)
