"""What every use case of the matching service needs, API-key verification, and the loaders that apply an
employer's scope: an employer reaches only its own records; anything else is a 404 for it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
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
from services.common.auth import API_KEY_PREFIX, Principal, Role
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
API_KEY_ISSUER = "thamm-matching-api-key"

T = TypeVar("T", bound=SQLModel)


def new_api_key(key_id: uuid.UUID) -> tuple[str, str]:
    """A new key `thamm_ek_<id>_<secret>` and the SHA-256 of its secret (256 random bits: no slow hash needed)."""
    secret = secrets.token_urlsafe(32)
    return f"{API_KEY_PREFIX}{key_id.hex}_{secret}", hashlib.sha256(secret.encode()).hexdigest()


def parse_api_key(key: str) -> tuple[uuid.UUID, str] | None:
    body = key.removeprefix(API_KEY_PREFIX)
    key_hex, _, secret = body.partition("_")
    try:
        return uuid.UUID(hex=key_hex), secret
    except ValueError:
        return None


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
        if parsed is None or len(key) > 200:
            return None
        key_id, secret = parsed
        digest = hashlib.sha256(secret.encode()).hexdigest()
        async with self.sessions() as session:
            row = await session.get(ApiKeyRecord, key_id)
            if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_sha256, digest):
                return None
            today = datetime.now(UTC).date()
            if row.last_used_on != today:
                await session.exec(
                    sa.update(ApiKeyRecord).where(col(ApiKeyRecord.id) == key_id).values(last_used_on=today)
                )
                await session.commit()
            return Principal(
                subject=f"api-key:{key_id}",
                roles=frozenset({Role.EMPLOYER}),
                employer_id=str(row.employer_id),
                issuer=API_KEY_ISSUER,
            )


async def publish(session: AsyncSession, event: Event, aggregate_type: str) -> None:
    """Queue one of this service's events in the caller's transaction."""
    await add_event(session, event, source=SOURCE, aggregate_type=aggregate_type)


def employer_scope(actor: Principal | None) -> uuid.UUID | None:
    """The employer an employer caller is limited to (None: case officers, operators, services see all)."""
    if actor is None or not actor.has(Role.EMPLOYER) or actor.has(Role.CASE_OFFICER, Role.SERVICE):
        return None
    try:
        return uuid.UUID(str(actor.employer_id))
    except ValueError:
        return uuid.UUID(int=0)  # an employer token without a usable employer id reaches nothing


async def _get(session: AsyncSession, model: type[T], id_: uuid.UUID, lock: bool) -> T | None:
    statement: Any = select(model).where(model.id == id_)  # type: ignore[attr-defined]
    return (await session.exec(statement.with_for_update() if lock else statement)).first()  # type: ignore[no-any-return]


async def load_employer(
    session: AsyncSession, employer_id: uuid.UUID, actor: Principal | None, *, lock: bool = False
) -> EmployerRecord:
    employer = await _get(session, EmployerRecord, employer_id, lock)
    scope = employer_scope(actor)
    if employer is None or (scope is not None and employer.id != scope):
        raise not_found("employer", employer_id)
    return employer


async def load_position(
    session: AsyncSession, position_id: uuid.UUID, actor: Principal | None, *, lock: bool = False
) -> PositionRecord:
    position = await _get(session, PositionRecord, position_id, lock)
    scope = employer_scope(actor)
    if position is None or (scope is not None and position.employer_id != scope):
        raise not_found("position", position_id)
    return position


async def load_shortlist(
    session: AsyncSession, shortlist_id: uuid.UUID, actor: Principal | None, *, lock: bool = False
) -> ShortlistRecord:
    entry = await _get(session, ShortlistRecord, shortlist_id, lock)
    scope = employer_scope(actor)
    if entry is None or (scope is not None and entry.employer_id != scope):
        raise not_found("shortlist entry", shortlist_id)
    concerns(entry.candidate_id)
    return entry


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
