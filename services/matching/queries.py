"""Read side of the matching API: cursor pages (newest last), an employer's scope, rankings with decisions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select

from services.common.apikeys import employer_scope
from services.common.auth import Principal
from services.common.pages import keyset_page
from services.common.problems import not_found
from services.matching.context import (
    MatchingContext,
    load_contract,
    load_employer,
    load_interview,
    load_offer,
    load_position,
    load_shortlist,
)
from services.matching.handlers.ranking import load_request
from services.matching.tables import (
    ContractRecord,
    DecisionRecord,
    EmployerRecord,
    InterviewRecord,
    MatchRequestRecord,
    OfferRecord,
    PositionRecord,
    ProfileRecord,
    ShortlistRecord,
    SuggestionRecord,
)

T = TypeVar("T", bound=SQLModel)


async def page(
    ctx: MatchingContext,
    statement: Any,
    model: type[T],
    limit: int,
    cursor: str | None,
    *,
    key: str = "created_at",
    id_key: str = "id",
    parse: Any = datetime.fromisoformat,
) -> tuple[list[T], str | None]:
    """One keyset page ordered by (key, id)."""
    sort, ident = sa.inspect(model).columns[key], sa.inspect(model).columns[id_key]
    return await keyset_page(ctx.sessions, statement, sort, ident, limit, cursor, parse=parse)


def scoped(actor: Principal, statement: Any, column: Any) -> Any:
    scope = employer_scope(actor)
    return statement if scope is None else statement.where(column == scope)


def where(statement: Any, **filters: tuple[Any, Any]) -> Any:
    for column, value in filters.values():
        if value is not None:
            statement = statement.where(column == value)
    return statement


async def get_employer(ctx: MatchingContext, actor: Principal, employer_id: uuid.UUID) -> EmployerRecord:
    async with ctx.sessions.reads() as session:
        return await load_employer(session, employer_id, actor)


async def get_position(ctx: MatchingContext, actor: Principal, position_id: uuid.UUID) -> PositionRecord:
    async with ctx.sessions.reads() as session:
        return await load_position(session, position_id, actor)


async def get_profile(ctx: MatchingContext, candidate_id: uuid.UUID) -> ProfileRecord:
    async with ctx.sessions.reads() as session:
        profile: ProfileRecord | None = await session.get(ProfileRecord, candidate_id)
    if profile is None or not profile.matchable:
        raise not_found("profile", candidate_id)
    return profile


async def get_match_request(
    ctx: MatchingContext, request_id: uuid.UUID
) -> tuple[MatchRequestRecord, list[tuple[SuggestionRecord, PositionRecord, str | None]]]:
    """The request with its ranking (best first), each suggestion's position and the decision taken."""
    async with ctx.sessions.reads() as session:
        request = await load_request(session, request_id)
        rows = await session.exec(
            select(SuggestionRecord, PositionRecord, DecisionRecord.decision)
            .join(PositionRecord, col(PositionRecord.id) == col(SuggestionRecord.position_id))
            .outerjoin(
                DecisionRecord,
                (col(DecisionRecord.match_request_id) == col(SuggestionRecord.match_request_id))
                & (col(DecisionRecord.position_id) == col(SuggestionRecord.position_id)),
            )
            .where(col(SuggestionRecord.match_request_id) == request_id)
            .order_by(col(SuggestionRecord.rank))
        )
        return request, [(s, p, d) for s, p, d in rows.all()]


async def get_shortlist(
    ctx: MatchingContext, actor: Principal, shortlist_id: uuid.UUID
) -> tuple[ShortlistRecord, ProfileRecord | None]:
    async with ctx.sessions.reads() as session:
        entry = await load_shortlist(session, shortlist_id, actor)
        return entry, await session.get(ProfileRecord, entry.candidate_id)


async def list_shortlist(
    ctx: MatchingContext, actor: Principal, position_id: uuid.UUID | None, limit: int, cursor: str | None
) -> tuple[list[tuple[ShortlistRecord, ProfileRecord | None]], str | None]:
    statement = scoped(actor, select(ShortlistRecord), col(ShortlistRecord.employer_id))
    statement = where(statement, position=(col(ShortlistRecord.position_id), position_id))
    entries, next_cursor = await page(ctx, statement, ShortlistRecord, limit, cursor)
    async with ctx.sessions.reads() as session:
        ids = [e.candidate_id for e in entries]
        found = (await session.exec(select(ProfileRecord).where(col(ProfileRecord.candidate_id).in_(ids)))).all()
    profiles = {p.candidate_id: p for p in found}
    return [(e, profiles.get(e.candidate_id)) for e in entries], next_cursor


async def get_interview(ctx: MatchingContext, actor: Principal, interview_id: uuid.UUID) -> InterviewRecord:
    async with ctx.sessions.reads() as session:
        return (await load_interview(session, interview_id, actor))[0]


def through_shortlist(actor: Principal, model: Any, shortlist_id: uuid.UUID | None) -> Any:
    """Rows that hang off a shortlist entry, limited to the caller's employer."""
    statement = select(model).join(ShortlistRecord, col(ShortlistRecord.id) == model.shortlist_id)
    statement = scoped(actor, statement, col(ShortlistRecord.employer_id))
    return where(statement, entry=(model.shortlist_id, shortlist_id))


async def get_offer(ctx: MatchingContext, actor: Principal, offer_id: uuid.UUID) -> OfferRecord:
    async with ctx.sessions.reads() as session:
        return (await load_offer(session, offer_id, actor))[0]


async def get_contract(ctx: MatchingContext, actor: Principal, contract_id: uuid.UUID) -> ContractRecord:
    async with ctx.sessions.reads() as session:
        return (await load_contract(session, contract_id, actor))[0]


__all__ = ["ContractRecord", "EmployerRecord", "InterviewRecord", "MatchRequestRecord", "OfferRecord"]
