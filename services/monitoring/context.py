"""What every use case of the monitoring service needs, the follow-up loader and the one place events are added."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import source_of
from services.common.db import SessionFactory
from services.common.idempotency import concerns
from services.common.outbox import add_event
from services.common.problems import not_found
from services.monitoring.config import MonitoringSettings
from services.monitoring.reference import ReferenceData, reference_data
from services.monitoring.tables import FollowUpCaseRecord

SOURCE = source_of("monitoring")


@dataclass(frozen=True)
class MonitoringContext:
    sessions: SessionFactory
    settings: MonitoringSettings
    reference: ReferenceData

    @classmethod
    def build(cls, sessions: SessionFactory, settings: MonitoringSettings) -> MonitoringContext:
        return cls(sessions=sessions, settings=settings, reference=reference_data())


def today() -> date:
    return datetime.now(UTC).date()


async def load_case(session: AsyncSession, candidate_id: uuid.UUID, *, lock: bool = False) -> FollowUpCaseRecord:
    """The apprentice's follow-up (started by the journey's pre-departure call)."""
    case = await session.get(FollowUpCaseRecord, candidate_id, with_for_update=lock)
    if case is None:
        raise not_found("follow-up of candidate", candidate_id)
    concerns(candidate_id)
    return case


async def publish(session: AsyncSession, event: Any, aggregate_type: str = "follow_up") -> None:
    await add_event(session, event, source=SOURCE, aggregate_type=aggregate_type)
