"""Matching rules: statuses, the explainable ranking, and the fair-recruitment checks of a training contract.

No framework, no SQL: plain data in, decisions out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from contracts.errors import DomainError
from contracts.training import CefrLevel

LEVELS = [CefrLevel.A1, CefrLevel.A2, CefrLevel.B1, CefrLevel.B2, CefrLevel.C1, CefrLevel.C2]


class PositionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    FILLED = "filled"
    CLOSED = "closed"


class MatchStatus(StrEnum):
    AWAITING_PROFILE = "awaiting_profile"
    RANKED = "ranked"
    CLOSED = "closed"


class ShortlistStatus(StrEnum):
    SHORTLISTED = "shortlisted"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CONTRACTED = "contracted"


class InterviewMode(StrEnum):
    VIDEO = "video"
    ON_SITE = "on_site"


class InterviewOutcome(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NO_SHOW = "no_show"


class OfferStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class ContractStatus(StrEnum):
    DRAFT = "draft"
    ACKNOWLEDGED = "acknowledged"
    SIGNED = "signed"
    CORRECTION_REQUESTED = "correction_requested"  # the BA refused the signed version: amend, acknowledge, sign
    RELEASED = "released"


class HousingSupport(StrEnum):
    NONE = "none"
    HELP_FINDING = "help_finding"
    PROVIDED = "provided"
    SUBSIDISED = "subsidised"


class ChamberKind(StrEnum):
    IHK = "IHK"
    HWK = "HWK"


class Mobility(StrEnum):
    PREFERRED_ONLY = "preferred_only"
    ANYWHERE = "anywhere"


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    PROVISIONAL = "provisional"


# --- errors ----------------------------------------------------------------------------------------------


class IllegalTransition(DomainError):
    code, title = "illegal-transition", "Illegal status change"


class NoPlacesLeft(DomainError):
    code, title = "no-places-left", "The position has no place left"


class OfferExpired(DomainError):
    code, title = "offer-expired", "The offer has expired"


class ContractNotReady(DomainError):
    code, title = "contract-not-ready", "The contract cannot be signed yet"


class StaleAcknowledgement(DomainError):
    code, title = "stale-acknowledgement", "The acknowledgement is not for the contract's current version"


class NotShortlistable(DomainError):
    code, title = "not-shortlistable", "The position is not in this match request's ranking"


# --- ranking -------------------------------------------------------------------------------------------


def level_index(level: str | None) -> int:
    return LEVELS.index(CefrLevel(level)) if level else -1


@dataclass(frozen=True)
class Profile:
    """What the ranking knows about a candidate: pseudonymous, built from events."""

    candidate_id: str
    occupation_codes: tuple[str, ...]
    region: str
    level: str | None
    target_level: str
    available_from: date | None
    preferred_lands: tuple[str, ...] = ()
    mobility: Mobility = Mobility.ANYWHERE


@dataclass(frozen=True)
class OpenPosition:
    position_id: str
    employer_id: str
    occupation_code: str
    land: str
    required_level: str
    starts_on: date
    latest_start_on: date
    places: int
    places_left: int


@dataclass(frozen=True)
class Term:
    """One criterion's part of a score: the fit (0-1), its weight, the points (fit x weight) and why."""

    criterion: str
    fit: Decimal
    weight: int
    points: Decimal
    reason: str


@dataclass(frozen=True)
class Suggestion:
    position: OpenPosition
    score: Decimal
    terms: tuple[Term, ...]
    rank: int = 0


