"""Events published by the visa-coordination service on `thamm.visa`, keyed by candidate id.

Ids, dates and codes only: no passport number, no application reference of an authority. Every event names the
training company (`employer_id`) so the employer's webhooks can route it. The dates an authority must keep
(deemed approval, appointment, decision, court action) travel in the events, computed by the visa service from
its reference data, so the journey's timers count from the facts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts import topics
from contracts.base import Event, event_type

_S = "visa"


class _VisaEvent(Event):
    TOPIC: ClassVar[str] = topics.VISA
    candidate_id: UUID = Field(description="Pseudonymous candidate id.")
    visa_case_id: UUID = Field(description="The visa case.")
    employer_id: UUID | None = Field(default=None, description="The training company the visa is for (webhooks).")


class VisaCaseOpened(_VisaEvent):
    """A visa case was opened for a signed training contract."""

    TYPE: ClassVar[str] = event_type(_S, "visa_case_opened")
    contract_id: UUID = Field(description="The training contract the visa is for.")
    consulate: str = Field(description="Consulate code, e.g. `rabat`.")
    accelerated: bool = Field(description="True if the §81a accelerated procedure is used.")
    opened_on: date = Field(description="Day the case was opened.")


class ChecklistCompleted(_VisaEvent):
    """Every required document of the case is verified: the application may be lodged."""

    TYPE: ClassVar[str] = event_type(_S, "checklist_completed")
    completed_on: date = Field(description="Day the last required item was verified.")


class AcceleratedProcedureAgreed(_VisaEvent):
    """The employer and the foreigners authority (ABH) agreed the §81a accelerated procedure."""

    TYPE: ClassVar[str] = event_type(_S, "accelerated_procedure_agreed")
    agreed_on: date = Field(description="Day of the agreement.")
    authority: str = Field(description="Code of the foreigners authority (ABH).")
    fee_payer: str = Field(description="Who pays the §81a fee: `employer` or `programme` (never the candidate).")


class LabourApprovalRequested(_VisaEvent):
    """The Federal Employment Agency's (BA) approval was asked for (directly, or by the ABH under §81a)."""

    TYPE: ClassVar[str] = event_type(_S, "labour_approval_requested")
    requested_on: date = Field(description="Day of the request.")
    attempt: int = Field(ge=1, description="1 for the first request, higher after a corrected contract.")
    contract_version: int = Field(ge=1, description="The contract version submitted.")
    deemed_on: date = Field(description="Approval is deemed given if the BA has not answered by this day.")


class LabourApprovalGranted(_VisaEvent):
    """The Federal Employment Agency (BA) approved the employment."""

    TYPE: ClassVar[str] = event_type(_S, "labour_approval_granted")
    granted_on: date = Field(description="Date of the approval.")
    procedure: str = Field(description="`ba_approval`, `ba_preapproval` or `81a_preapproval`.")
    attempt: int = Field(default=1, ge=1, description="The request answered.")


class LabourApprovalDeemed(_VisaEvent):
    """The BA did not answer within its period: approval is deemed given (Zustimmungsfiktion)."""

    TYPE: ClassVar[str] = event_type(_S, "labour_approval_deemed")
    deemed_on: date = Field(description="Day the period ended.")
    attempt: int = Field(ge=1, description="The request deemed approved.")


class LabourApprovalRefused(_VisaEvent):
    """The labour-market approval was refused (usually pay or conditions): the contract is corrected and
    resubmitted while attempts are left; it does not end the journey by itself."""

    TYPE: ClassVar[str] = event_type(_S, "labour_approval_refused")
    refused_on: date = Field(description="Date of the refusal.")
    reason_code: str = Field(description="Reason code, e.g. `PAY_BELOW_MINIMUM`.")
    attempt: int = Field(default=1, ge=1, description="The request refused.")
    attempts_left: int = Field(default=0, ge=0, description="Resubmissions still allowed by reference data.")


class PreapprovalIssued(_VisaEvent):
    """The foreigners authority issued the §81a pre-approval (Vorabzustimmung)."""

    TYPE: ClassVar[str] = event_type(_S, "preapproval_issued")
    issued_on: date = Field(description="Day of issue.")
    valid_until: date = Field(description="Last day the visa may be applied for with it.")
    appointment_due_on: date = Field(description="The consulate must offer an appointment by this day.")


