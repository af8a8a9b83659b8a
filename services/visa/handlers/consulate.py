"""At the consulate: appointment, lodging (checklist complete), the decision, a new application or a court
action after a refusal, and the collection of the visa."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.base import Event
from contracts.visa import (
    AppointmentBooked,
    CourtActionFiled,
    ReapplicationLodged,
    VisaCollected,
    VisaGranted,
    VisaLodged,
    VisaRefused,
)
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.problems import invalid
from services.visa import domain
from services.visa.commands import BookAppointment, Collect, Decide, FileCourtAction, Lodge
from services.visa.context import VisaContext, case_ids, load_case, publish
from services.visa.domain import CaseStatus
from services.visa.handlers.cases import items_of
from services.visa.handlers.costs import add_cost
from services.visa.reference import Fee
from services.visa.tables import VisaCaseRecord


async def book_appointment(ctx: VisaContext, actor: Principal, command: BookAppointment) -> VisaCaseRecord:
    """An appointment booked (or moved) at TLScontact or through the online portal."""
    channel = command.channel or None
    if channel is not None and channel not in ctx.reference.channels:
        raise invalid("#/channel", f"one of {', '.join(ctx.reference.channels)}")
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True)
        if case.appointment_at == command.appointment_at and (channel is None or channel == case.channel):
            return case
        domain.ensure_move("book_appointment", case.status)
        case.status, case.appointment_at, case.channel = (
            CaseStatus.APPOINTMENT_BOOKED,
            command.appointment_at,
            channel or case.channel,
        )
        session.add(case)
        event = AppointmentBooked(
            **case_ids(case), appointment_at=command.appointment_at, consulate=case.consulate, channel=case.channel
        )
        await publish(session, event)
        audit.record(session, actor, "visa_case.appointment", "visa_case", case.id, {"channel": case.channel})
    return case


async def _complete(session: AsyncSession, case: VisaCaseRecord) -> None:
    missing = domain.missing_items((i.code, i.status, i.required) for i in await items_of(session, case.id))
    if missing:
        raise domain.ChecklistIncomplete(f"not verified: {', '.join(missing)}", missing=missing)


def _visa_fee(ctx: VisaContext, payer: str) -> Fee:
    fee = ctx.reference.fees["visa_fee"]
    fee.ensure_payer("the visa fee", payer)
    return fee


async def _lodged(
    ctx: VisaContext,
    actor: Principal,
    session: AsyncSession,
    case: VisaCaseRecord,
    command: Lodge,
    payer: str,
    event_of: Callable[[date], Event],
) -> None:
    """Every required document verified: the case is lodged (again), the event published with the decision's
    due day, and the visa fee charged to its payer."""
    await _complete(session, case)
    fee, lodged_on = _visa_fee(ctx, payer), command.lodged_on
    due = ctx.reference.periods.decision_due_on(lodged_on, case.accelerated)
    case.status, case.lodged_on, case.decision_due_on = CaseStatus.LODGED, lodged_on, due
    case.applications += 1
    case.refused_on = case.refusal_reason_code = None
    session.add(case)
    await publish(session, event_of(due))
    await add_cost(
        session, actor, case, category="visa_fee", amount_cents=fee.amount_cents, currency=fee.currency,
        payer=payer, payee=case.consulate, incurred_on=lodged_on,
    )  # fmt: skip


async def lodge(ctx: VisaContext, actor: Principal, command: Lodge, visa_fee_payer: str) -> VisaCaseRecord:
    """The application is lodged at the appointment (biometrics); every required document must be verified.
    The visa fee is recorded as a cost line with its payer."""
    _visa_fee(ctx, visa_fee_payer)
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True)
        if case.lodged_on == command.lodged_on and case.status != CaseStatus.APPOINTMENT_BOOKED:
            return case
        domain.ensure_move("lodge", case.status)
        await _lodged(
            ctx, actor, session, case, command, visa_fee_payer,
            lambda due: VisaLodged(**case_ids(case), lodged_on=command.lodged_on, decision_due_on=due),
        )  # fmt: skip
        audit.record(session, actor, "visa_case.lodge", "visa_case", case.id, {"application": case.applications})
    return case


def _check_decision(ctx: VisaContext, case: VisaCaseRecord, command: Decide) -> None:
    if case.lodged_on and command.decided_on < case.lodged_on:
        raise invalid("#/decided_on", f"not before the application was lodged ({case.lodged_on})")
    if command.outcome == "granted":
        if command.valid_from is None or command.valid_until is None or command.valid_until <= command.valid_from:
            raise invalid("#/valid_until", "a grant needs valid_from and a later valid_until")
    elif command.reason_code not in ctx.reference.visa_refusal_reasons:
        raise invalid("#/reason_code", f"a refusal needs one of {', '.join(ctx.reference.visa_refusal_reasons)}")


async def decide(ctx: VisaContext, actor: Principal, command: Decide) -> VisaCaseRecord:
    """The consulate's decision (or the court's outcome entered by an officer); the same decision is a 2xx."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True)
        if case.status == command.outcome and (case.refused_on or case.valid_from) is not None:
            return case
        domain.ensure_move("decide", case.status)
        _check_decision(ctx, case, command)
        before = case.status
        if command.outcome == "granted":
            case.status, case.valid_from, case.valid_until = CaseStatus.GRANTED, command.valid_from, command.valid_until
            event: VisaGranted | VisaRefused = VisaGranted(
                **case_ids(case), valid_from=command.valid_from, valid_until=command.valid_until,
                decided_on=command.decided_on,
            )  # fmt: skip
        else:
            until = ctx.reference.periods.court_action_until(command.decided_on)
            case.status, case.refused_on, case.refusal_reason_code = (
                CaseStatus.REFUSED,
                command.decided_on,
                command.reason_code,
            )
            event = VisaRefused(
                **case_ids(case), refused_on=command.decided_on, reason_code=str(command.reason_code),
                court_action_until=until,
            )  # fmt: skip
        session.add(case)
        await publish(session, event)
        changes = {"status": [before, case.status], "reason_code": command.reason_code}
        audit.record(session, actor, "visa_case.decision", "visa_case", case.id, changes)
    return case


