"""Use cases of documents: upload, list with the pre-selection checklist, verify or reject."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import col, select

from contracts.applications import DocumentRejected, DocumentVerified
from services.applications import domain
from services.applications.context import SOURCE, AppContext, load_application, not_found
from services.applications.domain import ApplicationStatus as Status
from services.applications.domain import DocumentStatus
from services.applications.schemas import DocumentReview
from services.applications.storage import MAGIC, sniff
from services.applications.tables import DocumentRecord
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.outbox import add_event
from services.common.problems import Problem

OPEN = {Status.DRAFT.value, Status.SUBMITTED.value, Status.SCREENING.value}


async def upload_document(
    ctx: AppContext,
    actor: Principal,
    application_id: uuid.UUID,
    document_type: str,
    filename: str | None,
    declared_type: str | None,
    content: bytes,
) -> DocumentRecord:
    """Store a PDF, JPEG or PNG (checked by its first bytes) and record it as uploaded."""
    if document_type not in ctx.reference.document_types:
        raise Problem(
            422,
            "validation-error",
            "Request validation failed",
            f"unknown document type {document_type!r}",
            errors=[{"pointer": "#/document_type", "detail": "not in reference data"}],
        )
    if len(content) > ctx.settings.max_upload_bytes:
        raise Problem(
            413,
            "too-large",
            "Document too large",
            f"{len(content)} bytes; the limit is {ctx.settings.max_upload_bytes}",
        )
    if not content:
        raise Problem(
            422,
            "validation-error",
            "Request validation failed",
            "the file is empty",
            errors=[{"pointer": "#/file", "detail": "empty file"}],
        )
    actual = sniff(content)
    if actual is None or (declared_type and declared_type.split(";")[0].strip().lower() != actual):
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported document format",
            f"accepted: {', '.join(MAGIC)}; the declared type must match the content",
        )
    async with transaction(ctx.sessions) as session:
        application = await load_application(session, application_id, lock=True)
        if application.status not in OPEN:
            raise Problem(
                409,
                "application-closed",
                "Application closed",
                f"documents cannot be added to a {application.status} application",
            )
        key, digest = await ctx.storage.put(content)
        record = DocumentRecord(
            application_id=application_id,
            document_type=document_type,
            status=DocumentStatus.UPLOADED.value,
            filename=(filename or "")[:200] or None,
            content_type=actual,
            size_bytes=len(content),
            sha256=digest,
            storage_key=key,
        )
        session.add(record)
        await session.flush()
        audit.record(
            session,
            actor,
            "document.upload",
            "application",
            application_id,
            {"document_id": str(record.id), "document_type": document_type, "sha256": digest},
        )
    return record


async def list_documents(
    ctx: AppContext, application_id: uuid.UUID
) -> tuple[list[DocumentRecord], list[domain.ChecklistItem]]:
    async with ctx.sessions() as session:
        await load_application(session, application_id)
        docs = list(
            (
                await session.exec(
                    select(DocumentRecord)
                    .where(DocumentRecord.application_id == application_id)
                    .order_by(col(DocumentRecord.uploaded_at), col(DocumentRecord.id))
                )
            ).all()
        )
    items = domain.checklist(
        ctx.reference.preselection_checklist, [(d.document_type, DocumentStatus(d.status)) for d in docs]
    )
    return docs, items


async def review_document(
    ctx: AppContext, actor: Principal, application_id: uuid.UUID, document_id: uuid.UUID, command: DocumentReview
) -> DocumentRecord:
    """Verify or reject (with a reason) an uploaded document; the first review starts screening."""
    if command.decision == "reject" and command.reason_code not in ctx.reference.reasons["document_reject"]:
        raise Problem(
            422,
            "validation-error",
            "Request validation failed",
            "a known reason_code is required to reject",
            errors=[
                {"pointer": "#/reason_code", "detail": f"one of {', '.join(ctx.reference.reasons['document_reject'])}"}
            ],
        )
    now = datetime.now(UTC)
    async with transaction(ctx.sessions) as session:
        application = await load_application(session, application_id, lock=True)
        document = await session.get(DocumentRecord, document_id)
        if document is None or document.application_id != application_id:
            raise not_found("document", document_id)
        if application.status not in (Status.SUBMITTED.value, Status.SCREENING.value):
            raise Problem(
                409,
                "not-in-screening",
                "Application not in screening",
                f"documents are reviewed after submission; the application is {application.status}",
            )
        if application.status == Status.SUBMITTED.value:
            application.status = domain.transition(Status.SUBMITTED, Status.SCREENING).value
            session.add(application)
        document.status = (DocumentStatus.VERIFIED if command.decision == "verify" else DocumentStatus.REJECTED).value
        document.reject_reason_code = command.reason_code if command.decision == "reject" else None
        document.reject_note = command.note
        document.reviewed_by, document.reviewed_at = actor.subject, now
        session.add(document)
        event: DocumentVerified | DocumentRejected
        if command.decision == "verify":
            event = DocumentVerified(
                candidate_id=application.candidate_id,
                application_id=application_id,
                document_id=document.id,
                document_type=document.document_type,
            )
        else:
            event = DocumentRejected(
                candidate_id=application.candidate_id,
                application_id=application_id,
                document_id=document.id,
                document_type=document.document_type,
                reason_code=str(command.reason_code),
            )
        await add_event(session, event, source=SOURCE, aggregate_type="application", occurred_at=now)
        audit.record(
            session,
            actor,
            f"document.{command.decision}",
            "application",
            application_id,
            {"document_id": str(document.id), "reason_code": command.reason_code},
        )
    return document
