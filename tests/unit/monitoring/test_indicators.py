"""Every indicator on hand-built read models: funnel, durations without holds, language, retention, SDG 10.7.1
with and without zero-cost workers, ICLS tables, small-cell suppression, the exports."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from typing import Any

from services.monitoring import exports
from services.monitoring import indicators as ind
from services.monitoring.tables import ExamStatsRecord, LedgerLineRecord, PersonStatsRecord

K = 5
CLS = ind.Classifications(isco_by_kldb={"29302": "5120", "25102": "7233"}, nace_by_kldb={"29302": "I", "25102": "C"})
APPLIED = date(2026, 1, 10)


def person(**kw: Any) -> PersonStatsRecord:
    base: dict[str, Any] = {
        "candidate_id": uuid.uuid4(), "programme_id": "thamm-ausbildung", "applied_on": APPLIED, "eligible": True,
        "sex": "F", "age_band": "15-24", "region": "souss-massa", "occupation": "29302", "terminations": [],
        "held_days": {}, "periods": {}, "replacements": 0, "attendance_held": 0, "attendance_attended": 0,
    }  # fmt: skip
    return PersonStatsRecord(**{**base, **kw})


def arrived(n: int, **kw: Any) -> list[PersonStatsRecord]:
    """n people through the whole journey to arrival on 2026-11-10 (10 months after applying)."""
    steps = {"preselected_on": date(2026, 2, 1), "enrolled_on": date(2026, 2, 15), "b1_on": date(2026, 7, 1),
             "matched_on": date(2026, 7, 20), "contract_on": date(2026, 8, 1), "visa_on": date(2026, 10, 1),
             "departed_on": date(2026, 11, 9), "arrived_on": date(2026, 11, 10), "land": "DE-BY",
             "in_training_on": date(2026, 11, 20), "monthly_pay_cents": 110000}  # fmt: skip
    return [person(**{**steps, **kw}) for _ in range(n)]


def line(p: PersonStatsRecord, payer: str, eur: int, reimburses: Any = None) -> LedgerLineRecord:
    return LedgerLineRecord(
        id=uuid.uuid4(), candidate_id=p.candidate_id, source="monitoring", category="medical", amount_cents=eur,
        currency="EUR", rate_to_eur=1.0, amount_eur_cents=eur, amount_mad_cents=eur * 10, incurred_on=APPLIED,
        payer=payer, reimburses=reimburses,
    )  # fmt: skip


def test_a_figure_from_fewer_than_five_people_is_suppressed_and_zero_people_too() -> None:
    assert ind.figure(12, 4, K) == {"value": None, "n": None, "suppressed": True}
    assert ind.figure(0, 0, K)["suppressed"] is True
    assert ind.figure(0.5, 5, K) == {"value": 0.5, "n": 5, "suppressed": False}


def test_the_funnel_counts_each_stage_and_converts_with_suppression_of_small_cells() -> None:
    people = [*arrived(6), *[person() for _ in range(14)], *[person(eligible=False) for _ in range(2)]]
    rows = {r["stage"]: r for r in ind.funnel(people, K)}
    assert rows["applicants"]["count"]["value"] == 22
    assert rows["eligible"]["count"]["value"] == 20
    assert rows["preselected"]["count"]["value"] == 6
    assert rows["preselected"]["from_previous"]["value"] == 0.3
    assert rows["arrived"]["from_applicants"]["value"] == round(6 / 22, 4)
    assert rows["completed"]["count"]["suppressed"] is True  # nobody yet: fewer than 5 people
    assert (
        rows["completed"]["from_previous"]["suppressed"] is False and rows["completed"]["from_previous"]["value"] == 0
    )


def test_durations_take_time_on_hold_out_and_report_median_p90_and_the_target() -> None:
    people = arrived(5) + arrived(1, held_days={"VISA": 30.0}) + arrived(4, arrived_on=date(2027, 6, 10))
    rows = {r["stage"]: r for r in ind.durations(people, K, (9, 14))}
    assert rows["visa"]["median_days"]["value"] == 61  # 2026-08-01 to 2026-10-01, the hold taken out of one
    assert rows["call_to_arrival"]["median_days"]["value"] == 304
    assert rows["call_to_arrival"]["p90_days"]["value"] == 516  # 2027-06-10: 17 months
    assert rows["call_to_arrival"]["within_target"]["value"] == 0.6
    assert ind.stage_days(people[5], "contract_on", "visa_on", ("VISA",)) == 31
    few = {r["stage"]: r for r in ind.durations(arrived(4), K, (9, 14))}
    assert few["visa"]["median_days"]["suppressed"] is True


def test_language_pass_rate_per_module_time_to_b1_and_attendance() -> None:
    people = arrived(5, attendance_held=100, attendance_attended=90)
    exams = [
        ExamStatsRecord(
            exam_id=uuid.uuid4(),
            candidate_id=p.candidate_id,
            level="B1",
            taken_on=date(2026, 7, 1),
            passed=i < 4,
            modules={"reading": True, "speaking": i < 4},
        )
        for i, p in enumerate(people)
    ]
    result = ind.language(people, exams, K)
    assert result["module_pass_rate"]["reading"]["value"] == 1.0
    assert result["module_pass_rate"]["speaking"]["value"] == 0.8
    assert result["sittings_pass_rate"]["value"] == 0.8
    assert result["days_to_b1_median"]["value"] == 136
    assert result["attendance_rate"]["value"] == 0.9


def test_retention_counts_who_is_still_in_training_and_terminations_by_reason_and_timing() -> None:
    stay = arrived(6)
    early = [{"on": "2027-01-15", "reason_code": "CONFLICT", "during_probation": True, "initiated_by": "employer"}]
    later = [{"on": "2027-04-20", "reason_code": "HEALTH", "during_probation": False, "initiated_by": "apprentice"}]
    left = arrived(2, terminations=early) + arrived(2, terminations=later)
    replaced = arrived(1, terminations=early, replacements=1)
    result = ind.retention([*stay, *left, *replaced], date(2027, 11, 1), (3, 6, 12), K)
    curve = {r["months"]: r for r in result["curve"]}
    assert curve[3]["share"]["value"] == round(9 / 11, 4)  # 2027-02-10: the two early ones are out
    assert curve[6]["share"]["value"] == round(7 / 11, 4)  # 2027-05-10: the two later ones too
    assert curve[12]["observed"]["suppressed"] is True  # nobody arrived 12 months before 2027-11-01
    assert result["by_timing"]["probation"]["suppressed"] is True  # 3 terminations: fewer than 5
    assert result["terminations"]["value"] == 5


def test_sdg_10_7_1_with_and_without_zero_cost_workers_and_reimbursements() -> None:
    zero = arrived(8)
    paying = arrived(5, sex="M", first_month_eur_cents=100000)
    lines = [line(p, "worker", 50000) for p in paying] + [line(zero[0], "employer", 70000)]
    refunded = line(zero[1], "worker", 30000)
    lines += [refunded, line(zero[1], "employer", 30000, reimburses=refunded.id)]
    result = ind.sdg_10_7_1([*zero, *paying], lines, K, CLS)
    assert result["target"] == 0
    assert result["programme"]["mean"]["value"] == round(5 * 0.5 / 13, 4)
    assert result["programme"]["mean_without_zero_cost"]["value"] == 0.5  # the reimbursed one is a zero again
    assert result["by_sex"]["M"]["mean"]["value"] == 0.5
    assert result["by_sex"]["F"]["mean"]["value"] == 0.0
    assert result["by_sex"]["F"]["mean_without_zero_cost"]["suppressed"] is True
    assert result["by_sex"]["F"]["workers_with_costs"]["value"] == 0  # the refunded one is a zero again
    assert result["by_sex"]["M"]["workers_with_costs"]["value"] == 5
    assert result["by_occupation"]["5120"]["mean"]["n"] == 13
    assert ind.worker_costs(lines)[zero[1].candidate_id] == 0


def test_sdg_uses_the_contract_pay_when_no_earnings_were_reported_and_skips_workers_not_yet_arrived() -> None:
    p = arrived(1)[0]
    not_arrived = person()
    pairs = ind.sdg_ratios([p, not_arrived], [line(p, "worker", 11000), line(not_arrived, "worker", 5000)])
    assert [(x.candidate_id, r) for x, r in pairs] == [(p.candidate_id, 0.1)]


def test_icls_tables_give_flow_stock_and_returns_by_each_disaggregation_with_not_stated() -> None:
    people = arrived(5) + arrived(1, sex=None, returned_on=date(2027, 3, 1))
    rows = ind.icls_tables(people, date(2027, 6, 30), K, CLS)
    get = {(r["measure"], r["period"], r["dimension"], r["category"]): r for r in rows}
    assert get[("FLOW_FOR_WORK", "2026-11", "total", "_T")]["value"] == 6
    assert get[("FLOW_FOR_WORK", "2026-11", "sex", "F")]["value"] == 5
    assert get[("FLOW_FOR_WORK", "2026-11", "sex", "not stated")]["suppressed"] is True
    assert get[("FLOW_FOR_WORK", "2026-11", "isco08", "5120")]["value"] == 6
    assert get[("FLOW_FOR_WORK", "2026-11", "nace", "I")]["value"] == 6
    assert get[("FLOW_FOR_WORK", "2026-11", "country_of_birth", "not stated")]["value"] == 6
    assert get[("STOCK_MIGRANT_WORKERS", "2027-06-30", "total", "_T")]["value"] == 5
    assert get[("RETURNS", "2027-03", "total", "_T")]["suppressed"] is True


def test_the_sdmx_file_has_one_observation_per_row_and_flags_suppressed_cells() -> None:
    rows = ind.icls_tables(arrived(5) + arrived(1, sex="M"), date(2027, 6, 30), K, CLS)
    parsed = list(csv.DictReader(io.StringIO(exports.icls_sdmx(rows))))
    total = next(r for r in parsed if r["MEASURE"] == "FLOW_FOR_WORK" and r["SEX"] == "_T" and r["AGE"] == "_T"
                 and r["OCCUPATION"] == "_T" and r["EDUCATION_LEV"] == "_T" and r["ECONOMIC_ACTIVITY"] == "_T"
                 and r["CITIZENSHIP"] == "_T" and r["BIRTH_COUNTRY"] == "_T")  # fmt: skip
    assert total["OBS_VALUE"] == "6" and total["CONF_STATUS"] == "F" and total["TIME_PERIOD"] == "2026-11"
    men = next(r for r in parsed if r["MEASURE"] == "FLOW_FOR_WORK" and r["SEX"] == "M")
    assert men["OBS_VALUE"] == "" and men["CONF_STATUS"] == "C"
    unknown = next(r for r in parsed if r["BIRTH_COUNTRY"] == "_U")
    assert unknown["OBS_VALUE"] == "6"


def test_the_csv_export_flattens_figures_and_leaves_suppressed_cells_empty() -> None:
    text = exports.rows_to_csv(ind.funnel([*arrived(6), person()], K))
    parsed = {r["stage"]: r for r in csv.DictReader(io.StringIO(text))}
    assert parsed["applicants"]["count"] == "7" and parsed["applicants"]["count.suppressed"] == "False"
    assert parsed["completed"]["count"] == "" and parsed["completed"]["count.suppressed"] == "True"


def test_filters_select_by_isco_land_and_sex() -> None:
    people = arrived(3, occupation="25102") + arrived(2, land="DE-BE") + [person(sex="M")]
    assert len(ind.select(people, ind.Filters(isco="7233"), CLS)) == 3
    assert len(ind.select(people, ind.Filters(land="DE-BE"), CLS)) == 2
    assert len(ind.select(people, ind.Filters(sex="M", region="souss-massa"), CLS)) == 1
    assert ind.Filters(sex="F").active() == {"sex": "F"}


def test_add_months_keeps_the_day_or_the_months_last() -> None:
    assert ind.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert ind.add_months(date(2026, 11, 10), 3) == date(2027, 2, 10)
    assert ind.add_months(date(2026, 11, 10), 3) - timedelta(days=1) == date(2027, 2, 9)


def test_a_group_with_one_worker_paying_never_shows_that_one() -> None:
    people = arrived(7)
    result = ind.sdg_10_7_1(people, [line(people[0], "worker", 5000)], K, CLS)
    assert result["programme"]["workers_with_costs"]["suppressed"] is True
    assert result["programme"]["mean_without_zero_cost"]["suppressed"] is True
