"""Submit an application (eligibility), decide on it (pre-select or reject), record a withdrawal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.applications import (
    ApplicationPreselected,
    ApplicationRejected,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    StatisticalProfileRecorded,
)
from services.applications import domain
from services.applications.commands import DecideApplication, SubmitApplication, WithdrawApplication
from services.applications.context import SOURCE, AppContext, load_candidate, writable_application
from services.applications.domain import ApplicationStatus as Status
from services.applications.domain import Decision
from services.applications.tables import ApplicationRecord, ConsentRecord, DocumentRecord
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.outbox import add_event
from services.common.problems import invalid


def transition(record: ApplicationRecord, target: Status) -> str:
    """Move the record to target (IllegalTransition if the table forbids it); returns the old status."""
    before = record.status
    record.status = domain.transition(Status(record.status), target).value
    return before


async def _latest_consents(session: AsyncSession, candidate_id: Any) -> frozenset[str]:
    rows = (
        await session.exec(
            select(ConsentRecord)
            .where(ConsentRecord.candidate_id == candidate_id)
            .order_by(col(ConsentRecord.recorded_at), col(ConsentRecord.id))
        )
    ).all()
    latest = {row.purpose: row.granted for row in rows}
    return frozenset(purpose for purpose, granted in latest.items() if granted)


async def _eligibility(ctx: AppContext, session: AsyncSession, application: ApplicationRecord, on: date) -> None:
    """Evaluate the rules in force on the date and store each result with its reason."""
    candidate = await load_candidate(session, application.candidate_id, writable=True)
    assert candidate.date_of_birth is not None
    rules = domain.rules_in_force(ctx.reference.eligibility, on)
    facts = domain.CandidateFacts(
        date_of_birth=candidate.date_of_birth,
        nationality=candidate.nationality,
        country_of_residence=candidate.country_of_residence,
        diploma=candidate.diploma,
        occupation_codes=tuple(application.occupation_codes),
        consents_given=await _latest_consents(session, candidate.id),
    )
    results = domain.evaluate(rules, facts, on)
    application.rules_version = rules.version
    application.eligibility = [{"rule": r.rule, "passed": r.passed, "reason": r.reason} for r in results]
    application.eligible = domain.is_eligible(results)


async def submit_application(ctx: AppContext, actor: Principal, command: SubmitApplication) -> ApplicationRecord:
    """Submit a draft: evaluate eligibility with the rules in force and publish application_submitted."""
    now = datetime.now(UTC)
    async with transaction(ctx.sessions) as session:
        application = await writable_application(session, command.application_id)
        before = transition(application, Status.SUBMITTED)
        await _eligibility(ctx, session, application, now.date())
        application.submitted_at = now
        session.add(application)
        event = ApplicationSubmitted(
            candidate_id=application.candidate_id, application_id=application.id, submitted_at=now,
            region=application.region, occupation_codes=list(application.occupation_codes),
            programme_id=application.programme_id, eligible=application.eligible,
        )  # fmt: skip
        await add_event(session, event, source=SOURCE, aggregate_type="application", occurred_at=now)
        if "statistics" in await _latest_consents(session, application.candidate_id):
            await publish_statistical_profile(session, application.candidate_id, now)
        changes = {"status": [before, application.status], "eligible": application.eligible}
        audit.record(session, actor, "application.submit", "application", application.id, changes)
    return application


async def publish_statistical_profile(session: AsyncSession, candidate_id: Any, now: datetime) -> None:
    """The de-identified statistical inputs, only ever under the `statistics` consent (the caller checks it)."""
    candidate = await load_candidate(session, candidate_id)
    event = StatisticalProfileRecorded(
        candidate_id=candidate_id, sex=candidate.sex, age_band=domain.age_band(now.year - candidate.birth_year),
        education_isced=domain.ISCED[candidate.education_level], citizenship=candidate.nationality,
        country_of_residence=candidate.country_of_residence, recorded_at=now,
    )  # fmt: skip
    await add_event(session, event, source=SOURCE, aggregate_type="candidate", occurred_at=now)


def _check_reason(ctx: AppContext, kind: str, reason_code: str) -> None:
    if reason_code not in ctx.reference.reasons[kind]:
        known = ", ".join(ctx.reference.reasons[kind])
        raise invalid("#/reason_code", f"unknown {kind} reason {reason_code!r}; one of {known}")


async def decide(ctx: AppContext, actor: Principal, command: DecideApplication) -> ApplicationRecord:
    """Pre-select (eligible, checklist verified, occupation chosen) or reject, with a reason."""
    now = datetime.now(UTC)
    kind = "preselect" if command.decision is Decision.PRESELECT else "reject"
    _check_reason(ctx, kind, command.reason_code)
    async with transaction(ctx.sessions) as session:
        application = await writable_application(session, command.application_id)
        if command.decision is Decision.PRESELECT:
            await _check_preselectable(ctx, session, application, command)
        before = transition(application, Status.PRESELECTED if kind == "preselect" else Status.REJECTED)
        application.preselected_occupation = command.occupation_code if kind == "preselect" else None
        application.decision_reason_code, application.decision_note = command.reason_code, command.note
        application.decided_at = now
        session.add(application)
        event = _decision_event(application, now)
        await add_event(session, event, source=SOURCE, aggregate_type="application", occurred_at=now)
        changes = {"status": [before, application.status], "reason_code": command.reason_code}
        audit.record(session, actor, f"application.{kind}", "application", application.id, changes)
    return application


def _decision_event(application: ApplicationRecord, now: datetime) -> ApplicationPreselected | ApplicationRejected:
    common: dict[str, Any] = {
        "candidate_id": application.candidate_id,
        "application_id": application.id,
        "decided_at": now,
        "reason_code": application.decision_reason_code,
    }
    if application.status == Status.PRESELECTED:
        return ApplicationPreselected(**common, occupation_code=str(application.preselected_occupation))
    return ApplicationRejected(**common)


async def _check_preselectable(
    ctx: AppContext, session: AsyncSession, application: ApplicationRecord, command: DecideApplication
) -> None:
    if not domain.can_become(Status(application.status), Status.PRESELECTED):
        raise domain.IllegalTransition(Status(application.status), Status.PRESELECTED)
    if command.occupation_code is None:
        raise invalid("#/occupation_code", "an occupation is required to pre-select")
    if command.occupation_code not in application.occupation_codes:
        preferred = list(application.occupation_codes)
        raise domain.OccupationNotPreferred(f"pre-select for one of {', '.join(preferred)}", preferred=preferred)
    if not application.eligible:
        failed = [r["rule"] for r in application.eligibility if not r["passed"]]
        raise domain.NotEligible(f"failed rules: {', '.join(failed)}", failed_rules=failed)
    docs = (await session.exec(select(DocumentRecord).where(DocumentRecord.application_id == application.id))).all()
    items = domain.checklist(
        ctx.reference.preselection_checklist, [(d.document_type, domain.DocumentStatus(d.status)) for d in docs]
    )
    if not domain.checklist_complete(items):
        missing = ["|".join(i.accepted_types) for i in items if i.status is not domain.DocumentStatus.VERIFIED]
        raise domain.DocumentsIncomplete(f"still to verify: {', '.join(missing)}", missing=missing)


async def withdraw(ctx: AppContext, actor: Principal, command: WithdrawApplication) -> ApplicationRecord:
    """Record the candidate's withdrawal (a draft never started a journey, so it publishes nothing)."""
    _check_reason(ctx, "withdraw", command.reason_code)
    now = datetime.now(UTC)
    async with transaction(ctx.sessions) as session:
        application = await writable_application(session, command.application_id)
        before = transition(application, Status.WITHDRAWN)
        application.decision_reason_code, application.decision_note = command.reason_code, command.note
        application.decided_at = now
        session.add(application)
        if before != Status.DRAFT:
            event = ApplicationWithdrawn(
                candidate_id=application.candidate_id, application_id=application.id, withdrawn_at=now,
                reason_code=command.reason_code,
            )  # fmt: skip
            await add_event(session, event, source=SOURCE, aggregate_type="application", occurred_at=now)
        changes = {"status": [before, application.status], "reason_code": command.reason_code}
        audit.record(session, actor, "application.withdraw", "application", application.id, changes)
    return application
