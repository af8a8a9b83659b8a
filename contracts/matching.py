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


class PositionPublished(_EmployerEvent):
    """An employer published apprenticeship places for one occupation."""

    TYPE: ClassVar[str] = event_type(_S, "position_published")
    position_id: UUID = Field(description="The position.")
    occupation_code: str = Field(description="KldB 2010 code of the Ausbildung occupation.")
    places: int = Field(ge=1, description="Number of places offered.")
    starts_on: date = Field(description="Training start date (usually 1 August or 1 September).")
    land: str = Field(description="ISO 3166-2:DE code of the training site.")


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


class CandidateShortlisted(_CandidateMatchEvent):
    """A case officer put the candidate on an employer's shortlist for a position."""

    TYPE: ClassVar[str] = event_type(_S, "candidate_shortlisted")
    rank: int = Field(ge=1, description="Rank proposed by automated matching; a person decided the shortlist.")


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


class ContractSigned(_CandidateMatchEvent):
    """Both sides signed the training contract (Ausbildungsvertrag); the visa process may start."""

    TYPE: ClassVar[str] = event_type(_S, "contract_signed")
    contract_id: UUID = Field(description="The contract.")
    occupation_code: str = Field(description="KldB 2010 code of the occupation trained.")
    starts_on: date = Field(description="Training start date.")
    land: str = Field(description="ISO 3166-2:DE code of the training site.")
    contract_sha256: str = Field(description="SHA-256 of the signed contract version (no-substitution check).")
    monthly_pay_year1_cents: int = Field(ge=0, description="Training pay in year 1, euro cents per month.")


EVENTS: tuple[type[Event], ...] = (
    EmployerRegistered,
    PositionPublished,
    PositionClosed,
    CandidateShortlisted,
    InterviewScheduled,
    InterviewCompleted,
    OfferMade,
    OfferAccepted,
    OfferDeclined,
    OfferWithdrawn,
    ContractSigned,
)
