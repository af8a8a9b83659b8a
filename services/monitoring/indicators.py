"""Programme indicators computed from the read models: plain rows in, figures out (no SQL, no HTTP).

Every figure carries `n`, the number of people it is computed from; `protect` suppresses any figure from fewer
than `k` people (small-cell protection), in the API, the exports and the dashboard alike. Definitions are in
the service's README ("Indicators").
"""

from __future__ import annotations

import calendar
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Protocol

NOT_STATED = "not stated"


class Person(Protocol):
    """What an indicator reads of a person (the `stat_person` read model)."""

    candidate_id: Any
    programme_id: str | None
    cohort_id: str | None
    sex: str | None
    age_band: str | None
    education_isced: str | None
    citizenship: str | None
    country_of_birth: str | None
    region: str | None
    occupation: str | None
    land: str | None
    employer_id: Any
    applied_on: date | None
    eligible: bool | None
    preselected_on: date | None
    enrolled_on: date | None
    b1_on: date | None
    matched_on: date | None
    contract_on: date | None
    visa_on: date | None
    departed_on: date | None
    arrived_on: date | None
    in_training_on: date | None
    terminations: list[dict[str, Any]]
    replacements: int
    completed_on: date | None
    returned_on: date | None
    left_on: date | None
    held_days: dict[str, float]
    monthly_pay_cents: int | None
    first_month_eur_cents: int | None
    attendance_held: int
    attendance_attended: int


@dataclass(frozen=True)
class Filters:
    """Who an indicator covers; every filter left empty covers everyone."""

    programme_id: str | None = None
    cohort_id: str | None = None
    sex: str | None = None
    age_band: str | None = None
    region: str | None = None
    occupation: str | None = None
    isco: str | None = None
    land: str | None = None
    employer_id: str | None = None

    def active(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class Classifications:
    """KldB to ISCO-08 and to ISIC/NACE sections (reference data)."""

    isco_by_kldb: dict[str, str]
    nace_by_kldb: dict[str, str]

    def isco(self, p: Person) -> str | None:
        return self.isco_by_kldb.get(p.occupation or "")

    def nace(self, p: Person) -> str | None:
        return self.nace_by_kldb.get(p.occupation or "")


def select(people: Iterable[Person], where: Filters, cls: Classifications) -> list[Person]:
    wanted = where.active()
    isco = wanted.pop("isco", None)
    out = []
    for p in people:
        if isco is not None and cls.isco(p) != isco:
            continue
        if all(str(getattr(p, name) or "") == value for name, value in wanted.items()):
            out.append(p)
    return out


def figure(value: float | int | None, n: int, k: int) -> dict[str, Any]:
    """A figure with the number of people behind it, suppressed below k people."""
    if n < k:
        return {"value": None, "n": None, "suppressed": True}
    rounded = round(value, 4) if isinstance(value, float) else value
    return {"value": rounded, "n": n, "suppressed": False}


def _rate_count(part: int, whole: int, k: int) -> dict[str, Any]:
    """A count within a group: zero of a large enough group is shown, 1 to k-1 people never are."""
    return figure(part, part if part else whole, k)


def _rate(part: int, whole: int, k: int) -> dict[str, Any]:
    return figure(part / whole if whole else None, min(part, whole) if part else whole, k)


# --- funnel --------------------------------------------------------------------------------------------------

FUNNEL: tuple[tuple[str, Callable[[Person], bool]], ...] = (
    ("applicants", lambda p: p.applied_on is not None),
    ("eligible", lambda p: p.applied_on is not None and p.eligible is not False),
    ("preselected", lambda p: p.preselected_on is not None),
    ("language_training", lambda p: p.enrolled_on is not None),
    ("b1_reached", lambda p: p.b1_on is not None),
    ("matched", lambda p: p.matched_on is not None),
    ("contract", lambda p: p.contract_on is not None),
    ("visa_granted", lambda p: p.visa_on is not None),
    ("arrived", lambda p: p.arrived_on is not None),
    ("in_training", lambda p: p.in_training_on is not None),
    ("completed", lambda p: p.completed_on is not None),
)


def funnel(people: Sequence[Person], k: int) -> list[dict[str, Any]]:
    """Counts per stage reached, the conversion from the stage before and from the applicants."""
    counts = [(name, sum(1 for p in people if reached(p))) for name, reached in FUNNEL]
    first = counts[0][1]
    rows = []
    for i, (name, count) in enumerate(counts):
        previous = counts[i - 1][1] if i else count
        rows.append({
            "stage": name,
            "count": figure(count, count, k),
            "from_previous": _rate(count, previous, k) if i else figure(1.0 if count else None, count, k),
            "from_applicants": _rate(count, first, k),
        })  # fmt: skip
    return rows


# --- durations -----------------------------------------------------------------------------------------------

#: Stage: from, to, and the journey stages whose time on hold is taken out.
DURATIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("screening", "applied_on", "preselected_on", ("SUBMITTED",)),
    ("language", "enrolled_on", "b1_on", ("PRESELECTED", "LANGUAGE_TRAINING")),
    ("matching", "b1_on", "contract_on", ("MATCHING",)),
    ("visa", "contract_on", "visa_on", ("CONTRACT_SIGNED", "VISA")),
    ("travel", "visa_on", "arrived_on", ("PRE_DEPARTURE",)),
    ("call_to_arrival", "applied_on", "arrived_on",
     ("SUBMITTED", "PRESELECTED", "LANGUAGE_TRAINING", "MATCHING", "CONTRACT_SIGNED", "VISA", "PRE_DEPARTURE")),
)  # fmt: skip


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    return float(ordered[max(math.ceil(q * len(ordered)) - 1, 0)])


