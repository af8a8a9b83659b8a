"""Journey workflows under test on Temporal's time-skipping test server, with recording fake activities."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from contracts.base import Event
from contracts.catalog import CATALOG
from contracts.examples import sample_event
from contracts.journey import JourneyFact, JourneyInput, JourneyParameters, journey_workflow_id
from deploy.local.infra import temporal_test_server
from deploy.provision import add_search_attributes
from tests.support.stubs import FakeServices
from workflows.converter import data_converter
from workflows.journey import ApprenticeJourneyWorkflow
from workflows.worker import WORKFLOWS, workflow_runner


async def start_time_env() -> WorkflowEnvironment:
    """A time-skipping test server with the journey's search attributes registered."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter, test_server_existing_path=temporal_test_server()
    )
    await add_search_attributes(env.client)
    return env


#: Date fields that lie ahead of the fact (days after today) when a test does not give them.
FUTURE_DAYS = {"ends_on": 1095, "valid_until": 365, "expires_on": 14}


@dataclass
class Journey:
    """One candidate's journey under test, with helpers to send facts as the bridge would."""

    client: Client
    env: WorkflowEnvironment
    candidate_id: uuid.UUID
    handle: WorkflowHandle[Any, Any]
    services: FakeServices
    visa_case_id: uuid.UUID = field(default_factory=uuid.uuid4)  # every visa fact names the same case

    async def send(self, type_: str, **data: Any) -> None:
        """Signal a fact; its dates not given are the test server's today (ends and validity in the future)."""
        clock = getattr(self.env, "get_current_time", None)  # a real server's journeys run on real time
        today = (await clock()).date() if clock else datetime.now(UTC).date()
        cls = CATALOG[f"thamm.{type_}.v1"]
        for name, info in cls.model_fields.items():
            if name not in data and info.annotation in (date, "date", date | None, "date | None"):
                data[name] = today + timedelta(days=FUTURE_DAYS.get(name, 0))
        if "visa_case_id" in cls.model_fields:
            data.setdefault("visa_case_id", self.visa_case_id)
        await self.handle.signal(ApprenticeJourneyWorkflow.fact, fact(type_, self.candidate_id, **data))

    async def stage(self) -> str:
        return str(await self.handle.query(ApprenticeJourneyWorkflow.stage))


def fact(type_: str, candidate_id: uuid.UUID, **data: Any) -> JourneyFact:
    cls = CATALOG[f"thamm.{type_}.v1"]
    event: Event = sample_event(
        cls, **({"candidate_id": candidate_id} if "candidate_id" in cls.model_fields else {}), **data
    )
    return JourneyFact(
        event_id=str(uuid.uuid4()),
        event_type=cls.TYPE,
        occurred_at=datetime.now(UTC),
        data=event.model_dump(mode="json"),
    )


@contextlib.asynccontextmanager
async def running_journey(env: WorkflowEnvironment) -> AsyncIterator[Journey]:
    """A fresh candidate's journey on env, with its own worker and fake services."""
    services = FakeServices()
    queue = f"journey-test-{uuid.uuid4().hex[:6]}"
    candidate = uuid.uuid4()
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=WORKFLOWS,
        activities=services.activities(),
        workflow_runner=workflow_runner(),  # as the worker runs them
    ):
        handle = await env.client.start_workflow(
            ApprenticeJourneyWorkflow.run,
            JourneyInput(
                candidate_id=candidate,
                application_id=uuid.uuid4(),
                region="souss-massa",
                occupation_codes=["29302"],
                parameters=JourneyParameters(),
            ),
            id=journey_workflow_id(candidate),
            task_queue=queue,
            start_signal="fact",
            start_signal_args=[fact("applications.application_submitted", candidate)],
        )
        try:
            yield Journey(env.client, env, candidate, handle, services)
            await record_histories(env.client, handle.id, candidate)
        finally:  # time is shared by the whole test server: leave no timer of this test behind
            # (the time-skipping server does not apply the children's parent-close policy: end them too)
            for wid in (handle.id, f"visa-{candidate}", f"follow-up-{candidate}"):
                with contextlib.suppress(RPCError):
                    await env.client.get_workflow_handle(wid).terminate("test finished")


HISTORY_DIR = Path(__file__).resolve().parents[1] / "workflows" / "histories"


async def record_histories(client: Client, workflow_id: str, candidate: uuid.UUID) -> None:
    """With THAMM_RECORD_HISTORIES set, keep the histories of the test's workflows for the replay tests."""
    name = os.environ.get("THAMM_RECORD_HISTORIES_AS")
    if not os.environ.get("THAMM_RECORD_HISTORIES") or not name:
        return
    for prefix, wid in (
        ("journey", workflow_id),
        ("visa", f"visa-{candidate}"),
        ("follow-up", f"follow-up-{candidate}"),
    ):
        with contextlib.suppress(RPCError):
            history = await client.get_workflow_handle(wid).fetch_history()
            (HISTORY_DIR / f"{prefix}-{name}.json").write_text(history.to_json())


EMPLOYER, POSITION, CONTRACT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


async def to_matching(j: Journey) -> None:
    await j.send("applications.application_preselected", occupation_code="29302")
    await j.send("training.enrolled", cohort_id="C-2026-01")
    await j.env.sleep(timedelta(days=150))
    await j.send("training.exam_passed", level="B1")


async def to_visa(j: Journey) -> None:
    await to_matching(j)
    await j.send("matching.offer_accepted", employer_id=EMPLOYER, position_id=POSITION)
    await j.send(
        "matching.contract_signed",
        employer_id=EMPLOYER,
        position_id=POSITION,
        contract_id=CONTRACT,
        occupation_code="29302",
    )
    await j.send("visa.visa_case_opened", consulate="rabat")
