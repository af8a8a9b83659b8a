"""Application rules: status transitions, eligibility, document checklist, masking. No framework, no SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from contracts.errors import DomainError, ErrorKind, Gone


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"
    OTHER = "X"


class EducationLevel(StrEnum):
    """ISCED-based levels."""

    LOWER_SECONDARY = "lower_secondary"
    UPPER_SECONDARY = "upper_secondary"
    POST_SECONDARY = "post_secondary"
    TERTIARY = "tertiary"


class Diploma(StrEnum):
    BAC = "BAC"
    BAC_PRO = "BAC_PRO"
    VOC_DIPLOMA = "VOC_DIPLOMA"
    OTHER = "OTHER"


#: ISCED 2011 level of each education level (statistics).
ISCED = {"lower_secondary": "2", "upper_secondary": "3", "post_secondary": "4", "tertiary": "5-8"}


def age_band(age: int) -> str:
    """The ICLS age band of an age in years."""
    return "15-24" if age < 25 else "25-34" if age < 35 else "35-54" if age < 55 else "55+"


class ConsentPurpose(StrEnum):
    PROCESSING = "processing"
    SHARING_EMPLOYERS = "sharing_employers"
    STATISTICS = "statistics"


class Decision(StrEnum):
    PRESELECT = "preselect"
    REJECT = "reject"


class ReviewDecision(StrEnum):
    VERIFY = "verify"
    REJECT = "reject"


# --- errors the rules raise (the HTTP edge maps each kind to its status) ---------------------------------


class DuplicateCandidate(DomainError):
    code, title = "duplicate-candidate", "Duplicate candidate"


class NotADraft(DomainError):
    code, title = "not-a-draft", "Only drafts can be edited"


class ApplicationClosed(DomainError):
    code, title = "application-closed", "Application closed"


class NotInScreening(DomainError):
    code, title = "not-in-screening", "Application not in screening"


class OccupationNotPreferred(DomainError):
    code, title = "occupation-not-preferred", "Occupation not among the candidate's preferences"


class NotEligible(DomainError):
    code, title = "not-eligible", "Candidate not eligible"


class DocumentsIncomplete(DomainError):
    code, title = "documents-incomplete", "Documents not verified"


class CandidateErased(Gone):
    """The candidate's personal data was erased: nothing may be written about them any more."""

    def __init__(self, candidate_id: object) -> None:
        super().__init__(f"the personal data of candidate {candidate_id} was erased")


class UnsupportedDocument(DomainError):
    kind, code, title = ErrorKind.UNSUPPORTED, "unsupported-media-type", "Unsupported document format"


class DocumentTooLarge(DomainError):
    kind, code, title = ErrorKind.TOO_LARGE, "payload-too-large", "Document too large"


class ApplicationStatus(StrEnum):
    """Where an application stands in screening."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCREENING = "screening"
    PRESELECTED = "preselected"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


S = ApplicationStatus
_ALLOWED: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.SCREENING, S.PRESELECTED, S.REJECTED, S.WITHDRAWN}),
    S.SCREENING: frozenset({S.PRESELECTED, S.REJECTED, S.WITHDRAWN}),
    S.PRESELECTED: frozenset({S.WITHDRAWN}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}


class IllegalTransition(DomainError):
    """The requested status change is not allowed from the current status."""

    code, title = "illegal-transition", "Illegal status change"

    def __init__(self, current: ApplicationStatus, target: ApplicationStatus, **extensions: Any) -> None:
        super().__init__(
            f"an application that is {current.value} cannot become {target.value}",
            current_status=current.value,
            requested_status=target.value,
            **extensions,
        )
        self.current, self.target = current, target


def transition(current: ApplicationStatus, target: ApplicationStatus) -> ApplicationStatus:
    """The new status, or IllegalTransition."""
    if target not in _ALLOWED[current]:
        raise IllegalTransition(current, target)
    return target


def can_become(current: ApplicationStatus, target: ApplicationStatus) -> bool:
    return target in _ALLOWED[current]


# --- eligibility -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibilityRules:
    """One version of the programme's entry criteria (reference data, not constants)."""

    version: str
    effective_from: date
    min_age: int
    max_age: int
    nationalities: frozenset[str]
    residence_countries: frozenset[str]
    diplomas: frozenset[str]
    occupations: frozenset[str]
    required_consents: frozenset[str]


