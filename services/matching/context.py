"""What every use case of the matching service needs, API-key verification, and the loaders that apply an
employer's scope: an employer reaches only its own records; anything else is a 404 for it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.base import Event
from contracts.envelope import source_of
from contracts.errors import NotFound
from services.common.apikeys import key_principal, parse_api_key, reachable
from services.common.auth import Principal
from services.common.db import SessionFactory
from services.common.idempotency import concerns
from services.common.outbox import add_event
from services.common.problems import not_found
from services.matching.config import MatchingSettings
from services.matching.reference import ReferenceData, reference_data
from services.matching.tables import (
    ApiKeyRecord,
    ContractRecord,
    EmployerRecord,
    InterviewRecord,
    OfferRecord,
    PositionRecord,
    ShortlistRecord,
)

SOURCE = source_of("matching")

T = TypeVar("T", bound=SQLModel)


@dataclass(frozen=True)
class MatchingContext:
    sessions: SessionFactory
    settings: MatchingSettings
    reference: ReferenceData

    @classmethod
    def build(cls, sessions: SessionFactory, settings: MatchingSettings) -> MatchingContext:
        return cls(sessions=sessions, settings=settings, reference=reference_data())

    async def verify_api_key(self, key: str) -> Principal | None:
        """The employer a live API key belongs to, as an `employer` principal (None for anything else)."""
        parsed = parse_api_key(key)
        if parsed is None:
            return None
        key_id, digest = parsed
        async with self.sessions() as session:
            row = await session.get(ApiKeyRecord, key_id)
            if row is None or row.revoked_at is not None:
                return None
            principal = key_principal(key_id, row.employer_id, row.secret_sha256, digest)
            today = datetime.now(UTC).date()
            if principal is not None and row.last_used_on != today:
                await session.exec(
                    sa.update(ApiKeyRecord).where(col(ApiKeyRecord.id) == key_id).values(last_used_on=today)
                )
                await session.commit()
            return principal


async def publish(session: AsyncSession, event: Event, aggregate_type: str) -> None:
    """Queue one of this service's events in the caller's transaction."""
    await add_event(session, event, source=SOURCE, aggregate_type=aggregate_type)


async def _get(session: AsyncSession, model: type[T], id_: uuid.UUID, lock: bool) -> T | None:
    statement: Any = select(model).where(model.id == id_)  # type: ignore[attr-defined]
    return (await session.exec(statement.with_for_update() if lock else statement)).first()  # type: ignore[no-any-return]


async def load_employer(
    session: AsyncSession, employer_id: uuid.UUID, actor: Principal | None, *, lock: bool = False
) -> EmployerRecord:
    employer = await _get(session, EmployerRecord, employer_id, lock)
    if employer is None or not reachable(actor, employer.id):
        raise not_found("employer", employer_id)
    return employer


async def load_position(
    session: AsyncSession, position_id: uuid.UUID, actor: Principal | None, *, lock: bool = False
) -> PositionRecord:
    position = await _get(session, PositionRecord, position_id, lock)
    if position is None or not reachable(actor, position.employer_id):
        raise not_found("position", position_id)
    return position


async def load_shortlist(
    session: AsyncSession, shortlist_id: uuid.UUID, actor: Principal | None, *, lock: bool = False
) -> ShortlistRecord:
    entry = await _get(session, ShortlistRecord, shortlist_id, lock)
    if entry is None or not reachable(actor, entry.employer_id):
        raise not_found("shortlist entry", shortlist_id)
    concerns(entry.candidate_id)
    return entry


def entry_ids(entry: ShortlistRecord) -> dict[str, object]:
    """The ids every candidate event of matching carries, from the shortlist entry it is about."""
    return {"candidate_id": entry.candidate_id, "employer_id": entry.employer_id,
            "position_id": entry.position_id, "shortlist_id": entry.id}  # fmt: skip


async def load_interview(
    session: AsyncSession, interview_id: uuid.UUID, actor: Principal | None, *, lock: bool = False
) -> tuple[InterviewRecord, ShortlistRecord]:
    interview = await _get(session, InterviewRecord, interview_id, lock)
    if interview is None:
        raise not_found("interview", interview_id)
    try:
        return interview, await load_shortlist(session, interview.shortlist_id, actor)
    except NotFound:
        raise not_found("interview", interview_id) from None


async def load_offer(
    session: AsyncSession, offer_id: uuid.UUID, actor: Principal | None, *, lock: bool = False
) -> tuple[OfferRecord, ShortlistRecord]:
    offer = await _get(session, OfferRecord, offer_id, lock)
    if offer is None:
        raise not_found("offer", offer_id)
    try:
        return offer, await load_shortlist(session, offer.shortlist_id, actor, lock=lock)
    except NotFound:
        raise not_found("offer", offer_id) from None


async def load_contract(
    session: AsyncSession, contract_id: uuid.UUID, actor: Principal | None, *, lock: bool = False
) -> tuple[ContractRecord, ShortlistRecord]:
    contract = await _get(session, ContractRecord, contract_id, lock)
    if contract is None:
        raise not_found("contract", contract_id)
    try:
        return contract, await load_shortlist(session, contract.shortlist_id, actor, lock=lock)
    except NotFound:
        raise not_found("contract", contract_id) from None
