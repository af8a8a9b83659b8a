"""The journey's typed dispatch: every catalog fact about a candidate is handled, forwarded to a child, ignored on
purpose, or not subscribed on purpose; facts reach handlers as their contract models; versions are not mixed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from contracts import topics
from contracts.catalog import ALL_EVENTS
from contracts.examples import sample_event
from contracts.journey import JourneyFact
from contracts.training import ExamPassed
from workflows.journey import FOLLOW_UP_CLASSES, HANDLERS, IGNORED, JOURNEY_FACTS, ApprenticeJourneyWorkflow
from workflows.steps import parse_fact
from workflows.visa import FACT_CLASSES

#: Candidate events the journey does not subscribe to, and why: services' own bookkeeping that moves no stage.
NOT_SUBSCRIBED = {
    "thamm.applications.document_verified.v1",  # pre-selection is the decision that counts
    "thamm.applications.document_rejected.v1",
    "thamm.applications.candidate_erased.v1",  # the applications service ends what it owns; no journey step
    "thamm.applications.consent_changed.v1",  # matching reacts (profiles); the journey has nothing to do
    "thamm.training.enrolment_waitlisted.v1",  # the journey waits for `enrolled`
    "thamm.training.enrolment_cancelled.v1",  # the journey's own compensation coming back
    "thamm.training.exam_registered.v1",
    "thamm.training.certificate_verification_changed.v1",  # training re-decides `exam_passed` itself
    "thamm.training.intercultural_module_completed.v1",
    "thamm.training.attendance_recorded.v1",
    "thamm.matching.position_released.v1",  # the journey's own compensation coming back
    "thamm.matching.candidate_shortlisted.v1",
    "thamm.matching.interview_scheduled.v1",
    "thamm.matching.interview_completed.v1",
    "thamm.matching.offer_made.v1",
    "thamm.matching.contract_amended.v1",
    "thamm.matching.contract_acknowledged.v1",
    "thamm.matching.contract_registered.v1",
    "thamm.matching.contract_correction_requested.v1",  # the visa child asked for it
    "thamm.visa.checklist_completed.v1",
    "thamm.visa.appointment_requested.v1",
    "thamm.visa.visa_collected.v1",
    "thamm.visa.visa_cost_recorded.v1",
    "thamm.monitoring.cost_recorded.v1",
    "thamm.applications.statistical_profile_recorded.v1",  # statistics only (monitoring's read models)
    "thamm.monitoring.departed.v1",  # the journey moves on `arrival_confirmed`
    "thamm.monitoring.arrival_step_recorded.v1",  # casework in monitoring; no deadline of the journey's
    "thamm.monitoring.exam_result_recorded.v1",  # the final exam reaches the follow-up as `training_completed`
    "thamm.monitoring.fair_recruitment_alert.v1",  # an officer's task in monitoring, not a journey step
    "thamm.monitoring.fair_recruitment_alert_closed.v1",
    "thamm.monitoring.document_custody_recorded.v1",
    "thamm.monitoring.grievance_updated.v1",
    "thamm.monitoring.first_month_earnings_recorded.v1",
}
SOURCES = {topics.APPLICATIONS, topics.TRAINING, topics.MATCHING, topics.VISA, topics.MONITORING}


def test_every_candidate_fact_is_handled_forwarded_ignored_or_deliberately_not_subscribed() -> None:
    classified = {cls.TYPE for cls in (*HANDLERS, *FACT_CLASSES, *FOLLOW_UP_CLASSES, *IGNORED)}
    assert classified == JOURNEY_FACTS, "the bridge subscribes to exactly the classified facts"
    about_candidates = {cls.TYPE for cls in ALL_EVENTS if cls.TOPIC in SOURCES and "candidate_id" in cls.model_fields}
    unclassified = about_candidates - JOURNEY_FACTS - NOT_SUBSCRIBED
    assert not unclassified, f"decide what the journey does with {sorted(unclassified)}"
    assert not (JOURNEY_FACTS & NOT_SUBSCRIBED)
    assert about_candidates >= NOT_SUBSCRIBED, "the list names only real catalog types"


def test_each_handler_is_a_method_of_the_workflow_named_after_its_event() -> None:
    for cls, handler in HANDLERS.items():
        assert handler is getattr(ApprenticeJourneyWorkflow, f"_on_{cls.TYPE.split('.')[2]}")


def _fact(type_: str, data: dict[str, object]) -> JourneyFact:
    return JourneyFact(event_id=str(uuid.uuid4()), event_type=type_, occurred_at=datetime.now(UTC), data=data)


def test_facts_reach_handlers_as_their_models_and_a_v2_is_not_a_v1() -> None:
    data = sample_event(ExamPassed).model_dump(mode="json")
    parsed = parse_fact(_fact(ExamPassed.TYPE, data))
    assert isinstance(parsed, ExamPassed) and parsed.level == data["level"]
    assert parse_fact(_fact("thamm.training.exam_passed.v2", data)) is None


def test_a_fact_recorded_before_a_field_was_added_still_parses_for_replay() -> None:
    data = sample_event(ExamPassed).model_dump(mode="json")
    del data["provider"], data["certificate_id"]
    parsed = parse_fact(_fact(ExamPassed.TYPE, data))
    assert isinstance(parsed, ExamPassed) and parsed.exam_id == uuid.UUID(str(data["exam_id"]))
    assert parsed.provider is None and parsed.certificate_id is None, "absent: None, or the field's default"
