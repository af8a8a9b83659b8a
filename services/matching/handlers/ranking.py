"""Match requests (the journey's call) and their explained ranking; the case officer's decisions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.matching import CandidateShortlisted
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.idempotency import concerns
from services.common.problems import not_found
from services.matching import domain
from services.matching.commands import ChangePreferences, Decide, RequestMatch
from services.matching.context import MatchingContext, load_position, publish
from services.matching.domain import MatchStatus, Mobility, PositionStatus, ShortlistStatus
from services.matching.tables import (
    DecisionRecord,
    MatchRequestRecord,
    PositionRecord,
    ProfileRecord,
    ShortlistRecord,
    SuggestionRecord,
)


def as_profile(record: ProfileRecord, occupation_codes: list[str] | None = None) -> domain.Profile:
    return domain.Profile(
        candidate_id=str(record.candidate_id),
        occupation_codes=tuple(occupation_codes or record.occupation_codes),
        region=record.region or "",
        level=record.level,
        target_level=record.target_level,
        available_from=record.available_from,
        preferred_lands=tuple(record.preferred_lands),
        mobility=Mobility(record.mobility),
    )


def as_open_position(p: PositionRecord) -> domain.OpenPosition:
    return domain.OpenPosition(
        position_id=str(p.id),
        employer_id=str(p.employer_id),
        occupation_code=p.occupation_code,
        land=p.land,
        required_level=p.required_level,
        starts_on=p.starts_on,
        latest_start_on=p.latest_start_on,
        places=p.places,
        places_left=p.places_left,
    )


def _groups(codes: list[str]) -> list[str]:
    return sorted({code[:3] for code in codes})


async def _open_positions(session: AsyncSession, occupation_codes: list[str]) -> list[domain.OpenPosition]:
    """Published positions with a place left in the candidate's occupational groups (the only ones that score)."""
    statement = (
        select(PositionRecord)
        .where(col(PositionRecord.status) == PositionStatus.PUBLISHED)
        .where(col(PositionRecord.places_left) > 0)
        .where(sa.func.left(col(PositionRecord.occupation_code), 3).in_(_groups(occupation_codes)))
    )
    return [as_open_position(p) for p in (await session.exec(statement)).all()]


async def _rank_into(ctx: MatchingContext, session: AsyncSession, request: MatchRequestRecord) -> None:
    """(Re)compute the request's ranking; without a matchable profile it waits for one."""
    profile = await session.get(ProfileRecord, request.candidate_id)
    if profile is None or not profile.matchable:
        request.status = MatchStatus.AWAITING_PROFILE
        session.add(request)
        return
    suggestions = domain.rank(
        as_profile(profile, request.occupation_codes),
        await _open_positions(session, request.occupation_codes),
        ctx.reference.weights,
    )
    await session.exec(sa.delete(SuggestionRecord).where(col(SuggestionRecord.match_request_id) == request.id))
    session.add_all(
        SuggestionRecord(
            match_request_id=request.id,
            position_id=uuid.UUID(s.position.position_id),
            rank=s.rank,
            score=float(s.score),
            terms=[_term_json(t) for t in s.terms],
        )
        for s in suggestions
    )
    request.status, request.ranked_at = MatchStatus.RANKED, datetime.now(UTC)
    session.add(request)


def _term_json(term: domain.Term) -> dict[str, Any]:
    return {
        "criterion": term.criterion,
        "fit": float(term.fit),
        "weight": term.weight,
        "points": float(term.points),
        "reason": term.reason,
    }


