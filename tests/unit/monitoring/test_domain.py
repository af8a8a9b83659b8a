"""Follow-up rules: risk from signals, the check-in schedule, booking rates, payers, moves."""

from __future__ import annotations

import pytest

from services.monitoring import domain
from services.monitoring.domain import GrievanceStatus, Payer, RiskLevel
from services.monitoring.reference import reference_data

REF = reference_data()


def test_risk_rises_with_distinct_signals_and_missed_school_days_over_the_threshold() -> None:
    rules = REF.risk
    assert rules.assess([], 0) is RiskLevel.LOW
    assert rules.assess([], rules.missed_school_days - 1) is RiskLevel.LOW
    assert rules.assess([], rules.missed_school_days) is RiskLevel.MEDIUM
    assert rules.assess(["PAY"], 0) is RiskLevel.MEDIUM
    assert rules.assess(["PAY", "PAY"], 0) is RiskLevel.MEDIUM
    assert rules.assess(["PAY", "HOUSING"], 0) is RiskLevel.HIGH
    assert rules.assess(["MISSED_SCHOOL_DAYS"], rules.missed_school_days) is RiskLevel.MEDIUM


def test_amounts_convert_to_euro_and_dirham_at_the_booking_rates() -> None:
    assert REF.rates.eur_cents(10000, "EUR") == 10000
    assert REF.rates.eur_cents(230000, "MAD") == round(230000 * REF.rates.to_eur["MAD"])
    assert REF.rates.mad_cents(230000, "MAD") == 230000
    assert REF.rates.mad_cents(10000, "EUR") == round(10000 * REF.rates.eur_to_mad)
    with pytest.raises(domain.UnknownCurrency):
        REF.rates.eur_cents(100, "XYZ")


def test_every_service_s_word_for_the_worker_is_the_worker() -> None:
    assert domain.payer_of("candidate") is Payer.WORKER
    assert domain.payer_of("employer") is Payer.EMPLOYER
    assert domain.decimal_to_cents("2300.5") == 230050 and domain.decimal_to_cents("75") == 7500


def test_moves_are_checked() -> None:
    domain.ensure_move("arrive", "departed")
    with pytest.raises(domain.IllegalTransition):
        domain.ensure_move("terminate", "predeparture")
    domain.ensure_grievance_move("open", GrievanceStatus.ACKNOWLEDGED)
    with pytest.raises(domain.IllegalTransition):
        domain.ensure_grievance_move("resolved", GrievanceStatus.ESCALATED)