@dataclass(frozen=True)
class CandidateFacts:
    """What the rules look at."""

    date_of_birth: date
    nationality: str
    country_of_residence: str
    diploma: str | None
    occupation_codes: tuple[str, ...]
    consents_given: frozenset[str]


@dataclass(frozen=True)
class RuleResult:
    """One rule's verdict with the reason a case officer reads."""

    rule: str
    passed: bool
    reason: str


def rules_in_force(versions: Sequence[EligibilityRules], on: date) -> EligibilityRules:
    """The newest version effective on a date."""
    candidates = [v for v in versions if v.effective_from <= on]
    if not candidates:
        raise LookupError(f"no eligibility rules in force on {on.isoformat()}")
    return max(candidates, key=lambda v: v.effective_from)


def age_on(born: date, on: date) -> int:
    """Completed years of age on a date."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def evaluate(rules: EligibilityRules, facts: CandidateFacts, submitted_on: date) -> list[RuleResult]:
    """Every rule's result for a submission on the given date."""
    age = age_on(facts.date_of_birth, submitted_on)
    offered = [c for c in facts.occupation_codes if c in rules.occupations]
    missing_consents = sorted(rules.required_consents - facts.consents_given)
    moroccan = facts.nationality in rules.nationalities or facts.country_of_residence in rules.residence_countries
    return [
        RuleResult(
            "age",
            rules.min_age <= age <= rules.max_age,
            f"{age} years on {submitted_on.isoformat()}; required {rules.min_age}-{rules.max_age}",
        ),
        RuleResult(
            "nationality_or_residence",
            moroccan,
            f"nationality {facts.nationality}, residence {facts.country_of_residence}; required nationality "
            f"or residence in {', '.join(sorted(rules.nationalities | rules.residence_countries))}",
        ),
        RuleResult(
            "diploma",
            facts.diploma in rules.diplomas,
            f"diploma {facts.diploma or 'none'}; accepted {', '.join(sorted(rules.diplomas))}",
        ),
        RuleResult(
            "occupation",
            bool(offered),
            f"offered: {', '.join(offered)}"
            if offered
            else f"none of {', '.join(facts.occupation_codes)} is in the programme list",
        ),
        RuleResult(
            "consent",
            not missing_consents,
            "consent given" if not missing_consents else f"missing consent: {', '.join(missing_consents)}",
        ),
    ]


def is_eligible(results: Iterable[RuleResult]) -> bool:
    return all(r.passed for r in results)


# --- documents ---------------------------------------------------------------------------------------


class DocumentStatus(StrEnum):
    MISSING = "missing"
    UPLOADED = "uploaded"
    VERIFIED = "verified"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ChecklistItem:
    """One requirement before pre-selection: any one of the document types, verified."""

    accepted_types: tuple[str, ...]
    status: DocumentStatus


def checklist(
    requirements: Sequence[Sequence[str]], documents: Iterable[tuple[str, DocumentStatus]]
) -> list[ChecklistItem]:
    """The pre-selection checklist from the documents on file (best status per requirement)."""
    rank = {
        DocumentStatus.MISSING: 0,
        DocumentStatus.REJECTED: 1,
        DocumentStatus.UPLOADED: 2,
        DocumentStatus.VERIFIED: 3,
    }
    docs = list(documents)
    items = []
    for accepted in requirements:
        statuses = [status for doc_type, status in docs if doc_type in accepted] or [DocumentStatus.MISSING]
        items.append(ChecklistItem(tuple(accepted), max(statuses, key=rank.__getitem__)))
    return items


def checklist_complete(items: Iterable[ChecklistItem]) -> bool:
    return all(item.status is DocumentStatus.VERIFIED for item in items)


# --- personal data -----------------------------------------------------------------------------------


def mask(value: str, visible: int = 2) -> str:
    """`AB123456` -> `******56`: enough to tell two numbers apart, not enough to use one."""
    if len(value) <= visible:
        return "*" * len(value)
    return "*" * (len(value) - visible) + value[-visible:]


def normalise_document_number(value: str) -> str:
    """Upper case without spaces or dashes, so the same number always hashes the same."""
    return "".join(ch for ch in value.upper() if ch.isalnum())
