"""The journey on the time-skipping test server: three years in seconds, and every branch."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from contracts.journey import ActionReason as R
from contracts.journey import EndJourney, ExtendDeadline, RerouteJourney
from contracts.journey import JourneyStage as S
from tests.support.journey import EMPLOYER, POSITION, Journey, running_journey, to_matching, to_visa

pytestmark = pytest.mark.integration


async def test_the_whole_three_year_journey(journey: Journey) -> None:
    j = journey
    await to_visa(j)
    await j.send("visa.labour_approval_granted")
    await j.send("visa.appointment_booked")
    await j.send("visa.visa_lodged")
    await j.send("visa.visa_granted", valid_until="2027-06-30")
    await j.env.sleep(timedelta(days=20))
    assert await j.stage() == S.PRE_DEPARTURE
    await j.send("monitoring.predeparture_completed")
    await j.send("monitoring.arrival_confirmed")
    await j.env.sleep(timedelta(days=5))
    await j.send("monitoring.address_registered")
    await j.send("monitoring.residence_permit_issued")
    await j.env.sleep(timedelta(days=100))
    await j.send("monitoring.probation_passed", employer_id=EMPLOYER)
    await j.env.sleep(timedelta(days=1000))  # the training years, with check-ins and yearly continue-as-new
    await j.send("monitoring.training_completed", final_exam_passed=True)
    result = await j.handle.result()

    assert result.outcome == S.COMPLETED
    assert j.services.stages() == [
        "SUBMITTED",
        "PRESELECTED",
        "LANGUAGE_TRAINING",
        "MATCHING",
        "CONTRACT_SIGNED",
        "VISA",
        "PRE_DEPARTURE",
        "ARRIVED",
        "IN_TRAINING",
        "COMPLETED",
    ]
    names = j.services.names()
    for step in ("enrol_in_cohort", "request_matching", "open_visa_case", "start_predeparture"):
        assert names.count(step) == 1, step
    tasks = [r.task for n, r in j.services.calls if n == "create_follow_up_task"]
    assert {"address_registration", "residence_permit"} <= set(tasks)
    due = [r.due_on for n, r in j.services.calls if n == "create_follow_up_task" and r.task == "checkin"]
    gaps = [(b - a).days for a, b in itertools.pairwise(due)]
    assert gaps[:8] == [30] * 8, "front-loaded: monthly in the first months after arrival"
    assert gaps[-1] == 91 and len(due) >= 16, "then quarterly to the end of the training"
    keys = [r.idempotency_key for n, r in j.services.calls if n != "publish_journey_event"]
    assert len(keys) == len(set(keys)) and all(k.startswith(("journey-", "follow-up-")) for k in keys)
    assert ("B1_WITHIN_9_MONTHS", "reminder") not in j.services.escalations()  # B1 came at 5 months
    # nothing reported in the 12 months after completion: escalated once, recorded, never decided
    assert result.after_completion == "NOT_REPORTED"
    assert j.services.escalations().count(("JOB_SEARCH_WITHIN_12_MONTHS", "escalation")) == 1


async def to_completion(j: Journey) -> None:
    await to_visa(j)
    await j.send("visa.visa_granted", valid_until="2027-06-30")
    await j.send("monitoring.arrival_confirmed")
    await j.send("monitoring.probation_passed", employer_id=EMPLOYER)
    await j.env.sleep(timedelta(days=30))
    await j.send("monitoring.training_completed", final_exam_passed=True)
    await j.env.sleep(timedelta(days=1))


async def test_after_completion_the_job_search_ends_employed_as_a_skilled_worker(journey: Journey) -> None:
    j = journey
    await to_completion(j)
    assert await j.stage() == S.COMPLETED
    await j.send("monitoring.job_search_started")
    await j.env.sleep(timedelta(days=100))
    await j.send("monitoring.employed_as_skilled_worker", same_employer=False)
    result = await j.handle.result()
    assert result.outcome == S.COMPLETED and result.after_completion == "EMPLOYED_AS_SKILLED_WORKER"
    assert ("JOB_SEARCH_WITHIN_12_MONTHS", "escalation") not in j.services.escalations()


async def test_after_completion_a_return_is_recorded(journey: Journey) -> None:
    j = journey
    await to_completion(j)
    await j.send("monitoring.returned", reason_code="PLANNED_RETURN")
    assert (await j.handle.result()).after_completion == "RETURNED"


async def test_rejection_ends_the_journey(journey: Journey) -> None:
    await journey.send("applications.application_rejected", reason_code="INTERVIEW_FAILED")
    assert (await journey.handle.result()).outcome == S.REJECTED
    assert journey.services.stages() == ["SUBMITTED", "REJECTED"]


async def escalated(j: Journey) -> str | None:
    attributes = {p.key.name: p.value for p in (await j.handle.describe()).typed_search_attributes}
    return attributes.get("Escalated")  # type: ignore[return-value]


async def end(j: Journey, outcome: S, reason: R) -> None:
    await j.handle.execute_update("end_journey", EndJourney(outcome=outcome, reason_code=reason, officer="alice"))


async def test_a_lapsed_b1_deadline_escalates_again_and_a_case_officer_decides(journey: Journey) -> None:
    j = journey
    await j.send("applications.application_preselected", occupation_code="29302")
    await j.send("training.enrolled", cohort_id="C-1")
    await j.env.sleep(timedelta(days=275))
    assert j.services.escalations() == [("B1_WITHIN_9_MONTHS", "reminder"), ("B1_WITHIN_9_MONTHS", "escalation")]
    assert await escalated(j) == "true"
    view = await j.handle.execute_update(
        "extend_deadline",
        ExtendDeadline(
            deadline="B1_WITHIN_9_MONTHS", extend_by_days=90, reason_code=R.EXAM_RESCHEDULED, officer="alice"
        ),
    )
    assert view["deadlines"][0]["extensions"] == 1
    await j.env.sleep(timedelta(hours=1))
    assert await escalated(j) == "false"  # the officer's decision answered the escalation
    await j.send("training.exam_failed", failed_skills=["speaking"])
    await j.env.sleep(timedelta(days=160))  # the new due date passes, then two decision windows: no automatic end
    assert await j.stage() == S.LANGUAGE_TRAINING
    assert j.services.escalations()[2:] == [("B1_WITHIN_9_MONTHS", "escalation")] * 3
    await end(j, S.TRAINING_FAILED, R.LANGUAGE_LEVEL_INSUFFICIENT)
    result = await j.handle.result()
    assert result.outcome == S.TRAINING_FAILED and result.history[-1].cause.startswith("officer_ended:")
    assert [r.reason_code for n, r in j.services.calls if n == "cancel_enrolment"] == ["JOURNEY_ENDED"]


async def test_a_lapsed_matching_deadline_waits_for_a_case_officer(journey: Journey) -> None:
    await to_matching(journey)
    await journey.env.sleep(timedelta(days=125))
    assert await journey.stage() == S.MATCHING and await escalated(journey) == "true"
    await end(journey, S.NOT_PLACED, R.NO_SUITABLE_POSITION)
    assert (await journey.handle.result()).outcome == S.NOT_PLACED


async def test_a_refused_visa_escalates_and_a_case_officer_ends_the_journey(alone: Journey) -> None:
    """No remonstration since 1 July 2025: a refusal escalates at once (a new application or an action at VG
    Berlin within one month is a person's choice); a month without either escalates again; the officer ends."""
    j = alone
    await to_visa(j)
    await j.send("visa.labour_approval_granted")
    refused_on = (await j.env.get_current_time()).date()
    await j.send(
        "visa.visa_refused", reason_code="DOUBTS_ABOUT_INTENT", court_action_until=refused_on + timedelta(days=30)
    )
    await j.env.sleep(timedelta(days=1))
    assert await j.stage() == S.VISA, "a refusal does not end the journey by itself"
    assert ("VISA_REFUSED", "escalation") in j.services.escalations()
    await j.env.sleep(timedelta(days=31))
    assert ("COURT_ACTION_WITHIN_1_MONTH", "escalation") in j.services.escalations()
    await end(j, S.VISA_REFUSED, R.VISA_REFUSED)
    assert (await j.handle.result()).outcome == S.VISA_REFUSED
    names = j.services.names()
    assert "cancel_visa_case" in names
    released = [r for n, r in j.services.calls if n == "release_position"]
    assert len(released) == 1 and released[0].position_id == POSITION and released[0].employer_id == EMPLOYER


async def test_after_a_refused_visa_an_officer_reroutes_to_a_new_place(alone: Journey) -> None:
    j = alone
    await to_visa(j)
    await j.send("visa.labour_approval_granted")
    await j.send("visa.visa_refused", reason_code="DOUBTS_ABOUT_INTENT")
    await j.env.sleep(timedelta(days=2))
    request = RerouteJourney(target=S.MATCHING, reason_code=R.VISA_REFUSED, officer="alice")
    await j.handle.execute_update("reroute", request)
    assert await j.stage() == S.MATCHING
    cancelled = [r for n, r in j.services.calls if n == "cancel_visa_case"]
    assert len(cancelled) == 1 and cancelled[0].reason_code == "JOURNEY_REROUTED"
    assert "release_position" in j.services.names()
    assert [r.round for n, r in j.services.calls if n == "request_matching"] == [1, 2]


async def test_withdrawn_offer_is_compensated_and_matching_restarts(journey: Journey) -> None:
    j = journey
    await to_matching(j)
    await j.send("matching.offer_accepted", employer_id=EMPLOYER, position_id=POSITION)
    await j.send("matching.offer_withdrawn", employer_id=EMPLOYER, position_id=POSITION, reason_code="BUDGET")
    await j.env.sleep(timedelta(days=1))
    assert await j.stage() == S.MATCHING
    assert [n for n in j.services.names() if n in ("release_position", "request_matching")] == [
        "request_matching",
        "release_position",
        "request_matching",
    ]
    assert [r.round for n, r in j.services.calls if n == "request_matching"] == [1, 2]


@pytest_asyncio.fixture
async def alone(own_time_env: WorkflowEnvironment) -> AsyncIterator[Journey]:
    """A journey on a server of its own: the time-skipping server stops skipping time for later tests once a
    journey with a running follow-up child has been ended (the dev server and production do not)."""
    async with running_journey(own_time_env) as j:
        yield j


async def test_a_termination_at_the_trainees_fault_is_reviewed_by_a_case_officer(alone: Journey) -> None:
    j = alone
    await to_visa(j)
    await j.send("visa.visa_granted", valid_until="2027-06-30")
    await j.send("monitoring.arrival_confirmed")
    await j.env.sleep(timedelta(days=40))
    await j.send(
        "monitoring.training_terminated",
        employer_id=EMPLOYER,
        initiated_by="employer",
        trainee_at_fault=True,
        during_probation=True,
    )
    await j.env.sleep(timedelta(days=1))
    assert await j.stage() == S.ARRIVED  # nothing ends at once
    assert ("TERMINATION_REVIEW", "escalation") in j.services.escalations()
    await end(j, S.DROPPED_OUT, R.OTHER)
    result = await j.handle.result()
    assert result.outcome == S.DROPPED_OUT and j.services.stages()[-2:] == ["ARRIVED", "DROPPED_OUT"]
    follow_up = await j.client.get_workflow_handle(f"follow-up-{j.candidate_id}").describe()
    assert follow_up.status == WorkflowExecutionStatus.CANCELED  # the ended journey stopped its follow-up


async def test_early_termination_with_replacement(journey: Journey) -> None:
    j = journey
    await to_visa(j)
    await j.send("visa.visa_granted", valid_until="2027-06-30")
    await j.send("monitoring.arrival_confirmed")
    await j.send("monitoring.probation_passed", employer_id=EMPLOYER)
    await j.env.sleep(timedelta(days=200))
    await j.send(
        "monitoring.training_terminated",
        employer_id=EMPLOYER,
        initiated_by="employer",
        trainee_at_fault=False,
        during_probation=False,
    )
    await j.env.sleep(timedelta(days=60))
    new_employer = uuid.uuid4()
    await j.send(
        "matching.contract_signed",
        employer_id=new_employer,
        position_id=uuid.uuid4(),
        contract_id=uuid.uuid4(),
        occupation_code="29302",
    )
    await j.env.sleep(timedelta(days=200))
    assert await j.stage() == S.IN_TRAINING
    await j.send("monitoring.training_completed", final_exam_passed=True)
    assert (await j.handle.result()).outcome == S.COMPLETED
    tasks = [r.task for n, r in j.services.calls if n == "create_follow_up_task"]
    assert "replacement_search" in tasks and "request_matching" in j.services.names()
    rematch = [r for n, r in j.services.calls if n == "request_matching"][-1]
    assert rematch.round == 2 and rematch.occupation_codes == ["29302"]  # the candidate's occupations, next round


async def test_early_termination_without_a_new_place_in_six_months(alone: Journey) -> None:
    j = alone
    await to_visa(j)
    await j.send("visa.visa_granted", valid_until="2027-06-30")
    await j.send("monitoring.arrival_confirmed")
    await j.send("monitoring.probation_passed", employer_id=EMPLOYER)
    await j.send(
        "monitoring.training_terminated",
        employer_id=EMPLOYER,
        initiated_by="employer",
        trainee_at_fault=False,
        during_probation=False,
    )
    await j.env.sleep(timedelta(days=190))
    assert await j.stage() == S.IN_TRAINING  # the search lapsed: a case officer decides, not the timer
    assert ("REPLACEMENT_WITHIN_6_MONTHS", "escalation") in j.services.escalations()
    await end(j, S.DROPPED_OUT, R.NO_SUITABLE_POSITION)
    assert (await j.handle.result()).outcome == S.DROPPED_OUT


async def test_matching_starts_on_a_class_assessment_and_the_visa_waits_for_the_certificate(journey: Journey) -> None:
    j = journey
    await j.send("applications.application_preselected", occupation_code="29302")
    await j.send("training.enrolled", cohort_id="C-1")
    await j.env.sleep(timedelta(days=120))
    await j.send("training.level_reached", level="A2")  # below the programme's threshold (B1): nothing yet
    await j.env.sleep(timedelta(days=1))
    assert await j.stage() == S.LANGUAGE_TRAINING
    await j.send("training.level_reached", level="B1")
    await j.env.sleep(timedelta(days=1))
    assert await j.stage() == S.MATCHING and "request_matching" in j.services.names()
    codes = [d["code"] for d in await j.handle.query("open_deadlines")]
    assert "B1_WITHIN_9_MONTHS" in codes  # the certificate is still due
    await j.send(
        "matching.contract_signed",
        employer_id=EMPLOYER,
        position_id=POSITION,
        contract_id=uuid.uuid4(),
        occupation_code="29302",
    )
    await j.env.sleep(timedelta(days=1))
    assert await j.stage() == S.CONTRACT_SIGNED and "open_visa_case" not in j.services.names()
    await j.send("training.exam_passed", level="B1")
    await j.env.sleep(timedelta(days=1))
    assert j.services.names().count("open_visa_case") == 1
    codes = [d["code"] for d in await j.handle.query("open_deadlines")]
    assert "B1_WITHIN_9_MONTHS" not in codes


async def test_deadlines_count_from_the_dates_in_the_facts_even_when_a_fact_comes_late(journey: Journey) -> None:
    from datetime import UTC, datetime

    j = journey
    today = (await j.env.get_current_time()).date()
    started = today - timedelta(days=200)  # the enrolment fact arrives long after the course began
    await j.send("applications.application_preselected", occupation_code="29302")
    await j.send("training.enrolled", cohort_id="C-1", starts_on=started.isoformat())
    await j.env.sleep(timedelta(hours=1))
    b1 = next(d for d in await j.handle.query("open_deadlines") if d["code"] == "B1_WITHIN_9_MONTHS")
    due = datetime(started.year, started.month, started.day, tzinfo=UTC) + timedelta(days=274)
    assert datetime.fromisoformat(b1["due_at"]) == due
    assert j.services.escalations() == [("B1_WITHIN_9_MONTHS", "reminder")]  # 182 days had already passed


async def test_probation_and_the_search_count_from_the_contract_and_the_termination(alone: Journey) -> None:
    from datetime import UTC, datetime

    from contracts.journey import follow_up_workflow_id
    from workflows.follow_up import FollowUpWorkflow

    j = alone
    await to_matching(j)
    today = (await j.env.get_current_time()).date()
    contract_start = today + timedelta(days=20)
    await j.send(
        "matching.contract_signed",
        employer_id=EMPLOYER,
        position_id=POSITION,
        contract_id=uuid.uuid4(),
        occupation_code="29302",
        starts_on=contract_start.isoformat(),
        probation_months=2,
    )
    await j.send("visa.visa_case_opened", consulate="rabat")
    await j.send("visa.visa_granted", valid_until=(today + timedelta(days=365)).isoformat())
    await j.send("monitoring.arrival_confirmed")
    await j.env.sleep(timedelta(days=1))
    follow_up = j.client.get_workflow_handle(follow_up_workflow_id(j.candidate_id))
    deadlines = {d.code: d for d in await follow_up.query(FollowUpWorkflow.open_deadlines)}
    start = datetime(contract_start.year, contract_start.month, contract_start.day, tzinfo=UTC)
    assert deadlines["PROBATION_END"].due_at.date() == (start + timedelta(days=61)).date()  # two months
    terminated = today - timedelta(days=30)  # reported a month late
    await j.send(
        "monitoring.training_terminated",
        employer_id=EMPLOYER,
        initiated_by="employer",
        trainee_at_fault=False,
        during_probation=True,
        terminated_on=terminated.isoformat(),
    )
    await j.env.sleep(timedelta(hours=1))
    deadlines = {d.code: d for d in await follow_up.query(FollowUpWorkflow.open_deadlines)}
    search_due = datetime(terminated.year, terminated.month, terminated.day, tzinfo=UTC) + timedelta(days=182)
    assert deadlines["REPLACEMENT_WITHIN_6_MONTHS"].due_at == search_due


async def test_a_permit_applied_meets_the_visa_deadline_and_an_issued_permit_opens_its_renewal(
    journey: Journey,
) -> None:
    from datetime import UTC, datetime

    from contracts.journey import follow_up_workflow_id
    from workflows.follow_up import FollowUpWorkflow

    j = journey
    await to_visa(j)
    today = (await j.env.get_current_time()).date()
    await j.send("visa.visa_granted", valid_until=(today + timedelta(days=120)).isoformat())
    await j.send("monitoring.arrival_confirmed")
    await j.env.sleep(timedelta(days=1))
    follow_up = j.client.get_workflow_handle(follow_up_workflow_id(j.candidate_id))

    async def codes() -> set[str]:
        return {d.code for d in await follow_up.query(FollowUpWorkflow.open_deadlines)}

    assert "RESIDENCE_PERMIT_BEFORE_VISA_EXPIRY" in await codes()
    await j.send("monitoring.residence_permit_applied")
    await j.env.sleep(timedelta(hours=1))
    assert "RESIDENCE_PERMIT_BEFORE_VISA_EXPIRY" not in await codes()  # applied in time: the deadline is met
    valid_until = today + timedelta(days=400)
    await j.send("monitoring.residence_permit_issued", valid_until=valid_until.isoformat())
    await j.env.sleep(timedelta(hours=1))
    renewal = {d.code: d for d in await follow_up.query(FollowUpWorkflow.open_deadlines)}["RESIDENCE_PERMIT_RENEWAL"]
    expected = datetime(valid_until.year, valid_until.month, valid_until.day, tzinfo=UTC) - timedelta(days=90)
    assert renewal.due_at == expected
    assert "residence_permit_renewal" in [r.task for n, r in j.services.calls if n == "create_follow_up_task"]


async def test_a_failed_final_exam_extends_the_training_to_the_retake(journey: Journey) -> None:
    j = journey
    await to_visa(j)
    await j.send("visa.visa_granted", valid_until="2027-06-30")
    await j.send("monitoring.arrival_confirmed")
    await j.send("monitoring.probation_passed", employer_id=EMPLOYER)
    await j.env.sleep(timedelta(days=10))
    await j.send("monitoring.training_completed", final_exam_passed=False)
    await j.env.sleep(timedelta(days=30))
    assert await j.stage() == S.IN_TRAINING  # not completed: the retake is within a year
    assert "final_exam_retake" in [r.task for n, r in j.services.calls if n == "create_follow_up_task"]
    await j.send("monitoring.training_completed", final_exam_passed=True)
    assert (await j.handle.result()).outcome == S.COMPLETED


async def test_an_offer_withdrawn_after_the_visa_case_opened_undoes_it_and_matching_restarts(journey: Journey) -> None:
    j = journey
    await to_visa(j)
    await j.env.sleep(timedelta(hours=1))
    assert await j.stage() == S.VISA
    await j.send("matching.offer_withdrawn", employer_id=EMPLOYER, position_id=POSITION, reason_code="BUSINESS_REASONS")
    await j.env.sleep(timedelta(hours=1))
    assert await j.stage() == S.MATCHING
    names = j.services.names()
    assert names.count("cancel_visa_case") == 1 and "release_position" in names
    assert [r.round for n, r in j.services.calls if n == "request_matching"] == [1, 2]
    visa = await j.client.get_workflow_handle(f"visa-{j.candidate_id}").describe()
    assert visa.status == WorkflowExecutionStatus.CANCELED


async def test_a_contract_cancelled_after_the_visa_case_opened_undoes_it_and_matching_restarts(
    journey: Journey,
) -> None:
    j = journey
    await to_visa(j)
    await j.send("visa.labour_approval_granted")
    await j.send("matching.contract_cancelled", employer_id=EMPLOYER, position_id=uuid.uuid4(), reason_code="OTHER")
    await j.env.sleep(timedelta(hours=1))
    assert await j.stage() == S.VISA, "another position's contract is not this journey's"
    await j.send("matching.contract_cancelled", employer_id=EMPLOYER, position_id=POSITION, reason_code="INSOLVENT")
    await j.env.sleep(timedelta(hours=1))
    assert await j.stage() == S.MATCHING
    cancelled = [r for n, r in j.services.calls if n == "cancel_visa_case"]
    assert len(cancelled) == 1 and cancelled[0].reason_code == "CONTRACT_CANCELLED"
    assert [r.round for n, r in j.services.calls if n == "request_matching"] == [1, 2]


async def test_a_termination_before_arrival_is_handled_at_once(journey: Journey) -> None:
    j = journey
    await to_visa(j)
    await j.send("visa.visa_granted", valid_until="2027-06-30")
    await j.env.sleep(timedelta(days=1))
    assert await j.stage() == S.PRE_DEPARTURE
    await j.send(
        "monitoring.training_terminated",
        employer_id=EMPLOYER,
        initiated_by="employer",
        trainee_at_fault=False,
        during_probation=False,
    )
    await j.env.sleep(timedelta(hours=1))
    assert await j.stage() == S.MATCHING  # not held until an arrival that will not come
    assert "release_position" in j.services.names()
