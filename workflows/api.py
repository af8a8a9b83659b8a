"""The journey API for case officers: read a journey, act on it (`python -m workflows.api api|migrate`).

Reads are workflow queries; actions are workflow updates, so a validator's refusal comes back as a 409
problem before anything is recorded in the journey's history. An action carries a reason code and the
officer's subject into the workflow; a free-text note stays in this API's own database.
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlmodel import col, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from contracts.journey import (
    ActionReason,
    DeadlineView,
    EndJourney,
    ExtendDeadline,
    HoldJourney,
    JourneyStage,
    JourneyView,
    OfficerAction,
    RerouteJourney,
    ResumeJourney,
    WithdrawJourney,
    follow_up_workflow_id,
    journey_workflow_id,
)
from services.common import audit
from services.common.app import create_service_app, service_router
from services.common.auth import Principal, Role, require
from services.common.db import SessionFactory, transaction
from services.common.fields import MULTI_LINE
from services.common.idempotency import IDEMPOTENCY_DOC
from services.common.problems import Problem, problem_doc
from workflows.config import JourneySettings, connect_temporal
from workflows.follow_up import FollowUpWorkflow
from workflows.journey import ApprenticeJourneyWorkflow
from workflows.tables import JourneyActionRecord

MIGRATIONS = Path(__file__).parent / "migrations"
router = service_router("/v1/journeys", tags=["journeys"])
Officer = Annotated[Principal, Depends(require(Role.CASE_OFFICER))]
Reader = Annotated[Principal, Depends(require(Role.CASE_OFFICER, Role.OPERATOR, Role.ANALYST))]
Note = Annotated[str, StringConstraints(max_length=2000, pattern=MULTI_LINE)]
REFUSED: dict[int | str, dict[str, Any]] = {409: problem_doc("The journey refused the action (its reason in `detail`)")}


class JourneyPublic(JourneyView):
    """The journey with its run status and the follow-up deadlines once the apprentice has arrived."""

    workflow_id: str
    status: str
    follow_up_deadlines: list[DeadlineView] = []


class ActionRequest(BaseModel):
    """Why the officer acts (a code) and, optionally, a note kept in this API's database only."""

    model_config = ConfigDict(extra="forbid")

    reason_code: ActionReason
    note: Note | None = Field(default=None, description="Free text; never sent to the workflow.")


class ExtendDeadlineRequest(ActionRequest):
    deadline: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_]{2,60}$")] = Field(
        description="Deadline code, e.g. `B1_WITHIN_9_MONTHS`."
    )
    extend_by_days: int = Field(ge=1, le=365)


class RerouteRequest(ActionRequest):
    target: Literal[JourneyStage.MATCHING, JourneyStage.LANGUAGE_TRAINING]


class EndRequest(ActionRequest):
    outcome: Literal[JourneyStage.TRAINING_FAILED, JourneyStage.NOT_PLACED, JourneyStage.DROPPED_OUT] = Field(
        description="The decision that ends the journey; a lapsed deadline only escalates to it."
    )


class ResumeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason_code: ActionReason = ActionReason.OTHER
    note: Note | None = None


class ActionPublic(BaseModel):
    """An accepted officer action, with its note (case officers only)."""

    id: uuid.UUID
    action: str
    reason_code: str
    officer: str
    note: str | None
    created_at: datetime | None


