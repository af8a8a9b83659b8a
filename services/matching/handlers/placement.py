"""Interviews, offers and the candidate's answer (recorded by a case officer)."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.matching import (
    InterviewCompleted,
    InterviewScheduled,
    OfferAccepted,
    OfferDeclined,
    OfferMade,
    OfferWithdrawn,
)
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.problems import invalid
from services.matching import domain
from services.matching.commands import AnswerOffer, MakeOffer, RecordInterviewOutcome, ScheduleInterview, WithdrawOffer
from services.matching.context import MatchingContext, entry_ids, load_interview, load_offer, load_shortlist, publish
from services.matching.domain import OfferStatus, ShortlistStatus
from services.matching.tables import InterviewRecord, OfferRecord, ShortlistRecord

LIVE = (ShortlistStatus.SHORTLISTED, ShortlistStatus.OFFERED)


def _live(entry: ShortlistRecord) -> None:
    if entry.status not in LIVE:
        raise domain.IllegalTransition(f"the shortlist entry is {entry.status}", current_status=entry.status)


async def schedule_interview(ctx: MatchingContext, actor: Principal, command: ScheduleInterview) -> InterviewRecord:
    async with transaction(ctx.sessions) as session:
        entry = await load_shortlist(session, command.shortlist_id, actor, lock=True)
        _live(entry)
        interview = InterviewRecord(shortlist_id=entry.id, scheduled_at=command.scheduled_at, mode=command.mode)
        session.add(interview)
        event = InterviewScheduled(
            **entry_ids(entry),
            interview_id=interview.id,
            scheduled_at=command.scheduled_at,
            mode=command.mode.value,
        )
        await publish(session, event, "shortlist")
        audit.record(session, actor, "interview.schedule", "interview", interview.id, {"mode": command.mode.value})
    return interview


async def record_interview_outcome(
    ctx: MatchingContext, actor: Principal, command: RecordInterviewOutcome
) -> InterviewRecord:
    """The employer records how it went (once; the same outcome again is a no-op)."""
    async with transaction(ctx.sessions) as session:
        interview, entry = await load_interview(session, command.interview_id, actor, lock=True)
        if interview.outcome == command.outcome:
            return interview
        if interview.outcome is not None:
            raise domain.IllegalTransition(
                f"the outcome is already {interview.outcome}", current_status=interview.outcome
            )
        interview.outcome = command.outcome
        session.add(interview)
        event = InterviewCompleted(**entry_ids(entry), interview_id=interview.id, outcome=command.outcome.value)
        await publish(session, event, "shortlist")
        audit.record(session, actor, "interview.outcome", "interview", interview.id, {"outcome": command.outcome.value})
    return interview


async def make_offer(ctx: MatchingContext, actor: Principal, command: MakeOffer) -> OfferRecord:
    """The employer offers the place, open until `expires_on` (one open offer per shortlist entry)."""
    async with transaction(ctx.sessions) as session:
        entry = await load_shortlist(session, command.shortlist_id, actor, lock=True)
        if command.expires_on < datetime.now(UTC).date():
            raise invalid("#/expires_on", "the offer would already have expired")
        if entry.status != ShortlistStatus.SHORTLISTED:
            raise domain.IllegalTransition(f"the shortlist entry is {entry.status}", current_status=entry.status)
        offer = OfferRecord(shortlist_id=entry.id, expires_on=command.expires_on, status=OfferStatus.OPEN)
        entry.status = ShortlistStatus.OFFERED
        session.add_all([offer, entry])
        event = OfferMade(**entry_ids(entry), offer_id=offer.id, expires_on=command.expires_on)
        await publish(session, event, "shortlist")
        audit.record(session, actor, "offer.make", "offer", offer.id, {"expires_on": str(command.expires_on)})
    return offer


def _still_open(offer: OfferRecord, wanted: OfferStatus) -> bool:
    """False when the offer already has the wanted status (a repeat); refuses other closed offers."""
    if offer.status == wanted:
        return False
    if offer.status != OfferStatus.OPEN:
        raise domain.IllegalTransition(f"the offer is {offer.status}", current_status=offer.status)
    return True


async def answer_offer(ctx: MatchingContext, actor: Principal, command: AnswerOffer) -> OfferRecord:
    """The candidate's acceptance or decline, recorded by a case officer; an expired offer cannot be accepted."""
    wanted = OfferStatus.ACCEPTED if command.answer == "accept" else OfferStatus.DECLINED
    async with transaction(ctx.sessions) as session:
        offer, entry = await load_offer(session, command.offer_id, actor, lock=True)
        if not _still_open(offer, wanted):
            return offer
        if wanted is OfferStatus.ACCEPTED and offer.expires_on < datetime.now(UTC).date():
            raise domain.OfferExpired(f"the offer expired on {offer.expires_on}", expires_on=str(offer.expires_on))
        offer.status, offer.reason_code, offer.decided_by = wanted, command.reason_code, actor.identity
        entry.status = ShortlistStatus.ACCEPTED if wanted is OfferStatus.ACCEPTED else ShortlistStatus.DECLINED
        session.add_all([offer, entry])
        event: OfferAccepted | OfferDeclined = (
            OfferAccepted(**entry_ids(entry), offer_id=offer.id)
            if wanted is OfferStatus.ACCEPTED
            else OfferDeclined(**entry_ids(entry), offer_id=offer.id, reason_code=command.reason_code or "OTHER")
        )
        await publish(session, event, "shortlist")
        audit.record(session, actor, f"offer.{command.answer}", "offer", offer.id, {"reason_code": command.reason_code})
    return offer


async def withdraw_offer(ctx: MatchingContext, actor: Principal, command: WithdrawOffer) -> OfferRecord:
    """The employer withdraws an open or accepted offer (before a contract is signed); the journey re-routes."""
    async with transaction(ctx.sessions) as session:
        offer, entry = await load_offer(session, command.offer_id, actor, lock=True)
        if offer.status == OfferStatus.WITHDRAWN:
            return offer
        if offer.status not in (OfferStatus.OPEN, OfferStatus.ACCEPTED) or entry.status == ShortlistStatus.CONTRACTED:
            raise domain.IllegalTransition(f"the offer is {offer.status}", current_status=offer.status)
        offer.status, offer.reason_code, offer.decided_by = OfferStatus.WITHDRAWN, command.reason_code, actor.identity
        entry.status = ShortlistStatus.WITHDRAWN
        session.add_all([offer, entry])
        event = OfferWithdrawn(**entry_ids(entry), offer_id=offer.id, reason_code=command.reason_code)
        await publish(session, event, "shortlist")
        audit.record(session, actor, "offer.withdraw", "offer", offer.id, {"reason_code": command.reason_code})
    return offer
