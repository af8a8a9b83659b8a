"""HTTP routes of the applications API: thin (parse, call a use case, shape the answer for the caller's role).

Authentication and the role check run before anything reads the body (`ServiceRoute`); domain errors
become problems in one handler (`services.common.problems`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile, status
from pydantic import MISSING

from services.applications import commands as cmd
from services.applications import queries
from services.applications.config import ApplicationsSettings
from services.applications.context import AppContext
from services.applications.domain import ApplicationStatus
from services.applications.handlers import disclosures, documents, personal_data, registration, screening
from services.applications.schemas import (
    ApplicationCreate,
    ApplicationPage,
    ApplicationPublic,
    ApplicationUpdate,
    CandidateContact,
    CandidatePublic,
    CandidateSummary,
    ChecklistItemPublic,
    ConsentChange,
    ConsentState,
    DecisionCreate,
    DocumentList,
    DocumentPublic,
    DocumentReview,
    DocumentType,
    ErasurePublic,
    HistoryEntry,
    RegionCode,
    WithdrawalCreate,
)
from services.applications.tables import ApplicationRecord, CandidateRecord
from services.common.app import service_context, service_router
from services.common.auth import Principal, Role, require
from services.common.fields import IsoDateTime
from services.common.idempotency import IDEMPOTENCY_DOC
from services.common.problems import Problem, problem_doc

R = Role
router = service_router()


Ctx = Annotated[AppContext, Depends(service_context)]
Officer = Annotated[Principal, Depends(require(R.CASE_OFFICER))]
Reader = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.OPERATOR, R.ANALYST, R.SERVICE))]
OfficerOrOperator = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.OPERATOR))]
OfficerOrEmployer = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.EMPLOYER))]

IDENTITY = tuple(CandidatePublic.model_fields)
SUMMARY = tuple(CandidateSummary.model_fields)


def _candidate(
    candidate: CandidateRecord, consents: dict[str, bool], officer: bool, revealed: dict[str, str | None]
) -> CandidatePublic | CandidateSummary:
    """The identity block for case officers, the de-identified summary for everyone else."""
    values: dict[str, Any] = {"consents": consents, "erased": candidate.erased_at is not None}
    if not officer:
        return CandidateSummary(**{k: getattr(candidate, k) for k in SUMMARY if k not in values}, **values)
    values["national_id_number"] = revealed.get("national_id_number", candidate.national_id_masked)
    values["passport_number"] = revealed.get("passport_number", candidate.passport_masked)
    return CandidatePublic(**{k: getattr(candidate, k) for k in IDENTITY if k not in values}, **values)


def _public(
    application: ApplicationRecord,
    viewer: Principal,
    candidate: CandidateRecord | None = None,
    consents: dict[str, bool] | None = None,
    revealed: dict[str, str | None] | None = None,
) -> ApplicationPublic:
    out = ApplicationPublic.model_validate(application, from_attributes=True)
    officer = viewer.has(R.CASE_OFFICER)
    if not officer:
        out.decision_note = None
    if candidate is not None:
        out.candidate = _candidate(candidate, consents or {}, officer, revealed or {})
    return out


def _links(**parameters: str) -> dict[str, Any]:
    """OpenAPI links to the operations that take ids from this answer (for clients and stateful fuzzers)."""
    targets = {
        "application_id": ["read_application", "update_application", "submit_application", "decide_application",
                           "withdraw_application", "upload_document", "list_documents", "read_history"],
        "candidate_id": ["erase_personal_data"],
    }  # fmt: skip
    links: dict[str, Any] = {}
    for name, expression in parameters.items():
        for operation in targets.get(name, []):
            links[operation] = {"operationId": operation, "parameters": {name: expression}}
    return links


@router.post(
    "/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationPublic,
    summary="Register a candidate and open a draft application",
    tags=["applications"],
    openapi_extra=IDEMPOTENCY_DOC,
    responses={
        201: {
            "description": "The draft, with its candidate",
            "links": _links(application_id="$response.body#/id", candidate_id="$response.body#/candidate_id"),
        }
    },
)
async def create_application(
    body: ApplicationCreate, ctx: Ctx, actor: Officer, response: Response
) -> ApplicationPublic:
    c = body.candidate
    details = cmd.CandidateDetails(
        **c.model_dump(exclude={"languages", "email"}),
        email=str(c.email) if c.email else None,
        languages=tuple(skill.model_dump(mode="json") for skill in c.languages),
    )
    consents = tuple(cmd.GiveConsent(**consent.model_dump()) for consent in body.consents)
    command = cmd.CreateApplication(details, tuple(body.occupation_codes), consents)
    application, candidate, given = await registration.create_application(ctx, actor, command)
    response.headers["Location"] = f"/v1/applications/{application.id}"
    return _public(application, actor, candidate, given)


@router.get(
    "/applications",
    response_model=ApplicationPage,
    summary="List applications (filters, cursor pages)",
    tags=["applications"],
)
async def list_applications(
    ctx: Ctx,
    actor: Reader,
    status_: Annotated[ApplicationStatus | None, Query(alias="status")] = None,
    region: RegionCode | None = None,
    occupation: Annotated[str | None, Query(pattern=r"^[0-9]{5}$", description="KldB code")] = None,
    submitted_from: IsoDateTime | None = None,
    submitted_to: IsoDateTime | None = None,
    sort: queries.SortKey = queries.SortKey.CREATED,
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")] = None,
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
    return ApplicationPage(items=[_public(a, actor) for a in items], next_cursor=next_cursor)


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationPublic,
    summary="Read one application (identity for case officers only)",
    tags=["applications"],
    responses={410: problem_doc("Revealing ID numbers of an erased candidate")},
)
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
        revealed = await personal_data.reveal(ctx, actor, cmd.RevealIdNumbers(candidate.id, frozenset(reveal)))
    return _public(application, actor, candidate, consents, revealed)


@router.patch(
    "/applications/{application_id}",
    response_model=ApplicationPublic,
    summary="Edit a draft",
    tags=["applications"],
    responses={410: problem_doc("The candidate's personal data was erased")},
)
async def update_application(
    application_id: uuid.UUID, body: ApplicationUpdate, ctx: Ctx, actor: Officer
) -> ApplicationPublic:
    changes: dict[str, Any] = {}
    if body.candidate is not MISSING:
        changes = body.candidate.model_dump(exclude_unset=True, exclude={"languages"})
        if changes.get("email") is not None:
            changes["email"] = str(changes["email"])
        if body.candidate.languages is not MISSING:
            changes["languages"] = [skill.model_dump(mode="json") for skill in body.candidate.languages]
    command = cmd.UpdateDraft(
        application_id,
        changes,
        tuple(body.occupation_codes) if body.occupation_codes is not MISSING else None,
        tuple(cmd.GiveConsent(**c.model_dump()) for c in body.consents) if body.consents is not MISSING else None,
    )
    await registration.update_draft(ctx, actor, command)
    return _public(*_with_viewer(await queries.get_application(ctx, application_id), actor))


def _with_viewer(
    found: tuple[ApplicationRecord, CandidateRecord, dict[str, bool]], viewer: Principal
) -> tuple[ApplicationRecord, Principal, CandidateRecord, dict[str, bool]]:
    return found[0], viewer, found[1], found[2]


GONE: dict[int | str, dict[str, Any]] = {410: problem_doc("The candidate's personal data was erased")}


@router.post(
    "/applications/{application_id}/submit",
    response_model=ApplicationPublic,
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Submit a draft: eligibility is evaluated and the journey starts",
    tags=["applications"],
    responses=GONE,
)
async def submit_application(application_id: uuid.UUID, ctx: Ctx, actor: Officer) -> ApplicationPublic:
    return _public(await screening.submit_application(ctx, actor, cmd.SubmitApplication(application_id)), actor)


@router.get(
    "/candidates/{candidate_id}/contact",
    response_model=CandidateContact,
    summary="Name and contact (an employer: only once the candidate accepted its offer); every read is audited",
    tags=["applications"],
    responses=GONE,
)
async def read_candidate_contact(candidate_id: uuid.UUID, ctx: Ctx, actor: OfficerOrEmployer) -> CandidateContact:
    contact, since = await disclosures.read_contact(ctx, actor, candidate_id)
    return CandidateContact(candidate_id=candidate_id, disclosed_since=since, **contact)


@router.post(
    "/applications/{application_id}/consents",
    response_model=ConsentState,
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Record consents given or revoked (any stage); matching drops a candidate without consent",
    tags=["applications"],
    responses=GONE,
)
async def change_consents(application_id: uuid.UUID, body: ConsentChange, ctx: Ctx, actor: Officer) -> ConsentState:
    consents = tuple(cmd.GiveConsent(**c.model_dump()) for c in body.consents)
    latest = await registration.change_consents(ctx, actor, cmd.ChangeConsents(application_id, consents))
    return ConsentState(consents=latest)


@router.post(
    "/applications/{application_id}/decision",
    response_model=ApplicationPublic,
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Pre-select or reject, with a reason",
    tags=["applications"],
    responses=GONE,
)
async def decide_application(
    application_id: uuid.UUID, body: DecisionCreate, ctx: Ctx, actor: Officer
) -> ApplicationPublic:
    command = cmd.DecideApplication(application_id, **body.model_dump())
    return _public(await screening.decide(ctx, actor, command), actor)


@router.post(
    "/applications/{application_id}/withdraw",
    response_model=ApplicationPublic,
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Record the candidate's withdrawal",
    tags=["applications"],
    responses=GONE,
)
async def withdraw_application(
    application_id: uuid.UUID, body: WithdrawalCreate, ctx: Ctx, actor: Officer
) -> ApplicationPublic:
    command = cmd.WithdrawApplication(application_id, **body.model_dump())
    return _public(await screening.withdraw(ctx, actor, command), actor)


async def upload_document(
    application_id: uuid.UUID,
    ctx: Ctx,
    actor: Officer,
    document_type: Annotated[DocumentType, Form(description="Document type code from reference data, e.g. `BAC`.")],
    file: Annotated[UploadFile, File(description="The scan: PDF, JPEG or PNG.")],
) -> DocumentPublic:
    content = await file.read(ctx.settings.max_upload_bytes + 1)
    command = cmd.UploadDocument(application_id, document_type, file.filename, file.content_type, content)
    record = await documents.upload_document(ctx, actor, command)
    return DocumentPublic.model_validate(record, from_attributes=True)


def documents_router(settings: ApplicationsSettings) -> APIRouter:
    """The upload route, whose body limit follows the configured document size."""
    uploads = service_router()
    uploads.add_api_route(
        "/applications/{application_id}/documents",
        upload_document,
        methods=["POST"],
        status_code=status.HTTP_201_CREATED,
        response_model=DocumentPublic,
        summary="Upload a document (PDF, JPEG or PNG; size-limited)",
        tags=["documents"],
        openapi_extra=IDEMPOTENCY_DOC,
        max_body_size=settings.max_upload_bytes + 64 * 1024,
        responses={
            201: {
                "description": "The document on file",
                "links": {
                    "review_document": {
                        "operationId": "review_document",
                        "parameters": {
                            "application_id": "$response.body#/application_id",
                            "document_id": "$response.body#/id",
                        },
                    }
                },
            },
            410: problem_doc("The candidate's personal data was erased"),
            415: problem_doc("Not a PDF, JPEG or PNG, or the declared type does not match the content"),
        },
    )
    return uploads


@router.get(
    "/applications/{application_id}/documents",
    response_model=DocumentList,
    summary="Documents on file and the pre-selection checklist",
    tags=["documents"],
)
async def list_documents(application_id: uuid.UUID, ctx: Ctx, _: OfficerOrOperator) -> DocumentList:
    docs, items = await queries.list_documents(ctx, application_id)
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
    tags=["documents"],
    responses=GONE,
)
async def review_document(
    application_id: uuid.UUID, document_id: uuid.UUID, body: DocumentReview, ctx: Ctx, actor: Officer
) -> DocumentPublic:
    command = cmd.ReviewDocument(application_id, document_id, **body.model_dump())
    record = await documents.review_document(ctx, actor, command)
    return DocumentPublic.model_validate(record, from_attributes=True)


@router.get(
    "/applications/{application_id}/history",
    response_model=list[HistoryEntry],
    summary="Audit trail of the application and its candidate",
    tags=["applications"],
)
async def read_history(application_id: uuid.UUID, ctx: Ctx, _: OfficerOrOperator) -> list[HistoryEntry]:
    return [HistoryEntry.model_validate(r, from_attributes=True) for r in await queries.history(ctx, application_id)]


@router.delete(
    "/candidates/{candidate_id}/personal-data",
    response_model=ErasurePublic,
    summary="Erase a candidate's personal data (keeps a de-identified placeholder; repeatable)",
    tags=["candidates"],
)
async def erase_personal_data(candidate_id: uuid.UUID, ctx: Ctx, actor: Officer) -> ErasurePublic:
    erased_at = await personal_data.erase(ctx, actor, cmd.EraseCandidate(candidate_id))
    return ErasurePublic(candidate_id=candidate_id, erased_at=erased_at)
