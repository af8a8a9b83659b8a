"""The BA's labour-market approval (request, answer, deemed approval) and the §81a agreement and pre-approval."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.visa import (
    AcceleratedProcedureAgreed,
    AppointmentRequested,
    LabourApprovalDeemed,
    LabourApprovalGranted,
    LabourApprovalRefused,
    LabourApprovalRequested,
    PreapprovalIssued,
)
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.problems import invalid
from services.visa import domain
from services.visa.commands import AgreeAccelerated, DecideApproval, DeemApproval, IssuePreapproval, RequestApproval
from services.visa.context import VisaContext, case_ids, load_case, publish
from services.visa.domain import APPROVED, ApprovalStatus, CaseStatus
from services.visa.handlers.cases import today
from services.visa.handlers.costs import add_cost
from services.visa.tables import LabourApprovalRecord, VisaCaseRecord


async def latest_request(session: AsyncSession, case_id: object) -> LabourApprovalRecord | None:
    statement = select(LabourApprovalRecord).where(col(LabourApprovalRecord.visa_case_id) == case_id)
    return (await session.exec(statement.order_by(col(LabourApprovalRecord.attempt).desc()).limit(1))).first()


async def request_appointment(session: AsyncSession, case: VisaCaseRecord) -> None:
    """With the approval in place (standard) or the pre-approval issued (§81a), ask for an appointment."""
    if case.status != CaseStatus.OPENED:
        return
    case.status, case.appointment_requested_on = CaseStatus.APPOINTMENT_REQUESTED, today()
    event = AppointmentRequested(
        **case_ids(case), requested_on=case.appointment_requested_on, channel=case.channel, consulate=case.consulate
    )
    await publish(session, event)


async def agree_accelerated(ctx: VisaContext, actor: Principal, command: AgreeAccelerated) -> VisaCaseRecord:
    """The employer and the ABH agreed the §81a procedure; its fee is a cost line (never the candidate's)."""
    fee = ctx.reference.fees["fee_81a"]
    if command.authority not in ctx.reference.authorities:
        raise invalid("#/authority", f"one of {', '.join(ctx.reference.authorities)}")
    fee.ensure_payer("the §81a fee", command.fee_payer)
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True)
        if not case.accelerated:
            raise domain.NotAccelerated("the case was opened without the §81a procedure")
        if case.agreement_on is not None:
            return case
        domain.ensure_move("agree_accelerated", case.status)
        case.agreement_on, case.agreement_authority = command.agreed_on, command.authority
        case.fee_81a_payer = command.fee_payer
        session.add(case)
        event = AcceleratedProcedureAgreed(
            **case_ids(case), agreed_on=command.agreed_on, authority=command.authority, fee_payer=command.fee_payer
        )
        await publish(session, event)
        await add_cost(
            session, actor, case, category="fee_81a", amount_cents=fee.amount_cents, currency=fee.currency,
            payer=command.fee_payer, payee=command.authority, incurred_on=command.agreed_on,
        )  # fmt: skip
        audit.record(session, actor, "visa_case.accelerated", "visa_case", case.id, {"authority": command.authority})
    return case


