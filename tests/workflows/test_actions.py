"""Case officer actions: validators refuse bad requests before anything reaches the journey's history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from contracts.journey import ActionReason as R
from contracts.journey import ExtendDeadline, HoldJourney, RerouteJourney, ResumeJourney, WithdrawJourney
from contracts.journey import JourneyStage as S
from tests.support.journey import Journey, running_journey, to_matching
from workflows.journey import ApprenticeJourneyWorkflow as W

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture
async def journey(own_time_env: WorkflowEnvironment) -> AsyncIterator[Journey]:
    async with running_journey(own_time_env) as j:
        yield j


async def update_events(j: Journey) -> int:
    history = await j.handle.fetch_history()
    return sum(1 for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)


@pytest.mark.parametrize(
    ("update", "request_", "message"),
    [
        (
            W.extend_deadline,
            ExtendDeadline(
                deadline="B1_WITHIN_9_MONTHS", extend_by_days=10, reason_code=R.EXAM_RESCHEDULED, officer="alice"
            ),
            "no open deadline",
        ),
        (
            W.reroute,
            RerouteJourney(target=S.MATCHING, reason_code=R.NO_SUITABLE_POSITION, officer="alice"),
            "re-routing is for a journey in MATCHING",
        ),
        (W.resume, ResumeJourney(reason_code=R.OTHER, officer="alice"), "not on hold"),
    ],
)
async def test_invalid_actions_are_refused_and_leave_no_trace(
    journey: Journey, update: object, request_: object, message: str
) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await journey.handle.execute_update(update, request_)
    assert message in str(failure.value.cause)
    assert await update_events(journey) == 0


async def test_extension_past_the_programme_maximum_is_refused(journey: Journey) -> None:
    await journey.send("applications.application_preselected", occupation_code="29302")
    await journey.send("training.enrolled", cohort_id="C-1")
    with pytest.raises(WorkflowUpdateFailedError, match="update"):
        await journey.handle.execute_update(
            W.extend_deadline,
            ExtendDeadline(deadline="B1_WITHIN_9_MONTHS", extend_by_days=365, reason_code=R.OTHER, officer="alice"),
        )
    assert await update_events(journey) == 0


async def test_hold_pauses_deadlines_and_resume_moves_them(journey: Journey) -> None:
    j = journey
    await j.send("applications.application_preselected", occupation_code="29302")
    await j.send("training.enrolled", cohort_id="C-1")
    await j.env.sleep(timedelta(hours=1))
    before = (await j.handle.query(W.view)).deadlines[0].due_at
    await j.handle.execute_update(W.hold, HoldJourney(reason_code=R.PERSONAL_CIRCUMSTANCES, officer="alice"))
    with pytest.raises(WorkflowUpdateFailedError):
        await j.handle.execute_update(W.hold, HoldJourney(reason_code=R.OTHER, officer="alice"))
    await j.env.sleep(timedelta(days=300))  # past the due date: nothing fires while on hold
    assert j.services.escalations() == [] and await j.stage() == S.LANGUAGE_TRAINING
    view = await j.handle.execute_update(W.resume, ResumeJourney(reason_code=R.OTHER, officer="alice"))
    assert not view.on_hold and view.deadlines[0].due_at - before >= timedelta(days=299)


async def test_reroute_back_to_language_training(journey: Journey) -> None:
    await to_matching(journey)
    view = await journey.handle.execute_update(
        W.reroute,
        RerouteJourney(target=S.LANGUAGE_TRAINING, reason_code=R.LANGUAGE_LEVEL_INSUFFICIENT, officer="alice"),
    )
    assert view.stage == S.LANGUAGE_TRAINING and view.matching_round == 2
    assert [n for n in journey.services.names() if n == "enrol_in_cohort"] == ["enrol_in_cohort"] * 2


async def test_withdraw_releases_the_position_and_ends(journey: Journey) -> None:
    import uuid

    await to_matching(journey)
    employer, position = uuid.uuid4(), uuid.uuid4()
    await journey.send("matching.offer_accepted", employer_id=employer, position_id=position)
    await journey.handle.execute_update(W.withdraw, WithdrawJourney(reason_code=R.NO_CONTACT, officer="alice"))
    assert (await journey.handle.result()).outcome == S.WITHDRAWN
    assert [r.position_id for n, r in journey.services.calls if n == "release_position"] == [position]
    with pytest.raises(Exception):  # noqa: B017 - the workflow has completed
        await journey.handle.execute_update(W.withdraw, WithdrawJourney(reason_code=R.NO_CONTACT, officer="alice"))


async def test_a_withdrawal_during_language_training_cancels_the_enrolment(journey: Journey) -> None:
    import uuid

    enrolment = uuid.uuid4()
    await journey.send("applications.application_preselected", occupation_code="29302")
    await journey.send("training.enrolled", cohort_id="C-2026-01", enrolment_id=enrolment)
    await journey.handle.execute_update(W.withdraw, WithdrawJourney(reason_code=R.NO_CONTACT, officer="alice"))
    assert (await journey.handle.result()).outcome == S.WITHDRAWN
    cancels = [r for n, r in journey.services.calls if n == "cancel_enrolment"]
    assert [(c.enrolment_id, c.reason_code) for c in cancels] == [(enrolment, "CANDIDATE_WITHDREW")]


async def test_a_withdrawal_after_matching_started_leaves_the_finished_course_alone(journey: Journey) -> None:
    await to_matching(journey)
    await journey.send("applications.application_withdrawn", reason_code="PERSONAL")
    assert (await journey.handle.result()).outcome == S.WITHDRAWN
    assert "cancel_enrolment" not in journey.services.names()


PROBLEM = "https://thamm.example/problems/illegal-transition"


async def test_a_refused_step_escalates_and_the_journey_goes_on(journey: Journey) -> None:
    import uuid

    journey.services.refuse["request_matching"] = (409, PROBLEM)
    await to_matching(journey)
    await journey.env.sleep(timedelta(hours=1))
    assert await journey.stage() == S.MATCHING  # not failed: a case officer decides
    assert journey.services.refusals() == ["request_matching:409:illegal-transition"]
    view = await journey.handle.execute_update(
        W.reroute, RerouteJourney(target=S.MATCHING, reason_code=R.OTHER, officer="alice")
    )
    assert view.matching_round == 2 and journey.services.names().count("request_matching") == 2
    await journey.send(
        "matching.contract_signed", employer_id=uuid.uuid4(), position_id=uuid.uuid4(), contract_id=uuid.uuid4(),
        occupation_code="29302",
    )  # fmt: skip
    await journey.env.sleep(timedelta(hours=1))
    assert await journey.stage() == S.CONTRACT_SIGNED


async def test_a_refused_compensation_is_escalated_and_the_withdrawal_still_ends_the_journey(journey: Journey) -> None:
    import uuid

    await to_matching(journey)
    await journey.send("matching.offer_accepted", employer_id=uuid.uuid4(), position_id=uuid.uuid4())
    journey.services.refuse["release_position"] = (404, "https://thamm.example/problems/not-found")
    await journey.handle.execute_update(W.withdraw, WithdrawJourney(reason_code=R.NO_CONTACT, officer="alice"))
    assert (await journey.handle.result()).outcome == S.WITHDRAWN
    assert journey.services.refusals() == ["release_position:404:not-found"]


async def test_a_refused_step_of_an_officers_action_fails_that_action_only(journey: Journey) -> None:
    await to_matching(journey)
    journey.services.refuse["enrol_in_cohort"] = (422, "https://thamm.example/problems/validation-error")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await journey.handle.execute_update(
            W.reroute, RerouteJourney(target=S.LANGUAGE_TRAINING, reason_code=R.OTHER, officer="alice")
        )
    cause = refused.value.cause
    assert "enrol_in_cohort refused: 422" in str(cause) and cause.details == ("enrol_in_cohort:422:validation-error",)  # type: ignore[union-attr]
    assert await journey.stage() == S.LANGUAGE_TRAINING  # the steps before the refusal stand
    await journey.send("training.exam_passed", level="B1")
    await journey.env.sleep(timedelta(hours=1))
    assert await journey.stage() == S.MATCHING


async def test_officer_actions_are_published_with_who_and_why(journey: Journey) -> None:
    await to_matching(journey)
    await journey.handle.execute_update(W.hold, HoldJourney(reason_code=R.PERSONAL_CIRCUMSTANCES, officer="alice"))
    await journey.env.sleep(timedelta(days=3))
    await journey.handle.execute_update(W.resume, ResumeJourney(reason_code=R.OTHER, officer="alice"))
    await journey.handle.execute_update(
        W.extend_deadline,
        ExtendDeadline(deadline="MATCHING_WITHIN_3_MONTHS", extend_by_days=30, reason_code=R.OTHER, officer="bob"),
    )
    await journey.handle.execute_update(
        W.reroute, RerouteJourney(target=S.MATCHING, reason_code=R.NO_SUITABLE_POSITION, officer="bob")
    )
    await journey.handle.execute_update(W.withdraw, WithdrawJourney(reason_code=R.NO_CONTACT, officer="carol"))
    officer_events = [
        (p["type"].split(".")[2], p["officer"], p["reason_code"], p["stage"])
        for p in journey.services.published
        if "officer" in p
    ]
    assert officer_events == [
        ("journey_held", "alice", "PERSONAL_CIRCUMSTANCES", "MATCHING"),
        ("journey_resumed", "alice", "OTHER", "MATCHING"),
        ("deadline_extended", "bob", "OTHER", "MATCHING"),
        ("journey_rerouted", "bob", "NO_SUITABLE_POSITION", "MATCHING"),
        ("journey_ended_by_officer", "carol", "NO_CONTACT", "MATCHING"),
    ]
    resumed = next(p for p in journey.services.published if p["type"].endswith("journey_resumed.v1"))
    assert resumed["held_days"] == pytest.approx(3, abs=0.01)
