"""HTTP routes of the monitoring casework API: thin (parse, call a use case, answer).

Follow-up officers (role `case_officer`) do the casework; the journey starts pre-departure and asks for tasks
with a `service` token; operators read. Analysts get no casework route at all (statistics only, see
`statistics_routes`). Every POST honours an `Idempotency-Key` header.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status

from contracts.activities import FollowUpTaskResponse, PredepartureResponse
from services.common.app import service_context, service_router
from services.common.auth import Principal, Role, require
from services.common.fields import IsoDate
from services.common.idempotency import IDEMPOTENCY_DOC
from services.monitoring import commands as cmd
from services.monitoring import queries
from services.monitoring.context import MonitoringContext, today
from services.monitoring.domain import AlertStatus, CaseStatus, GrievanceStatus, RiskLevel, TaskStatus
from services.monitoring.handlers import arrival, followup, grievances, ledger, predeparture
from services.monitoring.schemas import (
    AfterTrainingCreate,
    AlertClose,
    AlertPage,
    AlertPublic,
    ArrivalCreate,
    ArrivalStepCreate,
    CheckinCreate,
    CheckinPublic,
    CostCreate,
    CostPage,
    CostPublic,
    CustodyCreate,
    CustodyCreated,
    CustodyPublic,
    DepartureCreate,
    EarningsCreate,
    ExamCreate,
    FollowUpPage,
    FollowUpPublic,
    FollowUpTaskCreate,
    GrievanceCreate,
    GrievanceDetail,
    GrievanceMove,
    GrievancePage,
    GrievancePublic,
    PredepartureCreate,
    PredepartureUpdate,
    ProbationCreate,
    TaskDone,
    TaskName,
    TaskPage,
    TaskPublic,
    TerminationCreate,
)

R = Role
router = service_router()

Ctx = Annotated[MonitoringContext, Depends(service_context)]
Officer = Annotated[Principal, Depends(require(R.CASE_OFFICER))]
Journey = Annotated[Principal, Depends(require(R.SERVICE, R.CASE_OFFICER))]
Reader = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.OPERATOR, R.SERVICE))]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]
CandidateId = uuid.UUID
CASEWORK: dict[str, Any] = {"tags": ["follow-up"], "openapi_extra": IDEMPOTENCY_DOC, "response_model": FollowUpPublic}


FOLLOW_UP_LINKS = {
    name: {"operationId": name, "parameters": {"candidate_id": "$response.body#/predeparture_id"}}
    for name in ("read_follow_up", "record_predeparture", "record_departure", "confirm_arrival", "record_checkin",
                 "record_custody", "record_termination")
}  # fmt: skip
TASK_LINKS = {"complete_follow_up_task": {"operationId": "complete_follow_up_task",
                                          "parameters": {"task_id": "$response.body#/task_id"}}}  # fmt: skip
GRIEVANCE_LINKS = {name: {"operationId": name, "parameters": {"grievance_id": "$response.body#/id"}}
                   for name in ("read_grievance", "move_grievance")}  # fmt: skip


def _case(record: object) -> FollowUpPublic:
    return FollowUpPublic.model_validate(record)


# --- the journey's calls -------------------------------------------------------------------------------------


@router.post(
    "/predeparture", status_code=201, response_model=PredepartureResponse, tags=["journey"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Start pre-departure (the journey's call after the visa); a repeat answers 200 with the same follow-up",
    responses={200: {"description": "Already started: the same follow-up"},
               201: {"description": "Started", "links": FOLLOW_UP_LINKS}},
)  # fmt: skip
async def start_predeparture(
    body: PredepartureCreate, ctx: Ctx, actor: Journey, response: Response
) -> PredepartureResponse:
    command = cmd.StartPredeparture(body.candidate_id, body.employer_id, body.training_starts_on)
    record, created = await predeparture.start_predeparture(ctx, actor, command)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/v1/follow-ups/{record.candidate_id}"
    return PredepartureResponse(predeparture_id=record.candidate_id)


@router.post(
    "/follow-up-tasks", status_code=201, response_model=FollowUpTaskResponse, tags=["tasks"],
    openapi_extra=IDEMPOTENCY_DOC, summary="A task for the follow-up officer (the journey's call, or an officer's)",
    responses={201: {"description": "Created", "links": TASK_LINKS}},
)  # fmt: skip
async def create_follow_up_task(body: FollowUpTaskCreate, ctx: Ctx, actor: Journey) -> FollowUpTaskResponse:
    source = "journey" if actor.has(R.SERVICE) else "officer"
    record = await followup.create_task(ctx, actor, cmd.CreateTask(body.candidate_id, body.task, body.due_on,
                                                                   body.employer_id, source))  # fmt: skip
    return FollowUpTaskResponse(task_id=record.id)


@router.get("/follow-up-tasks", response_model=TaskPage, tags=["tasks"], summary="Tasks, soonest due first")
async def list_follow_up_tasks(
    ctx: Ctx, actor: Reader, status_: Annotated[TaskStatus | None, Query(alias="status")] = None,
    candidate_id: uuid.UUID | None = None, task: TaskName | None = None,
    due_before: IsoDate | None = None,
    limit: Limit = 50, cursor: Cursor = None,
) -> TaskPage:  # fmt: skip
    where = queries.TaskFilter(status_.value if status_ else None, candidate_id, task, due_before)
    items, next_cursor = await queries.list_tasks(ctx, where, limit, cursor)
    return TaskPage(items=[TaskPublic.model_validate(t) for t in items], next_cursor=next_cursor)


@router.post(
    "/follow-up-tasks/{task_id}/done", response_model=TaskPublic, tags=["tasks"], openapi_extra=IDEMPOTENCY_DOC,
    summary="Mark a task done with an outcome code",
)  # fmt: skip
async def complete_follow_up_task(task_id: uuid.UUID, body: TaskDone, ctx: Ctx, actor: Officer) -> TaskPublic:
    record = await followup.complete_task(
        ctx, actor, cmd.CompleteTask(task_id, body.outcome_code, body.done_on or today())
    )
    return TaskPublic.model_validate(record)


# --- the follow-up -------------------------------------------------------------------------------------------


@router.get("/follow-ups", response_model=FollowUpPage, tags=["follow-up"], summary="List follow-ups")
async def list_follow_ups(
    ctx: Ctx, actor: Reader, status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    employer_id: uuid.UUID | None = None, risk_level: RiskLevel | None = None, limit: Limit = 50,
    cursor: Cursor = None,
) -> FollowUpPage:  # fmt: skip
    items, next_cursor = await queries.list_cases(
        ctx, status_.value if status_ else None, employer_id, risk_level.value if risk_level else None, limit, cursor
    )
    return FollowUpPage(items=[_case(c) for c in items], next_cursor=next_cursor)


@router.get("/follow-ups/{candidate_id}", response_model=FollowUpPublic, tags=["follow-up"], summary="Read a follow-up")
async def read_follow_up(candidate_id: CandidateId, ctx: Ctx, actor: Reader) -> FollowUpPublic:
    return _case(await queries.get_case(ctx, candidate_id))


@router.post("/follow-ups/{candidate_id}/predeparture", **CASEWORK,
             summary="Record pre-departure steps; `predeparture_completed` once all are done")  # fmt: skip
async def record_predeparture(
    candidate_id: CandidateId, body: PredepartureUpdate, ctx: Ctx, actor: Officer
) -> FollowUpPublic:
    return _case(
        await predeparture.record_predeparture(ctx, actor, cmd.RecordPredeparture(candidate_id, **body.model_dump()))
    )


@router.post("/follow-ups/{candidate_id}/departure", **CASEWORK, summary="The actual day of departure")
async def record_departure(
    candidate_id: CandidateId, body: DepartureCreate, ctx: Ctx, actor: Officer
) -> FollowUpPublic:
    return _case(await predeparture.record_departure(ctx, actor, cmd.RecordDeparture(candidate_id, body.departed_on)))


@router.post(
    "/follow-ups/{candidate_id}/arrival",
    **CASEWORK,
    summary="Confirm the arrival in Germany (the journey's follow-up starts); the first weeks' tasks follow",
)
async def confirm_arrival(candidate_id: CandidateId, body: ArrivalCreate, ctx: Ctx, actor: Officer) -> FollowUpPublic:
    return _case(
        await arrival.confirm_arrival(ctx, actor, cmd.ConfirmArrival(candidate_id, body.arrived_on, body.land))
    )


@router.post("/follow-ups/{candidate_id}/arrival-steps", **CASEWORK,
             summary="Address registered, bank account, health insurance, school start, residence permit")  # fmt: skip
async def record_arrival_step(
    candidate_id: CandidateId, body: ArrivalStepCreate, ctx: Ctx, actor: Officer
) -> FollowUpPublic:
    command = cmd.RecordArrivalStep(candidate_id, body.step, body.done_on, body.valid_until)
    return _case(await arrival.record_arrival_step(ctx, actor, command))


@router.post(
    "/follow-ups/{candidate_id}/checkins", status_code=201, response_model=CheckinPublic, tags=["follow-up"],
    openapi_extra=IDEMPOTENCY_DOC, summary="A check-in; medium or high risk publishes `placement_at_risk`",
)  # fmt: skip
async def record_checkin(candidate_id: CandidateId, body: CheckinCreate, ctx: Ctx, actor: Officer) -> CheckinPublic:
    command = cmd.RecordCheckin(candidate_id, body.held_on, tuple(body.signals), body.missed_school_days)
    checkin, _ = await followup.record_checkin(ctx, actor, command)
    return CheckinPublic.model_validate(checkin)


@router.get("/follow-ups/{candidate_id}/checkins", response_model=list[CheckinPublic], tags=["follow-up"],
            summary="The check-ins, oldest first")  # fmt: skip
async def list_checkins(candidate_id: CandidateId, ctx: Ctx, actor: Reader) -> list[CheckinPublic]:
    return [CheckinPublic.model_validate(c) for c in await queries.checkins(ctx, candidate_id)]


@router.post("/follow-ups/{candidate_id}/probation", **CASEWORK, summary="Probation passed")
async def record_probation(
    candidate_id: CandidateId, body: ProbationCreate, ctx: Ctx, actor: Officer
) -> FollowUpPublic:
    return _case(await followup.record_probation(ctx, actor, cmd.RecordProbation(candidate_id, body.passed_on)))


@router.post("/follow-ups/{candidate_id}/termination", **CASEWORK,
             summary="The training contract ended early (the 6-month search starts)")  # fmt: skip
async def record_termination(
    candidate_id: CandidateId, body: TerminationCreate, ctx: Ctx, actor: Officer
) -> FollowUpPublic:
    command = cmd.RecordTermination(candidate_id, body.terminated_on, body.initiated_by, body.reason_code,
                                    body.trainee_at_fault)  # fmt: skip
    return _case(await followup.record_termination(ctx, actor, command))


@router.post(
    "/follow-ups/{candidate_id}/exams",
    **CASEWORK,
    summary="An interim or final exam result; a final one completes the training (or a retake follows)",
)
async def record_exam(candidate_id: CandidateId, body: ExamCreate, ctx: Ctx, actor: Officer) -> FollowUpPublic:
    return _case(
        await followup.record_exam(ctx, actor, cmd.RecordExam(candidate_id, body.exam, body.taken_on, body.passed))
    )


@router.post("/follow-ups/{candidate_id}/after-training", **CASEWORK,
             summary="Job search, skilled employment or a return")  # fmt: skip
async def record_after_training(
    candidate_id: CandidateId, body: AfterTrainingCreate, ctx: Ctx, actor: Officer
) -> FollowUpPublic:
    command = cmd.RecordAfterTraining(candidate_id, body.outcome, body.on, body.same_employer, body.reason_code)
    return _case(await followup.record_after_training(ctx, actor, command))


@router.post(
    "/follow-ups/{candidate_id}/earnings", status_code=204, tags=["ledger"], openapi_extra=IDEMPOTENCY_DOC,
    summary="The first month's actual gross pay in Germany (SDG 10.7.1; replaces the contract's)",
)  # fmt: skip
async def record_earnings(candidate_id: CandidateId, body: EarningsCreate, ctx: Ctx, actor: Officer) -> Response:
    await ledger.record_earnings(
        ctx, actor, cmd.RecordEarnings(candidate_id, body.month, body.gross_cents, body.currency)
    )
    return Response(status_code=204)


@router.post(
    "/follow-ups/{candidate_id}/custody", status_code=201, response_model=CustodyCreated, tags=["ledger"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Who holds an identity document now (FR-06)",
)  # fmt: skip
async def record_custody(candidate_id: CandidateId, body: CustodyCreate, ctx: Ctx, actor: Officer) -> CustodyCreated:
    command = cmd.RecordCustody(candidate_id, body.document_type, body.holder, body.recorded_on)
    entry, alerted = await ledger.record_custody(ctx, actor, command)
    return CustodyCreated(entry=CustodyPublic.model_validate(entry), alert_raised=alerted)


@router.get("/follow-ups/{candidate_id}/custody", response_model=list[CustodyPublic], tags=["ledger"],
            summary="The custody log, oldest first")  # fmt: skip
async def list_custody(candidate_id: CandidateId, ctx: Ctx, actor: Reader) -> list[CustodyPublic]:
    return [CustodyPublic.model_validate(c) for c in await queries.custody(ctx, candidate_id)]


# --- ledger and alerts ---------------------------------------------------------------------------------------


@router.post(
    "/costs", status_code=201, response_model=CostPublic, tags=["ledger"], openapi_extra=IDEMPOTENCY_DOC,
    summary="A cost line with its payer (FR-01); a worker payer raises an alert",
)  # fmt: skip
async def record_cost(body: CostCreate, ctx: Ctx, actor: Officer) -> CostPublic:
    command = cmd.RecordCost(body.candidate_id, body.category, body.amount_cents, body.currency, body.payer.value,
                             body.payee, body.incurred_on)  # fmt: skip
    return CostPublic.model_validate(await ledger.record_cost(ctx, actor, command))


@router.get("/costs", response_model=CostPage, tags=["ledger"],
            summary="Cost lines of every service, by day; per candidate with the worker-paid total")  # fmt: skip
async def list_costs(
    ctx: Ctx, actor: Reader, candidate_id: uuid.UUID | None = None,
    payer: Annotated[str | None, Query(pattern="^(employer|programme|worker)$")] = None, limit: Limit = 50,
    cursor: Cursor = None,
) -> CostPage:  # fmt: skip
    items, next_cursor, worker = await queries.list_costs(ctx, candidate_id, payer, limit, cursor)
    return CostPage(items=[CostPublic.model_validate(c) for c in items], next_cursor=next_cursor,
                    worker_paid_eur_cents=worker)  # fmt: skip


@router.get("/alerts", response_model=AlertPage, tags=["ledger"], summary="Fair-recruitment alerts")
async def list_alerts(
    ctx: Ctx, actor: Reader, status_: Annotated[AlertStatus | None, Query(alias="status")] = None,
    rule: Annotated[str | None, Query(pattern="^FR-0[16]$")] = None, candidate_id: uuid.UUID | None = None,
    limit: Limit = 50, cursor: Cursor = None,
) -> AlertPage:  # fmt: skip
    items, next_cursor = await queries.list_alerts(ctx, status_, rule, candidate_id, limit, cursor)
    return AlertPage(items=[AlertPublic.model_validate(a) for a in items], next_cursor=next_cursor)


@router.post(
    "/alerts/{alert_id}/close",
    response_model=AlertPublic,
    tags=["ledger"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Close an alert: reimbursed (a cost line back to the worker), document returned, error",
)
async def close_alert(alert_id: uuid.UUID, body: AlertClose, ctx: Ctx, actor: Officer) -> AlertPublic:
    command = cmd.CloseAlert(alert_id, body.resolution, body.closed_on, body.reimbursement_cents,
                             body.reimbursement_currency, body.reimbursed_by)  # fmt: skip
    return AlertPublic.model_validate(await ledger.close_alert(ctx, actor, command))


# --- grievances ----------------------------------------------------------------------------------------------


@router.post("/grievances", status_code=201, response_model=GrievanceDetail, tags=["grievances"],
             openapi_extra=IDEMPOTENCY_DOC, summary="Open a grievance for the apprentice (ar, fr or de)",
             responses={201: {"description": "Opened", "links": GRIEVANCE_LINKS}})  # fmt: skip
async def open_grievance(body: GrievanceCreate, ctx: Ctx, actor: Officer) -> GrievanceDetail:
    command = cmd.OpenGrievance(body.candidate_id, body.category, body.language, body.summary, body.opened_on)
    return GrievanceDetail.model_validate(await grievances.open_grievance(ctx, actor, command))


@router.get("/grievances", response_model=GrievancePage, tags=["grievances"], summary="Grievances (no accounts)")
async def list_grievances(
    ctx: Ctx, actor: Reader, status_: Annotated[GrievanceStatus | None, Query(alias="status")] = None,
    candidate_id: uuid.UUID | None = None, overdue: bool | None = None, limit: Limit = 50, cursor: Cursor = None,
) -> GrievancePage:  # fmt: skip
    items, next_cursor = await queries.list_grievances(ctx, status_, candidate_id, overdue, limit, cursor)
    return GrievancePage(items=[GrievancePublic.model_validate(g) for g in items], next_cursor=next_cursor)


@router.get("/grievances/{grievance_id}", response_model=GrievanceDetail, tags=["grievances"],
            summary="A grievance with the apprentice's account (case officers only)")  # fmt: skip
async def read_grievance(grievance_id: uuid.UUID, ctx: Ctx, actor: Officer) -> GrievanceDetail:
    return GrievanceDetail.model_validate(await queries.get_grievance(ctx, grievance_id))


@router.post(
    "/grievances/{grievance_id}/status",
    response_model=GrievancePublic,
    tags=["grievances"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Acknowledge, escalate or resolve (with a resolution code)",
)
async def move_grievance(grievance_id: uuid.UUID, body: GrievanceMove, ctx: Ctx, actor: Officer) -> GrievancePublic:
    command = cmd.MoveGrievance(grievance_id, body.status, body.on, body.resolution_code)
    return GrievancePublic.model_validate(await grievances.move_grievance(ctx, actor, command))
