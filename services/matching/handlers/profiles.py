"""Pseudonymous profiles from the applications and training events (consumer side).

Facts are kept per candidate id (codes, levels, dates; never a name or contact) so the profile is whole
when the candidate gives consent. Only with consent to share with employers (`sharing_employers`) is a
profile matchable: listed, ranked, shown on a shortlist. A revocation removes it from all of these at once
and withdraws the candidate from open shortlists. An erasure empties the row and keeps it as a tombstone
(no data, just the time of the erasure), so events that arrive later cannot build the profile again.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts import applications as app_events
from contracts import training as training_events
from contracts.base import Event
from contracts.envelope import Envelope
from services.matching.context import MatchingContext
from services.matching.domain import ShortlistStatus
from services.matching.handlers.ranking import rank_waiting_requests
from services.matching.tables import ProfileRecord, ShortlistRecord

MATCHING_CONSENT = "sharing_employers"


async def _profile(session: AsyncSession, candidate_id: uuid.UUID) -> ProfileRecord:
    """The candidate's profile (already read and locked by the message's handler wrapper), or a new one."""
    profile = await session.get(ProfileRecord, candidate_id)
    return profile if profile is not None else ProfileRecord(candidate_id=candidate_id)


class ProfileProjection:
    """Event handlers that keep the profile table; each runs in the consumer's transaction for the message."""

    def __init__(self, ctx: MatchingContext) -> None:
        self.ctx = ctx

    def handlers(self) -> dict[str, Any]:
        table: dict[type[Event], Any] = {
            app_events.ApplicationSubmitted: self.submitted,
            app_events.ApplicationPreselected: self.preselected,
            app_events.ApplicationRejected: self.left,
            app_events.ApplicationWithdrawn: self.left,
            app_events.ConsentChanged: self.consent,
            app_events.CandidateErased: self.erased,
            training_events.Enrolled: self.enrolled,
            training_events.LevelReached: self.level,
            training_events.ExamPassed: self.certified,
            training_events.TrainingDroppedOut: self.left,
        }
        return {event_class.TYPE: self._wrap(handler) for event_class, handler in table.items()}

    def _wrap(self, handler: Any) -> Any:
        async def apply(event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
            assert session is not None
            candidate_id = getattr(event, "candidate_id")  # noqa: B009
            known = await session.get(ProfileRecord, candidate_id, with_for_update=True)  # the handlers reuse it
            if known is not None and known.erased_at is not None:
                return  # an erased candidate: nothing about them is kept again
            profile: ProfileRecord | None = await handler(session, event)
            if profile is None:
                return
            was_matchable = profile.matchable
            self._settle(profile)
            session.add(profile)
            await session.flush()
            if profile.matchable and not was_matchable:
                await rank_waiting_requests(self.ctx, session, profile.candidate_id)
            if was_matchable and not profile.matchable:
                await _withdraw_open_entries(session, profile.candidate_id)

        return apply

    def _settle(self, profile: ProfileRecord) -> None:
        """Availability and whether the profile may be used for matching at all."""
        ref = self.ctx.reference
        ready = profile.certified_on or (
            profile.course_starts_on + timedelta(days=ref.expected_course_days) if profile.course_starts_on else None
        )
        profile.available_from = ready + timedelta(days=ref.availability_lead_days) if ready else None
        profile.matchable = profile.consent and profile.active and bool(profile.occupation_codes)

    async def submitted(self, session: AsyncSession, e: app_events.ApplicationSubmitted) -> ProfileRecord:
        profile = await _profile(session, e.candidate_id)
        profile.region, profile.active = e.region, True
        profile.occupation_codes = list(dict.fromkeys([*profile.occupation_codes[:1], *e.occupation_codes]))
        return profile

    async def preselected(self, session: AsyncSession, e: app_events.ApplicationPreselected) -> ProfileRecord:
        profile = await _profile(session, e.candidate_id)
        profile.occupation_codes = list(dict.fromkeys([e.occupation_code, *profile.occupation_codes]))
        return profile

    async def left(self, session: AsyncSession, e: Any) -> ProfileRecord:
        profile = await _profile(session, e.candidate_id)
        profile.active = False
        return profile

    async def consent(self, session: AsyncSession, e: app_events.ConsentChanged) -> ProfileRecord | None:
        if e.purpose != MATCHING_CONSENT:
            return None
        profile = await _profile(session, e.candidate_id)
        if profile.consent_changed_at is None or e.changed_at >= profile.consent_changed_at:
            profile.consent, profile.consent_changed_at = e.granted, e.changed_at
        return profile

    async def erased(self, session: AsyncSession, e: app_events.CandidateErased) -> None:
        await _withdraw_open_entries(session, e.candidate_id)
        await session.exec(sa.delete(ProfileRecord).where(col(ProfileRecord.candidate_id) == e.candidate_id))
        session.add(ProfileRecord(candidate_id=e.candidate_id, erased_at=e.erased_at, active=False))

    async def enrolled(self, session: AsyncSession, e: training_events.Enrolled) -> ProfileRecord:
        profile = await _profile(session, e.candidate_id)
        profile.course_starts_on, profile.target_level = e.starts_on, e.target_level.value
        return profile

    async def level(self, session: AsyncSession, e: training_events.LevelReached) -> ProfileRecord:
        profile = await _profile(session, e.candidate_id)
        profile.level = _higher(profile.level, e.level.value)
        return profile

    async def certified(self, session: AsyncSession, e: training_events.ExamPassed) -> ProfileRecord:
        profile = await _profile(session, e.candidate_id)
        profile.level = _higher(profile.level, e.level.value)
        profile.certified_on = e.taken_on
        return profile


def _higher(current: str | None, new: str) -> str:
    order = [level.value for level in training_events.CefrLevel]
    return new if current is None or order.index(new) > order.index(current) else current


async def _withdraw_open_entries(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """Without consent (or after erasure) no employer keeps the candidate on a shortlist not yet contracted."""
    await session.exec(
        sa.update(ShortlistRecord)
        .where(col(ShortlistRecord.candidate_id) == candidate_id)
        .where(col(ShortlistRecord.status).in_([ShortlistStatus.SHORTLISTED, ShortlistStatus.OFFERED]))
        .values(status=ShortlistStatus.WITHDRAWN)
    )