class AppointmentRequested(_VisaEvent):
    """An appointment was asked for, at the consulate's service provider or through the online portal."""

    TYPE: ClassVar[str] = event_type(_S, "appointment_requested")
    requested_on: date = Field(description="Day of the request.")
    channel: str = Field(description="`tlscontact` or `auslandsportal`.")
    consulate: str = Field(description="Consulate code, e.g. `rabat`.")


class AppointmentBooked(_VisaEvent):
    """A visa appointment was booked at the consulate or its service provider."""

    TYPE: ClassVar[str] = event_type(_S, "appointment_booked")
    appointment_at: datetime = Field(description="Appointment time (UTC).")
    consulate: str = Field(description="Consulate code, e.g. `rabat`.")
    channel: str = Field(default="tlscontact", description="`tlscontact` or `auslandsportal`.")


class VisaLodged(_VisaEvent):
    """The application for the national D visa (§16a AufenthG) was lodged."""

    TYPE: ClassVar[str] = event_type(_S, "visa_lodged")
    lodged_on: date = Field(description="Date the application was lodged.")
    decision_due_on: date | None = Field(default=None, description="A decision is expected by this day.")


class VisaGranted(_VisaEvent):
    """The national D visa was granted."""

    TYPE: ClassVar[str] = event_type(_S, "visa_granted")
    valid_from: date = Field(description="First day of validity.")
    valid_until: date = Field(description="Last day of validity; the residence permit must be applied for before.")
    decided_on: date | None = Field(default=None, description="Day of the decision.")


class VisaRefused(_VisaEvent):
    """The visa was refused. There is no remonstration (abolished on 1 July 2025): the options are a new
    application or an action at the Berlin administrative court within one month; a case officer decides."""

    TYPE: ClassVar[str] = event_type(_S, "visa_refused")
    refused_on: date = Field(description="Date of the refusal notice.")
    reason_code: str = Field(description="Reason code from reference data.")
    court_action_until: date | None = Field(default=None, description="Last day to file an action at VG Berlin.")


class ReapplicationLodged(_VisaEvent):
    """After a refusal, a new application (with better documents) was lodged."""

    TYPE: ClassVar[str] = event_type(_S, "reapplication_lodged")
    lodged_on: date = Field(description="Day the new application was lodged.")
    application: int = Field(ge=2, description="2 for the first new application, and so on.")
    decision_due_on: date | None = Field(default=None, description="A decision is expected by this day.")


class CourtActionFiled(_VisaEvent):
    """An action against the refusal was filed at the Berlin administrative court (VG Berlin)."""

    TYPE: ClassVar[str] = event_type(_S, "court_action_filed")
    filed_on: date = Field(description="Day the action was filed.")


class VisaCollected(_VisaEvent):
    """The visa was collected (the passport with the visa is back with the candidate)."""

    TYPE: ClassVar[str] = event_type(_S, "visa_collected")
    collected_on: date = Field(description="Day of collection.")


class VisaCaseCancelled(_VisaEvent):
    """The case was cancelled (the offer or the contract fell away, or the candidate left)."""

    TYPE: ClassVar[str] = event_type(_S, "visa_case_cancelled")
    cancelled_on: date = Field(description="Day of the cancellation.")
    reason_code: str = Field(description="Reason code, e.g. `OFFER_WITHDRAWN`.")


class VisaCostRecorded(_VisaEvent):
    """A cost line of the visa stage (fees, translations, service fees) with its payer (FR-01)."""

    TYPE: ClassVar[str] = event_type(_S, "visa_cost_recorded")
    cost_line_id: UUID = Field(description="The cost line.")
    category: str = Field(description="e.g. `visa_fee`, `service_fee`, `fee_81a`, `translation`.")
    amount_cents: int = Field(ge=0, description="Amount in the currency's minor unit.")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")
    payer: str = Field(description="`employer`, `programme` or `candidate` (a worker-paid line is an alert).")
    incurred_on: date = Field(description="Day the cost arose.")


EVENTS: tuple[type[Event], ...] = (
    VisaCaseOpened,
    ChecklistCompleted,
    AcceleratedProcedureAgreed,
    LabourApprovalRequested,
    LabourApprovalGranted,
    LabourApprovalDeemed,
    LabourApprovalRefused,
    PreapprovalIssued,
    AppointmentRequested,
    AppointmentBooked,
    VisaLodged,
    VisaGranted,
    VisaRefused,
    ReapplicationLodged,
    CourtActionFiled,
    VisaCollected,
    VisaCaseCancelled,
    VisaCostRecorded,
)
