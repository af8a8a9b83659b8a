"""Read side of the monitoring API: casework lists (cursor pages with filters) and the read models."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from services.common.pages import keyset_page
from services.common.problems import not_found
from services.monitoring.context import MonitoringContext, load_case, today
from services.monitoring.domain import AlertStatus, GrievanceStatus, TaskStatus
from services.monitoring.indicators import worker_costs
from services.monitoring.tables import (
    AlertRecord,
    CheckinRecord,
    CustodyRecord,
    ExamStatsRecord,
    FollowUpCaseRecord,
    FollowUpTaskRecord,
    GrievanceRecord,
    LedgerLineRecord,
    PersonStatsRecord,
)


def _where(statement: Any, pairs: tuple[tuple[Any, Any], ...]) -> Any:
    for column, value in pairs:
        if value is not None:
            statement = statement.where(col(column) == value)
    return statement


async def list_cases(
    ctx: MonitoringContext, status: str | None, employer_id: uuid.UUID | None, risk: str | None, limit: int,
    cursor: str | None,
) -> tuple[list[FollowUpCaseRecord], str | None]:  # fmt: skip
    statement = _where(
        select(FollowUpCaseRecord),
        (
            (FollowUpCaseRecord.status, status),
            (FollowUpCaseRecord.employer_id, employer_id),
            (FollowUpCaseRecord.risk_level, risk),
        ),
    )
    return await keyset_page(ctx.sessions, statement, col(FollowUpCaseRecord.created_at),
                             col(FollowUpCaseRecord.candidate_id), limit, cursor)  # fmt: skip


async def get_case(ctx: MonitoringContext, candidate_id: uuid.UUID) -> FollowUpCaseRecord:
    async with ctx.sessions.reads() as session:
        return await load_case(session, candidate_id)


@dataclass(frozen=True)
class TaskFilter:
    status: str | None = None
    candidate_id: uuid.UUID | None = None
    task: str | None = None
    due_before: date | None = None


async def list_tasks(
    ctx: MonitoringContext, where: TaskFilter, limit: int, cursor: str | None
) -> tuple[list[FollowUpTaskRecord], str | None]:
    """Tasks by due day (soonest first)."""
    statement = _where(
        select(FollowUpTaskRecord),
        (
            (FollowUpTaskRecord.status, where.status),
            (FollowUpTaskRecord.candidate_id, where.candidate_id),
            (FollowUpTaskRecord.task, where.task),
        ),
    )
    if where.due_before is not None:
        statement = statement.where(col(FollowUpTaskRecord.due_on) <= where.due_before)
    return await keyset_page(ctx.sessions, statement, col(FollowUpTaskRecord.due_on), col(FollowUpTaskRecord.id),
                             limit, cursor, parse=date.fromisoformat)  # fmt: skip


async def checkins(ctx: MonitoringContext, candidate_id: uuid.UUID) -> list[CheckinRecord]:
    async with ctx.sessions.reads() as session:
        await load_case(session, candidate_id)
        statement = select(CheckinRecord).where(col(CheckinRecord.candidate_id) == candidate_id)
        return list((await session.exec(statement.order_by(col(CheckinRecord.held_on), col(CheckinRecord.id)))).all())


async def list_costs(
    ctx: MonitoringContext, candidate_id: uuid.UUID | None, payer: str | None, limit: int, cursor: str | None
) -> tuple[list[LedgerLineRecord], str | None, int]:
    """Cost lines by day; with a candidate also their worker-paid total less reimbursements."""
    statement = _where(select(LedgerLineRecord), ((LedgerLineRecord.candidate_id, candidate_id),
                                                 (LedgerLineRecord.payer, payer)))  # fmt: skip
    items, next_cursor = await keyset_page(
        ctx.sessions, statement, col(LedgerLineRecord.incurred_on), col(LedgerLineRecord.id), limit, cursor,
        parse=date.fromisoformat,
    )  # fmt: skip
    worker = 0
    if candidate_id is not None:
        async with ctx.sessions.reads() as session:
            lines = (
                await session.exec(select(LedgerLineRecord).where(col(LedgerLineRecord.candidate_id) == candidate_id))
            ).all()
        worker = worker_costs(lines).get(candidate_id, 0)
    return items, next_cursor, worker


async def list_alerts(
    ctx: MonitoringContext, status: AlertStatus | None, rule: str | None, candidate_id: uuid.UUID | None, limit: int,
    cursor: str | None,
) -> tuple[list[AlertRecord], str | None]:  # fmt: skip
    statement = _where(select(AlertRecord), ((AlertRecord.status, status), (AlertRecord.rule, rule),
                                              (AlertRecord.candidate_id, candidate_id)))  # fmt: skip
    return await keyset_page(ctx.sessions, statement, col(AlertRecord.raised_on), col(AlertRecord.id), limit, cursor,
                             parse=date.fromisoformat)  # fmt: skip


async def custody(ctx: MonitoringContext, candidate_id: uuid.UUID) -> list[CustodyRecord]:
    async with ctx.sessions.reads() as session:
        await load_case(session, candidate_id)
        statement = select(CustodyRecord).where(col(CustodyRecord.candidate_id) == candidate_id)
        return list(
            (
                await session.exec(statement.order_by(col(CustodyRecord.recorded_on), col(CustodyRecord.created_at)))
            ).all()
        )


async def list_grievances(
    ctx: MonitoringContext, status: GrievanceStatus | None, candidate_id: uuid.UUID | None, overdue: bool | None,
    limit: int, cursor: str | None,
) -> tuple[list[GrievanceRecord], str | None]:  # fmt: skip
    statement = _where(select(GrievanceRecord), ((GrievanceRecord.status, status),
                                                  (GrievanceRecord.candidate_id, candidate_id)))  # fmt: skip
    if overdue is True:
        statement = statement.where(col(GrievanceRecord.status) != GrievanceStatus.RESOLVED,
                                    col(GrievanceRecord.resolve_by) < today())  # fmt: skip
    return await keyset_page(ctx.sessions, statement, col(GrievanceRecord.opened_on), col(GrievanceRecord.id), limit,
                             cursor, parse=date.fromisoformat)  # fmt: skip


async def get_grievance(ctx: MonitoringContext, grievance_id: uuid.UUID) -> GrievanceRecord:
    async with ctx.sessions.reads() as session:
        g: GrievanceRecord | None = await session.get(GrievanceRecord, grievance_id)
    if g is None:
        raise not_found("grievance", grievance_id)
    return g


@dataclass(frozen=True)
class ReadModels:
    people: list[PersonStatsRecord]
    exams: list[ExamStatsRecord]
    lines: list[LedgerLineRecord]


async def read_models(ctx: MonitoringContext) -> ReadModels:
    """Everything the indicators read, in one snapshot (one repeatable-read transaction)."""
    async with ctx.sessions.reads() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        people = list((await session.exec(select(PersonStatsRecord))).all())
        exams = list((await session.exec(select(ExamStatsRecord))).all())
        lines = list((await session.exec(select(LedgerLineRecord))).all())
    return ReadModels(people, exams, lines)


async def alert_summary(ctx: MonitoringContext) -> dict[str, int]:
    """Counts for the dashboard: open fair-recruitment alerts, placements at risk, open and overdue grievances."""
    async with ctx.sessions.reads() as session:

        async def count(statement: Any) -> int:
            return int((await session.exec(statement)).one())

        return {
            "fair_recruitment_alerts_open": await count(select(sa.func.count()).select_from(AlertRecord).where(
                col(AlertRecord.status) == AlertStatus.OPEN)),
            "placements_at_risk": await count(select(sa.func.count()).select_from(FollowUpCaseRecord).where(
                col(FollowUpCaseRecord.risk_level) != "low")),
            "grievances_open": await count(select(sa.func.count()).select_from(GrievanceRecord).where(
                col(GrievanceRecord.status) != GrievanceStatus.RESOLVED)),
            "grievances_overdue": await count(select(sa.func.count()).select_from(GrievanceRecord).where(
                col(GrievanceRecord.status) != GrievanceStatus.RESOLVED, col(GrievanceRecord.resolve_by) < today())),
            "tasks_overdue": await count(select(sa.func.count()).select_from(FollowUpTaskRecord).where(
                col(FollowUpTaskRecord.status) == TaskStatus.OPEN, col(FollowUpTaskRecord.due_on) < today())),
        }  # fmt: skip
