"""Domain errors: what a service's rules refuse, named by a stable problem type, free of HTTP.

A service's `domain.py` subclasses these; the HTTP edge (`services.common.problems`) maps each kind to
its status once, so use cases raise domain errors and never build HTTP answers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class ErrorKind(StrEnum):
    """How the edge answers: conflict 409, not found 404, invalid 422, gone 410, too large 413, unsupported 415."""

    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    GONE = "gone"
    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported"


class DomainError(Exception):
    """A command refused by a rule; `code` is the problem type slug, `extensions` extra problem members."""

    kind: ClassVar[ErrorKind] = ErrorKind.CONFLICT
    code: ClassVar[str] = "conflict"
    title: ClassVar[str] = "Conflict"

    def __init__(self, detail: str, **extensions: Any) -> None:
        reserved = {"type", "title", "status", "detail", "instance"} & set(extensions)
        if reserved:  # the problem's own members (RFC 9457) cannot be extensions
            raise ValueError(f"reserved problem member(s) used as extensions: {sorted(reserved)}")
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(DomainError):
    """No such resource."""

    kind = ErrorKind.NOT_FOUND
    code = "not-found"
    title = "Not found"

    def __init__(self, what: str, id_: object) -> None:
        super().__init__(f"no {what} {id_}")
        self.what = what


class Invalid(DomainError):
    """A field breaks a rule that the schema cannot express (reference data, cross-field rules)."""

    kind = ErrorKind.INVALID
    code = "validation-error"
    title = "Request validation failed"

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail, errors=[{"pointer": pointer, "detail": detail}])


class Gone(DomainError):
    """The resource existed but its data was erased."""

    kind = ErrorKind.GONE
    code = "erased"
    title = "Personal data erased"
