"""Enrol (the journey's call), cancel, record a dropout, the intercultural module and a level reached in class."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select

from contracts.training import (
    CefrLevel,
    EnrolmentCancelled,
    EnrolmentWaitlisted,
    InterculturalModuleCompleted,
    LevelReached,
    TrainingDroppedOut,
)
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.idempotency import concerns
from services.common.outbox import add_event
from services.common.problems import invalid
from services.training import domain
from services.training.commands import (
    CancelEnrolment,
    EnrolCandidate,
    RecordDropout,
    RecordInterculturalModule,
    RecordLevel,
)
from services.training.context import SOURCE, TrainingContext, load_enrolment
from services.training.domain import ACTIVE, EnrolmentStatus
from services.training.handlers.cohorts import place, seats
from services.training.tables import EnrolmentRecord


async def enrol_candidate(
    ctx: TrainingContext, actor: Principal, command: EnrolCandidate
) -> tuple[EnrolmentRecord, bool]:
    """Enrol in the best cohort with a free place, else wait; an active enrolment is returned as it is.

    Returns the enrolment and whether this call created it (a repeat is not an error: the journey retries).
    """
    concerns(command.candidate_id)
    async with transaction(ctx.sessions) as session:
        active = (
            await session.exec(
                select(EnrolmentRecord)
                .where(col(EnrolmentRecord.candidate_id) == command.candidate_id)
                .where(col(EnrolmentRecord.status).in_([s.value for s in ACTIVE]))
                .with_for_update()
            )
        ).first()
        if active is not None:
            return active, False
        enrolment = EnrolmentRecord(
            candidate_id=command.candidate_id, status=EnrolmentStatus.WAITING.value,
            occupation_code=command.occupation_code, region=command.region,
            consulate=command.consulate or ctx.reference.default_consulate, target_level=command.target_level.value,
        )  # fmt: skip
        session.add(enrolment)
        await session.flush()
        if await place(ctx, session, enrolment, await seats(session, enrolment.target_level)) is None:
            event = EnrolmentWaitlisted(
                candidate_id=enrolment.candidate_id, enrolment_id=enrolment.id, region=enrolment.region,
                target_level=CefrLevel(enrolment.target_level), waitlisted_on=datetime.now(UTC).date(),
            )  # fmt: skip
            await add_event(session, event, source=SOURCE, aggregate_type="enrolment")
        audit.record(session, actor, "enrolment.create", "enrolment", enrolment.id, {"status": enrolment.status})
    return enrolment, True


async def _end(
    ctx: TrainingContext, actor: Principal, enrolment_id: object, status: EnrolmentStatus, reason: str, on: object
) -> tuple[EnrolmentRecord, bool]:
    """End an active enrolment with a status and reason; an ended one is returned unchanged (False)."""
    async with transaction(ctx.sessions) as session:
        enrolment = await load_enrolment(session, enrolment_id, actor, lock=True)  # type: ignore[arg-type]
        if EnrolmentStatus(enrolment.status) not in ACTIVE:
            return enrolment, False
        before, enrolment.status = enrolment.status, status.value
        enrolment.ended_on, enrolment.end_reason_code = on, reason  # type: ignore[assignment]
        session.add(enrolment)
        if status is EnrolmentStatus.CANCELLED:
            event: EnrolmentCancelled | TrainingDroppedOut = EnrolmentCancelled(
                candidate_id=enrolment.candidate_id, enrolment_id=enrolment.id, cohort_id=enrolment.cohort_id,
                cancelled_on=on, reason_code=reason,
            )  # fmt: skip
        else:
            if enrolment.cohort_id is None:
                raise domain.NotEnrolled("a waiting candidate has no course to drop out of; cancel the enrolment")
            event = TrainingDroppedOut(
                candidate_id=enrolment.candidate_id, cohort_id=enrolment.cohort_id, dropped_on=on, reason_code=reason
            )
        await add_event(session, event, source=SOURCE, aggregate_type="enrolment")
        changes = {"status": [before, enrolment.status], "reason_code": reason}
        audit.record(session, actor, f"enrolment.{status.value}", "enrolment", enrolment.id, changes)
    return enrolment, True


async def cancel_enrolment(
    ctx: TrainingContext, actor: Principal, command: CancelEnrolment
) -> tuple[EnrolmentRecord, bool]:
    """Compensation when the candidate leaves the programme; repeating it is a 2xx with cancelled=False."""
    if command.reason_code not in ctx.reference.cancel_reasons:
        raise invalid("#/reason_code", f"one of {', '.join(ctx.reference.cancel_reasons)}")
    today = datetime.now(UTC).date()
    return await _end(ctx, actor, command.enrolment_id, EnrolmentStatus.CANCELLED, command.reason_code, today)


async def record_dropout(ctx: TrainingContext, actor: Principal, command: RecordDropout) -> EnrolmentRecord:
    """The candidate left the course (a case officer records it, with a reason code)."""
    if command.reason_code not in ctx.reference.dropout_reasons:
        raise invalid("#/reason_code", f"one of {', '.join(ctx.reference.dropout_reasons)}")
    enrolment, _ = await _end(
        ctx, actor, command.enrolment_id, EnrolmentStatus.DROPPED_OUT, command.reason_code, command.dropped_on
    )
    return enrolment


async def record_level(ctx: TrainingContext, actor: Principal, command: RecordLevel) -> EnrolmentRecord:
    """A level assessed in class (not certified): `level_reached`."""
    async with transaction(ctx.sessions) as session:
        enrolment = await load_enrolment(session, command.enrolment_id, actor, lock=True)
        if enrolment.status != EnrolmentStatus.ENROLLED or enrolment.cohort_id is None:
            raise domain.NotEnrolled(f"the enrolment is {enrolment.status}")
        enrolment.level_reached, enrolment.level_reached_on = command.level.value, command.reached_on
        session.add(enrolment)
        event = LevelReached(
            candidate_id=enrolment.candidate_id, cohort_id=enrolment.cohort_id, level=command.level,
            reached_on=command.reached_on,
        )  # fmt: skip
        await add_event(session, event, source=SOURCE, aggregate_type="enrolment")
        audit.record(session, actor, "enrolment.level", "enrolment", enrolment.id, {"level": command.level.value})
    return enrolment


async def record_intercultural(
    ctx: TrainingContext, actor: Principal, command: RecordInterculturalModule
) -> EnrolmentRecord:
    """The intercultural preparation module completed (once; a repeat changes nothing)."""
    async with transaction(ctx.sessions) as session:
        enrolment = await load_enrolment(session, command.enrolment_id, actor, lock=True)
        if enrolment.cohort_id is None:
            raise domain.NotEnrolled(f"the enrolment is {enrolment.status}")
        if enrolment.intercultural_completed_on is None:
            enrolment.intercultural_completed_on = command.completed_on
            session.add(enrolment)
            event = InterculturalModuleCompleted(
                candidate_id=enrolment.candidate_id, cohort_id=enrolment.cohort_id, enrolment_id=enrolment.id,
                completed_on=command.completed_on,
            )  # fmt: skip
            await add_event(session, event, source=SOURCE, aggregate_type="enrolment")
            audit.record(session, actor, "enrolment.intercultural", "enrolment", enrolment.id, {})
    return enrolment
