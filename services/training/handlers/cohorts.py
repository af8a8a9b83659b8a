"""Plan, change and move cohorts; fill their free places from the waiting list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.training import CefrLevel, CohortStatus, CohortStatusChanged, Enrolled
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.outbox import add_event
from services.common.problems import invalid
from services.training import domain
from services.training.commands import ChangeCohort, MoveCohort, PlanCohort
from services.training.context import SOURCE, TrainingContext, load_cohort
from services.training.domain import EnrolmentStatus
from services.training.tables import CohortRecord, EnrolmentRecord


def _cohort_id(command: PlanCohort, site_city: str) -> str:
    """`C-<yyyy-mm>-<CITY>-<4 hex>`, in ASCII capitals (Fès gives FES)."""
    import unicodedata
    import uuid

    city = "".join(c for c in unicodedata.normalize("NFKD", site_city.upper()) if "A" <= c <= "Z")[:10] or "SITE"
    return f"C-{command.starts_on:%Y-%m}-{city}-{uuid.uuid4().hex[:4].upper()}"


async def plan_cohort(ctx: TrainingContext, actor: Principal, command: PlanCohort) -> CohortRecord:
    """A planned cohort at a provider's site; waiting candidates of its region (and the nearest) fill it."""
    site = ctx.reference.sites.get(command.site)
    if site is None:
        raise invalid("#/site", f"unknown site {command.site!r}")
    async with transaction(ctx.sessions) as session:
        cohort = CohortRecord(
            id=_cohort_id(command, site.city), provider=site.provider, site=site.code, city=site.city,
            region=site.region, starts_on=command.starts_on, ends_on=command.starts_on + timedelta(weeks=command.weeks),
            hours_per_week=command.hours_per_week, total_hours=command.total_hours, capacity=command.capacity,
            target_level=command.target_level.value, trainers=list(command.trainers), status=CohortStatus.PLANNED.value,
        )  # fmt: skip
        session.add(cohort)
        await session.flush()
        await _announce(session, cohort)
        await fill_from_waiting_list(ctx, session, cohort)
        audit.record(session, actor, "cohort.plan", "cohort", cohort.id, {"capacity": cohort.capacity})
    return cohort


async def change_cohort(ctx: TrainingContext, actor: Principal, command: ChangeCohort) -> CohortRecord:
    """Capacity, trainers or end date; more places fill from the waiting list."""
    async with transaction(ctx.sessions) as session:
        cohort = await load_cohort(session, command.cohort_id, actor, lock=True)
        enrolled = await _enrolled(session, cohort.id)
        if command.capacity is not None and command.capacity < enrolled:
            raise domain.CohortFull(
                f"{enrolled} candidates are enrolled; the capacity cannot be lower", enrolled=enrolled
            )
        cohort.capacity = command.capacity or cohort.capacity
        cohort.trainers = list(command.trainers) if command.trainers is not None else cohort.trainers
        if command.weeks is not None:
            cohort.ends_on = cohort.starts_on + timedelta(weeks=command.weeks)
        session.add(cohort)
        await fill_from_waiting_list(ctx, session, cohort)
        changes = {"capacity": cohort.capacity, "trainers": len(cohort.trainers)}
        audit.record(session, actor, "cohort.change", "cohort", cohort.id, changes)
    return cohort


async def move_cohort(ctx: TrainingContext, actor: Principal, command: MoveCohort) -> CohortRecord:
    """Start, end or cancel; a cancelled cohort's candidates go back to the waiting list."""
    async with transaction(ctx.sessions) as session:
        cohort = await load_cohort(session, command.cohort_id, actor, lock=True)
        before = cohort.status
        if before == command.status.value:
            return cohort  # already done: the same answer
        cohort.status = domain.move_cohort(CohortStatus(before), command.status).value
        session.add(cohort)
        if command.status is CohortStatus.CANCELLED:
            await session.exec(
                sa.update(EnrolmentRecord)
                .where(
                    col(EnrolmentRecord.cohort_id) == cohort.id, col(EnrolmentRecord.status) == EnrolmentStatus.ENROLLED
                )
                .values(cohort_id=None, status=EnrolmentStatus.WAITING.value, enrolled_at=None)
            )
        await _announce(session, cohort)
        audit.record(session, actor, "cohort.move", "cohort", cohort.id, {"status": [before, cohort.status]})
    return cohort


