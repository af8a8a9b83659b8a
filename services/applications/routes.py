"""HTTP routes of the applications API (thin: authorise, parse, call a use case, shape the answer)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile, status

from services.applications import decisions, documents, handlers, personal_data, queries
from services.applications.context import AppContext
from services.applications.domain import ApplicationStatus
from services.applications.schemas import (
    ApplicationCreate,
    ApplicationPage,
    ApplicationPublic,
    ApplicationUpdate,
    CandidatePublic,
    ChecklistItemPublic,
    DecisionCreate,
    DocumentList,
    DocumentPublic,
    DocumentReview,
    ErasurePublic,
    HistoryEntry,
    WithdrawalCreate,
)
from services.applications.tables import ApplicationRecord, CandidateRecord
from services.common.auth import Principal, Role, require
from services.common.problems import PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/v1", responses=PROBLEM_RESPONSES)

R = Role
OFFICER = Depends(require(R.CASE_OFFICER))
READERS = Depends(require(R.CASE_OFFICER, R.OPERATOR, R.ANALYST, R.SERVICE))


def _ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(_ctx)]
Officer = Annotated[Principal, OFFICER]
Reader = Annotated[Principal, READERS]


def _public(
    application: ApplicationRecord,
    candidate: CandidateRecord | None = None,
    consents: dict[str, bool] | None = None,
    revealed: dict[str, str | None] | None = None,
) -> ApplicationPublic:
    out = ApplicationPublic.model_validate(application, from_attributes=True)
    if candidate is not None:
        revealed = revealed or {}
        out.candidate = CandidatePublic(
            **{
                k: getattr(candidate, k)
                for k in (
                    "id",
                    "first_name",
                    "last_name",
                    "first_name_ar",
                    "last_name_ar",
                    "date_of_birth",
                    "sex",
                    "birth_year",
                    "nationality",
                    "country_of_residence",
                    "region",
                    "city",
                    "phone",
                    "email",
                    "passport_expiry",
                    "education_level",
                    "diploma",
                    "languages",
                )
            },
            national_id_number=revealed.get("national_id_number", candidate.national_id_masked),
            passport_number=revealed.get("passport_number", candidate.passport_masked),
            consents=consents or {},
            erased=candidate.erased_at is not None,
        )
    return out


IDEMPOTENCY_DOC = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": 255},
            "description": "Retry safely: the same key returns the first answer (24 h).",
        }
    ]
}


@router.post(
    "/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationPublic,
    summary="Register a candidate and open a draft application",
    openapi_extra=IDEMPOTENCY_DOC,
)
async def create_application(
    body: ApplicationCreate, ctx: Ctx, actor: Officer, response: Response
) -> ApplicationPublic:
    application, candidate, consents = await handlers.create_application(ctx, actor, body)
    response.headers["Location"] = f"/v1/applications/{application.id}"
    return _public(application, candidate, consents)


@router.get("/applications", response_model=ApplicationPage, summary="List applications (filters, cursor pages)")
async def list_applications(
    ctx: Ctx,
    _: Reader,
    status_: Annotated[ApplicationStatus | None, Query(alias="status")] = None,
    region: str | None = None,
    occupation: Annotated[str | None, Query(pattern=r"^[0-9]{5}$", description="KldB code")] = None,
    submitted_from: datetime | None = None,
    submitted_to: datetime | None = None,
    sort: queries.SortKey = queries.SortKey.CREATED,
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> ApplicationPage:
    where = queries.ApplicationFilter(
        status=status_.value if status_ else None,
        region=region,
        occupation=occupation,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
    )
    items, next_cursor = await queries.list_applications(
        ctx, where, sort=sort, descending=order == "desc", limit=limit, cursor=cursor
    )
    return ApplicationPage(items=[_public(a) for a in items], next_cursor=next_cursor)


@router.get("/applications/{application_id}", response_model=ApplicationPublic, summary="Read one application")
async def read_application(
    application_id: uuid.UUID,
    ctx: Ctx,
    actor: Reader,
    reveal: Annotated[
        list[Literal["national_id_number", "passport_number"]] | None,
        Query(description="Case officers only: show these ID numbers in clear (the read is audited)."),
    ] = None,
) -> ApplicationPublic:
    application, candidate, consents = await queries.get_application(ctx, application_id)
    revealed = None
    if reveal:
        if not actor.has(R.CASE_OFFICER):
            raise Problem(403, "forbidden", "Forbidden", "only case officers may reveal ID numbers")
        revealed = await personal_data.reveal(ctx, actor, candidate.id, set(reveal))
    return _public(application, candidate, consents, revealed)


@router.patch("/applications/{application_id}", response_model=ApplicationPublic, summary="Edit a draft")
async def update_application(
    application_id: uuid.UUID, body: ApplicationUpdate, ctx: Ctx, actor: Officer
) -> ApplicationPublic:
    await handlers.update_draft(ctx, actor, application_id, body)
    return _public(*await queries.get_application(ctx, application_id))


@router.post(
    "/applications/{application_id}/submit",
    response_model=ApplicationPublic,
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Submit a draft: eligibility is evaluated and the journey starts",
)
async def submit_application(application_id: uuid.UUID, ctx: Ctx, actor: Officer) -> ApplicationPublic:
    return _public(await handlers.submit_application(ctx, actor, application_id))


@router.post(
    "/applications/{application_id}/decision",
    response_model=ApplicationPublic,
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Pre-select or reject, with a reason",
)
async def decide(application_id: uuid.UUID, body: DecisionCreate, ctx: Ctx, actor: Officer) -> ApplicationPublic:
    return _public(await decisions.decide(ctx, actor, application_id, body))


@router.post(
    "/applications/{application_id}/withdraw",
    response_model=ApplicationPublic,
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Record the candidate's withdrawal",
)
async def withdraw(application_id: uuid.UUID, body: WithdrawalCreate, ctx: Ctx, actor: Officer) -> ApplicationPublic:
    return _public(await decisions.withdraw(ctx, actor, application_id, body))


@router.post(
    "/applications/{application_id}/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentPublic,
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Upload a document (PDF, JPEG or PNG; size-limited)",
)
async def upload_document(
    application_id: uuid.UUID,
    ctx: Ctx,
    actor: Officer,
    document_type: Annotated[str, Form(description="Document type code, e.g. `BAC`.", pattern=r"^[A-Z0-9_]{2,32}$")],
    file: Annotated[UploadFile, File(description="The scan.")],
) -> DocumentPublic:
    content = await file.read(ctx.settings.max_upload_bytes + 1)
    record = await documents.upload_document(
        ctx, actor, application_id, document_type, file.filename, file.content_type, content
    )
    return DocumentPublic.model_validate(record, from_attributes=True)


@router.get(
    "/applications/{application_id}/documents",
    response_model=DocumentList,
    summary="Documents on file and the pre-selection checklist",
)
async def list_documents(
    application_id: uuid.UUID, ctx: Ctx, _: Annotated[Principal, Depends(require(R.CASE_OFFICER, R.OPERATOR))]
) -> DocumentList:
    docs, items = await documents.list_documents(ctx, application_id)
    return DocumentList(
        items=[DocumentPublic.model_validate(d, from_attributes=True) for d in docs],
        checklist=[ChecklistItemPublic(accepted_types=list(i.accepted_types), status=i.status.value) for i in items],
        complete=all(i.status.value == "verified" for i in items),
    )


@router.post(
    "/applications/{application_id}/documents/{document_id}/review",
    response_model=DocumentPublic,
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Verify or reject a document",
)
async def review_document(
    application_id: uuid.UUID, document_id: uuid.UUID, body: DocumentReview, ctx: Ctx, actor: Officer
) -> DocumentPublic:
    record = await documents.review_document(ctx, actor, application_id, document_id, body)
    return DocumentPublic.model_validate(record, from_attributes=True)


@router.get(
    "/applications/{application_id}/history",
    response_model=list[HistoryEntry],
    summary="Audit trail of the application and its candidate",
)
async def read_history(
    application_id: uuid.UUID, ctx: Ctx, _: Annotated[Principal, Depends(require(R.CASE_OFFICER, R.OPERATOR))]
) -> list[HistoryEntry]:
    return [HistoryEntry.model_validate(r, from_attributes=True) for r in await queries.history(ctx, application_id)]


@router.delete(
    "/candidates/{candidate_id}/personal-data",
    response_model=ErasurePublic,
    summary="Erase a candidate's personal data (keeps a de-identified placeholder)",
)
async def erase_personal_data(candidate_id: uuid.UUID, ctx: Ctx, actor: Officer) -> ErasurePublic:
    return ErasurePublic(candidate_id=candidate_id, erased_at=await personal_data.erase(ctx, actor, candidate_id))
