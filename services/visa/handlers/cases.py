"""Open a case (the journey's call), cancel it (compensation), and keep its document checklist."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.visa import ChecklistCompleted, VisaCaseCancelled, VisaCaseOpened
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.idempotency import concerns
from services.common.problems import invalid
from services.visa import domain
from services.visa.commands import CancelCase, OpenCase, UpdateItem
from services.visa.context import VisaContext, case_ids, load_case, publish
from services.visa.domain import ApprovalStatus, CaseStatus, ItemStatus
from services.visa.tables import ChecklistItemRecord, VisaCaseRecord


def today() -> date:
    return datetime.now(UTC).date()


async def open_case(ctx: VisaContext, actor: Principal, command: OpenCase) -> tuple[VisaCaseRecord, bool]:
    """Open the case of a signed contract with its checklist; a repeat for the same contract is the same case.

    Returns the case and whether this call opened it. Another live case of the candidate is a conflict: the
    journey cancels a case before it opens the next one."""
    concerns(command.candidate_id)
    ref = ctx.reference
    country = command.country or ref.default_country
    if country not in ref.consulates:
        raise invalid("#/country", f"one of {', '.join(ref.consulates)}")
    async with transaction(ctx.sessions) as session:
        live = (
            await session.exec(
                select(VisaCaseRecord)
                .where(col(VisaCaseRecord.candidate_id) == command.candidate_id)
                .where(col(VisaCaseRecord.status) != CaseStatus.CANCELLED)
                .with_for_update()
            )
        ).first()
        if live is not None:
            if live.contract_id == command.contract_id:
                return live, False
            raise domain.CaseConflict(
                f"case {live.id} is {live.status} for contract {live.contract_id}; cancel it first",
                visa_case_id=str(live.id),
            )
        case = VisaCaseRecord(
            candidate_id=command.candidate_id, contract_id=command.contract_id,
            contract_version=command.contract_version, employer_id=command.employer_id,
            consulate=ref.consulates[country], channel=command.channel or ref.default_channel,
            accelerated=command.accelerated, status=CaseStatus.OPENED, planned_entry_on=command.planned_entry_on,
            opened_on=today(), approval_status=ApprovalStatus.NOT_REQUESTED,
        )  # fmt: skip
        session.add(case)
        await session.flush()
        for entry in ref.checklist:
            status = domain.initial_status(entry, case.accelerated)
            session.add(
                ChecklistItemRecord(
                    visa_case_id=case.id,
                    code=entry.code,
                    required=entry.required_for(case.accelerated),
                    status=status,
                    changed_by="system",
                )
            )
        event = VisaCaseOpened(
            **case_ids(case), contract_id=case.contract_id, consulate=case.consulate, accelerated=case.accelerated,
            opened_on=case.opened_on,
        )  # fmt: skip
        await publish(session, event)
        audit.record(session, actor, "visa_case.open", "visa_case", case.id, {"accelerated": case.accelerated})
    return case, True


async def cancel_case(ctx: VisaContext, actor: Principal, command: CancelCase) -> tuple[VisaCaseRecord, bool]:
    """Compensation: the offer or the contract fell away; a cancelled case is returned unchanged (False)."""
    if command.reason_code not in ctx.reference.cancel_reasons:
        raise invalid("#/reason_code", f"one of {', '.join(ctx.reference.cancel_reasons)}")
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True, candidate_id=command.candidate_id)
        if case.status == CaseStatus.CANCELLED:
            return case, False
        before = case.status
        case.status, case.cancelled_on, case.cancel_reason_code = (
            CaseStatus.CANCELLED,
            today(),
            command.reason_code,
        )
        session.add(case)
        event = VisaCaseCancelled(**case_ids(case), cancelled_on=case.cancelled_on, reason_code=command.reason_code)
        await publish(session, event)
        changes = {"status": [before, case.status], "reason_code": command.reason_code}
        audit.record(session, actor, "visa_case.cancel", "visa_case", case.id, changes)
    return case, True


async def items_of(session: AsyncSession, case_id: object) -> list[ChecklistItemRecord]:
    statement = select(ChecklistItemRecord).where(col(ChecklistItemRecord.visa_case_id) == case_id)
    return list((await session.exec(statement.order_by(col(ChecklistItemRecord.code)))).all())


def _check_item(ctx: VisaContext, case: VisaCaseRecord, item: ChecklistItemRecord, command: UpdateItem) -> None:
    status = ItemStatus(command.status)
    if status is ItemStatus.REJECTED and command.reason_code not in ctx.reference.rejection_reasons:
        raise invalid("#/reason_code", f"a rejection needs one of {', '.join(ctx.reference.rejection_reasons)}")
    if status is ItemStatus.NOT_NEEDED and item.required:
        raise invalid("#/status", f"{item.code} is required for this case")
    if item.code == "PASSPORT" and status is ItemStatus.VERIFIED:
        if command.passport_valid_until is None:
            raise invalid("#/passport_valid_until", "an officer confirms the passport's validity (the date only)")
        entry = case.planned_entry_on or case.opened_on
        if not ctx.reference.periods.passport_long_enough(command.passport_valid_until, entry):
            months = ctx.reference.periods.passport_validity_months
            raise domain.PassportTooShort(
                f"valid until {command.passport_valid_until}; needs {months} months after {entry}"
            )


async def update_item(ctx: VisaContext, actor: Principal, command: UpdateItem) -> ChecklistItemRecord:
    """Mark a document provided, verified (by whom), rejected (why) or not needed; the last required item
    verified publishes `checklist_completed`."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True)
        if case.status in (CaseStatus.CANCELLED, CaseStatus.GRANTED, CaseStatus.COLLECTED):
            raise domain.IllegalTransition(f"the case is {case.status}", current_status=case.status)
        items = {i.code: i for i in await items_of(session, case.id)}
        item = items.get(command.code)
        if item is None:
            raise invalid("#/code", f"one of {', '.join(sorted(items))}")
        _check_item(ctx, case, item, command)
        before = item.status
        item.status, item.reason_code, item.changed_by = command.status, command.reason_code, actor.subject
        item.passport_valid_until = command.passport_valid_until if item.code == "PASSPORT" else None
        session.add(item)
        missing = domain.missing_items((i.code, i.status, i.required) for i in items.values())
        if not missing and case.checklist_completed_on is None:
            case.checklist_completed_on = today()
            await publish(session, ChecklistCompleted(**case_ids(case), completed_on=case.checklist_completed_on))
        elif missing:
            case.checklist_completed_on = None
        session.add(case)
        changes = {"item": item.code, "status": [before, item.status], "reason_code": command.reason_code}
        audit.record(session, actor, "visa_case.checklist", "visa_case", case.id, changes)
    return item
