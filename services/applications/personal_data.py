"""Reading ID numbers in clear (audited) and erasure (crypto-shredding with a de-identified placeholder)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import col, select

from contracts.applications import CandidateErased
from services.applications.context import SOURCE, AppContext, data_key, load_candidate
from services.applications.tables import ApplicationRecord, CandidateKeyRecord, CandidateRecord, DocumentRecord
from services.common import audit
from services.common.auth import Principal
from services.common.crypto import KeyDestroyed, decrypt_field
from services.common.db import transaction
from services.common.outbox import add_event
from services.common.problems import Problem

#: Fields blanked by erasure; sex, birth year, nationality, residence, region, education stay for statistics.
PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "first_name_ar",
    "last_name_ar",
    "date_of_birth",
    "city",
    "phone",
    "email",
    "national_id_enc",
    "national_id_masked",
    "national_id_hash",
    "passport_enc",
    "passport_masked",
    "passport_expiry",
    "name_dob_hash",
)


async def reveal(ctx: AppContext, actor: Principal, candidate_id: uuid.UUID, fields: set[str]) -> dict[str, str | None]:
    """ID numbers in clear for a case officer; every read writes an audit record."""
    async with transaction(ctx.sessions) as session:
        candidate = await load_candidate(session, candidate_id)
        try:
            key = await data_key(ctx, session, candidate_id)
        except KeyDestroyed:
            raise Problem(410, "erased", "Personal data erased", "this candidate's personal data was erased") from None
        clear: dict[str, str | None] = {}
        if "national_id_number" in fields and candidate.national_id_enc:
            clear["national_id_number"] = decrypt_field(
                key, str(candidate_id), "national_id", candidate.national_id_enc
            )
        if "passport_number" in fields and candidate.passport_enc:
            clear["passport_number"] = decrypt_field(key, str(candidate_id), "passport", candidate.passport_enc)
        audit.record(session, actor, "candidate.reveal", "candidate", candidate_id, {"fields": sorted(fields)})
    return clear


async def erase(ctx: AppContext, actor: Principal, candidate_id: uuid.UUID) -> datetime:
    """Destroy the candidate's key, blank personal fields, delete documents; publish candidate_erased."""
    now = datetime.now(UTC)
    async with transaction(ctx.sessions) as session:
        candidate = (
            await session.exec(select(CandidateRecord).where(CandidateRecord.id == candidate_id).with_for_update())
        ).first()
        if candidate is None:
            raise Problem(404, "not-found", "Candidate not found", f"no candidate {candidate_id}")
        if candidate.erased_at is not None:
            return candidate.erased_at
        key = await session.get(CandidateKeyRecord, candidate_id)
        if key is not None:
            key.wrapped_key, key.destroyed_at = None, now
            session.add(key)
        for name in PERSONAL_FIELDS:
            setattr(candidate, name, None)
        candidate.erased_at = now
        session.add(candidate)
        application_ids = (
            await session.exec(select(ApplicationRecord.id).where(ApplicationRecord.candidate_id == candidate_id))
        ).all()
        documents = (
            await session.exec(select(DocumentRecord).where(col(DocumentRecord.application_id).in_(application_ids)))
        ).all()
        storage_keys = [d.storage_key for d in documents if d.storage_key]
        for document in documents:
            document.filename, document.storage_key = None, None
            session.add(document)
        await session.flush()
        await add_event(
            session,
            CandidateErased(candidate_id=candidate_id, erased_at=now),
            source=SOURCE,
            aggregate_type="candidate",
            occurred_at=now,
        )
        audit.record(
            session,
            actor,
            "candidate.erase",
            "candidate",
            candidate_id,
            {"fields": list(PERSONAL_FIELDS), "documents_deleted": len(storage_keys)},
        )
    for storage_key in storage_keys:  # after commit: contents shared by another candidate are content-addressed
        await _delete_unreferenced(ctx, storage_key)
    return now


async def _delete_unreferenced(ctx: AppContext, storage_key: str) -> None:
    async with ctx.sessions() as session:
        still_used = (
            await session.exec(select(DocumentRecord.id).where(DocumentRecord.storage_key == storage_key))
        ).first()
    if still_used is None:
        await ctx.storage.delete(storage_key)
