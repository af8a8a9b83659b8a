"""Field types the services' HTTP schemas share, so every API validates them the same way."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def _iso_8601(value: Any) -> Any:
    """Only RFC 3339 / ISO 8601 text (no Unix timestamps that lax parsing would read as dates)."""
    if isinstance(value, str) and not _ISO_8601.match(value):
        raise ValueError("expected an RFC 3339 date-time, e.g. 2026-01-31T08:00:00Z")
    if isinstance(value, int | float):
        raise ValueError("expected an RFC 3339 date-time, not a number")
    return value


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_8601), AfterValidator(_aware)]
"""A date-time given as RFC 3339 text; without an offset it is read as UTC."""


def _iso_date(value: Any) -> Any:
    if isinstance(value, bool | int | float) or (isinstance(value, str) and not _ISO_DATE.match(value)):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

IsoDate = Annotated[date, BeforeValidator(_iso_date)]
"""A calendar date given as `YYYY-MM-DD` text (no numbers read as timestamps)."""

#: Text on one line: no control characters (PostgreSQL refuses NUL; lone surrogates are not text).
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
#: Free text over several lines: tabs and line breaks allowed, other control characters not.
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def _json_integer(value: Any) -> Any:
    """A JSON Schema integer: 3 and 3.0, never true/false (Python's bool is an int; JSON's is not)."""
    if isinstance(value, bool):
        raise ValueError("a number is required, not a boolean")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_integer)]
"""An integer field that refuses JSON booleans (lax `int` would take `false` as 0)."""
