"""The journey API for case officers: read a journey, act on it (`python -m workflows.api`).

Reads are workflow queries; actions are workflow updates, so a validator's refusal comes back as a 409 or
422 problem before anything is recorded in the journey's history.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from contracts.journey import (
    DeadlineView,
    ExtendDeadline,
    HoldJourney,
    JourneyView,
    RerouteJourney,
    ResumeJourney,
    WithdrawJourney,
    journey_workflow_id,
)
from services.common.auth import Principal, Role, require
from services.common.problems import PROBLEM_RESPONSES, Problem, install_problem_handlers
from workflows.config import JourneySettings, connect_temporal
from workflows.follow_up import FollowUpWorkflow, follow_up_workflow_id
from workflows.journey import ApprenticeJourneyWorkflow

router = APIRouter(prefix="/v1/journeys", responses=PROBLEM_RESPONSES)
Officer = Annotated[Principal, Depends(require(Role.CASE_OFFICER))]
Reader = Annotated[Principal, Depends(require(Role.CASE_OFFICER, Role.OPERATOR, Role.ANALYST))]


class JourneyPublic(JourneyView):
    """The journey with its run status and the follow-up deadlines once the apprentice has arrived."""

    workflow_id: str
    status: str
    follow_up_deadlines: list[DeadlineView] = []


def _client(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


ClientDep = Annotated[Client, Depends(_client)]


async def _journey(client: Client, candidate_id: uuid.UUID) -> JourneyPublic:
    handle = client.get_workflow_handle(journey_workflow_id(candidate_id))
    try:
        description = await handle.describe()
        view = await handle.query(ApprenticeJourneyWorkflow.view)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise Problem(404, "not-found", "Journey not found", f"no journey for candidate {candidate_id}") from None
        raise
    follow: list[DeadlineView] = []
    with suppress(RPCError):
        follow = await client.get_workflow_handle(follow_up_workflow_id(candidate_id)).query(
            FollowUpWorkflow.open_deadlines
        )
    status = description.status.name if description.status else "UNKNOWN"
    return JourneyPublic(**view.model_dump(), workflow_id=handle.id, status=status, follow_up_deadlines=follow)


@router.get("/{candidate_id}", response_model=JourneyPublic, summary="Stage, history and open deadlines")
async def read_journey(candidate_id: uuid.UUID, client: ClientDep, _: Reader) -> JourneyPublic:
    return await _journey(client, candidate_id)


async def _act(client: Client, candidate_id: uuid.UUID, update: Any, body: BaseModel) -> JourneyPublic:
    handle = client.get_workflow_handle(journey_workflow_id(candidate_id))
    try:
        await handle.execute_update(update, body)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause.message if exc.cause and hasattr(exc.cause, "message") else str(exc.cause or exc)
        raise Problem(409, "action-refused", "Action refused by the journey", cause) from None
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise Problem(404, "not-found", "Journey not found", f"no running journey for {candidate_id}") from None
        raise
    return await _journey(client, candidate_id)


@router.post(
    "/{candidate_id}/actions/extend-deadline",
    response_model=JourneyPublic,
    summary="Give more time on an open deadline, with a reason",
)
async def extend_deadline(
    candidate_id: uuid.UUID, body: ExtendDeadline, client: ClientDep, _: Officer
) -> JourneyPublic:
    return await _act(client, candidate_id, ApprenticeJourneyWorkflow.extend_deadline, body)


@router.post("/{candidate_id}/actions/withdraw", response_model=JourneyPublic, summary="End the journey as withdrawn")
async def withdraw(candidate_id: uuid.UUID, body: WithdrawJourney, client: ClientDep, _: Officer) -> JourneyPublic:
    return await _act(client, candidate_id, ApprenticeJourneyWorkflow.withdraw, body)


@router.post("/{candidate_id}/actions/hold", response_model=JourneyPublic, summary="Pause every deadline")
async def hold(candidate_id: uuid.UUID, body: HoldJourney, client: ClientDep, _: Officer) -> JourneyPublic:
    return await _act(client, candidate_id, ApprenticeJourneyWorkflow.hold, body)


@router.post("/{candidate_id}/actions/resume", response_model=JourneyPublic, summary="Resume after a hold")
async def resume(candidate_id: uuid.UUID, body: ResumeJourney, client: ClientDep, _: Officer) -> JourneyPublic:
    return await _act(client, candidate_id, ApprenticeJourneyWorkflow.resume, body)


@router.post(
    "/{candidate_id}/actions/reroute",
    response_model=JourneyPublic,
    summary="Another matching round, or back to language training",
)
async def reroute(candidate_id: uuid.UUID, body: RerouteJourney, client: ClientDep, _: Officer) -> JourneyPublic:
    return await _act(client, candidate_id, ApprenticeJourneyWorkflow.reroute, body)


def create_app(settings: JourneySettings, client: Client | None = None) -> FastAPI:
    """The journey API over a Temporal client (connected at start-up unless given)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.temporal = client or await connect_temporal(settings)
        yield

    app = FastAPI(
        title="THAMM journey API",
        version="1.0.0",
        lifespan=lifespan,
        description="Case officers read and act on apprentice journeys (Temporal workflows).",
    )
    app.state.token_verifier = settings.token_verifier()
    install_problem_handlers(app)
    app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    import uvicorn

    settings = JourneySettings()
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, log_level="warning")