async def request_match(
    ctx: MatchingContext, actor: Principal, command: RequestMatch
) -> tuple[MatchRequestRecord, bool]:
    """Rank open positions for the candidate (one request per candidate and round; a repeat returns it)."""
    concerns(command.candidate_id)
    async with transaction(ctx.sessions) as session:
        existing = await _request_for(session, command.candidate_id, command.round)
        if existing is not None:
            return existing, False
        request = MatchRequestRecord(
            candidate_id=command.candidate_id,
            occupation_codes=list(command.occupation_codes),
            round=command.round,
            status=MatchStatus.AWAITING_PROFILE,
            requested_by=actor.identity,
        )
        session.add(request)
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError:  # the same request committed concurrently
            existing = await _request_for(session, command.candidate_id, command.round)
            assert existing is not None
            return existing, False
        await _rank_into(ctx, session, request)
        audit.record(session, actor, "match_request.create", "match_request", request.id, {"round": command.round})
    return request, True


async def _request_for(session: AsyncSession, candidate_id: uuid.UUID, round_: int) -> MatchRequestRecord | None:
    statement = (
        select(MatchRequestRecord)
        .where(col(MatchRequestRecord.candidate_id) == candidate_id)
        .where(col(MatchRequestRecord.round) == round_)
    )
    return (await session.exec(statement)).first()


async def load_request(session: AsyncSession, request_id: uuid.UUID, *, lock: bool = False) -> MatchRequestRecord:
    statement = select(MatchRequestRecord).where(col(MatchRequestRecord.id) == request_id)
    request = (await session.exec(statement.with_for_update() if lock else statement)).first()
    if request is None:
        raise not_found("match request", request_id)
    concerns(request.candidate_id)
    return request


async def rerank(ctx: MatchingContext, actor: Principal, request_id: uuid.UUID) -> MatchRequestRecord:
    """Rank again (new positions, a changed profile); decisions already taken stay."""
    async with transaction(ctx.sessions) as session:
        request = await load_request(session, request_id, lock=True)
        if request.status == MatchStatus.CLOSED:
            raise domain.IllegalTransition("the match request is closed", current_status=request.status)
        await _rank_into(ctx, session, request)
        audit.record(session, actor, "match_request.rank", "match_request", request.id, {})
    return request


