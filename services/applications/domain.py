"""Application rules and state transitions; no framework, no SQL."""

from __future__ import annotations

from enum import StrEnum


class ApplicationStatus(StrEnum):
    """Where an application stands in screening."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCREENING = "screening"
    PRESELECTED = "preselected"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


_ALLOWED: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.DRAFT: frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.SUBMITTED: frozenset(
        {
            ApplicationStatus.SCREENING,
            ApplicationStatus.PRESELECTED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    ApplicationStatus.SCREENING: frozenset(
        {ApplicationStatus.PRESELECTED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}
    ),
    ApplicationStatus.PRESELECTED: frozenset({ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.REJECTED: frozenset(),
    ApplicationStatus.WITHDRAWN: frozenset(),
}


class IllegalTransition(Exception):
    """The requested status change is not allowed from the current status."""

    def __init__(self, current: ApplicationStatus, target: ApplicationStatus) -> None:
        super().__init__(f"cannot go from {current.value} to {target.value}")
        self.current, self.target = current, target


def transition(current: ApplicationStatus, target: ApplicationStatus) -> ApplicationStatus:
    """The new status, or IllegalTransition."""
    if target not in _ALLOWED[current]:
        raise IllegalTransition(current, target)
    return target
