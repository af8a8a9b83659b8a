"""Follow-up rules: the check-in schedule, risk from signals, the fair-recruitment checks, money in EUR and MAD.

No framework, no SQL: plain data in, decisions out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from contracts.errors import DomainError, ErrorKind


class CaseStatus(StrEnum):
    """Where an apprentice's follow-up stands."""

    PREDEPARTURE = "predeparture"  # orientation, insurance, flight
    READY = "ready"  # pre-departure complete, not yet left
    DEPARTED = "departed"
    ARRIVED = "arrived"  # first weeks: registration, bank, insurance, school, permit
    IN_TRAINING = "in_training"
    SEARCHING = "searching"  # terminated early; the 6-month search for a new place (§16a(4) AufenthG)
    COMPLETED = "completed"
    JOB_SEARCH = "job_search"
    EMPLOYED = "employed"
    RETURNED = "returned"
    ENDED = "ended"  # terminated without a new place


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class GrievanceStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


class AlertStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Payer(StrEnum):
    EMPLOYER = "employer"
    PROGRAMME = "programme"
    WORKER = "worker"


#: Payer names used by the other services, as the ledger knows them (the visa service says `candidate`).
PAYER_ALIASES = {"candidate": Payer.WORKER, "apprentice": Payer.WORKER, "worker": Payer.WORKER}

#: Which grievance moves are allowed from where.
GRIEVANCE_MOVES: dict[GrievanceStatus, frozenset[GrievanceStatus]] = {
    GrievanceStatus.OPEN: frozenset(
        {GrievanceStatus.ACKNOWLEDGED, GrievanceStatus.ESCALATED, GrievanceStatus.RESOLVED}
    ),
    GrievanceStatus.ACKNOWLEDGED: frozenset({GrievanceStatus.ESCALATED, GrievanceStatus.RESOLVED}),
    GrievanceStatus.ESCALATED: frozenset({GrievanceStatus.RESOLVED}),
    GrievanceStatus.RESOLVED: frozenset(),
}

#: Where each follow-up action may happen.
MOVES: dict[str, frozenset[CaseStatus]] = {
    "predeparture": frozenset({CaseStatus.PREDEPARTURE}),
    "depart": frozenset({CaseStatus.PREDEPARTURE, CaseStatus.READY}),
    "arrive": frozenset({CaseStatus.PREDEPARTURE, CaseStatus.READY, CaseStatus.DEPARTED}),
    "settle": frozenset({CaseStatus.ARRIVED, CaseStatus.IN_TRAINING, CaseStatus.SEARCHING}),
    "training": frozenset({CaseStatus.ARRIVED, CaseStatus.IN_TRAINING}),
    "terminate": frozenset({CaseStatus.ARRIVED, CaseStatus.IN_TRAINING}),
    "replace": frozenset({CaseStatus.SEARCHING}),
    "search_ended": frozenset({CaseStatus.SEARCHING}),
    "after": frozenset({CaseStatus.COMPLETED, CaseStatus.JOB_SEARCH}),
    "return": frozenset(set(CaseStatus) - {CaseStatus.RETURNED, CaseStatus.PREDEPARTURE, CaseStatus.READY}),
}


class IllegalTransition(DomainError):
    code, title = "illegal-transition", "Not possible in the follow-up's status"


def ensure_move(action: str, status: str) -> None:
    if CaseStatus(status) not in MOVES[action]:
        allowed = ", ".join(sorted(MOVES[action]))
        raise IllegalTransition(f"{action} is possible when the follow-up is {allowed}", current_status=status)


def ensure_grievance_move(current: str, target: GrievanceStatus) -> None:
    if target not in GRIEVANCE_MOVES[GrievanceStatus(current)]:
        raise IllegalTransition(f"a grievance that is {current} cannot become {target}", current_status=current)


def payer_of(name: str) -> Payer:
    """A payer named by any service, in the ledger's words."""
    return PAYER_ALIASES.get(name) or Payer(name)


@dataclass(frozen=True)
class RiskRules:
    """Signals and the thresholds at which a placement is at risk."""

    signals: tuple[str, ...]
    missed_school_days: int
    signals_medium: int
    signals_high: int

    def assess(self, signals: list[str], missed_school_days: int) -> RiskLevel:
        """The risk from the signals noted at a check-in (missed school days count once over the threshold)."""
        count = len(set(signals) - {"MISSED_SCHOOL_DAYS"})
        if missed_school_days >= self.missed_school_days or "MISSED_SCHOOL_DAYS" in signals:
            count += 1
        if count >= self.signals_high:
            return RiskLevel.HIGH
        return RiskLevel.MEDIUM if count >= self.signals_medium else RiskLevel.LOW


@dataclass(frozen=True)
class Rates:
    """The programme's booking rates: amounts in any currency to euro cents and to dirham centimes."""

    to_eur: dict[str, float]
    eur_to_mad: float

    def eur_cents(self, amount_cents: int, currency: str) -> int:
        if currency not in self.to_eur:
            raise UnknownCurrency(f"no booking rate for {currency}", known=sorted(self.to_eur))
        return round(amount_cents * self.to_eur[currency])

    def mad_cents(self, amount_cents: int, currency: str) -> int:
        if currency == "MAD":
            return amount_cents
        return round(self.eur_cents(amount_cents, currency) * self.eur_to_mad)


class UnknownCurrency(DomainError):
    kind, code, title = ErrorKind.INVALID, "unknown-currency", "No booking rate for this currency"


def decimal_to_cents(text: str) -> int:
    """`2300.00` -> 230000 (exam fees travel as decimal text, at most two decimals)."""
    return int(Decimal(text) * 100)