async def _announce(session: AsyncSession, cohort: CohortRecord) -> None:
    event = CohortStatusChanged(
        cohort_id=cohort.id, provider=cohort.provider, region=cohort.region, status=CohortStatus(cohort.status),
        starts_on=cohort.starts_on, ends_on=cohort.ends_on, capacity=cohort.capacity,
    )  # fmt: skip
    await add_event(session, event, source=SOURCE, aggregate_type="cohort")


async def _enrolled(session: AsyncSession, cohort_id: str) -> int:
    statement = select(sa.func.count()).where(
        col(EnrolmentRecord.cohort_id) == cohort_id, col(EnrolmentRecord.status) == EnrolmentStatus.ENROLLED
    )
    return int((await session.exec(statement)).one())


async def seats(session: AsyncSession, level: str) -> list[domain.CohortSeat]:
    """Cohorts open to enrolment at the level, with their free places."""
    taken = (
        select(EnrolmentRecord.cohort_id, sa.func.count().label("n"))
        .where(col(EnrolmentRecord.status) == EnrolmentStatus.ENROLLED)
        .group_by(col(EnrolmentRecord.cohort_id))
        .subquery()
    )
    statement = (
        select(CohortRecord, sa.func.coalesce(taken.c.n, 0))
        .outerjoin(taken, taken.c.cohort_id == CohortRecord.id)
        .where(col(CohortRecord.status) == CohortStatus.PLANNED, col(CohortRecord.target_level) == level)
    )
    return [
        domain.CohortSeat(c.id, c.region, c.starts_on, c.capacity - int(n), CefrLevel(c.target_level))
        for c, n in (await session.exec(statement)).all()
    ]


async def place(
    ctx: TrainingContext, session: AsyncSession, enrolment: EnrolmentRecord, options: list[domain.CohortSeat]
) -> CohortRecord | None:
    """Put the enrolment into the best cohort among the options (publishing `enrolled`), or leave it waiting."""
    today = datetime.now(UTC).date()
    seat = domain.choose_cohort(
        options, enrolment.region, CefrLevel(enrolment.target_level), ctx.reference.region_centres, today
    )
    if seat is None:
        return None
    cohort = await session.get(CohortRecord, seat.cohort_id)
    assert cohort is not None
    enrolment.cohort_id, enrolment.status = cohort.id, EnrolmentStatus.ENROLLED.value
    enrolment.enrolled_at = datetime.now(UTC)
    session.add(enrolment)
    event = Enrolled(
        candidate_id=enrolment.candidate_id, cohort_id=cohort.id, enrolment_id=enrolment.id,
        provider=cohort.provider, starts_on=cohort.starts_on, target_level=CefrLevel(cohort.target_level),
    )  # fmt: skip
    await add_event(session, event, source=SOURCE, aggregate_type="enrolment")
    return cohort


async def fill_from_waiting_list(ctx: TrainingContext, session: AsyncSession, cohort: CohortRecord) -> int:
    """Enrol waiting candidates (oldest first, nearest region first) while the cohort has free places."""
    free = cohort.capacity - await _enrolled(session, cohort.id)
    if free <= 0 or cohort.status != CohortStatus.PLANNED:
        return 0
    waiting = (
        await session.exec(
            select(EnrolmentRecord)
            .where(
                col(EnrolmentRecord.status) == EnrolmentStatus.WAITING,
                col(EnrolmentRecord.target_level) == cohort.target_level,
            )
            .order_by(col(EnrolmentRecord.requested_at))
            .with_for_update(skip_locked=True)
        )
    ).all()
    centres = ctx.reference.region_centres
    home = centres.get(cohort.region, (0.0, 0.0))
    ranked = sorted(waiting, key=lambda e: domain.distance_km(home, centres.get(e.region, home)))
    placed = 0
    for enrolment in ranked[:free]:
        seat = domain.CohortSeat(
            cohort.id, cohort.region, cohort.starts_on, free - placed, CefrLevel(cohort.target_level)
        )
        if await place(ctx, session, enrolment, [seat]) is not None:
            placed += 1
    return placed