def _term(criterion: str, fit: Decimal | float, weights: Mapping[str, int], reason: str) -> Term:
    fit = Decimal(str(fit)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    weight = weights[criterion]
    return Term(criterion, fit, weight, (fit * weight).quantize(Decimal("0.01"), ROUND_HALF_UP), reason)


def occupation_fit(wanted: Sequence[str], code: str) -> tuple[float, str]:
    """First choice 1; another choice 0.7; the same occupational group (first 3 KldB digits) 0.3; else 0."""
    if wanted and code == wanted[0]:
        return 1.0, f"{code} is the candidate's first occupation"
    if code in wanted:
        return 0.7, f"{code} is one of the candidate's occupations"
    if any(w[:3] == code[:3] for w in wanted):
        return 0.3, f"{code} is in the same occupational group as the candidate's"
    return 0.0, f"{code} is not among the candidate's occupations"


def language_fit(level: str | None, target: str, required: str) -> tuple[float, str]:
    """Level reached meets the requirement: 1; working towards it, one level below: 0.5; otherwise 0."""
    have, need = level_index(level), level_index(required)
    if have >= need:
        return 1.0, f"{level} meets the required {required}"
    if level_index(target) >= need and have == need - 1:
        return 0.5, f"{level} reached, course leads to {target}; {required} required"
    return 0.0, f"{level or 'no level'} is below the required {required}"


def start_fit(available_from: date | None, starts_on: date, latest: date) -> tuple[float, str]:
    """Available by the start: 1; by the latest start date: 0.5; later: 0 (unknown availability: 0.5)."""
    if available_from is None:
        return 0.5, "availability not known yet"
    if available_from <= starts_on:
        return 1.0, f"available from {available_from}, before the start on {starts_on}"
    if available_from <= latest:
        return 0.5, f"available from {available_from}, before the latest start on {latest}"
    return 0.0, f"available from {available_from}, after the latest start on {latest}"


def region_fit(preferred: Sequence[str], mobility: Mobility, land: str) -> tuple[float, str]:
    if land in preferred:
        return 1.0, f"{land} is a preferred Land"
    if not preferred:
        return 0.5, "no regional preference"
    if mobility is Mobility.ANYWHERE:
        return 0.5, f"{land} not preferred, candidate is mobile"
    return 0.0, f"{land} is not among the preferred Länder"


def places_fit(places_left: int) -> tuple[float, str]:
    return min(1.0, places_left / 3), f"{places_left} place(s) left"


def score(profile: Profile, position: OpenPosition, weights: Mapping[str, int]) -> Suggestion:
    """One pair's score with the contribution of every criterion (the score is their exact sum)."""
    fits = {
        "occupation": occupation_fit(profile.occupation_codes, position.occupation_code),
        "language": language_fit(profile.level, profile.target_level, position.required_level),
        "start_date": start_fit(profile.available_from, position.starts_on, position.latest_start_on),
        "region": region_fit(profile.preferred_lands, profile.mobility, position.land),
        "places": places_fit(position.places_left),
    }
    terms = tuple(_term(name, fit, weights, reason) for name, (fit, reason) in fits.items())
    return Suggestion(position, sum((t.points for t in terms), Decimal("0.00")), terms)


def rank(profile: Profile, positions: Iterable[OpenPosition], weights: Mapping[str, int]) -> list[Suggestion]:
    """Positions this candidate could fill (some occupation fit, a place left), best first.

    Ties are broken by the earlier training start, then by position id, so a ranking is reproducible.
    """
    scored = [
        score(profile, p, weights)
        for p in positions
        if p.places_left > 0 and occupation_fit(profile.occupation_codes, p.occupation_code)[0] > 0
    ]
    scored.sort(key=lambda s: (-s.score, s.position.starts_on, s.position.position_id))
    return [Suggestion(s.position, s.score, s.terms, i) for i, s in enumerate(scored, start=1)]


def rank_profiles(
    position: OpenPosition, profiles: Iterable[Profile], weights: Mapping[str, int], limit: int
) -> list[tuple[Profile, Suggestion]]:
    """The best `limit` candidates for one position (same scores, ties by candidate id)."""
    scored = [
        (p, score(p, position, weights))
        for p in profiles
        if occupation_fit(p.occupation_codes, position.occupation_code)[0] > 0
    ]
    scored.sort(key=lambda ps: (-ps[1].score, ps[0].candidate_id))
    return [(p, Suggestion(s.position, s.score, s.terms, i)) for i, (p, s) in enumerate(scored[:limit], start=1)]


# --- contract checks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayRules:
    """Versioned money thresholds (reference data)."""

    minimum_by_start_year: Mapping[int, tuple[int, ...]]
    tariff_floor_share: Decimal
    subsistence_by_year: Mapping[int, int]
    max_weekly_hours: int
    probation_months: tuple[int, int]


@dataclass(frozen=True)
class ContractTerms:
    starts_on: date
    duration_months: int
    probation_months: int
    weekly_hours: float
    monthly_pay_cents: tuple[int, ...]
    collective_agreement: bool
    tariff_monthly_cents: tuple[int, ...] | None = None
    top_up_monthly_cents: int = 0


@dataclass(frozen=True)
class Check:
    rule: str
    status: CheckStatus
    detail: str


def _year_rates(table: Mapping[int, Any], year: int) -> tuple[int | None, Any]:
    """The table's row for `year`, else the newest earlier one (None when there is none)."""
    if year in table:
        return year, table[year]
    earlier = [y for y in table if y < year]
    return (max(earlier), table[max(earlier)]) if earlier else (None, None)


def training_years(duration_months: int) -> int:
    return -(-duration_months // 12)


def check_contract(terms: ContractTerms, rules: PayRules, expected_duration_months: int | None) -> list[Check]:
    """FR-04 and the statutory frame: minimum pay by start year and training year, the tariff rule,
    subsistence, probation (1-4 months), weekly hours and the duration of the occupation."""
    checks: list[Check] = []
    years = training_years(terms.duration_months)
    if len(terms.monthly_pay_cents) < years:
        checks.append(
            Check(
                "pay_per_year",
                CheckStatus.FAILED,
                f"pay is given for {len(terms.monthly_pay_cents)} of {years} training years",
            )
        )
    ref_year, minimum = _year_rates(rules.minimum_by_start_year, terms.starts_on.year)
    if minimum is None:
        checks.append(Check("minimum_pay", CheckStatus.FAILED, "no minimum training pay in reference data"))
    else:
        below = [
            f"year {i + 1}: {pay / 100:.2f} < {minimum[min(i, len(minimum) - 1)]:.2f}"
            for i, pay in enumerate(terms.monthly_pay_cents[:years])
            if pay < minimum[min(i, len(minimum) - 1)] * 100
        ]
        if below:
            checks.append(Check("minimum_pay", CheckStatus.FAILED, "below §17 BBiG minimum: " + "; ".join(below)))
        elif ref_year != terms.starts_on.year:
            detail = f"minimum for {terms.starts_on.year} not in reference data; the {ref_year} amounts were met"
            checks.append(Check("minimum_pay", CheckStatus.PROVISIONAL, detail))
        else:
            checks.append(Check("minimum_pay", CheckStatus.PASSED, f"at or above the §17 BBiG minimum for {ref_year}"))
    checks.append(_tariff_check(terms, rules))
    checks.append(_subsistence_check(terms, rules))
    low, high = rules.probation_months
    ok = low <= terms.probation_months <= high
    checks.append(
        Check(
            "probation",
            CheckStatus.PASSED if ok else CheckStatus.FAILED,
            f"{terms.probation_months} month(s); {low}-{high} allowed (§20 BBiG)",
        )
    )
    ok = terms.weekly_hours <= rules.max_weekly_hours
    checks.append(
        Check(
            "weekly_hours",
            CheckStatus.PASSED if ok else CheckStatus.FAILED,
            f"{terms.weekly_hours:g} h; at most {rules.max_weekly_hours} h",
        )
    )
    if expected_duration_months is not None:
        # The chamber may shorten a training by up to a year (§8 BBiG); longer than the regulation is refused.
        ok = expected_duration_months - 12 <= terms.duration_months <= expected_duration_months
        detail = f"{terms.duration_months} months; the occupation's regulation says {expected_duration_months}"
        checks.append(Check("duration", CheckStatus.PASSED if ok else CheckStatus.FAILED, detail))
    return checks


def _tariff_check(terms: ContractTerms, rules: PayRules) -> Check:
    if not terms.tariff_monthly_cents:
        return Check("tariff", CheckStatus.PASSED, "no sector collective rate given")
    share = Decimal(1) if terms.collective_agreement else rules.tariff_floor_share
    below = [
        f"year {i + 1}: {pay / 100:.2f} < {Decimal(rate) * share / 100:.2f}"
        for i, (pay, rate) in enumerate(zip(terms.monthly_pay_cents, terms.tariff_monthly_cents, strict=False))
        if Decimal(pay) < Decimal(rate) * share
    ]
    rule = "the collective rate" if terms.collective_agreement else f"{share:.0%} of the sector's collective rate"
    if below:
        return Check("tariff", CheckStatus.FAILED, f"below {rule}: " + "; ".join(below))
    return Check("tariff", CheckStatus.PASSED, f"at or above {rule}")


def _subsistence_check(terms: ContractTerms, rules: PayRules) -> Check:
    year, threshold = _year_rates(rules.subsistence_by_year, terms.starts_on.year)
    if threshold is None:
        return Check("subsistence", CheckStatus.PROVISIONAL, "no subsistence threshold in reference data")
    income = terms.monthly_pay_cents[0] + terms.top_up_monthly_cents if terms.monthly_pay_cents else 0
    if income < threshold * 100:
        detail = f"{income / 100:.2f} a month (pay and top-up) is below the {year} threshold of {threshold}"
        return Check("subsistence", CheckStatus.FAILED, detail + "; document a top-up (blocked account, guarantee)")
    status = CheckStatus.PASSED if year == terms.starts_on.year else CheckStatus.PROVISIONAL
    return Check("subsistence", status, f"{income / 100:.2f} a month meets the {year} threshold of {threshold}")


@dataclass(frozen=True)
class Signability:
    """Whether a contract may be signed, and what still stands in the way."""

    missing: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.missing


def signability(
    checks: Sequence[Check], acknowledged_version: int | None, version: int, confirmations: Mapping[str, bool]
) -> Signability:
    missing = [f"check {c.rule}: {c.detail}" for c in checks if c.status is CheckStatus.FAILED]
    if any(c.status is CheckStatus.PROVISIONAL for c in checks) and not confirmations.get("pay_reference_checked"):
        missing.append("a case officer confirms the provisional pay checks (pay_reference_checked)")
    if not confirmations.get("no_repayment_clauses"):
        missing.append("a case officer confirms there are no repayment or penalty clauses (§12 BBiG)")
    if acknowledged_version != version:
        missing.append(f"the candidate acknowledges version {version} in German and in their language")
    return Signability(missing)


def contract_digest(document: Mapping[str, Any]) -> str:
    """SHA-256 of the contract version (terms and both texts), over canonical JSON."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ends_on(starts_on: date, duration_months: int) -> date:
    """The last day of a training of `duration_months` starting on `starts_on`."""
    from datetime import timedelta

    month = starts_on.month - 1 + duration_months
    year, month = starts_on.year + month // 12, month % 12 + 1
    day = min(
        starts_on.day,
        [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][
            month - 1
        ],
    )
    return date(year, month, day) - timedelta(days=1)