def _client(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


def _sessions(request: Request) -> SessionFactory:
    sessions: SessionFactory = request.app.state.sessions
    return sessions


ClientDep = Annotated[Client, Depends(_client)]
Sessions = Annotated[SessionFactory, Depends(_sessions)]


def _not_found(candidate_id: uuid.UUID) -> Problem:
    return Problem(404, "not-found", "Journey not found", f"no journey for candidate {candidate_id}")


async def _journey(client: Client, candidate_id: uuid.UUID) -> JourneyPublic:
    handle = client.get_workflow_handle(journey_workflow_id(candidate_id))
    try:
        description = await handle.describe()
        view = await handle.query(ApprenticeJourneyWorkflow.view)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise _not_found(candidate_id) from None
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


@router.get("/{candidate_id}/actions", response_model=list[ActionPublic], summary="Officers' actions and notes")
async def list_actions(candidate_id: uuid.UUID, sessions: Sessions, _: Officer) -> list[ActionPublic]:
    statement = (
        select(JourneyActionRecord)
        .where(JourneyActionRecord.candidate_id == candidate_id)
        .order_by(col(JourneyActionRecord.created_at), col(JourneyActionRecord.id))
    )
    async with sessions() as session:
        rows = (await session.exec(statement)).all()
    return [ActionPublic.model_validate(row, from_attributes=True) for row in rows]


async def _ended(handle: Any) -> str | None:
    """The run status of a journey that exists but no longer runs (None: no such journey)."""
    try:
        description = await handle.describe()
    except RPCError:
        return None
    return description.status.name if description.status is not None else "CLOSED"


async def _act(
    request: Request, candidate_id: uuid.UUID, update: Any, action: OfficerAction, note: str | None
) -> JourneyPublic:
    """Run the update; once the journey accepted it, record the action and its note (and audit it)."""
    client: Client = request.app.state.temporal
    handle = client.get_workflow_handle(journey_workflow_id(candidate_id))
    try:
        await handle.execute_update(update, action)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause.message if exc.cause and hasattr(exc.cause, "message") else str(exc.cause or exc)
        raise Problem(409, "action-refused", "Action refused by the journey", cause) from None
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        ended = await _ended(handle)
        if ended is None:
            raise _not_found(candidate_id) from None
        raise Problem(
            409, "action-refused", "Action refused by the journey", f"the journey has ended ({ended})"
        ) from None
    name = update.__name__
    async with transaction(request.app.state.sessions) as session:
        record = JourneyActionRecord(
            candidate_id=candidate_id, action=name, reason_code=action.reason_code.value, officer=action.officer,
            note=note,
        )  # fmt: skip
        session.add(record)
        changes = {"reason_code": action.reason_code.value, "note": note is not None}
        audit.record(session, request.state.principal, f"journey.{name}", "journey", candidate_id, changes)
    return await _journey(client, candidate_id)


@router.post(
    "/{candidate_id}/actions/extend-deadline",
    response_model=JourneyPublic,
    summary="Give more time on an open deadline, with a reason code",
    openapi_extra=IDEMPOTENCY_DOC,
    responses=REFUSED,
)
async def extend_deadline(
    candidate_id: uuid.UUID, body: ExtendDeadlineRequest, request: Request, officer: Officer
) -> JourneyPublic:
    action = ExtendDeadline(
        officer=officer.subject,
        reason_code=body.reason_code,
        deadline=body.deadline,
        extend_by_days=body.extend_by_days,
    )
    return await _act(request, candidate_id, ApprenticeJourneyWorkflow.extend_deadline, action, body.note)


@router.post(
    "/{candidate_id}/actions/withdraw",
    response_model=JourneyPublic,
    summary="End the journey as withdrawn",
    openapi_extra=IDEMPOTENCY_DOC,
    responses=REFUSED,
)
async def withdraw(candidate_id: uuid.UUID, body: ActionRequest, request: Request, officer: Officer) -> JourneyPublic:
    action = WithdrawJourney(officer=officer.subject, reason_code=body.reason_code)
    return await _act(request, candidate_id, ApprenticeJourneyWorkflow.withdraw, action, body.note)


@router.post(
    "/{candidate_id}/actions/end",
    response_model=JourneyPublic,
    summary="End the journey with an outcome (training failed, not placed, dropped out), with a reason code",
    openapi_extra=IDEMPOTENCY_DOC,
    responses=REFUSED,
)
async def end_journey(candidate_id: uuid.UUID, body: EndRequest, request: Request, officer: Officer) -> JourneyPublic:
    action = EndJourney(officer=officer.subject, reason_code=body.reason_code, outcome=body.outcome)
    return await _act(request, candidate_id, ApprenticeJourneyWorkflow.end_journey, action, body.note)


@router.post(
    "/{candidate_id}/actions/hold",
    response_model=JourneyPublic,
    summary="Pause every deadline",
    openapi_extra=IDEMPOTENCY_DOC,
    responses=REFUSED,
)
async def hold(candidate_id: uuid.UUID, body: ActionRequest, request: Request, officer: Officer) -> JourneyPublic:
    action = HoldJourney(officer=officer.subject, reason_code=body.reason_code)
    return await _act(request, candidate_id, ApprenticeJourneyWorkflow.hold, action, body.note)


@router.post(
    "/{candidate_id}/actions/resume",
    response_model=JourneyPublic,
    summary="Resume after a hold",
    openapi_extra=IDEMPOTENCY_DOC,
    responses=REFUSED,
)
async def resume(candidate_id: uuid.UUID, body: ResumeRequest, request: Request, officer: Officer) -> JourneyPublic:
    action = ResumeJourney(officer=officer.subject, reason_code=body.reason_code)
    return await _act(request, candidate_id, ApprenticeJourneyWorkflow.resume, action, body.note)


@router.post(
    "/{candidate_id}/actions/reroute",
    response_model=JourneyPublic,
    summary="Another matching round, or back to language training",
    openapi_extra=IDEMPOTENCY_DOC,
    responses=REFUSED,
)
async def reroute(candidate_id: uuid.UUID, body: RerouteRequest, request: Request, officer: Officer) -> JourneyPublic:
    action = RerouteJourney(officer=officer.subject, reason_code=body.reason_code, target=body.target)
    return await _act(request, candidate_id, ApprenticeJourneyWorkflow.reroute, action, body.note)


async def temporal_ready(app: FastAPI) -> str | None:
    """Readiness: the Temporal frontend answers."""
    try:
        await app.state.temporal.count_workflows()
    except Exception as exc:
        return f"temporal: {type(exc).__name__}"
    return None


def create_app(settings: JourneySettings, client: Client | None = None) -> FastAPI:
    """The journey API over a Temporal client (connected at start-up unless given) and its own database."""

    async def connect(app: FastAPI) -> None:
        app.state.temporal = client or await connect_temporal(settings)

    return create_service_app(
        settings,
        [router],
        title="THAMM journey API",
        description="Case officers read and act on apprentice journeys (Temporal workflows).",
        startup=[connect],
        readiness=[temporal_ready],
        openapi_tags=[{"name": "journeys", "description": "Apprentice journeys and officers' actions on them."}],
    )


if __name__ == "__main__":
    from services.common.runner import run_service

    run_service("workflows.api", JourneySettings, create_app, MIGRATIONS)