def stage_days(p: Person, start: str, end: str, held: Sequence[str]) -> float | None:
    a: date | None = getattr(p, start)
    b: date | None = getattr(p, end)
    if a is None or b is None or b < a:
        return None
    return max((b - a).days - sum(p.held_days.get(stage, 0.0) for stage in held), 0.0)


def durations(people: Sequence[Person], k: int, target_months: tuple[int, int]) -> list[dict[str, Any]]:
    """Median and p90 in days of each stage and of call-to-arrival, without time on hold."""
    rows: list[dict[str, Any]] = []
    for name, start, end, held in DURATIONS:
        days = [d for p in people if (d := stage_days(p, start, end, held)) is not None]
        n = len(days)
        row: dict[str, Any] = {
            "stage": name,
            "median_days": figure(statistics.median(days) if days else None, n, k),
            "p90_days": figure(percentile(days, 0.9) if days else None, n, k),
        }
        if name == "call_to_arrival":
            low, high = (m * 30.44 for m in target_months)
            within = sum(1 for d in days if low <= d <= high)
            row["within_target"] = _rate(within, n, k)
            row["target_months"] = list(target_months)
        rows.append(row)
    return rows


# --- language ------------------------------------------------------------------------------------------------


class Exam(Protocol):
    candidate_id: Any
    passed: bool
    modules: dict[str, bool]


def language(people: Sequence[Person], exams: Sequence[Exam], k: int) -> dict[str, Any]:
    """Pass rate per module (over sittings), time to B1 (enrolment to certificate), attendance."""
    ids = {p.candidate_id for p in people}
    taken: dict[str, list[bool]] = defaultdict(list)
    who: dict[str, set[Any]] = defaultdict(set)
    for exam in exams:
        if exam.candidate_id not in ids:
            continue
        for module, passed in exam.modules.items():
            taken[module].append(passed)
            who[module].add(exam.candidate_id)
    modules = {m: figure(sum(results) / len(results), len(who[m]), k) for m, results in sorted(taken.items())}
    days = [(p.b1_on - p.enrolled_on).days for p in people if p.b1_on and p.enrolled_on and p.b1_on >= p.enrolled_on]
    attending = [p for p in people if p.attendance_held]
    held = sum(p.attendance_held for p in attending)
    attended = sum(p.attendance_attended for p in attending)
    sittings = [e for e in exams if e.candidate_id in ids]
    return {
        "module_pass_rate": modules,
        "sittings_pass_rate": figure(
            sum(1 for e in sittings if e.passed) / len(sittings) if sittings else None,
            len({e.candidate_id for e in sittings}), k,
        ),
        "days_to_b1_median": figure(statistics.median(days) if days else None, len(days), k),
        "attendance_rate": figure(attended / held if held else None, len(attending), k),
    }  # fmt: skip


