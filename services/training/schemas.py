"""HTTP schemas of the training API: XCreate / XUpdate / XPublic. Reference data appear as enums."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts.training import CefrLevel, CertificateStatus, CohortStatus, CostPayer
from services.common.fields import SINGLE_LINE, IsoDate
from services.training.reference import reference_data

_REF = reference_data()
if TYPE_CHECKING:
    ProviderCode: TypeAlias = str
    SiteCode: TypeAlias = str
    DropoutReason: TypeAlias = str
    CancelReason: TypeAlias = str
    RegionCode: TypeAlias = str
else:
    ProviderCode = Literal[tuple(_REF.providers)]
    SiteCode = Literal[tuple(_REF.sites)]
    DropoutReason = Literal[tuple(_REF.dropout_reasons)]
    CancelReason = Literal[tuple(_REF.cancel_reasons)]
    RegionCode = Literal[tuple(_REF.region_centres)]

Subject = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=SINGLE_LINE)]
KldbCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
Amount = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CohortCreate(_In):
    """A course to plan at one of the provider's sites."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"site": "goethe-rabat", "starts_on": "2027-02-01", "weeks": 24, "hours_per_week": 25,
                 "total_hours": 600, "capacity": 20, "target_level": "B1", "trainers": ["trainer-rabat-1"]}
            ]
        },
    )  # fmt: skip

    site: SiteCode = Field(description="A provider's site (reference data); the provider follows from it.")
    starts_on: IsoDate
    weeks: int = Field(ge=1, le=104, description="Length of the course; it ends `weeks` after it starts.")
    hours_per_week: int = Field(ge=1, le=60)
    total_hours: int = Field(ge=1, le=2000)
    capacity: int = Field(ge=1, le=200)
    target_level: CefrLevel = CefrLevel.B1
    trainers: list[Subject] = Field(default_factory=list, max_length=10, description="Trainers' token subjects.")


class CohortUpdate(_In):
    capacity: int | None = Field(default=None, ge=1, le=200)
    trainers: list[Subject] | None = Field(default=None, max_length=10)
    weeks: int | None = Field(default=None, ge=1, le=104, description="A new length, from the start.")


class CohortStatusChange(_In):
    status: Literal[CohortStatus.RUNNING, CohortStatus.ENDED, CohortStatus.CANCELLED]


class CohortPublic(BaseModel):
    id: str
    provider: str
    site: str
    city: str
    region: str
    starts_on: date
    ends_on: date
    hours_per_week: int
    total_hours: int
    capacity: int
    target_level: str
    trainers: list[str]
    status: str
    created_at: datetime | None


class CohortPage(BaseModel):
    items: list[CohortPublic]
    next_cursor: str | None


class EnrolmentCreate(_In):
    """The journey's request (`contracts.activities.EnrolRequest` without its idempotency key)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"candidate_id": "9b2f6c0e-1d8e-4c55-9a3e-1b8b7d5c2a11", "occupation_code": "29302",
         "region": "rabat-sale-kenitra", "target_level": "B1"}]})  # fmt: skip

    candidate_id: uuid.UUID
    occupation_code: KldbCode
    region: RegionCode
    target_level: CefrLevel = CefrLevel.B1
    consulate: Literal["rabat"] | None = Field(default=None, description="Visa mission (default: Rabat).")


class EnrolmentCancel(_In):
    candidate_id: uuid.UUID | None = Field(default=None, description="Sent by the journey; must match if given.")
    reason_code: CancelReason


class EnrolmentPublic(BaseModel):
    id: uuid.UUID
    candidate_id: uuid.UUID
    cohort_id: str | None
    status: str
    occupation_code: str
    region: str
    consulate: str
    target_level: str
    level_reached: str | None
    level_reached_on: date | None
    requirement_met_on: date | None
    intercultural_completed_on: date | None
    ended_on: date | None
    end_reason_code: str | None
    requested_at: datetime | None
    enrolled_at: datetime | None


class EnrolmentPage(BaseModel):
    items: list[EnrolmentPublic]
    next_cursor: str | None


class PresenceIn(_In):
    enrolment_id: uuid.UUID
    present: bool


class SessionCreate(_In):
    """A class held, with every enrolled candidate's presence."""

    held_on: IsoDate
    starts_at: Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "09:00"
    hours: float = Field(gt=0, le=12)
    attendance: list[PresenceIn] = Field(max_length=200)


class SessionPublic(BaseModel):
    id: uuid.UUID
    cohort_id: str
    held_on: date
    starts_at: str
    hours: float


class AttendancePublic(BaseModel):
    enrolment_id: uuid.UUID
    period_start: date
    period_end: date
    sessions_held: int
    sessions_attended: int
    attendance_rate: float
    below_threshold: bool
    threshold: float


class LevelCreate(_In):
    level: CefrLevel
    reached_on: IsoDate


class ExamCreate(_In):
    """A registration for a certified exam; the fee is paid by the programme or the employer, never the candidate."""

    enrolment_id: uuid.UUID
    provider: ProviderCode
    level: CefrLevel = CefrLevel.B1
    sitting_on: IsoDate
    fee_amount: Amount
    fee_currency: Literal["MAD", "EUR"]
    fee_payer: CostPayer


class ModuleResultIn(_In):
    score: float = Field(ge=0, le=1000)
    max_score: float = Field(ge=1, le=1000)
    passed: bool


class ExamResultsCreate(_In):
    """The four modules' results of one sitting."""

    reading: ModuleResultIn
    listening: ModuleResultIn
    writing: ModuleResultIn
    speaking: ModuleResultIn


class ExamPublic(BaseModel):
    id: uuid.UUID
    enrolment_id: uuid.UUID
    provider: str
    level: str
    sitting_on: date
    fee_amount: Decimal
    fee_currency: str
    fee_payer: str
    results: list[dict[str, object]] | None
    graded_at: datetime | None


class CertificateCreate(_In):
    enrolment_id: uuid.UUID
    provider: ProviderCode
    number: Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9/-]+$")]
    level: CefrLevel
    issued_on: IsoDate


class CertificateVerification(_In):
    status: CertificateStatus


class CertificatePublic(BaseModel):
    id: uuid.UUID
    enrolment_id: uuid.UUID
    provider: str
    number: str
    level: str
    issued_on: date
    verification: str
    verified_at: datetime | None


class EnrolmentRecordBook(BaseModel):
    """An enrolment's exams and certificates."""

    exams: list[ExamPublic]
    certificates: list[CertificatePublic]


class DropoutCreate(_In):
    dropped_on: IsoDate
    reason_code: DropoutReason


class InterculturalCreate(_In):
    completed_on: IsoDate
