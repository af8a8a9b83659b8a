"""Grievances (FR-07): a free channel in Arabic, French or German, with deadlines and escalation.

The apprentice's account is kept here for officers; events carry the status and the category only.
An open grievance not acknowledged in time escalates by itself (`escalate_overdue`, run by the API hourly).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select

from contracts.monitoring import GrievanceUpdated
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.idempotency import concerns
from services.common.problems import invalid, not_found
from services.monitoring import domain
from services.monitoring.commands import MoveGrievance, OpenGrievance
from services.monitoring.context import MonitoringContext, publish, today
from services.monitoring.domain import GrievanceStatus
from services.monitoring.handlers.followup import add_task
from services.monitoring.tables import GrievanceRecord

log = logging.getLogger("thamm.monitoring.grievances")


def _event(g: GrievanceRecord, on: date) -> GrievanceUpdated:
    """The change on the day it happened (the day the officer entered, not the day it was processed)."""
    return GrievanceUpdated(candidate_id=g.candidate_id, grievance_id=g.id, status=g.status, category=g.category,
                            changed_on=on, acknowledge_by=g.acknowledge_by)  # fmt: skip


async def open_grievance(ctx: MonitoringContext, actor: Principal, command: OpenGrievance) -> GrievanceRecord:
    ref = ctx.reference
    if command.opened_on > today():
        raise invalid("#/opened_on", "a grievance is opened on or before today")
    async with transaction(ctx.sessions) as session:
        concerns(command.candidate_id)  # the channel is open at every stage, not only once the follow-up began
        g = GrievanceRecord(
            candidate_id=command.candidate_id, category=command.category, language=command.language,
            summary=command.summary, status=GrievanceStatus.OPEN, opened_on=command.opened_on,
            acknowledge_by=command.opened_on + timedelta(days=ref.acknowledge_within_days),
            resolve_by=command.opened_on + timedelta(days=ref.resolve_within_days), opened_by=actor.subject,
        )  # fmt: skip
        session.add(g)
        add_task(session, g.candidate_id, "grievance_acknowledgement", g.acknowledge_by, None, "grievance")
        await publish(session, _event(g, g.opened_on), "grievance")
        audit.record(session, actor, "grievance.open", "grievance", g.id, {"category": g.category})
    return g


async def move_grievance(ctx: MonitoringContext, actor: Principal, command: MoveGrievance) -> GrievanceRecord:
    """Acknowledge, escalate or resolve; the same move again answers the grievance unchanged."""
    target = GrievanceStatus(command.status)
    async with transaction(ctx.sessions) as session:
        g = await session.get(GrievanceRecord, command.grievance_id, with_for_update=True)
        if g is None:
            raise not_found("grievance", command.grievance_id)
        concerns(g.candidate_id)
        if g.status == target:
            return g
        domain.ensure_grievance_move(g.status, target)
        if command.on < g.opened_on or command.on > today():
            raise invalid("#/on", f"between the opening ({g.opened_on}) and today")
        if target is GrievanceStatus.RESOLVED and not command.resolution_code:
            raise invalid("#/resolution_code", "a resolution needs its code")
        _apply(g, target, command.on, command.resolution_code)
        session.add(g)
        await publish(session, _event(g, command.on), "grievance")
        audit.record(session, actor, f"grievance.{target}", "grievance", g.id, {"status": target.value})
    return g


def _apply(g: GrievanceRecord, target: GrievanceStatus, on: Any, resolution: str | None) -> None:
    g.status = target
    if target is GrievanceStatus.ACKNOWLEDGED:
        g.acknowledged_on = on
    elif target is GrievanceStatus.ESCALATED:
        g.escalated_on = on
    else:
        g.resolved_on, g.resolution_code = on, resolution


async def escalate_overdue(ctx: MonitoringContext) -> int:
    """Escalate every open grievance past its acknowledgement deadline; returns how many."""
    system = Principal(subject="system:grievance-deadlines", issuer="thamm-monitoring", roles=frozenset())
    async with transaction(ctx.sessions) as session:
        statement = select(GrievanceRecord).where(
            col(GrievanceRecord.status) == GrievanceStatus.OPEN, col(GrievanceRecord.acknowledge_by) < today()
        )
        overdue = list((await session.exec(statement.with_for_update(skip_locked=True))).all())
        for g in overdue:
            _apply(g, GrievanceStatus.ESCALATED, today(), None)
            session.add(g)
            await publish(session, _event(g, today()), "grievance")
            audit.record(session, system, "grievance.escalated", "grievance", g.id, {"reason": "ACK_OVERDUE"})
    return len(overdue)


async def grievance_deadlines(app: Any, every_s: float = 3600) -> None:
    """Background job of the API: escalate overdue grievances now and then every hour."""
    while True:
        try:
            count = await escalate_overdue(app.state.ctx)
            if count:
                log.info("escalated %d overdue grievance(s)", count)
        except Exception as exc:  # the database may be away for a moment; try again next time
            log.warning("grievance deadlines: %s", type(exc).__name__)
        await asyncio.sleep(every_s)
