"""The event catalog: naming, documentation, routing and the personal-data rule."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from contracts import topics
from contracts.catalog import ALL_EVENTS, CATALOG, UnknownEventType, event_class
from contracts.examples import sample_event

REQUIRED_TYPES = {
    "applications": [
        "application_submitted",
        "document_verified",
        "document_rejected",
        "application_preselected",
        "application_rejected",
        "application_withdrawn",
        "candidate_erased",
    ],
    "training": [
        "enrolled",
        "attendance_below_threshold",
        "level_reached",
        "exam_passed",
        "exam_failed",
        "training_dropped_out",
    ],
    "matching": [
        "employer_registered",
        "position_published",
        "position_closed",
        "candidate_shortlisted",
        "interview_scheduled",
        "interview_completed",
        "offer_made",
        "offer_accepted",
        "offer_declined",
        "offer_withdrawn",
        "contract_signed",
    ],
    "visa": [
        "visa_case_opened",
        "labour_approval_granted",
        "labour_approval_refused",
        "appointment_booked",
        "visa_lodged",
        "visa_granted",
        "visa_refused",
        "checklist_completed",
        "labour_approval_requested",
        "labour_approval_deemed",
        "preapproval_issued",
        "reapplication_lodged",
        "court_action_filed",
        "visa_collected",
        "visa_case_cancelled",
    ],
    "monitoring": [
        "predeparture_completed",
        "arrival_confirmed",
        "checkin_recorded",
        "placement_at_risk",
        "probation_passed",
        "training_terminated",
        "training_completed",
        "cost_recorded",
    ],
    "journey": ["stage_changed", "deadline_escalated"],
}
PERSONAL = re.compile(r"passport|cnie|national_id|first_name|last_name|full_name|birth|email|phone|address", re.I)
#: Statistical classifications whose names look personal but hold a country code (ICLS: country of birth).
CLASSIFICATIONS = frozenset({"country_of_birth"})


def test_the_catalog_holds_every_required_event() -> None:
    expected = {f"thamm.{service}.{name}.v1" for service, names in REQUIRED_TYPES.items() for name in names}
    assert expected <= set(CATALOG)


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=lambda c: c.TYPE)
def test_each_event_is_named_documented_and_routed(cls: type) -> None:
    match = re.fullmatch(r"thamm\.([a-z]+)\.([a-z0-9_]+)\.v(\d+)", cls.TYPE)
    assert match, cls.TYPE
    assert f"thamm.{match.group(1)}" == cls.TOPIC and cls.TOPIC in topics.EVENT_TOPICS
    assert cls.__doc__ and cls.__doc__.strip()
    assert cls.model_config.get("frozen") is True
    assert cls.model_config.get("extra") == "ignore"  # tolerant reader
    assert cls.KEY_FIELD in cls.model_fields
    for name, field in cls.model_fields.items():
        assert field.description, f"{cls.TYPE}.{name} has no description"
        assert name in CLASSIFICATIONS or not PERSONAL.search(name), f"{cls.TYPE}.{name} looks like personal data"


def test_employer_and_cohort_events_are_keyed_by_them_and_the_rest_by_candidate() -> None:
    employer_keyed = {c.TYPE for c in ALL_EVENTS if c.KEY_FIELD == "employer_id"}
    assert employer_keyed == {
        "thamm.matching.employer_registered.v1",
        "thamm.matching.position_published.v1",
        "thamm.matching.position_closed.v1",
        "thamm.matching.api_key_created.v1",
        "thamm.matching.api_key_revoked.v1",
        "thamm.webhooks.endpoint_disabled.v1",
    }
    cohort_keyed = {c.TYPE for c in ALL_EVENTS if c.KEY_FIELD == "cohort_id"}
    assert cohort_keyed == {"thamm.training.cohort_status_changed.v1"}
    assert all(c.KEY_FIELD == "candidate_id" for c in ALL_EVENTS if c.TYPE not in employer_keyed | cohort_keyed)


def test_events_are_frozen_and_validate_their_fields() -> None:
    event = sample_event(CATALOG["thamm.training.exam_passed.v1"])
    with pytest.raises(ValidationError):
        event.level = "B2"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        CATALOG["thamm.training.exam_passed.v1"].model_validate({**event.model_dump(), "level": "Z9"})


def test_unknown_types_are_reported_as_such() -> None:
    with pytest.raises(UnknownEventType):
        event_class("thamm.nobody.nothing.v1")
