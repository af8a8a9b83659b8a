"""The fair-recruitment ledger: cost lines with their payer (FR-01), alerts, document custody (FR-06), earnings.

A line is stored at once and published as `cost_recorded`; the statistics consumer sees it again and leaves
it (same id). Lines of the other services (exam fees, visa fees, the §81a fee) arrive through the consumer.
Any line paid by the worker raises an alert and a task; a reimbursement closes the alert.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.monitoring import (
    CostRecorded,
    DocumentCustodyRecorded,
    FairRecruitmentAlert,
    FairRecruitmentAlertClosed,
    FirstMonthEarningsRecorded,
)
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.idempotency import concerns
from services.common.problems import invalid, not_found
from services.monitoring import domain
from services.monitoring.commands import CloseAlert, RecordCost, RecordCustody, RecordEarnings
from services.monitoring.context import MonitoringContext, load_case, publish
from services.monitoring.domain import AlertStatus, Payer
from services.monitoring.handlers.followup import add_task
from services.monitoring.reference import ReferenceData
from services.monitoring.tables import AlertRecord, CustodyRecord, LedgerLineRecord

_cost = LedgerLineRecord.__table__  # type: ignore[attr-defined]
_alert = AlertRecord.__table__  # type: ignore[attr-defined]


async def store_line(session: AsyncSession, ref: ReferenceData, line: dict[str, object]) -> bool:
    """Insert a cost line with its EUR and MAD amounts unless its id is known; True when it is new."""
    amount, currency = int(line["amount_cents"]), str(line["currency"])  # type: ignore[call-overload]
    row = {
        **line,
        "payer": domain.payer_of(str(line["payer"])).value,
        "rate_to_eur": ref.rates.to_eur[currency],
        "amount_eur_cents": ref.rates.eur_cents(amount, currency),
        "amount_mad_cents": ref.rates.mad_cents(amount, currency),
    }
    result = await session.exec(insert(_cost).values(**row).on_conflict_do_nothing().returning(_cost.c.id))
    return result.first() is not None


async def raise_alert(
    session: AsyncSession, candidate_id: uuid.UUID, rule: str, on: date, *, cost_id: uuid.UUID | None = None,
    custody_id: uuid.UUID | None = None,
) -> bool:  # fmt: skip
    """Open an alert and a review task once per cost line or custody entry; True when it is new."""
    alert_id = uuid.uuid4()
    values = {"id": alert_id, "candidate_id": candidate_id, "rule": rule, "raised_on": on, "status": "open",
              "cost_id": cost_id, "custody_id": custody_id}  # fmt: skip
    result = await session.exec(insert(_alert).values(**values).on_conflict_do_nothing().returning(_alert.c.id))
    if result.first() is None:
        return False
    await publish(session, FairRecruitmentAlert(candidate_id=candidate_id, alert_id=alert_id, rule=rule,
                                                raised_on=on, cost_id=cost_id), "alert")  # fmt: skip
    add_task(session, candidate_id, "fair_recruitment_review", on, None, "alert")
    return True


async def record_cost(ctx: MonitoringContext, actor: Principal, command: RecordCost) -> LedgerLineRecord:
    """An officer's cost line (flight, insurance, translation...); a worker payer raises an FR-01 alert."""
    ref = ctx.reference
    if command.currency not in ref.rates.to_eur:
        raise invalid("#/currency", f"one of {', '.join(sorted(ref.rates.to_eur))} (booking rates)")
    async with transaction(ctx.sessions) as session:
        concerns(command.candidate_id)
        if command.reimburses is not None:
            original = await session.get(LedgerLineRecord, command.reimburses)
            if original is None or original.candidate_id != command.candidate_id or original.payer != Payer.WORKER:
                raise invalid("#/reimburses", "a worker-paid cost line of this candidate")
        line_id = uuid.uuid4()
        line = {"id": line_id, "candidate_id": command.candidate_id, "source": "monitoring",
                "category": command.category, "amount_cents": command.amount_cents, "currency": command.currency,
                "incurred_on": command.incurred_on, "payee": command.payee, "payer": command.payer,
                "reimburses": command.reimburses}  # fmt: skip
        await store_line(session, ref, line)
        record = await session.get(LedgerLineRecord, line_id)
        assert record is not None
        await publish(session, CostRecorded(
            candidate_id=command.candidate_id, cost_id=line_id, category=command.category,
            amount_cents=command.amount_cents, currency=command.currency, payer=command.payer, payee=command.payee,
            incurred_on=command.incurred_on, amount_eur_cents=record.amount_eur_cents, reimburses=command.reimburses,
        ), "ledger_line")  # fmt: skip
        if command.payer == Payer.WORKER and command.reimburses is None:
            await raise_alert(session, command.candidate_id, "FR-01", command.incurred_on, cost_id=line_id)
        audit.record(session, actor, "cost.record", "ledger_line", line_id,
                     {"category": command.category, "payer": command.payer})  # fmt: skip
    return record