async def reapply(ctx: VisaContext, actor: Principal, command: Lodge, visa_fee_payer: str) -> VisaCaseRecord:
    """After a refusal, a new application with better documents (the checklist is complete again)."""
    _visa_fee(ctx, visa_fee_payer)
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True)
        if case.status == CaseStatus.LODGED and case.lodged_on == command.lodged_on and case.applications > 1:
            return case
        domain.ensure_move("reapply", case.status)
        if case.refused_on and command.lodged_on < case.refused_on:
            raise invalid("#/lodged_on", f"after the refusal ({case.refused_on})")
        await _lodged(
            ctx, actor, session, case, command, visa_fee_payer,
            lambda due: ReapplicationLodged(
                **case_ids(case), lodged_on=command.lodged_on, application=case.applications, decision_due_on=due
            ),
        )  # fmt: skip
        audit.record(session, actor, "visa_case.reapply", "visa_case", case.id, {"application": case.applications})
    return case


async def file_court_action(ctx: VisaContext, actor: Principal, command: FileCourtAction) -> VisaCaseRecord:
    """An action at the Berlin administrative court, filed within one month of the refusal."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True)
        if case.status == CaseStatus.COURT_ACTION and case.court_action_filed_on == command.filed_on:
            return case
        domain.ensure_move("file_court_action", case.status)
        assert case.refused_on is not None
        until = ctx.reference.periods.court_action_until(case.refused_on)
        if not case.refused_on <= command.filed_on <= until:
            raise domain.PeriodEnded(f"an action is filed between {case.refused_on} and {until}", until=str(until))
        case.status, case.court_action_filed_on = CaseStatus.COURT_ACTION, command.filed_on
        session.add(case)
        await publish(session, CourtActionFiled(**case_ids(case), filed_on=command.filed_on))
        audit.record(session, actor, "visa_case.court_action", "visa_case", case.id, {})
    return case


async def collect(ctx: VisaContext, actor: Principal, command: Collect) -> VisaCaseRecord:
    """The visa was collected; the same collection again is a 2xx."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True)
        if case.status == CaseStatus.COLLECTED:
            return case
        domain.ensure_move("collect", case.status)
        if case.valid_from and command.collected_on < (case.refused_on or case.lodged_on or case.valid_from):
            raise invalid("#/collected_on", "after the decision")
        case.status, case.collected_on = CaseStatus.COLLECTED, command.collected_on
        session.add(case)
        await publish(session, VisaCollected(**case_ids(case), collected_on=command.collected_on))
        audit.record(session, actor, "visa_case.collect", "visa_case", case.id, {})
    return case
