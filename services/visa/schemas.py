"""HTTP schemas of the visa API: XCreate / XPublic. Reference data appear as enums."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from services.common.fields import IsoDate, IsoDateTime, JsonInt
from services.visa.domain import ApprovalStatus, CaseStatus, Channel, ItemStatus, Payer
from services.visa.reference import reference_data

_REF = reference_data()
if TYPE_CHECKING:
    CountryCode: TypeAlias = str
    Authority: TypeAlias = str
    CancelReason: TypeAlias = str
    LabourRefusal: TypeAlias = str
    VisaRefusal: TypeAlias = str
    RejectionReason: TypeAlias = str
    CostCategory: TypeAlias = str
    ItemCode: TypeAlias = str
else:
    CountryCode = Literal[tuple(_REF.consulates)]
    Authority = Literal[tuple(_REF.authorities)]
    CancelReason = Literal[tuple(_REF.cancel_reasons)]
    LabourRefusal = Literal[tuple(_REF.labour_refusal_reasons)]
    VisaRefusal = Literal[tuple(_REF.visa_refusal_reasons)]
    RejectionReason = Literal[tuple(_REF.rejection_reasons)]
    CostCategory = Literal[tuple(_REF.cost_categories)]
    ItemCode = Literal[tuple(c.code for c in _REF.checklist)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VisaCaseCreate(_In):
    """`contracts.activities.OpenVisaCaseRequest` without its idempotency key (that is the header)."""

    candidate_id: uuid.UUID
    contract_id: uuid.UUID
    employer_id: uuid.UUID
    accelerated: StrictBool = Field(default=False, description="Use the §81a accelerated procedure.")
    contract_version: JsonInt = Field(default=1, ge=1, le=1000)
    planned_entry_on: IsoDate | None = Field(default=None, description="Planned entry (the training start).")
    country: CountryCode | None = Field(default=None, description="Country of residence; the consulate follows.")
    channel: Channel | None = Field(default=None, description="`tlscontact` (default) or `auslandsportal`.")


class VisaCaseCancel(_In):
    candidate_id: uuid.UUID | None = Field(default=None, description="Sent by the journey; must match the case.")
    reason_code: CancelReason


class ChecklistItemUpdate(_In):
    status: ItemStatus
    reason_code: RejectionReason | None = Field(default=None, description="Why a document was rejected.")
    passport_valid_until: IsoDate | None = Field(
        default=None, description="PASSPORT only: the validity an officer saw (never the number)."
    )


class ChecklistItemPublic(BaseModel):
    code: str
    label: str
    required: bool
    status: ItemStatus
    reason_code: str | None
    changed_by: str | None
    updated_at: datetime | None


class Checklist(BaseModel):
    visa_case_id: uuid.UUID
    complete: bool
    missing: list[str] = Field(description="Required items not verified yet.")
    items: list[ChecklistItemPublic]


class AcceleratedAgreement(_In):
    agreed_on: IsoDate
    authority: Authority = Field(description="The foreigners authority (ABH) that agreed.")
    fee_payer: Literal["employer", "programme"] = Field(description="Who pays the €411 fee (never the candidate).")


class ApprovalRequestCreate(_In):
    candidate_id: uuid.UUID | None = Field(default=None, description="Sent by the journey; must match the case.")
    contract_version: JsonInt = Field(ge=1, le=1000)
    requested_on: IsoDate | None = Field(default=None, description="Day the request went out (default today).")


class ApprovalDecision(_In):
    attempt: JsonInt = Field(ge=1, le=100)
    outcome: Literal["granted", "refused"]
    decided_on: IsoDate
    reason_code: LabourRefusal | None = Field(default=None, description="Required for a refusal.")


class DeemedCreate(_In):
    candidate_id: uuid.UUID | None = Field(default=None, description="Sent by the journey; must match the case.")
    attempt: JsonInt = Field(ge=1, le=100)


class LabourApprovalPublic(BaseModel):
    attempt: int
    contract_version: int
    authority: str
    requested_on: date
    deemed_on: date
    status: ApprovalStatus
    decided_on: date | None
    reason_code: str | None


class PreapprovalCreate(_In):
    issued_on: IsoDate
    valid_until: IsoDate | None = Field(default=None, description="Default: reference data's validity.")


class AppointmentCreate(_In):
    appointment_at: IsoDateTime
    channel: Channel | None = None


class LodgementCreate(_In):
    lodged_on: IsoDate
    visa_fee_payer: Payer = Field(description="Who pays the €75 visa fee (a candidate payer raises an alert).")


class DecisionCreate(_In):
    outcome: Literal["granted", "refused"]
    decided_on: IsoDate
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None
    reason_code: VisaRefusal | None = Field(default=None, description="Required for a refusal.")


class CourtActionCreate(_In):
    filed_on: IsoDate


class CollectionCreate(_In):
    collected_on: IsoDate


class CostCreate(_In):
    category: CostCategory
    amount_cents: JsonInt = Field(ge=0, le=100_000_000)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    payer: Payer
    payee: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    incurred_on: IsoDate


class CostPublic(BaseModel):
    id: uuid.UUID
    category: str
    amount_cents: int
    currency: str
    payer: Payer
    payee: str
    incurred_on: date
    recorded_by: str


class VisaCasePublic(BaseModel):
    """A visa case: status, the approval, the consulate's steps and their dates (no personal data)."""

    id: uuid.UUID
    candidate_id: uuid.UUID
    contract_id: uuid.UUID
    contract_version: int
    employer_id: uuid.UUID
    consulate: str
    channel: str
    accelerated: bool
    status: CaseStatus
    planned_entry_on: date | None
    opened_on: date
    checklist_completed_on: date | None
    approval_status: ApprovalStatus
    approval_attempts: int
    agreement_on: date | None
    agreement_authority: str | None
    fee_81a_payer: str | None
    preapproval_issued_on: date | None
    preapproval_valid_until: date | None
    appointment_requested_on: date | None
    appointment_at: datetime | None
    applications: int
    lodged_on: date | None
    decision_due_on: date | None
    valid_from: date | None
    valid_until: date | None
    refused_on: date | None
    refusal_reason_code: str | None
    court_action_filed_on: date | None
    collected_on: date | None
    cancelled_on: date | None
    cancel_reason_code: str | None
    created_at: datetime | None
    updated_at: datetime | None


class VisaCasePage(BaseModel):
    items: list[VisaCasePublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class CostPage(BaseModel):
    items: list[CostPublic]
    total_by_payer: dict[str, dict[str, int]] = Field(description="Sum per payer and currency, minor units.")