async def rank_waiting_requests(ctx: MatchingContext, session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """A profile became matchable: rank the candidate's requests that waited for it (consumer side)."""
    statement = (
        select(MatchRequestRecord)
        .where(col(MatchRequestRecord.candidate_id) == candidate_id)
        .where(col(MatchRequestRecord.status) == MatchStatus.AWAITING_PROFILE)
        .with_for_update()
    )
    for request in (await session.exec(statement)).all():
        await _rank_into(ctx, session, request)


async def decide(
    ctx: MatchingContext, actor: Principal, command: Decide
) -> tuple[DecisionRecord, ShortlistRecord | None, bool]:
    """A case officer shortlists a suggested position (or passes on it), with a reason; the ranking only
    suggested it. Shortlisting publishes `candidate_shortlisted`. The same decision again returns the first."""
    async with transaction(ctx.sessions) as session:
        request = await load_request(session, command.match_request_id, lock=True)
        earlier = await _decision_for(session, request.id, command.position_id)
        if earlier is not None:
            if earlier.decision != command.decision:
                raise domain.IllegalTransition(
                    f"this position was already decided: {earlier.decision}", current_status=earlier.decision
                )
            return earlier, await _entry(session, request.candidate_id, command.position_id), False
        suggestion = await session.get(SuggestionRecord, (request.id, command.position_id))
        if suggestion is None:
            raise domain.NotShortlistable("only a position in this request's ranking can be decided; rank again first")
        decision = DecisionRecord(
            match_request_id=request.id,
            position_id=command.position_id,
            decision=command.decision,
            reason_code=command.reason_code,
            rank=suggestion.rank,
            decided_by=actor.identity,
        )
        session.add(decision)
        entry = None
        if command.decision == "shortlist":
            entry = await _shortlist(ctx, session, request, suggestion, command.reason_code)
        changes = {"decision": command.decision, "reason_code": command.reason_code, "rank": suggestion.rank}
        audit.record(session, actor, "match_request.decide", "match_request", request.id, changes)
    return decision, entry, True


async def _shortlist(
    ctx: MatchingContext, session: AsyncSession, request: MatchRequestRecord, s: SuggestionRecord, reason: str
) -> ShortlistRecord:
    position = await load_position(session, s.position_id, None)
    if position.status != PositionStatus.PUBLISHED or position.places_left <= 0:
        raise domain.NoPlacesLeft(f"the position is {position.status} with {position.places_left} place(s) left")
    entry = ShortlistRecord(
        match_request_id=request.id,
        candidate_id=request.candidate_id,
        employer_id=position.employer_id,
        position_id=position.id,
        rank=s.rank,
        status=ShortlistStatus.SHORTLISTED,
    )
    session.add(entry)
    event = CandidateShortlisted(
        candidate_id=request.candidate_id,
        employer_id=position.employer_id,
        position_id=position.id,
        shortlist_id=entry.id,
        match_request_id=request.id,
        rank=s.rank,
        reason_code=reason,
    )
    await publish(session, event, "shortlist")
    return entry


async def _decision_for(session: AsyncSession, request_id: uuid.UUID, position_id: uuid.UUID) -> DecisionRecord | None:
    statement = (
        select(DecisionRecord)
        .where(col(DecisionRecord.match_request_id) == request_id)
        .where(col(DecisionRecord.position_id) == position_id)
    )
    return (await session.exec(statement)).first()


async def _entry(session: AsyncSession, candidate_id: uuid.UUID, position_id: uuid.UUID) -> ShortlistRecord | None:
    statement = (
        select(ShortlistRecord)
        .where(col(ShortlistRecord.candidate_id) == candidate_id)
        .where(col(ShortlistRecord.position_id) == position_id)
    )
    return (await session.exec(statement)).first()


async def candidates_for(
    ctx: MatchingContext, actor: Principal, position_id: uuid.UUID, limit: int
) -> list[tuple[dict[str, Any], domain.Suggestion]]:
    """The best matchable candidates for one position, explained the same way (officers only).

    Profiles are read as plain rows (no ORM objects): a position's occupational group may hold thousands."""
    async with ctx.sessions() as session:
        position = await load_position(session, position_id, actor)
        table = ProfileRecord.__table__  # type: ignore[attr-defined]
        statement = (
            sa.select(table)
            .where(table.c.matchable)
            .where(
                sa.text(
                    "EXISTS (SELECT 1 FROM unnest(profile.occupation_codes) AS c WHERE left(c, 3) = :group)"
                ).bindparams(group=position.occupation_code[:3])
            )
        )
        rows = {
            str(r["candidate_id"]): dict(r) for r in (await (await session.connection()).execute(statement)).mappings()
        }
    profiles = (
        domain.Profile(
            candidate_id=key, occupation_codes=tuple(r["occupation_codes"]), region=r["region"] or "", level=r["level"],
            target_level=r["target_level"], available_from=r["available_from"],
            preferred_lands=tuple(r["preferred_lands"]), mobility=Mobility(r["mobility"]),
        )
        for key, r in rows.items()
    )  # fmt: skip
    ranked = domain.rank_profiles(as_open_position(position), profiles, ctx.reference.weights, limit)
    return [(rows[p.candidate_id], s) for p, s in ranked]


async def change_preferences(ctx: MatchingContext, actor: Principal, command: ChangePreferences) -> ProfileRecord:
    concerns(command.candidate_id)
    async with transaction(ctx.sessions) as session:
        profile = await session.get(ProfileRecord, command.candidate_id, with_for_update=True)
        if profile is None or not profile.matchable:
            raise not_found("profile", command.candidate_id)
        if command.preferred_lands is not None:
            profile.preferred_lands = list(command.preferred_lands)
        if command.mobility is not None:
            profile.mobility = command.mobility.value
        session.add(profile)
        audit.record(session, actor, "profile.preferences", "profile", profile.candidate_id, {})
    return profile
