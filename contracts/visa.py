"""Events published by the visa-coordination service on `thamm.visa`, keyed by candidate id."""

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


class LabourApprovalGranted(_VisaEvent):
    """The Federal Employment Agency (BA) approved the employment (or the §81a pre-approval was issued)."""

    TYPE: ClassVar[str] = event_type(_S, "labour_approval_granted")
    granted_on: date = Field(description="Date of the approval.")
    procedure: str = Field(description="`ba_approval`, `ba_preapproval` or `81a_preapproval`.")


class LabourApprovalRefused(_VisaEvent):
    """The labour-market approval was refused."""

    TYPE: ClassVar[str] = event_type(_S, "labour_approval_refused")
    refused_on: date = Field(description="Date of the refusal.")
    reason_code: str = Field(description="Reason code, e.g. `PAY_BELOW_MINIMUM`.")


class AppointmentBooked(_VisaEvent):
    """A visa appointment was booked at the consulate or its service provider."""

    TYPE: ClassVar[str] = event_type(_S, "appointment_booked")
    appointment_at: datetime = Field(description="Appointment time (UTC).")
    consulate: str = Field(description="Consulate code, e.g. `rabat`.")


class VisaLodged(_VisaEvent):
    """The application for the national D visa (§16a AufenthG) was lodged."""

    TYPE: ClassVar[str] = event_type(_S, "visa_lodged")
    lodged_on: date = Field(description="Date the application was lodged.")


class VisaGranted(_VisaEvent):
    """The national D visa was granted."""

    TYPE: ClassVar[str] = event_type(_S, "visa_granted")
    valid_from: date = Field(description="First day of validity.")
    valid_until: date = Field(description="Last day of validity; the residence permit must be issued before.")


class VisaRefused(_VisaEvent):
    """The visa was refused. There is no remonstration (abolished on 1 July 2025): the options are a new
    application or an action at the Berlin administrative court within one month."""

    TYPE: ClassVar[str] = event_type(_S, "visa_refused")
    refused_on: date = Field(description="Date of the refusal notice.")
    reason_code: str = Field(description="Reason code from reference data.")


EVENTS: tuple[type[Event], ...] = (
    VisaCaseOpened,
    LabourApprovalGranted,
    LabourApprovalRefused,
    AppointmentBooked,
    VisaLodged,
    VisaGranted,
    VisaRefused,
)
