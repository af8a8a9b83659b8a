"""Training rules: language requirement, modular exams, ALTE membership, placement, attendance."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.training import CefrLevel as L
from contracts.training import CohortStatus
from contracts.training import LanguageModule as M
from services.training import domain
from services.training.reference import reference_data

RULES = (
    domain.LanguageRule("rabat", "*", L.B1, date(2020, 1, 1)),
    domain.LanguageRule("tunis", "*", L.B1, date(2020, 1, 1)),
    domain.LanguageRule("tunis", "29302", L.A2, date(2026, 6, 1)),
)
GOETHE = domain.Provider("goethe", alte_member=True, modular=True)
TELC = domain.Provider("telc", alte_member=True, modular=False)
LOCAL = domain.Provider("local-school", alte_member=False, modular=False)


def sitting(provider: str, on: date, *failed: M, level: L = L.B1) -> domain.Sitting:
    return domain.Sitting(provider, level, on, {m: m not in failed for m in M})


def test_the_requirement_depends_on_consulate_occupation_and_date() -> None:
    assert domain.required_level(RULES, "rabat", "29302", date(2026, 9, 1)) is L.B1
    assert domain.required_level(RULES, "tunis", "29302", date(2026, 9, 1)) is L.A2  # a specific rule wins
    assert domain.required_level(RULES, "tunis", "29302", date(2026, 5, 31)) is L.B1  # not yet in force
    assert domain.required_level(RULES, "tunis", "25102", date(2026, 9, 1)) is L.B1
    with pytest.raises(LookupError):
        domain.required_level(RULES, "cairo", "29302", date(2026, 9, 1))


def test_modular_providers_combine_modules_across_sittings() -> None:
    first = sitting("goethe", date(2026, 5, 1), M.WRITING)
    assert domain.assess([first], GOETHE, L.B1) == domain.ExamOutcome(False, (M.WRITING,))
    second = sitting("goethe", date(2026, 6, 1), M.READING, M.LISTENING, M.SPEAKING)
    assert domain.assess([first, second], GOETHE, L.B1).met


def test_other_providers_need_every_module_at_one_sitting() -> None:
    first = sitting("telc", date(2026, 5, 1), M.WRITING)
    second = sitting("telc", date(2026, 6, 1), M.READING)
    outcome = domain.assess([first, second], TELC, L.B1)
    assert not outcome.met and outcome.missing == (M.READING,)
    assert domain.assess([first, second, sitting("telc", date(2026, 7, 1))], TELC, L.B1).met


def test_a_non_alte_certificate_or_a_lower_level_does_not_meet_the_requirement() -> None:
    assert not domain.assess([sitting("local-school", date(2026, 5, 1))], LOCAL, L.B1).met
    assert not domain.assess([sitting("goethe", date(2026, 5, 1), level=L.A2)], GOETHE, L.B1).met
    assert domain.assess([sitting("goethe", date(2026, 5, 1), level=L.B2)], GOETHE, L.B1).met
    assert domain.assess([sitting("goethe", date(2026, 5, 1), level=L.A2)], GOETHE, L.A2).met


def test_placement_prefers_the_region_then_the_nearest_then_the_earliest() -> None:
    centres = reference_data().region_centres
    today = date(2026, 1, 1)
    seats = [
        domain.CohortSeat("C-FES", "fes-meknes", date(2026, 3, 1), 2, L.B1),
        domain.CohortSeat("C-AGADIR", "souss-massa", date(2026, 2, 1), 2, L.B1),
        domain.CohortSeat("C-RABAT-FULL", "rabat-sale-kenitra", date(2026, 2, 1), 0, L.B1),
        domain.CohortSeat("C-RABAT-B2", "rabat-sale-kenitra", date(2026, 2, 1), 5, L.B2),
    ]
    assert domain.choose_cohort(seats, "fes-meknes", L.B1, centres, today).cohort_id == "C-FES"  # type: ignore[union-attr]
    assert domain.choose_cohort(seats, "rabat-sale-kenitra", L.B1, centres, today).cohort_id == "C-FES"  # type: ignore[union-attr]
    assert domain.choose_cohort(seats, "marrakech-safi", L.B1, centres, today).cohort_id == "C-AGADIR"  # type: ignore[union-attr]
    assert domain.choose_cohort(seats[2:3], "rabat-sale-kenitra", L.B1, centres, today) is None


def test_cohort_moves_and_attendance() -> None:
    assert domain.move_cohort(CohortStatus.PLANNED, CohortStatus.RUNNING) is CohortStatus.RUNNING
    with pytest.raises(domain.IllegalCohortChange):
        domain.move_cohort(CohortStatus.ENDED, CohortStatus.RUNNING)
    assert domain.attendance_rate(0, 0) == 1.0 and not domain.below_threshold(0, 0, 0.8)
    assert domain.below_threshold(7, 10, 0.8) and not domain.below_threshold(8, 10, 0.8)


def test_reference_data_is_consistent() -> None:
    ref = reference_data()
    assert {p.code for p in ref.providers.values() if p.alte_member} == {"goethe", "telc", "osd", "testdaf"}
    assert all(site.region in ref.region_centres for site in ref.sites.values())
    assert domain.required_level(ref.rules, ref.default_consulate, "29302", date(2026, 1, 1)) is L.B1


def test_cohort_ids_are_ascii_whatever_the_city() -> None:
    import re

    from services.training.commands import PlanCohort
    from services.training.handlers.cohorts import _cohort_id

    command = PlanCohort(site="telc-fes", starts_on=date(2027, 2, 1), weeks=24, hours_per_week=25, total_hours=600,
                         capacity=20, target_level=L.B1)  # fmt: skip
    assert re.fullmatch(r"C-2027-02-FES-[0-9A-F]{4}", _cohort_id(command, "Fès"))
