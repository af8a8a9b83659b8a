"""VisaProcessWorkflow on the time-skipping server: the deemed approval, a BA refusal with a corrected contract
and its limit, the §81a appointment timer, the decision timer, a refusal then a new application, cancellation,
and facts of another case ignored. Activities are the fakes of tests/support/stubs.py."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from contracts.journey import VisaInput, VisaOutcome, visa_workflow_id
from tests.support.journey import fact
from tests.support.stubs import FakeServices
from workflows.visa import VisaProcessWorkflow


@dataclass
class Visa:
    env: WorkflowEnvironment
    handle: WorkflowHandle[Any, Any]
    services: FakeServices
    candidate_id: uuid.UUID
    case_id: uuid.UUID
    contract_id: uuid.UUID
    today: date = field(default_factory=date.today)

    async def send(self, type_: str, **data: Any) -> None:
        data.setdefault("visa_case_id", self.case_id)
        await self.handle.signal(VisaProcessWorkflow.fact, fact(type_, self.candidate_id, **data))

    async def now(self) -> date:
        return (await self.env.get_current_time()).date()

    def calls(self, name: str) -> list[Any]:
        return [r for n, r in self.services.calls if n == name]


@contextlib.asynccontextmanager
async def running_visa(env: WorkflowEnvironment, accelerated: bool = False) -> AsyncIterator[Visa]:
    services = FakeServices()
    queue = f"visa-test-{uuid.uuid4().hex[:6]}"
    candidate, case, contract = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    visa = VisaInput(
        candidate_id=candidate, visa_case_id=case, consulate="rabat", accelerated=accelerated, contract_id=contract
    )
    async with Worker(env.client, task_queue=queue, workflows=[VisaProcessWorkflow], activities=services.activities()):
        handle = await env.client.start_workflow(
            VisaProcessWorkflow.run, visa, id=visa_workflow_id(candidate), task_queue=queue
        )
        try:
            yield Visa(env, handle, services, candidate, case, contract)
        finally:
            with contextlib.suppress(RPCError):
                await handle.terminate("test finished")


@pytest_asyncio.fixture
async def visa(time_env: WorkflowEnvironment) -> AsyncIterator[Visa]:
    async with running_visa(time_env) as v:
        yield v


@pytest_asyncio.fixture
async def fast_track(time_env: WorkflowEnvironment) -> AsyncIterator[Visa]:
    async with running_visa(time_env, accelerated=True) as v:
        yield v


async def test_an_unanswered_ba_request_is_deemed_approved_on_the_day_the_fact_names(visa: Visa) -> None:
    v = visa
    await v.env.sleep(timedelta(hours=1))
    assert [r.contract_version for r in v.calls("request_labour_approval")] == [1]
    today = await v.now()
    await v.send("visa.labour_approval_requested", attempt=1, contract_version=1, deemed_on=today + timedelta(days=14))
    await v.env.sleep(timedelta(days=13))
    assert v.calls("record_deemed_approval") == []
    await v.env.sleep(timedelta(days=2))
    deemed = v.calls("record_deemed_approval")
    assert len(deemed) == 1 and deemed[0].attempt == 1 and deemed[0].visa_case_id == v.case_id
    assert v.services.escalations() == [], "a deemed approval is the law's answer, not an escalation"


async def test_an_answer_before_the_period_ends_stops_the_deemed_timer(visa: Visa) -> None:
    v = visa
    today = await v.now()
    await v.send("visa.labour_approval_requested", attempt=1, contract_version=1, deemed_on=today + timedelta(days=14))
    await v.env.sleep(timedelta(days=3))
    await v.send("visa.labour_approval_granted", attempt=1)
    await v.env.sleep(timedelta(days=20))
    assert v.calls("record_deemed_approval") == []


async def test_a_ba_refusal_asks_for_a_corrected_contract_and_resubmits_it(visa: Visa) -> None:
    v = visa
    today = await v.now()
    await v.send("visa.labour_approval_requested", attempt=1, contract_version=1, deemed_on=today + timedelta(days=14))
    await v.send("visa.labour_approval_refused", attempt=1, attempts_left=2, reason_code="PAY_BELOW_MINIMUM")
    await v.env.sleep(timedelta(days=1))
    corrections = v.calls("request_contract_correction")
    assert len(corrections) == 1 and corrections[0].contract_id == v.contract_id
    assert corrections[0].reason_code == "PAY_BELOW_MINIMUM"
    await v.send("matching.contract_signed", contract_id=uuid.uuid4(), version=2)  # another contract: ignored
    await v.send("matching.contract_signed", contract_id=v.contract_id, version=2)
    await v.env.sleep(timedelta(days=1))
    assert [r.contract_version for r in v.calls("request_labour_approval")] == [1, 2]
    await v.env.sleep(timedelta(days=40))
    assert ("CORRECTED_CONTRACT", "escalation") not in v.services.escalations(), "the correction came in time"


async def test_no_attempts_left_or_no_correction_in_time_escalates(visa: Visa) -> None:
    v = visa
    await v.send("visa.labour_approval_refused", attempt=1, attempts_left=1, reason_code="WORKING_CONDITIONS")
    await v.env.sleep(timedelta(days=29))
    assert ("CORRECTED_CONTRACT", "escalation") in v.services.escalations()
    await v.send("visa.labour_approval_refused", attempt=3, attempts_left=0, reason_code="WORKING_CONDITIONS")
    await v.env.sleep(timedelta(hours=1))
    assert ("LABOUR_APPROVAL_REFUSED", "escalation") in v.services.escalations()
    assert len(v.calls("request_contract_correction")) == 1
    attributes = {p.key.name: p.value for p in (await v.handle.describe()).typed_search_attributes}
    assert attributes["Escalated"] == "true" and attributes["VisaStep"] == "labour_approval_refused"


async def test_the_81a_path_waits_for_the_agreement_and_an_appointment_late_escalates(fast_track: Visa) -> None:
    v = fast_track
    await v.env.sleep(timedelta(hours=1))
    assert v.calls("request_labour_approval") == [], "under §81a the ABH asks the BA once agreed"
    await v.send("visa.accelerated_procedure_agreed", fee_payer="employer")
    await v.env.sleep(timedelta(hours=1))
    assert len(v.calls("request_labour_approval")) == 1
    await v.send("visa.labour_approval_granted", attempt=1)
    today = await v.now()
    await v.send("visa.preapproval_issued", appointment_due_on=today + timedelta(days=21))
    await v.env.sleep(timedelta(days=23))
    assert ("APPOINTMENT_WITHIN_3_WEEKS_81A", "escalation") in v.services.escalations()
    await v.send("visa.appointment_booked")
    today = await v.now()
    await v.send("visa.visa_lodged", decision_due_on=today + timedelta(days=21))
    await v.env.sleep(timedelta(days=23))
    assert ("VISA_DECISION", "escalation") in v.services.escalations()
    await v.send("visa.visa_granted", valid_until=str(today + timedelta(days=180)))
    outcome: VisaOutcome = await v.handle.result()
    assert outcome.granted and outcome.valid_until == str(today + timedelta(days=180))
    assert outcome.steps[0] == "accelerated_procedure_agreed" and outcome.steps[-1] == "visa_granted"


async def test_a_refusal_escalates_and_a_new_application_can_still_be_granted(visa: Visa) -> None:
    v = visa
    today = await v.now()
    await v.send("visa.visa_lodged", decision_due_on=today + timedelta(days=70))
    await v.send("visa.visa_refused", reason_code="DOCUMENTS_INCOMPLETE", court_action_until=today + timedelta(days=30))
    await v.env.sleep(timedelta(days=2))
    assert ("VISA_REFUSED", "escalation") in v.services.escalations()
    await v.send("visa.reapplication_lodged", application=2, decision_due_on=today + timedelta(days=72))
    await v.env.sleep(timedelta(days=40))
    assert ("COURT_ACTION_WITHIN_1_MONTH", "escalation") not in v.services.escalations()
    await v.send("visa.visa_granted")
    assert (await v.handle.result()).granted


async def test_a_cancelled_case_ends_the_process_and_another_cases_facts_are_ignored(visa: Visa) -> None:
    v = visa
    await v.send("visa.visa_granted", visa_case_id=uuid.uuid4())  # an earlier, cancelled case of the candidate
    await v.env.sleep(timedelta(hours=1))
    assert await v.handle.query(VisaProcessWorkflow.steps) == []
    await v.send("visa.visa_case_cancelled", reason_code="OFFER_WITHDRAWN")
    outcome: VisaOutcome = await v.handle.result()
    assert outcome.cancelled and not outcome.granted and outcome.reason_code == "OFFER_WITHDRAWN"
