"""Arrival and the first weeks: registration (14 days), bank account, health insurance, school, the permit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from contracts.monitoring import (
    AddressRegistered,
    ArrivalConfirmed,
    ArrivalStepRecorded,
    ResidencePermitApplied,
    ResidencePermitIssued,
    TrainingStarted,
)
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.problems import invalid
from services.monitoring import domain
from services.monitoring.commands import ConfirmArrival, RecordArrivalStep
from services.monitoring.context import MonitoringContext, load_case, publish, today
from services.monitoring.domain import CaseStatus
from services.monitoring.handlers.followup import add_task
from services.monitoring.tables import FollowUpCaseRecord

#: Step -> the follow-up's column for it.
STEP_COLUMNS = {
    "address_registration": "address_registered_on",
    "bank_account": "bank_account_on",
    "health_insurance": "health_insurance_on",
    "school_start": "school_start_on",
    "training_start": "training_started_on",
    "residence_permit_applied": "permit_applied_on",
    "residence_permit_issued": "permit_issued_on",
}


async def confirm_arrival(ctx: MonitoringContext, actor: Principal, command: ConfirmArrival) -> FollowUpCaseRecord:
    """The apprentice arrived: `arrival_confirmed` (the journey starts its follow-up) and the first weeks' tasks."""
    ref = ctx.reference
    if command.land not in ref.lander:
        raise invalid("#/land", "an ISO 3166-2:DE code, e.g. DE-BY")
    if command.arrived_on > today():
        raise invalid("#/arrived_on", "an arrival is confirmed once it happened")
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.candidate_id, lock=True)
        if case.arrived_on is not None and case.arrived_on == command.arrived_on and case.land == command.land:
            return case  # a repeat
        domain.ensure_move("arrive", case.status)
        if case.departed_on and command.arrived_on < case.departed_on:
            raise invalid("#/arrived_on", f"before the departure ({case.departed_on})")
        case.status, case.arrived_on, case.land = CaseStatus.ARRIVED, command.arrived_on, command.land
        case.departed_on = case.departed_on or command.arrived_on  # a direct flight: same day
        session.add(case)
        due = command.arrived_on + timedelta(days=ref.address_registration_days)
        for step in ref.arrival_steps:
            add_task(session, case.candidate_id, step, due, case.employer_id, "arrival")
        start = max(case.training_starts_on or due, command.arrived_on)
        add_task(session, case.candidate_id, "training_start", start, case.employer_id, "arrival")
        event = ArrivalConfirmed(
            candidate_id=case.candidate_id, employer_id=case.employer_id, arrived_on=command.arrived_on,
            land=command.land,
        )  # fmt: skip
        await publish(session, event)
        audit.record(session, actor, "follow_up.arrive", "follow_up", case.candidate_id, {"land": command.land})
    return case


async def record_arrival_step(
    ctx: MonitoringContext, actor: Principal, command: RecordArrivalStep
) -> FollowUpCaseRecord:
    """One step of the first weeks; the permit's issue needs its validity."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.candidate_id, lock=True)
        domain.ensure_move("settle", case.status)
        assert case.arrived_on is not None
        if command.done_on < case.arrived_on or command.done_on > today():
            raise invalid("#/done_on", f"between the arrival ({case.arrived_on}) and today")
        column = STEP_COLUMNS[command.step]
        if getattr(case, column) == command.done_on:
            return case  # a repeat
        setattr(case, column, command.done_on)
        if command.step == "training_start" and case.status == CaseStatus.ARRIVED:
            case.status = CaseStatus.IN_TRAINING
        await publish(session, _step_event(case, command))
        session.add(case)
        audit.record(session, actor, "follow_up.step", "follow_up", case.candidate_id, {"step": command.step})
    return case


def _step_event(case: FollowUpCaseRecord, command: RecordArrivalStep) -> Any:
    ids: dict[str, Any] = {"candidate_id": case.candidate_id, "employer_id": case.employer_id}
    if command.step == "address_registration":
        return AddressRegistered(**ids, registered_on=command.done_on)
    if command.step == "training_start":
        return TrainingStarted(**ids, started_on=command.done_on)
    if command.step == "residence_permit_applied":
        return ResidencePermitApplied(**ids, applied_on=command.done_on)
    if command.step == "residence_permit_issued":
        if command.valid_until is None or command.valid_until <= command.done_on:
            raise invalid("#/valid_until", "the permit's last day of validity, after its issue")
        case.permit_valid_until = command.valid_until
        return ResidencePermitIssued(**ids, issued_on=command.done_on, valid_until=command.valid_until)
    return ArrivalStepRecorded(**ids, step=command.step, done_on=command.done_on)
