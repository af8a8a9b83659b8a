"""Upload a document (encrypted with the candidate's data key) and review it (verify or reject)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from contracts.applications import DocumentRejected, DocumentVerified
from services.applications import domain
from services.applications.commands import ReviewDocument, UploadDocument
from services.applications.context import SOURCE, AppContext, data_key, writable_application
from services.applications.domain import ApplicationStatus as Status
from services.applications.domain import DocumentStatus, ReviewDecision
from services.applications.storage import MAGIC, sniff
from services.applications.tables import DocumentRecord
from services.common import audit
from services.common.auth import Principal
from services.common.crypto import encrypt_bytes
from services.common.db import transaction
from services.common.outbox import add_event
from services.common.problems import invalid, not_found

OPEN = {Status.DRAFT.value, Status.SUBMITTED.value, Status.SCREENING.value}


def _check_upload(ctx: AppContext, command: UploadDocument) -> str:
    """The content type told by the file's first bytes, after the size and type rules; raises otherwise."""
    if command.document_type not in ctx.reference.document_types:
        raise invalid("#/document_type", f"unknown document type {command.document_type!r}")
    size, limit = len(command.content), ctx.settings.max_upload_bytes
    if size > limit:
        raise domain.DocumentTooLarge(f"{size} bytes; the limit is {limit}")
    actual = sniff(command.content)
    declared = (command.declared_type or "").split(";")[0].strip().lower()
    if actual is None or (declared and declared != actual):
        raise domain.UnsupportedDocument(
            f"accepted: {', '.join(MAGIC)} (told by the content; an empty file is none); the declared type must match"
        )
    return actual


async def upload_document(ctx: AppContext, actor: Principal, command: UploadDocument) -> DocumentRecord:
    """Store a PDF, JPEG or PNG encrypted under the candidate's key and record it as uploaded."""
    content_type = _check_upload(ctx, command)
    async with transaction(ctx.sessions) as session:
        application = await writable_application(session, command.application_id)
        if application.status not in OPEN:
            raise domain.ApplicationClosed(f"documents cannot be added to a {application.status} application")
        record = DocumentRecord(
            application_id=application.id, document_type=command.document_type,
            status=DocumentStatus.UPLOADED.value, filename=(command.filename or "")[:200] or None,
            content_type=content_type, size_bytes=len(command.content),
            sha256=hashlib.sha256(command.content).hexdigest(),
        )  # fmt: skip
        dek = await data_key(ctx, session, application.candidate_id)
        sealed = encrypt_bytes(dek, str(application.candidate_id), f"document:{record.id}", command.content)
        record.storage_key, _ = await ctx.storage.put(sealed)
        session.add(record)
        changes = {"document_id": str(record.id), "document_type": command.document_type}
        audit.record(session, actor, "document.upload", "application", application.id, changes)
    return record


async def review_document(ctx: AppContext, actor: Principal, command: ReviewDocument) -> DocumentRecord:
    """Verify or reject (with a reason) an uploaded document; the first review starts screening."""
    rejecting = command.decision is ReviewDecision.REJECT
    if rejecting and command.reason_code not in ctx.reference.reasons["document_reject"]:
        raise invalid("#/reason_code", f"one of {', '.join(ctx.reference.reasons['document_reject'])}")
    async with transaction(ctx.sessions) as session:
        application = await writable_application(session, command.application_id)
        document = await session.get(DocumentRecord, command.document_id)
        if document is None or document.application_id != application.id:
            raise not_found("document", command.document_id)
        if application.status not in (Status.SUBMITTED.value, Status.SCREENING.value):
            raise domain.NotInScreening(f"documents are reviewed after submission; it is {application.status}")
        if application.status == Status.SUBMITTED.value:
            application.status = domain.transition(Status.SUBMITTED, Status.SCREENING).value
            session.add(application)
        document.status = (DocumentStatus.REJECTED if rejecting else DocumentStatus.VERIFIED).value
        document.reject_reason_code = command.reason_code if rejecting else None
        document.reject_note, document.reviewed_by, document.reviewed_at = (
            command.note,
            actor.subject,
            datetime.now(UTC),
        )
        session.add(document)
        await add_event(
            session, _review_event(application.candidate_id, document), source=SOURCE, aggregate_type="application"
        )
        changes = {"document_id": str(document.id), "reason_code": command.reason_code}
        audit.record(session, actor, f"document.{command.decision.value}", "application", application.id, changes)
    return document


def _review_event(candidate_id: object, document: DocumentRecord) -> DocumentVerified | DocumentRejected:
    common = {
        "candidate_id": candidate_id,
        "application_id": document.application_id,
        "document_id": document.id,
        "document_type": document.document_type,
    }
    if document.status == DocumentStatus.VERIFIED:
        return DocumentVerified(**common)
    return DocumentRejected(**common, reason_code=str(document.reject_reason_code))
