"""Workflow tests on Temporal's time-skipping test server, with activities replaced by recording fakes."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest_asyncio
from temporalio import activity
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from contracts import activities as api
from contracts.base import Event
from contracts.catalog import CATALOG
from contracts.journey import JourneyFact, JourneyInput, JourneyParameters, journey_workflow_id
from deploy.local.components import temporal_test_server
from deploy.provision import SEARCH_ATTRIBUTES
from tests.factories import sample_event
from workflows.journey import ApprenticeJourneyWorkflow
from workflows.worker import WORKFLOWS


@dataclass
class FakeServices:
    """Activities with the real names that record each call and answer plausibly."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    published: list[dict[str, Any]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def activities(self) -> list[Any]:
        @activity.defn(name="enrol_in_cohort")
        async def enrol(request: api.EnrolRequest) -> api.EnrolResponse:
            self.calls.append(("enrol_in_cohort", request))
            return api.EnrolResponse(enrolment_id=uuid.uuid4(), cohort_id="C-2026-01", starts_on="2026-02-01")

        @activity.defn(name="request_matching")
        async def match(request: api.MatchRequest) -> api.MatchResponse:
            self.calls.append(("request_matching", request))
            return api.MatchResponse(match_request_id=uuid.uuid4())

        @activity.defn(name="release_position")
        async def release(request: api.ReleasePositionRequest) -> api.ReleasePositionResponse:
            self.calls.append(("release_position", request))
            return api.ReleasePositionResponse(released=True)

        @activity.defn(name="open_visa_case")
        async def open_visa(request: api.OpenVisaCaseRequest) -> api.OpenVisaCaseResponse:
            self.calls.append(("open_visa_case", request))
            return api.OpenVisaCaseResponse(visa_case_id=uuid.uuid4(), consulate="rabat")

        @activity.defn(name="start_predeparture")
        async def predeparture(request: api.PredepartureRequest) -> api.PredepartureResponse:
            self.calls.append(("start_predeparture", request))
            return api.PredepartureResponse(predeparture_id=uuid.uuid4())

        @activity.defn(name="create_follow_up_task")
        async def task(request: api.FollowUpTaskRequest) -> api.FollowUpTaskResponse:
            self.calls.append(("create_follow_up_task", request))
            return api.FollowUpTaskResponse(task_id=uuid.uuid4())

        @activity.defn(name="publish_journey_event")
        async def publish(request: api.JourneyEventRequest) -> None:
            self.calls.append(("publish_journey_event", request))
            self.published.append({"id": request.event_id, "type": request.event_type, **request.data})

        return [enrol, match, release, open_visa, predeparture, task, publish]

    def stages(self) -> list[str]:
        return [p["to_stage"] for p in self.published if p["type"] == "thamm.journey.stage_changed.v1"]

    def escalations(self) -> list[tuple[str, str]]:
        return [
            (p["deadline"], p["level"]) for p in self.published if p["type"] == "thamm.journey.deadline_escalated.v1"
        ]


async def start_time_env() -> WorkflowEnvironment:
    """A time-skipping test server with the journey's search attributes registered."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=temporal_test_server()
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for name in SEARCH_ATTRIBUTES},
        )
    )
    return env


@pytest_asyncio.fixture(scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_env()
    try:
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture
async def own_time_env() -> AsyncIterator[WorkflowEnvironment]:
    """A server of the test's own: the test server stops skipping time after a rejected update."""
    env = await start_time_env()
    try:
        yield env
    finally:
        await env.shutdown()


@dataclass
class Journey:
    """One candidate's journey under test, with helpers to send facts as the bridge would."""

    client: Client
    env: WorkflowEnvironment
    candidate_id: uuid.UUID
    handle: WorkflowHandle[Any, Any]
    services: FakeServices

    async def send(self, type_: str, **data: Any) -> None:
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
    async with Worker(env.client, task_queue=queue, workflows=WORKFLOWS, activities=services.activities()):
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
            with contextlib.suppress(RPCError):
                await handle.terminate("test finished")


HISTORY_DIR = Path(__file__).parent / "histories"


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


@pytest_asyncio.fixture
async def journey(time_env: WorkflowEnvironment) -> AsyncIterator[Journey]:
    async with running_journey(time_env) as j:
        yield j
