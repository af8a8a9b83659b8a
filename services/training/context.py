"""What every use case of the training service needs, and the loaders that apply a trainer's scope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import source_of
from services.common.auth import Principal, Role
from services.common.db import SessionFactory
from services.common.idempotency import concerns
from services.common.problems import not_found
from services.training.config import TrainingSettings
from services.training.reference import ReferenceData, reference_data
from services.training.tables import CohortRecord, EnrolmentRecord

SOURCE = source_of("training")


@dataclass(frozen=True)
class TrainingContext:
    sessions: SessionFactory
    settings: TrainingSettings
    reference: ReferenceData

    @classmethod
    def build(cls, sessions: SessionFactory, settings: TrainingSettings) -> TrainingContext:
        return cls(sessions=sessions, settings=settings, reference=reference_data())


def visible(actor: Principal | None, cohort: CohortRecord | None) -> bool:
    """Case officers and services see every cohort; a trainer only those of their provider."""
    if cohort is None:
        return False
    return (
        actor is None
        or not actor.has(Role.TRAINER)
        or actor.has(Role.CASE_OFFICER)
        or cohort.provider == actor.provider
    )


async def load_cohort(
    session: AsyncSession, cohort_id: str, actor: Principal | None = None, *, lock: bool = False
) -> CohortRecord:
    """The cohort (NotFound also when a trainer of another provider asks: its existence is not theirs to know)."""
    statement = select(CohortRecord).where(CohortRecord.id == cohort_id)
    cohort = (await session.exec(statement.with_for_update() if lock else statement)).first()
    if not visible(actor, cohort):
        raise not_found("cohort", cohort_id)
    assert cohort is not None
    return cohort


async def load_enrolment(
    session: AsyncSession, enrolment_id: uuid.UUID, actor: Principal | None = None, *, lock: bool = False
) -> EnrolmentRecord:
    statement = select(EnrolmentRecord).where(EnrolmentRecord.id == enrolment_id)
    enrolment = (await session.exec(statement.with_for_update() if lock else statement)).first()
    if enrolment is None:
        raise not_found("enrolment", enrolment_id)
    if actor is not None and actor.has(Role.TRAINER) and not actor.has(Role.CASE_OFFICER):
        cohort = await session.get(CohortRecord, enrolment.cohort_id) if enrolment.cohort_id else None
        if not visible(actor, cohort):
            raise not_found("enrolment", enrolment_id)
    concerns(enrolment.candidate_id)
    return enrolment
