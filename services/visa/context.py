"""What every use case of the visa service needs, the case loader and the one place events are added."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import source_of
from services.common.db import SessionFactory
from services.common.idempotency import concerns
from services.common.outbox import add_event
from services.common.problems import invalid, not_found
from services.visa.config import VisaSettings
from services.visa.reference import ReferenceData, reference_data
from services.visa.tables import VisaCaseRecord

SOURCE = source_of("visa")


@dataclass(frozen=True)
class VisaContext:
    sessions: SessionFactory
    settings: VisaSettings
    reference: ReferenceData

    @classmethod
    def build(cls, sessions: SessionFactory, settings: VisaSettings) -> VisaContext:
        return cls(sessions=sessions, settings=settings, reference=reference_data())


async def load_case(
    session: AsyncSession, case_id: uuid.UUID, *, lock: bool = False, candidate_id: uuid.UUID | None = None
) -> VisaCaseRecord:
    """The case; the journey names the candidate with each call, and a case of someone else is a client error."""
    statement = select(VisaCaseRecord).where(VisaCaseRecord.id == case_id)
    case = (await session.exec(statement.with_for_update() if lock else statement)).first()
    if case is None:
        raise not_found("visa case", case_id)
    if candidate_id is not None and candidate_id != case.candidate_id:
        raise invalid("#/candidate_id", "not the candidate of this visa case")
    concerns(case.candidate_id)
    return case


def case_ids(case: VisaCaseRecord) -> dict[str, Any]:
    """The fields every visa event carries."""
    return {"candidate_id": case.candidate_id, "visa_case_id": case.id, "employer_id": case.employer_id}


async def publish(session: AsyncSession, event: Any) -> None:
    await add_event(session, event, source=SOURCE, aggregate_type="visa_case")
