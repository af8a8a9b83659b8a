"""Visa-coordination rules: case statuses and moves, the document checklist, the authorities' periods.

No framework, no SQL: plain data in, decisions out.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from contracts.errors import DomainError, ErrorKind


class CaseStatus(StrEnum):
    OPENED = "opened"  # checklist and labour-market approval in progress
    APPOINTMENT_REQUESTED = "appointment_requested"
    APPOINTMENT_BOOKED = "appointment_booked"
    LODGED = "lodged"
    GRANTED = "granted"
    REFUSED = "refused"
    COURT_ACTION = "court_action"
    COLLECTED = "collected"
    CANCELLED = "cancelled"


class ApprovalStatus(StrEnum):
    NOT_REQUESTED = "not_requested"
    REQUESTED = "requested"
    GRANTED = "granted"
    DEEMED = "deemed"
    REFUSED = "refused"


class ItemStatus(StrEnum):
    MISSING = "missing"
    PROVIDED = "provided"
    VERIFIED = "verified"
    REJECTED = "rejected"
    NOT_NEEDED = "not_needed"


class Payer(StrEnum):
    EMPLOYER = "employer"
    PROGRAMME = "programme"
    CANDIDATE = "candidate"


class Channel(StrEnum):
    TLSCONTACT = "tlscontact"
    AUSLANDSPORTAL = "auslandsportal"


APPROVED = frozenset({ApprovalStatus.GRANTED, ApprovalStatus.DEEMED})

#: Where each action may happen.
MOVES: dict[str, frozenset[CaseStatus]] = {
    "book_appointment": frozenset({CaseStatus.APPOINTMENT_REQUESTED, CaseStatus.APPOINTMENT_BOOKED}),
    "lodge": frozenset({CaseStatus.APPOINTMENT_BOOKED}),
    "decide": frozenset({CaseStatus.LODGED, CaseStatus.COURT_ACTION}),
    "reapply": frozenset({CaseStatus.REFUSED}),
    "file_court_action": frozenset({CaseStatus.REFUSED}),
    "collect": frozenset({CaseStatus.GRANTED}),
    "request_approval": frozenset({CaseStatus.OPENED}),
    "decide_approval": frozenset({CaseStatus.OPENED}),
    "preapproval": frozenset({CaseStatus.OPENED}),
    "agree_accelerated": frozenset({CaseStatus.OPENED}),
    "cancel": frozenset(set(CaseStatus) - {CaseStatus.CANCELLED}),
}


class IllegalTransition(DomainError):
    code, title = "illegal-transition", "Not possible in the case's status"


class ChecklistIncomplete(DomainError):
    code, title = "checklist-incomplete", "Required documents are not verified"


class AttemptsExhausted(DomainError):
    code, title = "attempts-exhausted", "No resubmission of the labour-market approval is left"


class CaseConflict(DomainError):
    code, title = "case-conflict", "Another visa case is open for the candidate"


class NotAccelerated(DomainError):
    code, title = "not-accelerated", "The case does not use the §81a accelerated procedure"


class PayerNotAllowed(DomainError):
    kind, code, title = ErrorKind.INVALID, "payer-not-allowed", "This cost may not be paid by that payer"


class PeriodEnded(DomainError):
    kind, code, title = ErrorKind.INVALID, "period-ended", "The legal period has ended"


class PassportTooShort(DomainError):
    kind, code, title = (
        ErrorKind.INVALID,
        "passport-validity",
        "The passport is not valid long enough after the planned entry",
    )


def ensure_move(action: str, status: str) -> None:
    if CaseStatus(status) not in MOVES[action]:
        raise IllegalTransition(f"cannot {action.replace('_', ' ')} a case that is {status}", current_status=status)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Periods:
    """The authorities' periods (reference data)."""

    deemed_after_days: dict[str, int]
    appointment_within_days_81a: int
    decision_within_days: dict[str, int]
    court_action_within_months: int
    passport_validity_months: int

    def deemed_on(self, requested_on: date, accelerated: bool) -> date:
        """The BA's approval counts as given if it has not answered by this day (Zustimmungsfiktion)."""
        return requested_on + timedelta(days=self.deemed_after_days["accelerated" if accelerated else "standard"])

    def decision_due_on(self, lodged_on: date, accelerated: bool) -> date:
        return lodged_on + timedelta(days=self.decision_within_days["accelerated" if accelerated else "standard"])

    def appointment_due_on(self, issued_on: date) -> date:
        return issued_on + timedelta(days=self.appointment_within_days_81a)

    def court_action_until(self, refused_on: date) -> date:
        return add_months(refused_on, self.court_action_within_months)

    def passport_long_enough(self, valid_until: date, planned_entry_on: date) -> bool:
        return valid_until >= add_months(planned_entry_on, self.passport_validity_months)


@dataclass(frozen=True)
class ChecklistEntry:
    code: str
    label: str
    required: str  # always | accelerated | optional

    def required_for(self, accelerated: bool) -> bool:
        return self.required == "always" or (self.required == "accelerated" and accelerated)


def initial_status(entry: ChecklistEntry, accelerated: bool) -> ItemStatus:
    """Items a case does not need start as not_needed; the training contract is the signed version the case
    was opened for (matching checked it and holds its hash), so it starts verified."""
    if not entry.required_for(accelerated) and entry.required != "optional":
        return ItemStatus.NOT_NEEDED
    return ItemStatus.VERIFIED if entry.code == "TRAINING_CONTRACT" else ItemStatus.MISSING


def missing_items(items: Iterable[tuple[str, str, bool]]) -> list[str]:
    """Codes of required items not verified yet, from (code, status, required) rows."""
    return sorted(code for code, status, required in items if required and status != ItemStatus.VERIFIED)