# --- retention -----------------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def in_training_at(p: Person, on: date) -> bool:
    """Still in the programme's training (or done with it) on that day: not returned, not left, and every
    termination before it followed by a new contract."""
    if (p.returned_on and p.returned_on <= on) or (p.left_on and p.left_on <= on and not p.completed_on):
        return False
    ended = sum(1 for t in p.terminations if date.fromisoformat(t["on"]) <= on)
    return ended <= p.replacements


def retention(people: Sequence[Person], as_of: date, months: Sequence[int], k: int) -> dict[str, Any]:
    """Share still in training m months after arrival (of those who arrived at least m months ago), early
    terminations by reason and by timing, re-placements."""
    arrived = [p for p in people if p.arrived_on]
    curve = []
    for m in months:
        at = {p.candidate_id: add_months(p.arrived_on, m) for p in arrived if p.arrived_on}
        observed = [p for p in arrived if at[p.candidate_id] <= as_of]
        still = sum(1 for p in observed if in_training_at(p, at[p.candidate_id]))
        curve.append(
            {"months": m, "share": _rate(still, len(observed), k), "observed": figure(len(observed), len(observed), k)}
        )
    terminations = [t for p in arrived for t in p.terminations]
    terminated_people = sum(1 for p in arrived if p.terminations)
    by_reason = Counter(t.get("reason_code") or NOT_STATED for t in terminations)
    by_timing = Counter("probation" if t.get("during_probation") else "later" for t in terminations)
    by_initiator = Counter(t.get("initiated_by") or NOT_STATED for t in terminations)
    replaced = sum(1 for p in arrived if p.replacements)
    return {
        "curve": curve,
        "terminations": figure(len(terminations), terminated_people, k),
        "by_reason": {r: figure(c, c, k) for r, c in sorted(by_reason.items())},
        "by_timing": {t: figure(c, c, k) for t, c in sorted(by_timing.items())},
        "by_initiator": {t: figure(c, c, k) for t, c in sorted(by_initiator.items())},
        "replacements": figure(sum(p.replacements for p in arrived), replaced, k),
    }


# --- SDG 10.7.1 ----------------------------------------------------------------------------------------------


class CostLine(Protocol):
    id: Any
    candidate_id: Any
    payer: str
    amount_eur_cents: int
    reimburses: Any


def worker_costs(lines: Iterable[CostLine]) -> dict[Any, int]:
    """Per candidate: worker-paid lines in EUR cents less what was paid back to the worker."""
    lines = list(lines)
    worker_paid = {line.id: line for line in lines if line.payer == "worker" and line.reimburses is None}
    totals: dict[Any, int] = defaultdict(int)
    for line in worker_paid.values():
        totals[line.candidate_id] += line.amount_eur_cents
    for line in lines:
        if line.reimburses in worker_paid:
            totals[line.candidate_id] -= line.amount_eur_cents
    return {cid: max(total, 0) for cid, total in totals.items()}


def sdg_ratios(people: Sequence[Person], lines: Iterable[CostLine]) -> list[tuple[Person, float]]:
    """Per worker who arrived with known first-month earnings: worker-paid costs / first-month earnings."""
    costs = worker_costs(lines)
    out = []
    for p in people:
        earnings = p.first_month_eur_cents if p.first_month_eur_cents is not None else p.monthly_pay_cents
        if p.arrived_on and earnings:
            out.append((p, costs.get(p.candidate_id, 0) / earnings))
    return out


