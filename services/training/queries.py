"""Read side of the training API: cohorts and enrolments (cursor pages, trainer scope), attendance, exams."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import col, select

from services.common.auth import Principal, Role
from services.common.pages import decode_cursor, encode_cursor
from services.training.context import TrainingContext, load_cohort, load_enrolment
from services.training.handlers.attendance import period_counts
from services.training.tables import CertificateRecord, CohortRecord, EnrolmentRecord, ExamRecord


def _scoped(actor: Principal) -> str | None:
    """The provider a trainer is limited to (None: everything)."""
    return actor.provider if actor.has(Role.TRAINER) and not actor.has(Role.CASE_OFFICER) else None


@dataclass(frozen=True)
class CohortFilter:
    status: str | None = None
    provider: str | None = None
    region: str | None = None


async def list_cohorts(
    ctx: TrainingContext, actor: Principal, where: CohortFilter, limit: int, cursor: str | None
) -> tuple[list[CohortRecord], str | None]:
    """Cohorts by start date then id; a trainer sees only their provider's."""
    statement = select(CohortRecord)
    for column, value in ((CohortRecord.status, where.status), (CohortRecord.provider, where.provider),
                          (CohortRecord.region, where.region), (CohortRecord.provider, _scoped(actor))):  # fmt: skip
        if value is not None:
            statement = statement.where(col(column) == value)
    if cursor:
        starts_on, cohort_id = decode_cursor(cursor, date.fromisoformat, str)
        after = sa.tuple_(CohortRecord.starts_on, CohortRecord.id)
        statement = statement.where(after > sa.tuple_(sa.literal(starts_on), sa.literal(cohort_id)))
    statement = statement.order_by(col(CohortRecord.starts_on), col(CohortRecord.id)).limit(limit + 1)
    async with ctx.sessions.reads() as session:
        rows = list((await session.exec(statement)).all())
    page = rows[:limit]
    return page, encode_cursor(page[-1].starts_on, page[-1].id) if len(rows) > limit else None


async def get_cohort(ctx: TrainingContext, actor: Principal, cohort_id: str) -> CohortRecord:
    async with ctx.sessions.reads() as session:
        return await load_cohort(session, cohort_id, actor)


@dataclass(frozen=True)
class EnrolmentFilter:
    cohort_id: str | None = None
    status: str | None = None
    candidate_id: uuid.UUID | None = None


async def list_enrolments(
    ctx: TrainingContext, actor: Principal, where: EnrolmentFilter, limit: int, cursor: str | None
) -> tuple[list[EnrolmentRecord], str | None]:
    """Enrolments by request time then id; a trainer sees only those in their provider's cohorts."""
    statement = select(EnrolmentRecord)
    if where.cohort_id:
        statement = statement.where(col(EnrolmentRecord.cohort_id) == where.cohort_id)
    if where.status:
        statement = statement.where(col(EnrolmentRecord.status) == where.status)
    if where.candidate_id:
        statement = statement.where(col(EnrolmentRecord.candidate_id) == where.candidate_id)
    provider = _scoped(actor)
    if provider is not None:
        statement = statement.join(CohortRecord, col(CohortRecord.id) == col(EnrolmentRecord.cohort_id)).where(
            col(CohortRecord.provider) == provider
        )
    if cursor:
        requested_at, enrolment_id = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID)
        after = sa.tuple_(EnrolmentRecord.requested_at, EnrolmentRecord.id)
        statement = statement.where(after > sa.tuple_(sa.literal(requested_at), sa.literal(enrolment_id)))
    statement = statement.order_by(col(EnrolmentRecord.requested_at), col(EnrolmentRecord.id)).limit(limit + 1)
    async with ctx.sessions.reads() as session:
        rows = list((await session.exec(statement)).all())
    page = rows[:limit]
    return page, encode_cursor(page[-1].requested_at, page[-1].id) if len(rows) > limit else None


async def get_enrolment(ctx: TrainingContext, actor: Principal, enrolment_id: uuid.UUID) -> EnrolmentRecord:
    async with ctx.sessions.reads() as session:
        return await load_enrolment(session, enrolment_id, actor)


async def attendance(
    ctx: TrainingContext, actor: Principal, enrolment_id: uuid.UUID, start: date, end: date
) -> tuple[int, int]:
    async with ctx.sessions.reads() as session:
        await load_enrolment(session, enrolment_id, actor)
        return await period_counts(session, enrolment_id, start, end)


async def exams_and_certificates(
    ctx: TrainingContext, actor: Principal, enrolment_id: uuid.UUID
) -> tuple[list[ExamRecord], list[CertificateRecord]]:
    async with ctx.sessions.reads() as session:
        await load_enrolment(session, enrolment_id, actor)
        exams = select(ExamRecord).where(col(ExamRecord.enrolment_id) == enrolment_id)
        certificates = select(CertificateRecord).where(col(CertificateRecord.enrolment_id) == enrolment_id)
        found_exams = (await session.exec(exams.order_by(col(ExamRecord.sitting_on)))).all()
        found_certificates = (await session.exec(certificates.order_by(col(CertificateRecord.issued_on)))).all()
    return list(found_exams), list(found_certificates)
