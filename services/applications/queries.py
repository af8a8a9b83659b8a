"""Read side of the applications API: one application, filtered pages with cursors, history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel import col, or_, select

from services.applications import domain
from services.applications.context import AppContext, load_application
from services.applications.tables import ApplicationRecord, AuditRecord, CandidateRecord, ConsentRecord, DocumentRecord
from services.common.pages import decode_cursor, encode_cursor
from services.common.problems import not_found


class SortKey(StrEnum):
    CREATED = "created_at"
    SUBMITTED = "submitted_at"


@dataclass(frozen=True)
class ApplicationFilter:
    status: str | None = None
    region: str | None = None
    occupation: str | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None


async def list_applications(
    ctx: AppContext, where: ApplicationFilter, *, sort: SortKey, descending: bool, limit: int, cursor: str | None
) -> tuple[list[ApplicationRecord], str | None]:
    """A page in a stable order (sort key, then id); the cursor points after the last item."""
    sort_col = col(getattr(ApplicationRecord, sort.value))
    statement = select(ApplicationRecord)
    if where.status:
        statement = statement.where(ApplicationRecord.status == where.status)
    if where.region:
        statement = statement.where(ApplicationRecord.region == where.region)
    if where.occupation:
        statement = statement.where(col(ApplicationRecord.occupation_codes).contains([where.occupation]))
    if where.submitted_from:
        statement = statement.where(col(ApplicationRecord.submitted_at) >= where.submitted_from)
    if where.submitted_to:
        statement = statement.where(col(ApplicationRecord.submitted_at) < where.submitted_to)
    if sort is SortKey.SUBMITTED:
        statement = statement.where(col(ApplicationRecord.submitted_at).is_not(None))
    if cursor:
        value, last_id = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID)
        after = sa.tuple_(sort_col, ApplicationRecord.id)
        bound = sa.tuple_(sa.literal(value), sa.literal(last_id))
        statement = statement.where(after < bound if descending else after > bound)
    order = (sort_col.desc(), col(ApplicationRecord.id).desc()) if descending else (sort_col, col(ApplicationRecord.id))
    statement = statement.order_by(*order).limit(limit + 1)
    async with ctx.sessions.reads() as session:
        rows = list((await session.exec(statement)).all())
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(getattr(page[-1], sort.value), page[-1].id) if more and page else None
    return page, next_cursor


def _consents_of(candidate_id: Any) -> Any:
    """The latest consent per purpose as a JSON object, in the same statement.

    The inner select is correlated to the outer query's candidate explicitly: as a derived table it would
    otherwise list `candidate` in its own FROM and take the latest consents of every candidate at once.
    """
    latest = (
        select(ConsentRecord.purpose, ConsentRecord.granted)
        .where(ConsentRecord.candidate_id == candidate_id)
        .ext(distinct_on(col(ConsentRecord.purpose)))
        .order_by(col(ConsentRecord.purpose), col(ConsentRecord.recorded_at).desc(), col(ConsentRecord.id).desc())
        .correlate(CandidateRecord)
        .subquery()
    )
    return sa.select(
        sa.func.coalesce(sa.func.jsonb_object_agg(latest.c.purpose, latest.c.granted), sa.text("'{}'::jsonb"))
    ).scalar_subquery()


#: Built once: SQLAlchemy keeps a statement's cache key on the object, so a statement made anew for every
#: request cost its construction and a walk of its whole tree each time (a fifth of a GET's CPU).
_APPLICATION = (
    select(ApplicationRecord, CandidateRecord, _consents_of(CandidateRecord.id))
    .join(CandidateRecord, col(CandidateRecord.id) == col(ApplicationRecord.candidate_id))
    .where(col(ApplicationRecord.id) == sa.bindparam("application_id"))
)


async def get_application(
    ctx: AppContext, application_id: uuid.UUID
) -> tuple[ApplicationRecord, CandidateRecord, dict[str, bool]]:
    """The application, its candidate and their latest consents, in one statement."""
    async with ctx.sessions.reads() as session:
        row = (await session.exec(_APPLICATION, params={"application_id": application_id})).first()
    if row is None:
        raise not_found("application", application_id)
    application, candidate, consents = row
    return application, candidate, dict(consents or {})


async def list_documents(
    ctx: AppContext, application_id: uuid.UUID
) -> tuple[list[DocumentRecord], list[domain.ChecklistItem]]:
    """Documents on file and the pre-selection checklist they make."""
    async with ctx.sessions.reads() as session:
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
        ctx.reference.preselection_checklist, [(d.document_type, domain.DocumentStatus(d.status)) for d in docs]
    )
    return docs, items


async def history(ctx: AppContext, application_id: uuid.UUID) -> list[AuditRecord]:
    """Audit records of the application and of its candidate, oldest first."""
    async with ctx.sessions.reads() as session:
        application = await load_application(session, application_id)
        rows = (
            await session.exec(
                select(AuditRecord)
                .where(
                    or_(
                        (col(AuditRecord.resource_type) == "application")
                        & (col(AuditRecord.resource_id) == str(application_id)),
                        (col(AuditRecord.resource_type) == "candidate")
                        & (col(AuditRecord.resource_id) == str(application.candidate_id)),
                    )
                )
                .order_by(col(AuditRecord.occurred_at), col(AuditRecord.id))
            )
        ).all()
    return list(rows)
