"""Sessions with presence per candidate; attendance per period and the programme threshold."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.training import AttendanceBelowThreshold, AttendanceRecorded
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.outbox import add_event
from services.training import domain
from services.training.commands import RecordSession
from services.training.context import SOURCE, TrainingContext, load_cohort
from services.training.domain import EnrolmentStatus
from services.training.tables import AttendanceRecord, EnrolmentRecord, SessionRecord


async def record_session(ctx: TrainingContext, actor: Principal, command: RecordSession) -> tuple[SessionRecord, bool]:
    """A session and who attended; publishes each candidate's rate over the period. Returns (session, created).

    A session already recorded for the same day and start time is updated instead: the presence of the
    candidates listed is set, the others keep theirs (a trainer correcting a register).
    """
    async with transaction(ctx.sessions) as session:
        cohort = await load_cohort(session, command.cohort_id, actor)
        enrolled = {
            e.id: e
            for e in (
                await session.exec(
                    select(EnrolmentRecord).where(
                        col(EnrolmentRecord.cohort_id) == cohort.id,
                        col(EnrolmentRecord.status) == EnrolmentStatus.ENROLLED,
                    )
                )
            ).all()
        }
        listed = [p.enrolment_id for p in command.attendance]
        if len(set(listed)) != len(listed) or set(listed) - set(enrolled):
            raise domain.NotInCohort(
                "list each candidate enrolled in this cohort once, and no one else", enrolled=sorted(map(str, enrolled))
            )
        record = (
            await session.exec(
                select(SessionRecord)
                .where(col(SessionRecord.cohort_id) == cohort.id, col(SessionRecord.held_on) == command.held_on)
                .where(col(SessionRecord.starts_at) == command.starts_at)
                .with_for_update()
            )
        ).first()
        created = record is None
        if record is None:
            record = SessionRecord(
                cohort_id=cohort.id, held_on=command.held_on, starts_at=command.starts_at, hours=command.hours,
                recorded_by=actor.subject,
            )  # fmt: skip
            session.add(record)
            await session.flush()
        present = {p.enrolment_id: p.present for p in command.attendance}
        rows = [{"session_id": record.id, "enrolment_id": e, "present": present.get(e, False)} for e in enrolled]
        if not created:  # only the candidates listed change
            rows = [r for r in rows if r["enrolment_id"] in present]
        if rows:
            insert = postgresql.insert(AttendanceRecord).values(rows)
            upsert = insert.on_conflict_do_update(
                index_elements=["session_id", "enrolment_id"], set_={"present": insert.excluded.present}
            )
            await session.exec(upsert)
        for enrolment in enrolled.values():
            await _publish_rate(ctx, session, enrolment, command)
        changes = {"session": str(record.id), "present": sum(present.values()), "created": created}
        audit.record(session, actor, "session.record", "cohort", cohort.id, changes)
    return record, created


async def period_counts(session: AsyncSession, enrolment_id: object, start: object, end: object) -> tuple[int, int]:
    """(sessions held, sessions attended) for the enrolment between two dates, inclusive."""
    statement = (
        select(sa.func.count(), sa.func.count().filter(col(AttendanceRecord.present)))
        .select_from(AttendanceRecord)
        .join(SessionRecord, col(SessionRecord.id) == col(AttendanceRecord.session_id))
        .where(col(AttendanceRecord.enrolment_id) == enrolment_id)
        .where(col(SessionRecord.held_on) >= start, col(SessionRecord.held_on) <= end)
    )
    held, attended = (await session.exec(statement)).one()
    return int(held), int(attended)


async def _publish_rate(
    ctx: TrainingContext, session: AsyncSession, enrolment: EnrolmentRecord, command: RecordSession
) -> None:
    start = command.held_on - timedelta(days=ctx.reference.attendance_period_days - 1)
    held, attended = await period_counts(session, enrolment.id, start, command.held_on)
    rate = domain.attendance_rate(attended, held)
    common = {"candidate_id": enrolment.candidate_id, "cohort_id": command.cohort_id}
    recorded = AttendanceRecorded(
        **common, enrolment_id=enrolment.id, period_start=start, period_end=command.held_on, sessions_held=held,
        sessions_attended=attended, attendance_rate=rate,
    )  # fmt: skip
    await add_event(session, recorded, source=SOURCE, aggregate_type="enrolment")
    threshold = ctx.reference.attendance_threshold
    was_present = next((p.present for p in command.attendance if p.enrolment_id == enrolment.id), False)
    before = domain.below_threshold(attended - int(was_present), held - 1, threshold)
    if domain.below_threshold(attended, held, threshold) and not before:  # it fell under the threshold now
        low = AttendanceBelowThreshold(**common, attendance_rate=rate, threshold=threshold, period_end=command.held_on)
        await add_event(session, low, source=SOURCE, aggregate_type="enrolment")
