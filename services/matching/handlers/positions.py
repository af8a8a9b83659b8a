"""Positions: create (draft), change, publish, close; places count down at signature and up at a release."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.matching import PositionClosed, PositionPublished, PositionReleased
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.idempotency import concerns
from services.common.problems import invalid
from services.matching import domain
from services.matching.commands import ChangePosition, ClosePosition, CreatePosition, ReleasePosition
from services.matching.context import MatchingContext, load_employer, load_position, publish
from services.matching.domain import ContractStatus, PositionStatus, ShortlistStatus
from services.matching.tables import ContractRecord, PositionRecord, ShortlistRecord

OPEN = (PositionStatus.DRAFT, PositionStatus.PUBLISHED)


async def create_position(ctx: MatchingContext, actor: Principal, command: CreatePosition) -> PositionRecord:
    """A draft position at one of the employer's sites (an employer can only create its own)."""
    async with transaction(ctx.sessions) as session:
        employer = await load_employer(session, command.employer_id, actor)
        site = next((s for s in employer.sites if s["code"] == command.site), None)
        if site is None:
            raise invalid("#/site", f"the employer has no site {command.site!r}")
        values: dict[str, Any] = {**command.__dict__}
        values.update(
            monthly_pay_cents=list(command.monthly_pay_cents),
            housing_support=command.housing_support.value,
            tariff_monthly_cents=list(command.tariff_monthly_cents) if command.tariff_monthly_cents else None,
        )
        position = PositionRecord(**values, land=site["land"], places_left=command.places, status=PositionStatus.DRAFT)
        session.add(position)
        audit.record(
            session, actor, "position.create", "position", position.id, {"occupation": command.occupation_code}
        )
    return position


async def change_position(ctx: MatchingContext, actor: Principal, command: ChangePosition) -> PositionRecord:
    """Change a draft or published position. Fewer places than already taken is refused."""
    async with transaction(ctx.sessions) as session:
        position = await load_position(session, command.position_id, actor, lock=True)
        if position.status not in OPEN:
            raise domain.IllegalTransition(
                f"a {position.status} position cannot change", current_status=position.status
            )
        changes = dict(command.changes)
        if "places" in changes:
            taken = position.places - position.places_left
            if changes["places"] < taken:
                raise invalid("#/places", f"{taken} place(s) are already taken")
            position.places_left = changes["places"] - taken
        for name, value in changes.items():
            setattr(position, name, list(value) if isinstance(value, tuple) else value)
        if position.latest_start_on < position.starts_on:
            raise invalid("#/latest_start_on", "latest_start_on must not be before starts_on")
        session.add(position)
        audit.record(session, actor, "position.update", "position", position.id, {"fields": sorted(changes)})
    return position


async def publish_position(ctx: MatchingContext, actor: Principal, position_id: object) -> PositionRecord:
    """Open a draft position to matching (`position_published`); publishing it again changes nothing."""
    async with transaction(ctx.sessions) as session:
        position = await load_position(session, position_id, actor, lock=True)  # type: ignore[arg-type]
        if position.status == PositionStatus.PUBLISHED:
            return position
        if position.status != PositionStatus.DRAFT:
            raise domain.IllegalTransition(
                f"a {position.status} position cannot be published", current_status=position.status
            )
        position.status = PositionStatus.PUBLISHED
        session.add(position)
        await publish(session, _published(position), "position")
        audit.record(session, actor, "position.publish", "position", position.id, {})
    return position


def _published(position: PositionRecord) -> PositionPublished:
    return PositionPublished(
        employer_id=position.employer_id,
        position_id=position.id,
        occupation_code=position.occupation_code,
        places=position.places_left,
        starts_on=position.starts_on,
        latest_start_on=position.latest_start_on,
        land=position.land,
        required_level=position.required_level,
    )


async def close_position(ctx: MatchingContext, actor: Principal, command: ClosePosition) -> PositionRecord:
    """Stop taking candidates (`position_closed`); closing a closed position changes nothing."""
    async with transaction(ctx.sessions) as session:
        position = await load_position(session, command.position_id, actor, lock=True)
        if position.status == PositionStatus.CLOSED:
            return position
        position.status = PositionStatus.CLOSED
        session.add(position)
        event = PositionClosed(
            employer_id=position.employer_id, position_id=position.id, reason_code=command.reason_code
        )
        await publish(session, event, "position")
        audit.record(session, actor, "position.close", "position", position.id, {"reason_code": command.reason_code})
    return position


async def take_place(session: AsyncSession, position: PositionRecord) -> None:
    """A contract was signed: one place fewer; the last one fills the position (`position_closed` FILLED)."""
    if position.places_left <= 0:
        raise domain.NoPlacesLeft("every place of this position is taken")
    position.places_left -= 1
    if position.places_left == 0:
        position.status = PositionStatus.FILLED
        event = PositionClosed(employer_id=position.employer_id, position_id=position.id, reason_code="FILLED")
        await publish(session, event, "position")
    session.add(position)


async def give_place_back(session: AsyncSession, position: PositionRecord) -> None:
    """A signed contract ended before the training: its place comes back (a filled position reopens)."""
    position.places_left = min(position.places, position.places_left + 1)
    if position.status == PositionStatus.FILLED:
        position.status = PositionStatus.PUBLISHED
        await publish(session, _published(position), "position")
    session.add(position)


async def release_position(
    ctx: MatchingContext, actor: Principal, command: ReleasePosition
) -> tuple[PositionRecord, bool]:
    """Compensation: the candidate no longer holds the place. Their shortlist entry, open offer and contract
    end; a signed contract's place comes back (a filled position reopens). A repeat answers released=False."""
    concerns(command.candidate_id)
    async with transaction(ctx.sessions) as session:
        position = await load_position(session, command.position_id, actor, lock=True)
        if position.employer_id != command.employer_id:
            raise invalid("#/employer_id", "the position belongs to another employer")
        entry = (
            await session.exec(
                select(ShortlistRecord)
                .where(col(ShortlistRecord.position_id) == position.id)
                .where(col(ShortlistRecord.candidate_id) == command.candidate_id)
                .with_for_update()
            )
        ).first()
        if entry is None or entry.status in (ShortlistStatus.WITHDRAWN, ShortlistStatus.DECLINED):
            return position, False
        contracted = await _release_contract(session, entry.id)
        if contracted:
            await give_place_back(session, position)
        entry.status = ShortlistStatus.WITHDRAWN
        session.add(entry)
        event = PositionReleased(
            candidate_id=command.candidate_id,
            employer_id=position.employer_id,
            position_id=position.id,
            shortlist_id=entry.id,
            reason_code=command.reason_code,
            places_left=position.places_left,
        )
        await publish(session, event, "shortlist")
        changes = {"reason_code": command.reason_code, "place_returned": contracted}
        audit.record(session, actor, "position.release", "position", position.id, changes)
    return position, True


async def _release_contract(session: AsyncSession, shortlist_id: object) -> bool:
    """End the entry's live contract; True when it was signed (its place comes back)."""
    contract = (
        await session.exec(
            select(ContractRecord)
            .where(col(ContractRecord.shortlist_id) == shortlist_id)
            .where(col(ContractRecord.status) != ContractStatus.RELEASED)
            .with_for_update()
        )
    ).first()
    if contract is None:
        return False
    signed = contract.status == ContractStatus.SIGNED
    contract.status = ContractStatus.RELEASED
    session.add(contract)
    return signed
