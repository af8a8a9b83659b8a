"""What every use case of the applications service needs, built once at start-up, and shared loaders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import source_of
from services.applications.config import ApplicationsSettings
from services.applications.domain import CandidateErased
from services.applications.reference import ReferenceData, reference_data
from services.applications.storage import DocumentStorage, LocalFolderStorage
from services.applications.tables import ApplicationRecord, CandidateKeyRecord, CandidateRecord
from services.common.crypto import KeyWrapper, decode_key
from services.common.db import SessionFactory
from services.common.idempotency import concerns
from services.common.problems import not_found

SOURCE = source_of("applications")


@dataclass(frozen=True)
class AppContext:
    """Sessions, keys, reference data and document storage of one process."""

    sessions: SessionFactory
    settings: ApplicationsSettings
    keys: KeyWrapper
    hash_key: bytes
    reference: ReferenceData
    storage: DocumentStorage

    @classmethod
    def build(
        cls, sessions: SessionFactory, settings: ApplicationsSettings, storage: DocumentStorage | None = None
    ) -> AppContext:
        return cls(
            sessions=sessions,
            settings=settings,
            keys=KeyWrapper(decode_key(settings.master_key)),
            hash_key=decode_key(settings.hash_key),
            reference=reference_data(),
            storage=storage or LocalFolderStorage(settings.document_dir),
        )


async def load_application(
    session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False
) -> ApplicationRecord:
    """The application, locked for update when asked; NotFound if absent."""
    statement = select(ApplicationRecord).where(ApplicationRecord.id == application_id)
    if lock:
        statement = statement.with_for_update()
    record = (await session.exec(statement)).first()
    if record is None:
        raise not_found("application", application_id)
    concerns(record.candidate_id)
    return record


async def load_candidate(session: AsyncSession, candidate_id: uuid.UUID, *, writable: bool = False) -> CandidateRecord:
    """The candidate; with writable=True, CandidateErased once their personal data was erased."""
    record = await session.get(CandidateRecord, candidate_id)
    if record is None:
        raise not_found("candidate", candidate_id)
    if writable and record.erased_at is not None:
        raise CandidateErased(candidate_id)
    concerns(candidate_id)
    return record


async def writable_application(session: AsyncSession, application_id: uuid.UUID) -> ApplicationRecord:
    """The application locked for a change, refused if its candidate's data was erased."""
    application = await load_application(session, application_id, lock=True)
    await load_candidate(session, application.candidate_id, writable=True)
    return application


async def data_key(ctx: AppContext, session: AsyncSession, candidate_id: uuid.UUID) -> bytes:
    """The candidate's data key (KeyDestroyed after erasure)."""
    row = await session.get(CandidateKeyRecord, candidate_id)
    return ctx.keys.unwrap(row.wrapped_key if row else None, str(candidate_id))
