"""Availability and matchability of a profile, from its facts alone."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from types import SimpleNamespace

from services.matching.handlers.profiles import ProfileProjection
from services.matching.reference import reference_data
from services.matching.tables import ProfileRecord

REF = reference_data()
PROJECTION = ProfileProjection(SimpleNamespace(reference=REF))  # type: ignore[arg-type]


def profile(**kw: object) -> ProfileRecord:
    values = {"occupation_codes": ["29302"], "consent": True, "active": True, **kw}
    return ProfileRecord(candidate_id=uuid.uuid4(), **values)


def test_availability_counts_from_the_certificate_else_from_the_courses_planned_end() -> None:
    course = profile(course_starts_on=date(2027, 1, 4))
    PROJECTION._settle(course)
    lead, course_days = REF.availability_lead_days, REF.expected_course_days
    assert course.available_from == date(2027, 1, 4) + timedelta(days=course_days + lead)
    certified = profile(course_starts_on=date(2027, 1, 4), certified_on=date(2027, 5, 20))
    PROJECTION._settle(certified)
    assert certified.available_from == date(2027, 5, 20) + timedelta(days=lead)
    unknown = profile()
    PROJECTION._settle(unknown)
    assert unknown.available_from is None


def test_only_a_consenting_active_candidate_with_an_occupation_is_matchable() -> None:
    for values, matchable in (
        ({}, True),
        ({"consent": False}, False),
        ({"active": False}, False),
        ({"occupation_codes": []}, False),
    ):
        record = profile(**values)
        PROJECTION._settle(record)
        assert record.matchable is matchable, values
