"""The journey on the time-skipping test server: three years in seconds, and every branch."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from contracts.journey import ActionReason as R
from contracts.journey import JourneyStage as S
from tests.support.journey import EMPLOYER, POSITION, Journey, to_matching, to_visa

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
    await j.send("monitoring.arrival_confirmed", arrived_on="2026-08-20")
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
    assert tasks.count("checkin") >= 10 and {"address_registration", "residence_permit"} <= set(tasks)
    keys = [r.idempotency_key for n, r in j.services.calls if n != "publish_journey_event"]
    assert len(keys) == len(set(keys)) and all(k.startswith(("journey-", "follow-up-")) for k in keys)
    assert ("B1_WITHIN_9_MONTHS", "reminder") not in j.services.escalations()  # B1 came at 5 months


async def test_rejection_ends_the_journey(journey: Journey) -> None:
    await journey.send("applications.application_rejected", reason_code="INTERVIEW_FAILED")
    assert (await journey.handle.result()).outcome == S.REJECTED
    assert journey.services.stages() == ["SUBMITTED", "REJECTED"]


async def test_b1_failure_after_an_extension(journey: Journey) -> None:
    j = journey
    await j.send("applications.application_preselected", occupation_code="29302")
    await j.send("training.enrolled", cohort_id="C-1")
    await j.env.sleep(timedelta(days=275))
    assert j.services.escalations() == [("B1_WITHIN_9_MONTHS", "reminder"), ("B1_WITHIN_9_MONTHS", "escalation")]
    from contracts.journey import ExtendDeadline

    view = await j.handle.execute_update(
        "extend_deadline",
        ExtendDeadline(
            deadline="B1_WITHIN_9_MONTHS", extend_by_days=90, reason_code=R.EXAM_RESCHEDULED, officer="alice"
        ),
    )
    assert view["deadlines"][0]["extensions"] == 1
    await j.send("training.exam_failed", failed_skills=["speaking"])
    await j.env.sleep(timedelta(days=125))  # new due date passes, then the 30-day decision window
    assert (await j.handle.result()).outcome == S.TRAINING_FAILED


async def test_no_match_ends_not_placed(journey: Journey) -> None:
    await to_matching(journey)
    await journey.env.sleep(timedelta(days=125))
    assert (await journey.handle.result()).outcome == S.NOT_PLACED


async def test_visa_refusal_releases_the_position(journey: Journey) -> None:
    """No remonstration since 1 July 2025: the first refusal ends the visa process, nothing waits."""
    j = journey
    await to_visa(j)
    await j.send("visa.labour_approval_granted")
    await j.send("visa.visa_refused", reason_code="DOUBTS_ABOUT_PURPOSE")
    assert (await j.handle.result()).outcome == S.VISA_REFUSED
    released = [r for n, r in j.services.calls if n == "release_position"]
    assert len(released) == 1 and released[0].position_id == POSITION and released[0].employer_id == EMPLOYER


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


async def test_dropout_in_probation(journey: Journey) -> None:
    j = journey
    await to_visa(j)
    await j.send("visa.visa_granted", valid_until="2027-06-30")
    await j.send("monitoring.arrival_confirmed", arrived_on="2026-08-20")
    await j.env.sleep(timedelta(days=40))
    await j.send(
        "monitoring.training_terminated",
        employer_id=EMPLOYER,
        initiated_by="apprentice",
        trainee_at_fault=True,
        during_probation=True,
    )
    result = await j.handle.result()
    assert result.outcome == S.DROPPED_OUT and j.services.stages()[-2:] == ["ARRIVED", "DROPPED_OUT"]


async def test_early_termination_with_replacement(journey: Journey) -> None:
    j = journey
    await to_visa(j)
    await j.send("visa.visa_granted", valid_until="2027-06-30")
    await j.send("monitoring.arrival_confirmed", arrived_on="2026-08-20")
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


async def test_early_termination_without_a_new_place_in_six_months(journey: Journey) -> None:
    j = journey
    await to_visa(j)
    await j.send("visa.visa_granted", valid_until="2027-06-30")
    await j.send("monitoring.arrival_confirmed", arrived_on="2026-08-20")
    await j.send("monitoring.probation_passed", employer_id=EMPLOYER)
    await j.send(
        "monitoring.training_terminated",
        employer_id=EMPLOYER,
        initiated_by="employer",
        trainee_at_fault=False,
        during_probation=False,
    )
    await j.env.sleep(timedelta(days=190))
    assert (await j.handle.result()).outcome == S.DROPPED_OUT
