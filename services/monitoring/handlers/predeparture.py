"""Pre-departure: the journey's call starts it; orientation, travel insurance and the flight complete it."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.monitoring import Departed, PredepartureCompleted
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.idempotency import concerns
from services.common.problems import invalid
from services.monitoring import domain
from services.monitoring.commands import RecordDeparture, RecordPredeparture, StartPredeparture
from services.monitoring.context import MonitoringContext, load_case, publish, today
from services.monitoring.domain import CaseStatus
from services.monitoring.handlers.followup import add_task
from services.monitoring.tables import FollowUpCaseRecord

#: Pre-departure tasks and how many days before the training start each is due.
PREDEPARTURE_TASKS = {"orientation": 28, "travel_insurance": 21, "flight_booking": 21}


async def start_predeparture(
    ctx: MonitoringContext, actor: Principal, command: StartPredeparture
) -> tuple[FollowUpCaseRecord, bool]:
    """Open the follow-up with its pre-departure tasks; a repeat answers the same follow-up (False)."""
    async with transaction(ctx.sessions) as session:
        concerns(command.candidate_id)
        case = await session.get(FollowUpCaseRecord, command.candidate_id, with_for_update=True)
        if case is not None:
            if case.employer_id != command.employer_id and case.status in (CaseStatus.PREDEPARTURE, CaseStatus.READY):
                await _new_placement(session, actor, case, command)  # re-matched before leaving: travel anew
            return case, False
        case = FollowUpCaseRecord(
            candidate_id=command.candidate_id, employer_id=command.employer_id, status=CaseStatus.PREDEPARTURE,
            training_starts_on=command.training_starts_on,
        )  # fmt: skip
        session.add(case)
        start = command.training_starts_on or today() + timedelta(days=42)
        for task, days in PREDEPARTURE_TASKS.items():
            due = max(start - timedelta(days=days), today())
            add_task(session, command.candidate_id, task, due, command.employer_id, "predeparture")
        audit.record(session, actor, "follow_up.start", "follow_up", case.candidate_id, {"status": case.status})
    return case, True


async def _new_placement(
    session: AsyncSession, actor: Principal, case: FollowUpCaseRecord, command: StartPredeparture
) -> None:
    """Another training company before departure: orientation and insurance stand, the journey is planned
    again for the new start (flight, dates) and the follow-up waits for it."""
    before = case.employer_id
    case.employer_id, case.training_starts_on, case.status = (
        command.employer_id,
        command.training_starts_on,
        CaseStatus.PREDEPARTURE,
    )
    case.flight_booked_on = case.planned_departure_on = case.planned_arrival_on = None
    case.predeparture_completed_on = None
    session.add(case)
    start = command.training_starts_on or today() + timedelta(days=42)
    due = max(start - timedelta(days=PREDEPARTURE_TASKS["flight_booking"]), today())
    add_task(session, case.candidate_id, "flight_booking", due, command.employer_id, "predeparture")
    audit.record(session, actor, "follow_up.new_placement", "follow_up", case.candidate_id,
                 {"employer_id": [str(before), str(command.employer_id)]})  # fmt: skip


async def record_predeparture(
    ctx: MonitoringContext, actor: Principal, command: RecordPredeparture
) -> FollowUpCaseRecord:
    """Record the pre-departure steps done; when all are, `predeparture_completed` is published once."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.candidate_id, lock=True)
        domain.ensure_move("predeparture", case.status)
        fields = ("orientation_on", "travel_insurance_on", "flight_booked_on", "planned_departure_on",
                  "planned_arrival_on")  # fmt: skip
        changed = {name: getattr(command, name) for name in fields if getattr(command, name) is not None}
        if not changed:
            raise invalid("#", "name at least one step")
        for name, value in changed.items():
            setattr(case, name, value)
        _check_dates(case)
        done = all(getattr(case, name) is not None for name in fields)
        if done:
            case.status, case.predeparture_completed_on = (
                CaseStatus.READY,
                max(d for d in (case.orientation_on, case.travel_insurance_on, case.flight_booked_on) if d),
            )
            assert case.planned_departure_on is not None
            await publish(session, PredepartureCompleted(
                candidate_id=case.candidate_id, employer_id=case.employer_id,
                completed_on=case.predeparture_completed_on, departure_on=case.planned_departure_on,
            ))  # fmt: skip
        session.add(case)
        audit.record(
            session, actor, "follow_up.predeparture", "follow_up", case.candidate_id, {"steps": sorted(changed)}
        )
    return case


def _check_dates(case: FollowUpCaseRecord) -> None:
    departure, arrival, start = case.planned_departure_on, case.planned_arrival_on, case.training_starts_on
    if departure and arrival and arrival < departure:
        raise invalid("#/planned_arrival_on", "the arrival cannot come before the departure")
    if arrival and start and arrival >= start:
        raise invalid("#/planned_arrival_on", f"the arrival must come before the training starts ({start})")


async def record_departure(ctx: MonitoringContext, actor: Principal, command: RecordDeparture) -> FollowUpCaseRecord:
    """The actual day the apprentice left (the ICLS flow counts it)."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.candidate_id, lock=True)
        domain.ensure_move("depart", case.status)
        if command.departed_on > today():
            raise invalid("#/departed_on", "a departure is recorded once it happened")
        case.status, case.departed_on = CaseStatus.DEPARTED, command.departed_on
        session.add(case)
        event = Departed(candidate_id=case.candidate_id, employer_id=case.employer_id, departed_on=command.departed_on)
        await publish(session, event)
        audit.record(
            session, actor, "follow_up.depart", "follow_up", case.candidate_id, {"on": str(command.departed_on)}
        )
    return case
