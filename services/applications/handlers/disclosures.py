"""The candidate's name and contact for an employer whose offer the candidate accepted (and no one else).

Matching publishes `offer_accepted`; this service records that the employer may now read the contact, and
ends it on `offer_withdrawn` or `position_released` for that employer. Every read is audited.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts import matching as matching_events
from contracts.base import Event
from contracts.envelope import Envelope
from services.applications import domain
from services.applications.context import AppContext, load_candidate
from services.applications.tables import CandidateRecord, ContactDisclosureRecord
from services.common import audit
from services.common.apikeys import employer_scope
from services.common.auth import Principal, Role
from services.common.db import transaction
from services.common.problems import not_found

CONTACT_FIELDS = ("first_name", "last_name", "first_name_ar", "last_name_ar", "email", "phone", "city")


async def _granted(session: AsyncSession, event: Event, envelope: Envelope) -> None:
    e: matching_events.OfferAccepted = event  # type: ignore[assignment]
    if await session.get(CandidateRecord, e.candidate_id) is None:
        return  # not a candidate of this service
    row = await session.get(ContactDisclosureRecord, (e.candidate_id, e.employer_id), with_for_update=True)
    row = row or ContactDisclosureRecord(candidate_id=e.candidate_id, employer_id=e.employer_id, offer_id=e.offer_id,
                                         granted_at=envelope.time)  # fmt: skip
    row.offer_id, row.granted_at, row.ended_at = e.offer_id, envelope.time, None
    session.add(row)


async def _ended(session: AsyncSession, event: Event, envelope: Envelope) -> None:
    candidate_id, employer_id = getattr(event, "candidate_id"), getattr(event, "employer_id")  # noqa: B009
    row = await session.get(ContactDisclosureRecord, (candidate_id, employer_id), with_for_update=True)
    if row is not None and row.ended_at is None and envelope.time >= row.granted_at:
        row.ended_at = envelope.time
        session.add(row)


def handlers() -> dict[str, Any]:
    """Consumer handlers (each in the message's transaction, after its inbox row)."""

    def wrap(apply: Any) -> Any:
        async def handle(event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
            assert session is not None
            await apply(session, event, envelope)

        return handle

    return {
        matching_events.OfferAccepted.TYPE: wrap(_granted),
        matching_events.OfferWithdrawn.TYPE: wrap(_ended),
        matching_events.PositionReleased.TYPE: wrap(_ended),
    }


async def read_contact(
    ctx: AppContext, actor: Principal, candidate_id: uuid.UUID
) -> tuple[dict[str, Any], datetime | None]:
    """Name and contact for a case officer, or for an employer the candidate accepted; audited."""
    async with transaction(ctx.sessions) as session:
        granted_at = None
        if not actor.has(Role.CASE_OFFICER):
            statement = (
                select(ContactDisclosureRecord)
                .where(col(ContactDisclosureRecord.candidate_id) == candidate_id)
                .where(col(ContactDisclosureRecord.employer_id) == employer_scope(actor))
                .where(col(ContactDisclosureRecord.ended_at).is_(None))
            )
            disclosure = (await session.exec(statement)).first()
            if disclosure is None:
                raise not_found("candidate", candidate_id)
            granted_at = disclosure.granted_at
        candidate = await load_candidate(session, candidate_id)
        if candidate.erased_at is not None:
            raise domain.CandidateErased(candidate_id)
        audit.record(
            session, actor, "candidate.contact.read", "candidate", candidate_id, {"fields": list(CONTACT_FIELDS)}
        )
        return {name: getattr(candidate, name) for name in CONTACT_FIELDS}, granted_at