async def request_approval(
    ctx: VisaContext, actor: Principal, command: RequestApproval, requested_on: date | None = None
) -> tuple[LabourApprovalRecord, bool]:
    """Ask the BA (first time, or with a corrected contract). A repeat for the same contract version, or an
    approval already given, answers with that request (False)."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True, candidate_id=command.candidate_id)
        last = await latest_request(session, case.id)
        if last is not None and (last.contract_version == command.contract_version or last.status in APPROVED):
            return last, False
        domain.ensure_move("request_approval", case.status)
        if case.accelerated and case.agreement_on is None:
            raise domain.IllegalTransition(
                "under §81a the agreement with the ABH comes first", current_status=case.status
            )
        if last is not None and last.status == ApprovalStatus.REQUESTED:
            raise domain.IllegalTransition(f"request {last.attempt} is still with the BA", current_status=case.status)
        if last is not None and command.contract_version < last.contract_version:
            raise invalid("#/contract_version", f"version {last.contract_version} was already submitted")
        if case.approval_attempts >= ctx.reference.labour_approval_attempts:
            raise domain.AttemptsExhausted(f"{case.approval_attempts} requests made; a case officer decides")
        day = requested_on or today()
        record = LabourApprovalRecord(
            visa_case_id=case.id, attempt=case.approval_attempts + 1, contract_version=command.contract_version,
            authority=case.agreement_authority or "ba", requested_on=day,
            deemed_on=ctx.reference.periods.deemed_on(day, case.accelerated), status=ApprovalStatus.REQUESTED,
        )  # fmt: skip
        case.approval_attempts, case.approval_status = record.attempt, ApprovalStatus.REQUESTED
        case.contract_version = command.contract_version
        session.add_all([record, case])
        event = LabourApprovalRequested(
            **case_ids(case), requested_on=day, attempt=record.attempt, contract_version=record.contract_version,
            deemed_on=record.deemed_on,
        )  # fmt: skip
        await publish(session, event)
        audit.record(session, actor, "visa_case.approval_request", "visa_case", case.id, {"attempt": record.attempt})
    return record, True


async def _request(session: AsyncSession, case: VisaCaseRecord, attempt: int) -> LabourApprovalRecord:
    record = (
        await session.exec(
            select(LabourApprovalRecord)
            .where(col(LabourApprovalRecord.visa_case_id) == case.id)
            .where(col(LabourApprovalRecord.attempt) == attempt)
            .with_for_update()
        )
    ).first()
    if record is None:
        raise invalid("#/attempt", f"the case has {case.approval_attempts} request(s)")
    return record


async def decide_approval(
    ctx: VisaContext, actor: Principal, command: DecideApproval
) -> tuple[LabourApprovalRecord, bool]:
    """The BA's answer, as an officer (or the authorities' gateway) enters it; the same answer again is a 2xx."""
    ref = ctx.reference
    if command.outcome == "refused" and command.reason_code not in ref.labour_refusal_reasons:
        raise invalid("#/reason_code", f"a refusal needs one of {', '.join(ref.labour_refusal_reasons)}")
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True)
        record = await _request(session, case, command.attempt)
        if record.status == command.outcome:
            return record, False
        if record.status != ApprovalStatus.REQUESTED:
            raise domain.IllegalTransition(
                f"request {record.attempt} was already {record.status}", current_status=record.status
            )
        domain.ensure_move("decide_approval", case.status)
        if command.decided_on < record.requested_on:
            raise invalid("#/decided_on", f"not before the request ({record.requested_on})")
        record.status, record.decided_on, record.reason_code = command.outcome, command.decided_on, command.reason_code
        case.approval_status = command.outcome
        session.add_all([record, case])
        if command.outcome == ApprovalStatus.GRANTED:
            procedure = "81a" if case.accelerated else "ba_approval"
            event: LabourApprovalGranted | LabourApprovalRefused = LabourApprovalGranted(
                **case_ids(case), granted_on=command.decided_on, procedure=procedure, attempt=record.attempt
            )
            await publish(session, event)
            if not case.accelerated:
                await request_appointment(session, case)
        else:
            left = max(ref.labour_approval_attempts - case.approval_attempts, 0)
            event = LabourApprovalRefused(
                **case_ids(case), refused_on=command.decided_on, reason_code=str(command.reason_code),
                attempt=record.attempt, attempts_left=left,
            )  # fmt: skip
            await publish(session, event)
        changes = {"attempt": record.attempt, "outcome": command.outcome, "reason_code": command.reason_code}
        audit.record(session, actor, "visa_case.approval_decision", "visa_case", case.id, changes)
    return record, True


async def deem_approval(ctx: VisaContext, actor: Principal, command: DeemApproval) -> bool:
    """The BA's period ended without an answer: approval is deemed given. An answered request stays (False)."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True, candidate_id=command.candidate_id)
        record = await _request(session, case, command.attempt)
        if record.status != ApprovalStatus.REQUESTED or case.status == CaseStatus.CANCELLED:
            return False
        if today() < record.deemed_on:
            raise domain.IllegalTransition(f"the BA has until {record.deemed_on}", current_status=record.status)
        record.status, record.decided_on = ApprovalStatus.DEEMED, record.deemed_on
        case.approval_status = ApprovalStatus.DEEMED
        session.add_all([record, case])
        await publish(
            session, LabourApprovalDeemed(**case_ids(case), deemed_on=record.deemed_on, attempt=record.attempt)
        )
        if not case.accelerated:
            await request_appointment(session, case)
        audit.record(session, actor, "visa_case.approval_deemed", "visa_case", case.id, {"attempt": record.attempt})
    return True


async def issue_preapproval(ctx: VisaContext, actor: Principal, command: IssuePreapproval) -> VisaCaseRecord:
    """The ABH's §81a pre-approval; the consulate must now offer an appointment within 3 weeks."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True)
        if not case.accelerated:
            raise domain.NotAccelerated("a pre-approval belongs to the §81a procedure")
        if case.preapproval_issued_on is not None:
            return case
        domain.ensure_move("preapproval", case.status)
        if case.approval_status not in APPROVED:
            raise domain.IllegalTransition("the BA's approval comes first", current_status=case.approval_status)
        valid_until = command.valid_until or command.issued_on + timedelta(days=ctx.reference.preapproval_valid_days)
        if valid_until <= command.issued_on:
            raise invalid("#/valid_until", "after the day of issue")
        case.preapproval_issued_on, case.preapproval_valid_until = command.issued_on, valid_until
        due = ctx.reference.periods.appointment_due_on(command.issued_on)
        await publish(
            session,
            PreapprovalIssued(
                **case_ids(case), issued_on=command.issued_on, valid_until=valid_until, appointment_due_on=due
            ),
        )
        await request_appointment(session, case)
        session.add(case)
        audit.record(session, actor, "visa_case.preapproval", "visa_case", case.id, {"valid_until": str(valid_until)})
    return case