def _means(ratios: Sequence[float], k: int) -> dict[str, Any]:
    nonzero = [r for r in ratios if r > 0]
    return {
        "mean": figure(statistics.fmean(ratios) if ratios else None, len(ratios), k),
        "mean_without_zero_cost": figure(statistics.fmean(nonzero) if nonzero else None, len(nonzero), k),
        "workers_with_costs": _rate_count(len(nonzero), len(ratios), k),
    }


def sdg_10_7_1(people: Sequence[Person], lines: Iterable[CostLine], k: int, cls: Classifications) -> dict[str, Any]:
    """SDG 10.7.1: the programme mean of per-worker ratios, with and without zero-cost workers; by sex,
    occupation (ISCO-08) and region. Under the employer-pays principle the target is 0."""
    pairs = sdg_ratios(people, lines)
    result: dict[str, Any] = {"target": 0, "programme": _means([r for _, r in pairs], k)}
    for name, key in (("by_sex", lambda p: p.sex), ("by_occupation", cls.isco), ("by_region", lambda p: p.region)):
        groups: dict[str, list[float]] = defaultdict(list)
        for p, r in pairs:
            groups[key(p) or NOT_STATED].append(r)
        result[name] = {g: _means(rs, k) for g, rs in sorted(groups.items())}
    return result


# --- ICLS 2018 labour-migration tables -----------------------------------------------------------------------

#: Disaggregation -> how to read it from a person.
ICLS_DIMENSIONS: dict[str, Callable[[Person, Classifications], str | None]] = {
    "sex": lambda p, c: p.sex,
    "age_band": lambda p, c: p.age_band,
    "education_isced": lambda p, c: p.education_isced,
    "isco08": lambda p, c: c.isco(p),
    "nace": lambda p, c: c.nace(p),
    "citizenship": lambda p, c: p.citizenship,
    "country_of_birth": lambda p, c: p.country_of_birth,
}


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def icls_tables(people: Sequence[Person], as_of: date, k: int, cls: Classifications) -> list[dict[str, Any]]:
    """Flat rows: for-work international migrants (flow by month of departure), international migrant workers
    (stock on `as_of`: arrived, not returned, still in the programme), returns by month; each as a total and
    by each disaggregation ("not stated" where a value is missing)."""
    measures: dict[str, list[tuple[str, Person]]] = {
        "FLOW_FOR_WORK": [(_month(p.departed_on), p) for p in people if p.departed_on and p.departed_on <= as_of],
        "STOCK_MIGRANT_WORKERS": [(as_of.isoformat(), p) for p in people
                                  if p.arrived_on and p.arrived_on <= as_of and in_training_or_employed(p, as_of)],
        "RETURNS": [(_month(p.returned_on), p) for p in people if p.returned_on and p.returned_on <= as_of],
    }  # fmt: skip
    rows = []
    for measure, entries in measures.items():
        by_period: dict[str, list[Person]] = defaultdict(list)
        for period, p in entries:
            by_period[period].append(p)
        for period, group in sorted(by_period.items()):
            rows.append({"measure": measure, "period": period, "dimension": "total", "category": "_T",
                         **figure(len(group), len(group), k)})  # fmt: skip
            for dim, read in ICLS_DIMENSIONS.items():
                counts = Counter(read(p, cls) or NOT_STATED for p in group)
                for category, count in sorted(counts.items()):
                    rows.append({"measure": measure, "period": period, "dimension": dim, "category": category,
                                 **figure(count, count, k)})  # fmt: skip
    return rows


def in_training_or_employed(p: Person, on: date) -> bool:
    return in_training_at(p, on) or bool(p.completed_on and not (p.returned_on and p.returned_on <= on))


# --- places --------------------------------------------------------------------------------------------------


def places(people: Sequence[Person], k: int) -> dict[str, Any]:
    """Applicants by Moroccan region; arrived apprentices by German Land."""
    regions = Counter(p.region or NOT_STATED for p in people if p.applied_on)
    lander = Counter(p.land or NOT_STATED for p in people if p.arrived_on)
    return {
        "applicants_by_region": {r: figure(c, c, k) for r, c in sorted(regions.items())},
        "arrived_by_land": {land: figure(c, c, k) for land, c in sorted(lander.items())},
    }
