"""Language-training rules: cohort and enrolment statuses, placement, requirements, modular exams, attendance.

No framework, no SQL: plain data in, decisions out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from contracts.errors import DomainError
from contracts.training import CefrLevel, CohortStatus, LanguageModule

LEVELS = [CefrLevel.A1, CefrLevel.A2, CefrLevel.B1, CefrLevel.B2, CefrLevel.C1, CefrLevel.C2]


def at_least(level: CefrLevel, required: CefrLevel) -> bool:
    return LEVELS.index(level) >= LEVELS.index(required)


class EnrolmentStatus(StrEnum):
    WAITING = "waiting"
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    DROPPED_OUT = "dropped_out"
    CANCELLED = "cancelled"


ACTIVE = frozenset({EnrolmentStatus.WAITING, EnrolmentStatus.ENROLLED})

_COHORT_MOVES: dict[CohortStatus, frozenset[CohortStatus]] = {
    CohortStatus.PLANNED: frozenset({CohortStatus.RUNNING, CohortStatus.CANCELLED}),
    CohortStatus.RUNNING: frozenset({CohortStatus.ENDED, CohortStatus.CANCELLED}),
    CohortStatus.ENDED: frozenset(),
    CohortStatus.CANCELLED: frozenset(),
}


class IllegalCohortChange(DomainError):
    code, title = "illegal-transition", "Illegal status change"


class NotEnrolled(DomainError):
    code, title = "not-enrolled", "The candidate is not enrolled in a cohort"


class CohortFull(DomainError):
    code, title = "cohort-full", "The cohort has no free place"


class NotInCohort(DomainError):
    code, title = "not-in-cohort", "Attendance does not match the cohort's enrolment"


class WrongCandidate(DomainError):
    code, title = "wrong-candidate", "Not the candidate of this enrolment"


class ExamAlreadyGraded(DomainError):
    code, title = "exam-graded", "The exam's results are already recorded"


def move_cohort(current: CohortStatus, target: CohortStatus) -> CohortStatus:
    if target not in _COHORT_MOVES[current]:
        raise IllegalCohortChange(
            f"a {current.value} cohort cannot become {target.value}", current_status=current, requested_status=target
        )
    return target


# --- placement -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortSeat:
    """What placement looks at: a cohort open to enrolment, where it is and how many places are left."""

    cohort_id: str
    region: str
    starts_on: date
    free_places: int
    target_level: CefrLevel


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))


def choose_cohort(
    seats: Iterable[CohortSeat], region: str, level: CefrLevel, centres: dict[str, tuple[float, float]], today: date
) -> CohortSeat | None:
    """A cohort with a free place for the level: in the candidate's region first, else the nearest; the earliest
    start breaks ties. None: the candidate waits."""
    home = centres.get(region)
    open_seats = [s for s in seats if s.free_places > 0 and s.target_level == level and s.starts_on >= today]

    def rank(seat: CohortSeat) -> tuple[float, date, str]:
        far = 0.0 if seat.region == region else distance_km(home, centres[seat.region]) if home else math.inf
        return far, seat.starts_on, seat.cohort_id

    return min(open_seats, key=rank, default=None)


# --- requirements and exams -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageRule:
    consulate: str
    occupation: str  # a KldB code or "*"
    level: CefrLevel
    valid_from: date


def required_level(rules: Sequence[LanguageRule], consulate: str, occupation: str, on: date) -> CefrLevel:
    """The level the consulate requires for the occupation on a date (the most specific, newest rule)."""
    matching = [
        r for r in rules if r.consulate == consulate and r.occupation in (occupation, "*") and r.valid_from <= on
    ]
    if not matching:
        raise LookupError(f"no language requirement for {consulate} / {occupation} on {on.isoformat()}")
    return max(matching, key=lambda r: (r.occupation != "*", r.valid_from)).level


@dataclass(frozen=True)
class Provider:
    code: str
    alte_member: bool
    modular: bool


@dataclass(frozen=True)
class Sitting:
    """One exam sitting's module results (module -> passed)."""

    provider: str
    level: CefrLevel
    taken_on: date
    passed: dict[LanguageModule, bool]


@dataclass(frozen=True)
class ExamOutcome:
    """Whether the requirement is met and, if not, which modules are still to pass."""

    met: bool
    missing: tuple[LanguageModule, ...]


def assess(sittings: Sequence[Sitting], provider: Provider, required: CefrLevel) -> ExamOutcome:
    """Combine sittings of one provider at a level that meets the requirement.

    A modular provider's modules count from any sitting; otherwise every module must pass at one sitting.
    A provider that is not an ALTE member never meets the requirement.
    """
    relevant = [s for s in sittings if s.provider == provider.code and at_least(s.level, required)]
    if not provider.alte_member or not relevant:
        return ExamOutcome(False, tuple(LanguageModule))
    if provider.modular:
        passed = {m for s in relevant for m, ok in s.passed.items() if ok}
        missing = tuple(m for m in LanguageModule if m not in passed)
        return ExamOutcome(not missing, missing)
    latest = max(relevant, key=lambda s: s.taken_on)
    if any(all(s.passed.get(m, False) for m in LanguageModule) for s in relevant):
        return ExamOutcome(True, ())
    return ExamOutcome(False, tuple(m for m in LanguageModule if not latest.passed.get(m, False)))


# --- attendance -----------------------------------------------------------------------------------------


def attendance_rate(attended: int, held: int) -> float:
    """Share of sessions attended; 1.0 when none were held (nobody is below a threshold of nothing)."""
    return 1.0 if held == 0 else attended / held


def below_threshold(attended: int, held: int, threshold: float) -> bool:
    return held > 0 and attendance_rate(attended, held) < threshold
