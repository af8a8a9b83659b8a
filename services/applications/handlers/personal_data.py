"""Reading ID numbers in clear (audited), erasure (crypto-shredding), and the job that deletes erased files."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.applications import CandidateErased
from services.applications import domain
from services.applications.commands import EraseCandidate, RevealIdNumbers
from services.applications.context import SOURCE, AppContext, data_key, load_candidate
from services.applications.tables import (
    ApplicationRecord,
    BlobDeletionRecord,
    CandidateKeyRecord,
    CandidateRecord,
    DocumentRecord,
)
from services.common import audit
from services.common.auth import Principal
from services.common.crypto import KeyDestroyed, decrypt_field
from services.common.db import transaction
from services.common.idempotency import forget_subject
from services.common.outbox import add_event

log = logging.getLogger("thamm.applications.erasure")

#: Fields blanked by erasure; sex, birth year, nationality, residence, region, education stay for statistics.
PERSONAL_FIELDS = (
    "first_name", "last_name", "first_name_ar", "last_name_ar", "date_of_birth", "city", "phone", "email",
    "national_id_enc", "national_id_masked", "national_id_hash", "passport_enc", "passport_masked",
    "passport_expiry", "name_dob_hash",
)  # fmt: skip
ENCRYPTED = {"national_id_number": ("national_id", "national_id_enc"), "passport_number": ("passport", "passport_enc")}


async def reveal(ctx: AppContext, actor: Principal, command: RevealIdNumbers) -> dict[str, str | None]:
    """ID numbers in clear for a case officer; every read writes an audit record."""
    async with transaction(ctx.sessions) as session:
        candidate = await load_candidate(session, command.candidate_id)
        try:
            key = await data_key(ctx, session, command.candidate_id)
        except KeyDestroyed:
            raise domain.CandidateErased(command.candidate_id) from None
        clear: dict[str, str | None] = {}
        for name in sorted(command.fields):
            field, column = ENCRYPTED[name]
            blob = getattr(candidate, column)
            clear[name] = decrypt_field(key, str(candidate.id), field, blob) if blob else None
        changes = {"fields": sorted(command.fields)}
        audit.record(session, actor, "candidate.reveal", "candidate", command.candidate_id, changes)
    return clear


async def erase(ctx: AppContext, actor: Principal, command: EraseCandidate) -> datetime:
    """Destroy the key, blank personal fields and notes, schedule file deletion, drop stored answers."""
    now = datetime.now(UTC)
    async with transaction(ctx.sessions) as session:
        statement = select(CandidateRecord).where(CandidateRecord.id == command.candidate_id).with_for_update()
        candidate = (await session.exec(statement)).first()
        if candidate is None:
            await load_candidate(session, command.candidate_id)  # raises NotFound
        assert candidate is not None
        if candidate.erased_at is not None:
            return candidate.erased_at
        await _shred(session, candidate, now)
        deleted = await _blank_applications(session, candidate)
        answers = await forget_subject(session, candidate.id)
        await add_event(session, CandidateErased(candidate_id=candidate.id, erased_at=now), source=SOURCE,
                        aggregate_type="candidate", occurred_at=now)  # fmt: skip
        changes = {"fields": list(PERSONAL_FIELDS), "documents_deleted": deleted, "stored_answers_deleted": answers}
        audit.record(session, actor, "candidate.erase", "candidate", candidate.id, changes)
    return now


async def _shred(session: AsyncSession, candidate: CandidateRecord, now: datetime) -> None:
    key = await session.get(CandidateKeyRecord, candidate.id)
    if key is not None:
        key.wrapped_key, key.destroyed_at = None, now
        session.add(key)
    for name in PERSONAL_FIELDS:
        setattr(candidate, name, None)
    candidate.erased_at = now
    session.add(candidate)


async def _blank_applications(session: AsyncSession, candidate: CandidateRecord) -> int:
    """Blank free-text notes and document metadata; queue each stored file for deletion."""
    applications = (
        await session.exec(select(ApplicationRecord).where(ApplicationRecord.candidate_id == candidate.id))
    ).all()
    for application in applications:
        application.decision_note = None
        session.add(application)
    ids = [a.id for a in applications]
    documents = (await session.exec(select(DocumentRecord).where(col(DocumentRecord.application_id).in_(ids)))).all()
    for document in documents:
        if document.storage_key:
            session.add(BlobDeletionRecord(storage_key=document.storage_key))
        document.filename = document.storage_key = document.sha256 = document.reject_note = None
        session.add(document)
    await session.flush()
    return len(documents)


async def delete_pending_blobs(ctx: AppContext, limit: int = 50) -> int:
    """Delete files queued by erasure; a failure is retried later with back-off. Returns files deleted."""
    done = 0
    async with transaction(ctx.sessions) as session:
        due = (
            await session.exec(
                select(BlobDeletionRecord)
                .where(col(BlobDeletionRecord.next_attempt_at) <= sa.func.now())
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for row in due:
            try:
                await ctx.storage.delete(row.storage_key)
            except Exception as exc:  # storage away: keep the row, try again later
                row.attempts += 1
                row.last_error = type(exc).__name__
                row.next_attempt_at = datetime.now(UTC) + timedelta(seconds=min(3600, 5 * 2**row.attempts))
                session.add(row)
                continue
            await session.delete(row)
            done += 1
    return done


async def blob_deletion_job(app: FastAPI) -> None:
    """Background loop of the API process: run pending file deletions every few seconds."""
    ctx: AppContext = app.state.ctx
    while True:
        try:
            await delete_pending_blobs(ctx)
        except Exception as exc:  # the database may be away; the next round tries again
            log.warning("file deletion round failed: %s", type(exc).__name__)
        await asyncio.sleep(ctx.settings.blob_deletion_interval_s)
