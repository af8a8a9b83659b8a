"""Visa rules without a database: the authorities' periods, the checklist, the case's moves, reference data."""

from __future__ import annotations

from datetime import date

import pytest

from services.visa import domain
from services.visa.domain import CaseStatus, ChecklistEntry, ItemStatus
from services.visa.reference import reference_data

REF = reference_data()
P = REF.periods


def test_the_ba_approval_is_deemed_after_two_weeks_and_one_under_81a() -> None:
    assert P.deemed_on(date(2026, 3, 2), accelerated=False) == date(2026, 3, 16)
    assert P.deemed_on(date(2026, 3, 2), accelerated=True) == date(2026, 3, 9)


def test_appointment_and_decision_periods() -> None:
    assert P.appointment_due_on(date(2026, 5, 4)) == date(2026, 5, 25)  # §81a: three weeks
    assert P.decision_due_on(date(2026, 5, 4), accelerated=True) == date(2026, 5, 25)
    assert P.decision_due_on(date(2026, 5, 4), accelerated=False) == date(2026, 7, 13)


def test_a_court_action_is_filed_within_one_calendar_month() -> None:
    assert P.court_action_until(date(2026, 1, 31)) == date(2026, 2, 28)  # the month's last day when shorter
    assert P.court_action_until(date(2026, 12, 15)) == date(2027, 1, 15)


def test_the_passport_must_run_twelve_months_past_the_planned_entry() -> None:
    entry = date(2027, 8, 1)
    assert P.passport_long_enough(date(2028, 8, 1), entry)
    assert not P.passport_long_enough(date(2028, 7, 31), entry)


def test_checklist_items_start_by_what_the_case_needs() -> None:
    always, fast_only, optional = (ChecklistEntry("PHOTOS", "", "always"), ChecklistEntry("PREAPPROVAL_81A", "",
                                   "accelerated"), ChecklistEntry("TRANSLATION", "", "optional"))  # fmt: skip
    assert domain.initial_status(always, accelerated=False) is ItemStatus.MISSING
    assert domain.initial_status(fast_only, accelerated=False) is ItemStatus.NOT_NEEDED
    assert domain.initial_status(fast_only, accelerated=True) is ItemStatus.MISSING
    assert domain.initial_status(optional, accelerated=False) is ItemStatus.MISSING and not optional.required_for(False)
    contract = ChecklistEntry("TRAINING_CONTRACT", "", "always")
    assert domain.initial_status(contract, accelerated=False) is ItemStatus.VERIFIED  # the signed version


def test_only_verified_required_items_complete_the_checklist() -> None:
    rows = [("PHOTOS", "verified", True), ("PASSPORT", "provided", True), ("BAC", "rejected", True),
            ("TRANSLATION", "missing", False)]  # fmt: skip
    assert domain.missing_items(rows) == ["BAC", "PASSPORT"]
    assert domain.missing_items([("PHOTOS", "verified", True), ("TRANSLATION", "missing", False)]) == []


@pytest.mark.parametrize(
    ("action", "status", "allowed"),
    [
        ("lodge", CaseStatus.APPOINTMENT_BOOKED, True),
        ("lodge", CaseStatus.OPENED, False),
        ("decide", CaseStatus.COURT_ACTION, True),
        ("reapply", CaseStatus.REFUSED, True),
        ("reapply", CaseStatus.GRANTED, False),
        ("cancel", CaseStatus.COLLECTED, True),
        ("cancel", CaseStatus.CANCELLED, False),
        ("request_approval", CaseStatus.LODGED, False),
    ],
)
def test_each_action_has_the_statuses_it_may_happen_in(action: str, status: CaseStatus, allowed: bool) -> None:
    if allowed:
        domain.ensure_move(action, status)
    else:
        with pytest.raises(domain.IllegalTransition):
            domain.ensure_move(action, status)


def test_reference_data_holds_together() -> None:
    assert REF.default_consulate == "rabat"
    assert "candidate" not in REF.fees["fee_81a"].payers  # the §81a fee is never the worker's
    assert REF.fees["visa_fee"].amount_cents == 7500 and REF.fees["fee_81a"].amount_cents == 41100
    codes = [c.code for c in REF.checklist]
    assert len(codes) == len(set(codes)) and {"PASSPORT", "LANG_CERT", "TRAINING_CONTRACT"} <= set(codes)
    assert REF.labour_approval_attempts >= 1 and "JOURNEY_REROUTED" in REF.cancel_reasons
