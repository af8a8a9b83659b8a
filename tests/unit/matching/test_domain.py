"""Matching rules without I/O: each ranking criterion, ties, explanations that add up; pay and contract rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from services.matching import domain
from services.matching.domain import CheckStatus, ContractTerms, Mobility
from services.matching.reference import reference_data

REF = reference_data()
W = REF.weights

PROFILE = domain.Profile(
    candidate_id="c-1", occupation_codes=("29302", "63302"), region="souss-massa", level="B1", target_level="B1",
    available_from=date(2027, 6, 1), preferred_lands=("DE-BY",), mobility=Mobility.ANYWHERE,
)  # fmt: skip
POSITION = domain.OpenPosition(
    position_id="p-1", employer_id="e-1", occupation_code="29302", land="DE-BY", required_level="B1",
    starts_on=date(2027, 8, 1), latest_start_on=date(2027, 10, 1), places=3, places_left=3,
)  # fmt: skip


def terms(s: domain.Suggestion) -> dict[str, Decimal]:
    return {t.criterion: t.fit for t in s.terms}


def test_a_perfect_pair_scores_every_point() -> None:
    best = domain.score(PROFILE, POSITION, W)
    assert best.score == Decimal(sum(W.values()))
    assert set(terms(best)) == {"occupation", "language", "start_date", "region", "places"}


@pytest.mark.parametrize(
    ("change", "criterion", "fit"),
    [
        ({"occupation_code": "63302"}, "occupation", "0.70"),  # a second choice
        ({"occupation_code": "29312"}, "occupation", "0.30"),  # same KldB group 293
        ({"required_level": "B2"}, "language", "0.00"),  # B1 reached, course only to B1
        ({"starts_on": date(2027, 5, 1)}, "start_date", "0.50"),  # available after the start, before the latest
        ({"starts_on": date(2027, 3, 1), "latest_start_on": date(2027, 4, 1)}, "start_date", "0.00"),
        ({"land": "DE-NW"}, "region", "0.50"),  # not preferred, but mobile
        ({"places_left": 1}, "places", "0.33"),
    ],
)
def test_each_criterion_lowers_only_its_own_term(change: dict[str, object], criterion: str, fit: str) -> None:
    suggestion = domain.score(PROFILE, replace(POSITION, **change), W)  # type: ignore[arg-type]
    fits = terms(suggestion)
    assert fits[criterion] == Decimal(fit)
    assert all(v == 1 for k, v in fits.items() if k != criterion)


def test_language_in_progress_counts_half_and_a_fixed_region_preference_excludes_other_lands() -> None:
    learning = replace(PROFILE, level="A2", target_level="B1")
    assert terms(domain.score(learning, POSITION, W))["language"] == Decimal("0.50")
    rooted = replace(PROFILE, mobility=Mobility.PREFERRED_ONLY)
    assert terms(domain.score(rooted, replace(POSITION, land="DE-HH"), W))["region"] == 0
    assert terms(domain.score(replace(PROFILE, preferred_lands=()), POSITION, W))["region"] == Decimal("0.50")


def test_the_explanation_adds_up_to_the_score_exactly() -> None:
    odd = replace(PROFILE, level="A2", available_from=date(2027, 9, 1), preferred_lands=("DE-HE",))
    for places_left in (1, 2, 3):
        s = domain.score(odd, replace(POSITION, places_left=places_left), W)
        assert s.score == sum(t.points for t in s.terms)
        assert all(t.points == (t.fit * t.weight).quantize(Decimal("0.01")) for t in s.terms)


def test_ranking_leaves_out_other_occupations_and_full_positions_and_breaks_ties_reproducibly() -> None:
    positions = [
        replace(POSITION, position_id="p-b", starts_on=date(2027, 9, 1)),
        replace(POSITION, position_id="p-a", starts_on=date(2027, 9, 1)),
        replace(POSITION, position_id="p-early"),
        replace(POSITION, position_id="p-full", places_left=0),
        replace(POSITION, position_id="p-mason", occupation_code="32122"),
        replace(POSITION, position_id="p-second", occupation_code="63302"),
    ]
    ranked = domain.rank(PROFILE, positions, W)
    assert [s.position.position_id for s in ranked] == ["p-early", "p-a", "p-b", "p-second"]
    assert [s.rank for s in ranked] == [1, 2, 3, 4]
    assert ranked[0].score == ranked[1].score  # a tie, broken by the earlier start and then the id


def test_candidates_for_a_position_are_ranked_the_same_way() -> None:
    weaker = replace(PROFILE, candidate_id="c-2", level="A2")
    other = replace(PROFILE, candidate_id="c-3", occupation_codes=("32122",))
    ranked = domain.rank_profiles(POSITION, [weaker, other, PROFILE], W, limit=5)
    assert [p.candidate_id for p, _ in ranked] == ["c-1", "c-2"]


def contract(**kw: object) -> ContractTerms:
    base = ContractTerms(
        starts_on=date(2026, 8, 1), duration_months=36, probation_months=4, weekly_hours=39,
        monthly_pay_cents=(100_000, 110_000, 120_000), collective_agreement=False,
    )  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def by_rule(checks: list[domain.Check]) -> dict[str, CheckStatus]:
    return {c.rule: c.status for c in checks}


def test_minimum_training_pay_is_taken_for_the_start_year_and_each_training_year() -> None:
    # 2026 minimum: 724 / 854 / 977; 2025: 682 / 805 / 921.
    just = contract(monthly_pay_cents=(72_400, 85_400, 97_700))
    assert by_rule(domain.check_contract(just, REF.pay, 36))["minimum_pay"] is CheckStatus.PASSED
    third_year_short = contract(monthly_pay_cents=(72_400, 85_400, 97_600))
    failed = domain.check_contract(third_year_short, REF.pay, 36)
    assert by_rule(failed)["minimum_pay"] is CheckStatus.FAILED
    assert "year 3" in next(c.detail for c in failed if c.rule == "minimum_pay")
    started_2025 = contract(starts_on=date(2025, 9, 1), monthly_pay_cents=(68_200, 80_500, 92_100))
    assert by_rule(domain.check_contract(started_2025, REF.pay, 36))["minimum_pay"] is CheckStatus.PASSED


def test_a_start_year_without_published_figures_is_provisional_and_needs_an_officer() -> None:
    later = contract(starts_on=date(2027, 8, 1))
    checks = domain.check_contract(later, REF.pay, 36)
    assert by_rule(checks)["minimum_pay"] is CheckStatus.PROVISIONAL
    blocked = domain.signability(checks, 1, 1, {"no_repayment_clauses": True})
    assert any("pay_reference_checked" in m for m in blocked.missing)
    assert domain.signability(checks, 1, 1, {"no_repayment_clauses": True, "pay_reference_checked": True}).ready


def test_the_tariff_rule_allows_twenty_percent_below_only_without_a_collective_agreement() -> None:
    tariff = (125_000, 130_000, 135_000)
    at_80 = contract(monthly_pay_cents=(100_000, 104_000, 108_000), tariff_monthly_cents=tariff)
    assert by_rule(domain.check_contract(at_80, REF.pay, 36))["tariff"] is CheckStatus.PASSED
    below_80 = contract(monthly_pay_cents=(99_999, 104_000, 108_000), tariff_monthly_cents=tariff)
    assert by_rule(domain.check_contract(below_80, REF.pay, 36))["tariff"] is CheckStatus.FAILED
    bound = replace(at_80, collective_agreement=True)
    assert by_rule(domain.check_contract(bound, REF.pay, 36))["tariff"] is CheckStatus.FAILED


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"probation_months": 5}, "probation"),
        ({"weekly_hours": 42}, "weekly_hours"),
        ({"duration_months": 48}, "duration"),
        ({"monthly_pay_cents": (80_000, 90_000, 100_000)}, "subsistence"),
    ],
)
def test_probation_hours_duration_and_subsistence(change: dict[str, object], rule: str) -> None:
    assert by_rule(domain.check_contract(contract(), REF.pay, 36))[rule] is CheckStatus.PASSED
    assert by_rule(domain.check_contract(contract(**change), REF.pay, 36))[rule] is CheckStatus.FAILED


def test_a_documented_top_up_covers_subsistence() -> None:
    low = contract(monthly_pay_cents=(80_000, 90_000, 100_000), top_up_monthly_cents=15_000)
    assert by_rule(domain.check_contract(low, REF.pay, 36))["subsistence"] is CheckStatus.PASSED


def test_an_amendment_needs_a_new_acknowledgement_and_the_checklist_before_signing() -> None:
    checks = domain.check_contract(contract(), REF.pay, 36)
    confirmed = {"no_repayment_clauses": True}
    assert domain.signability(checks, acknowledged_version=1, version=1, confirmations=confirmed).ready
    amended = domain.signability(checks, acknowledged_version=1, version=2, confirmations=confirmed)
    assert amended.missing == ["the candidate acknowledges version 2 in German and in their language"]
    unconfirmed = domain.signability(checks, acknowledged_version=1, version=1, confirmations={})
    assert any("repayment" in m for m in unconfirmed.missing)


def test_the_digest_changes_with_any_term_and_not_with_key_order() -> None:
    a = domain.contract_digest({"terms": {"x": 1, "y": 2}, "text_de": "Vertrag"})
    assert a == domain.contract_digest({"text_de": "Vertrag", "terms": {"y": 2, "x": 1}})
    assert a != domain.contract_digest({"terms": {"x": 1, "y": 3}, "text_de": "Vertrag"})
    assert len(a) == 64


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [(date(2027, 8, 1), 36, date(2030, 7, 31)), (date(2027, 9, 1), 42, date(2031, 2, 28)),
     (date(2027, 8, 15), 24, date(2029, 8, 14))],
)  # fmt: skip
def test_the_training_ends_the_day_before_the_same_date_after_its_duration(start: date, months: int, end: date) -> None:
    assert domain.ends_on(start, months) == end
