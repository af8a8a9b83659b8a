"""Cost lines of the visa stage with their payer (FR-01); monitoring's ledger reads them from the events."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.visa import VisaCostRecorded
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.problems import invalid
from services.visa import domain
from services.visa.commands import RecordCost
from services.visa.context import VisaContext, case_ids, load_case, publish
from services.visa.domain import CaseStatus
from services.visa.tables import CostLineRecord, VisaCaseRecord


async def add_cost(
    session: AsyncSession, actor: Principal, case: VisaCaseRecord, *, category: str, amount_cents: int,
    currency: str, payer: str, payee: str, incurred_on: date,
) -> CostLineRecord:  # fmt: skip
    line = CostLineRecord(
        visa_case_id=case.id, category=category, amount_cents=amount_cents, currency=currency, payer=payer,
        payee=payee, incurred_on=incurred_on, recorded_by=actor.subject,
    )  # fmt: skip
    session.add(line)
    event = VisaCostRecorded(
        **case_ids(case), cost_line_id=line.id, category=category, amount_cents=amount_cents, currency=currency,
        payer=payer, incurred_on=incurred_on,
    )  # fmt: skip
    await publish(session, event)
    audit.record(session, actor, "visa_case.cost", "visa_case", case.id, {"category": category, "payer": payer})
    return line


async def record_cost(ctx: VisaContext, actor: Principal, command: RecordCost) -> CostLineRecord:
    """A cost line entered by an officer; a fee with a payer rule (the §81a fee) refuses a candidate payer."""
    ref = ctx.reference
    if command.category not in ref.cost_categories:
        raise invalid("#/category", f"one of {', '.join(ref.cost_categories)}")
    fee = ref.fees.get(command.category)
    if fee is not None:
        fee.ensure_payer(command.category, command.payer)
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.case_id, lock=True)
        if case.status == CaseStatus.CANCELLED and command.incurred_on > (case.cancelled_on or command.incurred_on):
            raise domain.IllegalTransition("the case was cancelled before that day", current_status=case.status)
        return await add_cost(
            session, actor, case, category=command.category, amount_cents=command.amount_cents,
            currency=command.currency, payer=command.payer, payee=command.payee, incurred_on=command.incurred_on,
        )  # fmt: skip
