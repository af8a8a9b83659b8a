"""Read side of the visa API: cases (cursor pages with filters), the checklist, approvals, costs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import col, select

from services.common.pages import keyset_page
from services.visa import domain
from services.visa.context import VisaContext, load_case
from services.visa.handlers.cases import items_of
from services.visa.tables import CostLineRecord, LabourApprovalRecord, VisaCaseRecord


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    candidate_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    accelerated: bool | None = None


async def list_cases(
    ctx: VisaContext, where: CaseFilter, limit: int, cursor: str | None
) -> tuple[list[VisaCaseRecord], str | None]:
    """Cases oldest first (by creation, then id)."""
    statement = select(VisaCaseRecord)
    for column, value in ((VisaCaseRecord.status, where.status), (VisaCaseRecord.candidate_id, where.candidate_id),
                          (VisaCaseRecord.employer_id, where.employer_id),
                          (VisaCaseRecord.accelerated, where.accelerated)):  # fmt: skip
        if value is not None:
            statement = statement.where(col(column) == value)
    return await keyset_page(
        ctx.sessions, statement, col(VisaCaseRecord.created_at), col(VisaCaseRecord.id), limit, cursor
    )


async def get_case(ctx: VisaContext, case_id: uuid.UUID) -> VisaCaseRecord:
    async with ctx.sessions.reads() as session:
        return await load_case(session, case_id)


async def checklist(ctx: VisaContext, case_id: uuid.UUID) -> tuple[list[dict[str, object]], list[str]]:
    labels = {c.code: c.label for c in ctx.reference.checklist}
    async with ctx.sessions.reads() as session:
        await load_case(session, case_id)
        items = await items_of(session, case_id)
    rows = [{**i.model_dump(), "label": labels.get(i.code, i.code)} for i in items]
    return rows, domain.missing_items((i.code, i.status, i.required) for i in items)


async def approvals(ctx: VisaContext, case_id: uuid.UUID) -> list[LabourApprovalRecord]:
    async with ctx.sessions.reads() as session:
        await load_case(session, case_id)
        statement = select(LabourApprovalRecord).where(col(LabourApprovalRecord.visa_case_id) == case_id)
        return list((await session.exec(statement.order_by(col(LabourApprovalRecord.attempt)))).all())


async def costs(ctx: VisaContext, case_id: uuid.UUID) -> list[CostLineRecord]:
    async with ctx.sessions.reads() as session:
        await load_case(session, case_id)
        statement = select(CostLineRecord).where(col(CostLineRecord.visa_case_id) == case_id)
        return list(
            (await session.exec(statement.order_by(col(CostLineRecord.incurred_on), col(CostLineRecord.id)))).all()
        )