async def close_alert(ctx: MonitoringContext, actor: Principal, command: CloseAlert) -> AlertRecord:
    """Close an alert: a reimbursement (a cost line paid back to the worker), a returned document, an error."""
    async with transaction(ctx.sessions) as session:
        alert = await session.get(AlertRecord, command.alert_id, with_for_update=True)
        if alert is None:
            raise not_found("alert", command.alert_id)
        concerns(alert.candidate_id)
        if alert.status == AlertStatus.CLOSED:
            if alert.resolution == command.resolution:
                return alert
            raise domain.IllegalTransition(f"closed as {alert.resolution}", current_status=alert.status)
        if command.resolution == "REIMBURSED":
            alert.reimbursement_cost_id = await _reimburse(ctx, session, alert, command)
        alert.status, alert.closed_on, alert.resolution = AlertStatus.CLOSED, command.closed_on, command.resolution
        session.add(alert)
        await publish(session, FairRecruitmentAlertClosed(
            candidate_id=alert.candidate_id, alert_id=alert.id, closed_on=command.closed_on,
            resolution=command.resolution,
        ), "alert")  # fmt: skip
        audit.record(session, actor, "alert.close", "alert", alert.id, {"resolution": command.resolution})
    return alert


async def _reimburse(
    ctx: MonitoringContext, session: AsyncSession, alert: AlertRecord, command: CloseAlert
) -> uuid.UUID:
    if alert.cost_id is None:
        raise invalid("#/resolution", "only a cost alert (FR-01) is reimbursed")
    original = await session.get(LedgerLineRecord, alert.cost_id)
    assert original is not None
    amount = command.reimbursement_cents if command.reimbursement_cents is not None else original.amount_cents
    currency = command.reimbursement_currency or original.currency
    if ctx.reference.rates.eur_cents(amount, currency) < original.amount_eur_cents:
        raise invalid("#/reimbursement_cents", "a reimbursement pays back the whole line")
    line_id = uuid.uuid4()
    payer = command.reimbursed_by or "employer"
    line = {"id": line_id, "candidate_id": alert.candidate_id, "source": "monitoring", "category": original.category,
            "amount_cents": amount, "currency": currency, "incurred_on": command.closed_on, "payee": "worker",
            "payer": payer, "reimburses": original.id}  # fmt: skip
    await store_line(session, ctx.reference, line)
    await publish(session, CostRecorded(
        candidate_id=alert.candidate_id, cost_id=line_id, category=original.category, amount_cents=amount,
        currency=currency, payer=payer, payee="worker", incurred_on=command.closed_on, reimburses=original.id,
        amount_eur_cents=ctx.reference.rates.eur_cents(amount, currency),
    ), "ledger_line")  # fmt: skip
    return line_id


async def record_custody(
    ctx: MonitoringContext, actor: Principal, command: RecordCustody
) -> tuple[CustodyRecord, bool]:
    """Who holds an identity document; an employer or a recruiter holding one raises an FR-06 alert."""
    async with transaction(ctx.sessions) as session:
        await load_case(session, command.candidate_id)
        entry = CustodyRecord(
            candidate_id=command.candidate_id,
            document_type=command.document_type,
            holder=command.holder,
            recorded_on=command.recorded_on,
            recorded_by=actor.subject,
        )
        session.add(entry)
        await session.flush()
        await publish(session, DocumentCustodyRecorded(
            candidate_id=command.candidate_id, document_type=command.document_type, holder=command.holder,
            recorded_on=command.recorded_on,
        ), "custody")  # fmt: skip
        alerted = command.holder in ctx.reference.custody_forbidden
        if alerted:
            await raise_alert(session, command.candidate_id, "FR-06", command.recorded_on, custody_id=entry.id)
        audit.record(session, actor, "custody.record", "custody", entry.id,
                     {"document_type": command.document_type, "holder": command.holder})  # fmt: skip
    return entry, alerted


async def record_earnings(ctx: MonitoringContext, actor: Principal, command: RecordEarnings) -> None:
    """The reported gross pay of the first month in Germany (replaces the contract's for SDG 10.7.1)."""
    if command.currency not in ctx.reference.rates.to_eur:
        raise invalid("#/currency", f"one of {', '.join(sorted(ctx.reference.rates.to_eur))} (booking rates)")
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.candidate_id, lock=True)
        if case.arrived_on is None:
            raise domain.IllegalTransition("the first month starts with the arrival", current_status=case.status)
        case.first_month_gross_cents, case.first_month_currency = command.gross_cents, command.currency
        session.add(case)
        await publish(session, FirstMonthEarningsRecorded(
            candidate_id=case.candidate_id, month=command.month.replace(day=1), gross_cents=command.gross_cents,
            currency=command.currency, source="reported",
        ), "earnings")  # fmt: skip
        audit.record(session, actor, "earnings.record", "follow_up", case.candidate_id, {})
