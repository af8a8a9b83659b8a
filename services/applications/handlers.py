"""Use cases of the applications service: one async function each, one transaction, events via the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import select

from contracts.applications import ApplicationSubmitted
from contracts.envelope import source_of
from services.applications.domain import ApplicationStatus
from services.applications.schemas import ApplicationCreate
from services.applications.tables import ApplicationRecord, CandidateRecord
from services.common.db import SessionFactory, transaction
from services.common.outbox import add_event

SOURCE = source_of("applications")


async def submit_application(sessions: SessionFactory, command: ApplicationCreate) -> ApplicationRecord:
    """Register the candidate and submit their application; publishes application_submitted."""
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        candidate = CandidateRecord(
            first_name=command.first_name,
            last_name=command.last_name,
            date_of_birth=command.date_of_birth,
            region=command.region,
        )
        application = ApplicationRecord(
            candidate_id=candidate.id,
            status=ApplicationStatus.SUBMITTED.value,
            region=command.region,
            occupation_codes=list(command.occupation_codes),
            submitted_at=now,
        )
        session.add(candidate)
        await session.flush()
        session.add(application)
        await add_event(
            session,
            ApplicationSubmitted(
                candidate_id=candidate.id,
                application_id=application.id,
                submitted_at=now,
                region=command.region,
                occupation_codes=list(command.occupation_codes),
            ),
            source=SOURCE,
            aggregate_type="application",
            occurred_at=now,
        )
    return application


async def get_application(sessions: SessionFactory, application_id: uuid.UUID) -> ApplicationRecord | None:
    async with sessions() as session:
        result = await session.exec(select(ApplicationRecord).where(ApplicationRecord.id == application_id))
        return result.first()
