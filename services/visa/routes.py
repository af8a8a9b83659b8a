"""HTTP routes of the visa API: thin (parse, call a use case, answer).

Case officers (GIZ visa staff) work the cases; the journey opens, cancels and asks for the BA's approval with
a `service` token; the authorities' answers (BA, ABH, consulate) are entered by an officer or, on local stacks,
by the authorities simulator with a `service` token. Operators read.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status

from contracts.activities import (
    CancelVisaCaseResponse,
    DeemedApprovalResponse,
    LabourApprovalResponse,
    OpenVisaCaseResponse,
)
from services.common.app import service_context, service_router
from services.common.auth import Principal, Role, require
from services.common.idempotency import IDEMPOTENCY_DOC
from services.visa import commands as cmd
from services.visa import queries
from services.visa.context import VisaContext
from services.visa.domain import CaseStatus
from services.visa.handlers import approval, cases, consulate, costs
from services.visa.schemas import (
    AcceleratedAgreement,
    AppointmentCreate,
    ApprovalDecision,
    ApprovalRequestCreate,
    Checklist,
    ChecklistItemPublic,
    ChecklistItemUpdate,
    CollectionCreate,
    CostCreate,
    CostPage,
    CostPublic,
    CourtActionCreate,
    DecisionCreate,
    DeemedCreate,
    ItemCode,
    LabourApprovalPublic,
    LodgementCreate,
    PreapprovalCreate,
    VisaCaseCancel,
    VisaCaseCreate,
    VisaCasePage,
    VisaCasePublic,
)

R = Role
router = service_router()

Ctx = Annotated[VisaContext, Depends(service_context)]
Officer = Annotated[Principal, Depends(require(R.CASE_OFFICER))]
Journey = Annotated[Principal, Depends(require(R.SERVICE, R.CASE_OFFICER))]
Authority = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.SERVICE))]
Reader = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.OPERATOR, R.SERVICE))]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]
CaseId = uuid.UUID

CASE_LINKS = {
    name: {"operationId": name, "parameters": {"visa_case_id": "$response.body#/visa_case_id"}}
    for name in ("read_visa_case", "read_checklist", "cancel_visa_case", "request_labour_approval")
}


def _case(record: Any) -> VisaCasePublic:
    return VisaCasePublic.model_validate(record, from_attributes=True)


@router.post(
    "/visa-cases", status_code=201, response_model=OpenVisaCaseResponse, tags=["cases"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Open the visa case of a signed contract (the journey's call); a repeat answers 200 with the same case",
    responses={200: {"description": "Already open for this contract: the same case"},
               201: {"description": "Opened with its checklist", "links": CASE_LINKS}},
)  # fmt: skip
async def open_visa_case(body: VisaCaseCreate, ctx: Ctx, actor: Journey, response: Response) -> OpenVisaCaseResponse:
    command = cmd.OpenCase(**body.model_dump())
    record, created = await cases.open_case(ctx, actor, command)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/v1/visa-cases/{record.id}"
    return OpenVisaCaseResponse(visa_case_id=record.id, consulate=record.consulate)


@router.get("/visa-cases", response_model=VisaCasePage, tags=["cases"], summary="List visa cases")
async def list_visa_cases(
    ctx: Ctx,
    actor: Reader,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    candidate_id: uuid.UUID | None = None,
    employer_id: uuid.UUID | None = None,
    accelerated: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> VisaCasePage:
    where = queries.CaseFilter(status_.value if status_ else None, candidate_id, employer_id, accelerated)
    items, next_cursor = await queries.list_cases(ctx, where, limit, cursor)
    return VisaCasePage(items=[_case(c) for c in items], next_cursor=next_cursor)


@router.get("/visa-cases/{visa_case_id}", response_model=VisaCasePublic, tags=["cases"], summary="Read a visa case")
async def read_visa_case(visa_case_id: CaseId, ctx: Ctx, actor: Reader) -> VisaCasePublic:
    return _case(await queries.get_case(ctx, visa_case_id))


@router.post(
    "/visa-cases/{visa_case_id}/cancel", response_model=CancelVisaCaseResponse, tags=["cases"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Cancel the case (compensation: the offer or contract fell away); a repeat answers cancelled=false",
)  # fmt: skip
async def cancel_visa_case(
    visa_case_id: CaseId, body: VisaCaseCancel, ctx: Ctx, actor: Journey
) -> CancelVisaCaseResponse:
    command = cmd.CancelCase(visa_case_id, body.reason_code, body.candidate_id)
    _, cancelled = await cases.cancel_case(ctx, actor, command)
    return CancelVisaCaseResponse(cancelled=cancelled)


async def _checklist(ctx: VisaContext, case_id: uuid.UUID) -> Checklist:
    rows, missing = await queries.checklist(ctx, case_id)
    items = [ChecklistItemPublic.model_validate(r) for r in rows]
    return Checklist(visa_case_id=case_id, complete=not missing, missing=missing, items=items)


@router.get(
    "/visa-cases/{visa_case_id}/checklist", response_model=Checklist, tags=["checklist"],
    summary="The case's documents: missing, provided, verified (by whom), rejected (why) or not needed",
)  # fmt: skip
async def read_checklist(visa_case_id: CaseId, ctx: Ctx, actor: Reader) -> Checklist:
    return await _checklist(ctx, visa_case_id)


@router.put(
    "/visa-cases/{visa_case_id}/checklist/{code}", response_model=Checklist, tags=["checklist"],
    summary="Set one document's status; the passport is verified with its validity date only",
)  # fmt: skip
async def update_checklist_item(
    visa_case_id: CaseId, code: ItemCode, body: ChecklistItemUpdate, ctx: Ctx, actor: Officer
) -> Checklist:
    command = cmd.UpdateItem(visa_case_id, code, body.status.value, body.reason_code, body.passport_valid_until)
    await cases.update_item(ctx, actor, command)
    return await _checklist(ctx, visa_case_id)


@router.post(
    "/visa-cases/{visa_case_id}/accelerated-procedure", response_model=VisaCasePublic, tags=["approval"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Record the §81a agreement between employer and ABH, and its fee's payer",
)  # fmt: skip
async def agree_accelerated_procedure(
    visa_case_id: CaseId, body: AcceleratedAgreement, ctx: Ctx, actor: Officer
) -> VisaCasePublic:
    command = cmd.AgreeAccelerated(visa_case_id, body.agreed_on, body.authority, body.fee_payer)
    return _case(await approval.agree_accelerated(ctx, actor, command))


@router.get(
    "/visa-cases/{visa_case_id}/labour-approval", response_model=list[LabourApprovalPublic], tags=["approval"],
    summary="Every request for the BA's approval and its answer",
)  # fmt: skip
async def list_labour_approvals(visa_case_id: CaseId, ctx: Ctx, actor: Reader) -> list[LabourApprovalPublic]:
    return [
        LabourApprovalPublic.model_validate(r, from_attributes=True) for r in await queries.approvals(ctx, visa_case_id)
    ]


@router.post(
    "/visa-cases/{visa_case_id}/labour-approval/requests", status_code=201, response_model=LabourApprovalResponse,
    tags=["approval"], openapi_extra=IDEMPOTENCY_DOC,
    summary="Ask the BA for its approval (first, or with a corrected contract); a repeat answers 200",
    responses={200: {"description": "Already asked for this version, or already approved"}},
)  # fmt: skip
async def request_labour_approval(
    visa_case_id: CaseId, body: ApprovalRequestCreate, ctx: Ctx, actor: Journey, response: Response
) -> LabourApprovalResponse:
    command = cmd.RequestApproval(visa_case_id, body.contract_version, body.candidate_id)
    record, created = await approval.request_approval(ctx, actor, command, body.requested_on)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return LabourApprovalResponse(attempt=record.attempt, status=record.status)


@router.post(
    "/visa-cases/{visa_case_id}/labour-approval/decision", response_model=LabourApprovalPublic, tags=["approval"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Enter the BA's answer (granted, or refused with a reason)",
)  # fmt: skip
async def decide_labour_approval(
    visa_case_id: CaseId, body: ApprovalDecision, ctx: Ctx, actor: Authority
) -> LabourApprovalPublic:
    command = cmd.DecideApproval(visa_case_id, body.attempt, body.outcome, body.decided_on, body.reason_code)
    record, _ = await approval.decide_approval(ctx, actor, command)
    return LabourApprovalPublic.model_validate(record, from_attributes=True)


@router.post(
    "/visa-cases/{visa_case_id}/labour-approval/deemed", response_model=DeemedApprovalResponse, tags=["approval"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="The BA's period ended without an answer: approval deemed given (the journey's timer)",
)  # fmt: skip
async def deem_labour_approval(
    visa_case_id: CaseId, body: DeemedCreate, ctx: Ctx, actor: Journey
) -> DeemedApprovalResponse:
    command = cmd.DeemApproval(visa_case_id, body.attempt, body.candidate_id)
    return DeemedApprovalResponse(deemed=await approval.deem_approval(ctx, actor, command))


@router.post(
    "/visa-cases/{visa_case_id}/preapproval", response_model=VisaCasePublic, tags=["approval"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Enter the ABH's §81a pre-approval; an appointment is asked for",
)  # fmt: skip
async def issue_preapproval(
    visa_case_id: CaseId, body: PreapprovalCreate, ctx: Ctx, actor: Authority
) -> VisaCasePublic:
    command = cmd.IssuePreapproval(visa_case_id, body.issued_on, body.valid_until)
    return _case(await approval.issue_preapproval(ctx, actor, command))


@router.post(
    "/visa-cases/{visa_case_id}/appointment", response_model=VisaCasePublic, tags=["consulate"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Enter the appointment booked (TLScontact or the online portal)",
)  # fmt: skip
async def book_appointment(visa_case_id: CaseId, body: AppointmentCreate, ctx: Ctx, actor: Authority) -> VisaCasePublic:
    command = cmd.BookAppointment(visa_case_id, body.appointment_at, body.channel.value if body.channel else None)
    return _case(await consulate.book_appointment(ctx, actor, command))


@router.post(
    "/visa-cases/{visa_case_id}/lodgement", response_model=VisaCasePublic, tags=["consulate"],
    openapi_extra=IDEMPOTENCY_DOC,
    summary="The application was lodged (every required document verified); the visa fee is a cost line",
)  # fmt: skip
async def lodge_application(visa_case_id: CaseId, body: LodgementCreate, ctx: Ctx, actor: Authority) -> VisaCasePublic:
    return _case(await consulate.lodge(ctx, actor, cmd.Lodge(visa_case_id, body.lodged_on), body.visa_fee_payer.value))


@router.post(
    "/visa-cases/{visa_case_id}/decision", response_model=VisaCasePublic, tags=["consulate"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Enter the decision: granted (validity) or refused (reason)",
)  # fmt: skip
async def decide_visa(visa_case_id: CaseId, body: DecisionCreate, ctx: Ctx, actor: Authority) -> VisaCasePublic:
    command = cmd.Decide(
        visa_case_id, body.outcome, body.decided_on, body.valid_from, body.valid_until, body.reason_code
    )
    return _case(await consulate.decide(ctx, actor, command))


@router.post(
    "/visa-cases/{visa_case_id}/reapplication", response_model=VisaCasePublic, tags=["consulate"],
    openapi_extra=IDEMPOTENCY_DOC, summary="After a refusal: a new application with better documents",
)  # fmt: skip
async def reapply(visa_case_id: CaseId, body: LodgementCreate, ctx: Ctx, actor: Officer) -> VisaCasePublic:
    return _case(
        await consulate.reapply(ctx, actor, cmd.Lodge(visa_case_id, body.lodged_on), body.visa_fee_payer.value)
    )


@router.post(
    "/visa-cases/{visa_case_id}/court-action", response_model=VisaCasePublic, tags=["consulate"],
    openapi_extra=IDEMPOTENCY_DOC, summary="After a refusal: an action at VG Berlin was filed (within one month)",
)  # fmt: skip
async def file_court_action(visa_case_id: CaseId, body: CourtActionCreate, ctx: Ctx, actor: Officer) -> VisaCasePublic:
    return _case(await consulate.file_court_action(ctx, actor, cmd.FileCourtAction(visa_case_id, body.filed_on)))


@router.post(
    "/visa-cases/{visa_case_id}/collection", response_model=VisaCasePublic, tags=["consulate"],
    openapi_extra=IDEMPOTENCY_DOC, summary="The visa was collected",
)  # fmt: skip
async def collect_visa(visa_case_id: CaseId, body: CollectionCreate, ctx: Ctx, actor: Authority) -> VisaCasePublic:
    return _case(await consulate.collect(ctx, actor, cmd.Collect(visa_case_id, body.collected_on)))


@router.get(
    "/visa-cases/{visa_case_id}/costs", response_model=CostPage, tags=["costs"],
    summary="The case's cost lines with payers, and totals per payer",
)  # fmt: skip
async def list_costs(visa_case_id: CaseId, ctx: Ctx, actor: Reader) -> CostPage:
    lines = await queries.costs(ctx, visa_case_id)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in lines:
        totals[line.payer][line.currency] += line.amount_cents
    return CostPage(
        items=[CostPublic.model_validate(line, from_attributes=True) for line in lines],
        total_by_payer={payer: dict(v) for payer, v in totals.items()},
    )


@router.post(
    "/visa-cases/{visa_case_id}/costs", status_code=201, response_model=CostPublic, tags=["costs"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Record a cost line (service fee, translation...) with its payer",
)  # fmt: skip
async def record_cost(visa_case_id: CaseId, body: CostCreate, ctx: Ctx, actor: Officer) -> CostPublic:
    command = cmd.RecordCost(visa_case_id, **body.model_dump(mode="python"))
    command = cmd.RecordCost(**{**command.__dict__, "payer": body.payer.value})
    return CostPublic.model_validate(await costs.record_cost(ctx, actor, command), from_attributes=True)
