"""Use cases of a case officer's decisions: pre-select or reject, and record a withdrawal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.applications import ApplicationPreselected, ApplicationRejected, ApplicationWithdrawn
from services.applications import domain
from services.applications.context import SOURCE, AppContext, load_application
from services.applications.domain import ApplicationStatus as Status
from services.applications.handlers import invalid, transition
from services.applications.schemas import Decision, DecisionCreate, WithdrawalCreate
from services.applications.tables import ApplicationRecord, DocumentRecord
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.outbox import add_event
from services.common.problems import Problem


async def decide(
    ctx: AppContext, actor: Principal, application_id: uuid.UUID, command: DecisionCreate
) -> ApplicationRecord:
    """Pre-select (eligible, checklist verified, occupation chosen) or reject, with a reason."""
    now = datetime.now(UTC)
    kind = "preselect" if command.decision is Decision.PRESELECT else "reject"
    if command.reason_code not in ctx.reference.reasons[kind]:
        raise invalid(
            "#/reason_code",
            f"unknown {kind} reason {command.reason_code!r}; one of {', '.join(ctx.reference.reasons[kind])}",
        )
    async with transaction(ctx.sessions) as session:
        application = await load_application(session, application_id, lock=True)
        before = application.status
        if command.decision is Decision.PRESELECT:
            await _check_preselectable(ctx, session, application, command)
            transition(application, Status.PRESELECTED)
            application.preselected_occupation = command.occupation_code
            event: ApplicationPreselected | ApplicationRejected = ApplicationPreselected(
                candidate_id=application.candidate_id,
                application_id=application.id,
                decided_at=now,
                reason_code=command.reason_code,
                occupation_code=str(command.occupation_code),
            )
        else:
            transition(application, Status.REJECTED)
            event = ApplicationRejected(
                candidate_id=application.candidate_id,
                application_id=application.id,
                decided_at=now,
                reason_code=command.reason_code,
            )
        application.decision_reason_code, application.decision_note, application.decided_at = (
            command.reason_code,
            command.note,
            now,
        )
        session.add(application)
        await add_event(session, event, source=SOURCE, aggregate_type="application", occurred_at=now)
        audit.record(
            session,
            actor,
            f"application.{kind}",
            "application",
            application.id,
            {"status": [before, application.status], "reason_code": command.reason_code},
        )
    return application


async def _check_preselectable(
    ctx: AppContext, session: AsyncSession, application: ApplicationRecord, command: DecisionCreate
) -> None:
    if not domain.can_become(Status(application.status), Status.PRESELECTED):
        transition(application, Status.PRESELECTED)  # raises the 409 with the statuses
    if command.occupation_code is None:
        raise invalid("#/occupation_code", "an occupation is required to pre-select")
    if command.occupation_code not in application.occupation_codes:
        raise invalid("#/occupation_code", "the occupation must be one of the candidate's preferences")
    if not application.eligible:
        failed = [r["rule"] for r in application.eligibility if not r["passed"]]
        raise Problem(
            409, "not-eligible", "Candidate not eligible", f"failed rules: {', '.join(failed)}", failed_rules=failed
        )
    docs = (await session.exec(select(DocumentRecord).where(DocumentRecord.application_id == application.id))).all()
    items = domain.checklist(
        ctx.reference.preselection_checklist, [(d.document_type, domain.DocumentStatus(d.status)) for d in docs]
    )
    if not domain.checklist_complete(items):
        missing = ["|".join(i.accepted_types) for i in items if i.status is not domain.DocumentStatus.VERIFIED]
        raise Problem(
            409,
            "documents-incomplete",
            "Documents not verified",
            f"still to verify: {', '.join(missing)}",
            missing=missing,
        )


async def withdraw(
    ctx: AppContext, actor: Principal, application_id: uuid.UUID, command: WithdrawalCreate
) -> ApplicationRecord:
    """Record the candidate's withdrawal."""
    if command.reason_code not in ctx.reference.reasons["withdraw"]:
        raise invalid(
            "#/reason_code",
            f"unknown withdrawal reason {command.reason_code!r}; one of {', '.join(ctx.reference.reasons['withdraw'])}",
        )
    now = datetime.now(UTC)
    async with transaction(ctx.sessions) as session:
        application = await load_application(session, application_id, lock=True)
        before = application.status
        transition(application, Status.WITHDRAWN)
        application.decision_reason_code, application.decision_note, application.decided_at = (
            command.reason_code,
            command.note,
            now,
        )
        session.add(application)
        if before != Status.DRAFT:  # a draft never started a journey
            await add_event(
                session,
                ApplicationWithdrawn(
                    candidate_id=application.candidate_id,
                    application_id=application.id,
                    withdrawn_at=now,
                    reason_code=command.reason_code,
                ),
                source=SOURCE,
                aggregate_type="application",
                occurred_at=now,
            )
        audit.record(
            session,
            actor,
            "application.withdraw",
            "application",
            application.id,
            {"status": [before, application.status], "reason_code": command.reason_code},
        )
    return application
