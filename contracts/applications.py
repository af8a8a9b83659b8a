"""Events published by the applications service on `thamm.applications`, keyed by candidate id."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts import topics
from contracts.base import Event, event_type

_S = "applications"


class _ApplicationEvent(Event):
    TOPIC: ClassVar[str] = topics.APPLICATIONS
    candidate_id: UUID = Field(description="Pseudonymous candidate id (never a national ID or passport number).")
    application_id: UUID = Field(description="The application this fact belongs to.")


class ApplicationSubmitted(_ApplicationEvent):
    """A candidate's application was submitted for screening; starts the candidate's journey."""

    TYPE: ClassVar[str] = event_type(_S, "application_submitted")
    submitted_at: datetime = Field(description="When the application was submitted (UTC).")
    region: str = Field(description="Moroccan region code from reference data, e.g. `casablanca-settat`.")
    occupation_codes: list[str] = Field(
        description="Preferred occupations as KldB 2010 codes (5 digits), in order of preference (1-3).",
    )
    programme_id: str = Field(default="thamm-ausbildung", description="Programme (call) the application is for.")
    eligible: bool | None = Field(default=None, description="Outcome of the eligibility rules at submission.")


class DocumentVerified(_ApplicationEvent):
    """A case officer verified an uploaded document."""

    TYPE: ClassVar[str] = event_type(_S, "document_verified")
    document_id: UUID = Field(description="The verified document.")
    document_type: str = Field(description="Document type code from reference data, e.g. `BAC`.")


class DocumentRejected(_ApplicationEvent):
    """A case officer rejected an uploaded document; the candidate must upload it again."""

    TYPE: ClassVar[str] = event_type(_S, "document_rejected")
    document_id: UUID = Field(description="The rejected document.")
    document_type: str = Field(description="Document type code from reference data.")
    reason_code: str = Field(description="Why it was rejected, e.g. `ILLEGIBLE`, `EXPIRED`.")


class ApplicationPreselected(_ApplicationEvent):
    """A case officer pre-selected the candidate for language and intercultural preparation."""

    TYPE: ClassVar[str] = event_type(_S, "application_preselected")
    decided_at: datetime = Field(description="When the decision was recorded (UTC).")
    reason_code: str = Field(description="Decision reason code from reference data.")
    occupation_code: str = Field(description="KldB code of the occupation the candidate is pre-selected for.")


class ApplicationRejected(_ApplicationEvent):
    """A case officer rejected the application; the journey ends with REJECTED."""

    TYPE: ClassVar[str] = event_type(_S, "application_rejected")
    decided_at: datetime = Field(description="When the decision was recorded (UTC).")
    reason_code: str = Field(description="Decision reason code, e.g. `NOT_ELIGIBLE_AGE`.")


class ApplicationWithdrawn(_ApplicationEvent):
    """The candidate withdrew; recorded by a case officer. The journey ends with WITHDRAWN."""

    TYPE: ClassVar[str] = event_type(_S, "application_withdrawn")
    withdrawn_at: datetime = Field(description="When the withdrawal was recorded (UTC).")
    reason_code: str = Field(description="Why the candidate withdrew, e.g. `PERSONAL`.")


class ConsentChanged(Event):
    """A consent for one purpose was given or revoked (FR-09); services that rely on it follow the latest."""

    TOPIC: ClassVar[str] = topics.APPLICATIONS
    TYPE: ClassVar[str] = event_type(_S, "consent_changed")
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")
    purpose: str = Field(description="`processing`, `sharing_employers` (matching) or `statistics`.")
    granted: bool = Field(description="True when given, false when revoked.")
    text_version: str = Field(description="Version of the consent text shown.")
    language: str = Field(description="Language the text was shown in: `ar`, `fr` or `de`.")
    changed_at: datetime = Field(description="When the consent was recorded (UTC).")


class CandidateErased(Event):
    """The candidate's personal data was erased (crypto-shredded); projections must drop what they hold."""

    TOPIC: ClassVar[str] = topics.APPLICATIONS
    TYPE: ClassVar[str] = event_type(_S, "candidate_erased")
    candidate_id: UUID = Field(description="Pseudonymous candidate id; the placeholder record keeps it.")
    erased_at: datetime = Field(description="When the erasure was carried out (UTC).")


class StatisticalProfileRecorded(Event):
    """De-identified statistical inputs (ICLS, SDG 10.7.1), published only under the `statistics` consent.

    Coarse on purpose: an age band instead of a birth date, the ISCED level instead of a diploma. A revocation
    (`consent_changed` for `statistics`, not granted) tells consumers to drop these values.
    """

    TOPIC: ClassVar[str] = topics.APPLICATIONS
    TYPE: ClassVar[str] = event_type(_S, "statistical_profile_recorded")
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")
    sex: str = Field(description="`F`, `M` or `X`.")
    age_band: str = Field(description="Age at submission in ICLS bands: `15-24`, `25-34`, `35-54`, `55+`.")
    education_isced: str = Field(description="ISCED 2011 level: `2`, `3`, `4` or `5-8`.")
    citizenship: str = Field(description="ISO 3166-1 alpha-2.")
    country_of_residence: str = Field(description="ISO 3166-1 alpha-2 (previous usual residence).")
    country_of_birth: str | None = Field(default=None, description="ISO 3166-1 alpha-2, when stated.")
    recorded_at: datetime = Field(description="When the profile was taken (UTC).")


EVENTS: tuple[type[Event], ...] = (
    ApplicationSubmitted,
    DocumentVerified,
    DocumentRejected,
    ApplicationPreselected,
    ApplicationRejected,
    ApplicationWithdrawn,
    ConsentChanged,
    CandidateErased,
    StatisticalProfileRecorded,
)

__all__ = [c.__name__ for c in EVENTS] + ["EVENTS"]
