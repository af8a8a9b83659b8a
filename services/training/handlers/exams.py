"""Exam registration (its fee a cost line the candidate never pays), results per module, certificates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import col, select

from contracts.training import (
    CefrLevel,
    CertificateStatus,
    CertificateVerificationChanged,
    ExamFailed,
    ExamPassed,
    ExamRegistered,
    LanguageModule,
    ModuleResult,
)
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.outbox import add_event
from services.common.problems import invalid, not_found
from services.training import domain
from services.training.commands import RecordCertificate, RecordExamResults, RegisterExam, VerifyCertificate
from services.training.context import SOURCE, TrainingContext, load_enrolment
from services.training.tables import CertificateRecord, EnrolmentRecord, ExamRecord


async def register_exam(ctx: TrainingContext, actor: Principal, command: RegisterExam) -> ExamRecord:
    """Register a sitting; the fee and its payer (the programme or the employer) are recorded and published."""
    if command.provider not in ctx.reference.providers:
        raise invalid("#/provider", f"unknown provider {command.provider!r}")
    async with transaction(ctx.sessions) as session:
        enrolment = await load_enrolment(session, command.enrolment_id, actor, lock=True)
        if enrolment.cohort_id is None:
            raise domain.NotEnrolled(f"the enrolment is {enrolment.status}")
        exam = ExamRecord(
            enrolment_id=enrolment.id, provider=command.provider, level=command.level.value,
            sitting_on=command.sitting_on, fee_amount=Decimal(command.fee_amount), fee_currency=command.fee_currency,
            fee_payer=command.fee_payer.value,
        )  # fmt: skip
        session.add(exam)
        await session.flush()
        event = ExamRegistered(
            candidate_id=enrolment.candidate_id, cohort_id=enrolment.cohort_id, exam_id=exam.id,
            provider=exam.provider, level=command.level, sitting_on=exam.sitting_on, fee_amount=command.fee_amount,
            fee_currency=command.fee_currency, fee_payer=command.fee_payer,
        )  # fmt: skip
        await add_event(session, event, source=SOURCE, aggregate_type="exam")
        audit.record(session, actor, "exam.register", "exam", exam.id, {"payer": command.fee_payer.value})
    return exam


def _sitting(exam: ExamRecord) -> domain.Sitting:
    passed = {LanguageModule(r["module"]): bool(r["passed"]) for r in exam.results or []}
    return domain.Sitting(exam.provider, CefrLevel(exam.level), exam.sitting_on, passed)


async def record_results(ctx: TrainingContext, actor: Principal, command: RecordExamResults) -> ExamRecord:
    """Module results of a sitting; with earlier sittings they meet the requirement (`exam_passed`) or not."""
    async with transaction(ctx.sessions) as session:
        exam = await session.get(ExamRecord, command.exam_id, with_for_update=True)
        if exam is None:
            raise not_found("exam", command.exam_id)
        enrolment = await load_enrolment(session, exam.enrolment_id, actor, lock=True)
        if exam.graded_at is not None:
            raise domain.ExamAlreadyGraded(f"exam {exam.id} was graded at {exam.graded_at.isoformat()}")
        exam.results = [{"module": r.module.value, "score": r.score, "max_score": r.max_score, "passed": r.passed}
                        for r in command.results]  # fmt: skip
        exam.graded_at = datetime.now(UTC)
        session.add(exam)
        await session.flush()
        outcome = await _assess(ctx, session, enrolment)
        await add_event(session, _result_event(enrolment, exam, outcome), source=SOURCE, aggregate_type="exam")
        if outcome.met and enrolment.requirement_met_on is None:
            enrolment.requirement_met_on = exam.sitting_on
            session.add(enrolment)
        audit.record(session, actor, "exam.results", "exam", exam.id, {"requirement_met": outcome.met})
    return exam


async def _assess(ctx: TrainingContext, session: Any, enrolment: EnrolmentRecord) -> domain.ExamOutcome:
    required = domain.required_level(
        ctx.reference.rules, enrolment.consulate, enrolment.occupation_code, datetime.now(UTC).date()
    )
    graded = (
        await session.exec(
            select(ExamRecord).where(
                col(ExamRecord.enrolment_id) == enrolment.id, col(ExamRecord.graded_at).is_not(None)
            )
        )
    ).all()
    providers = {e.provider for e in graded}
    outcomes = [domain.assess([_sitting(e) for e in graded], ctx.reference.providers[p], required) for p in providers]
    return next((o for o in outcomes if o.met), min(outcomes, key=lambda o: len(o.missing)))


def _result_event(enrolment: EnrolmentRecord, exam: ExamRecord, outcome: domain.ExamOutcome) -> ExamPassed | ExamFailed:
    assert enrolment.cohort_id is not None
    results = [ModuleResult(**r) for r in exam.results or []]
    common: dict[str, Any] = {
        "candidate_id": enrolment.candidate_id,
        "cohort_id": enrolment.cohort_id,
        "exam_id": exam.id,
        "level": CefrLevel(exam.level),
        "taken_on": exam.sitting_on,
        "module_results": results,
    }
    if outcome.met:
        return ExamPassed(**common, provider=exam.provider)
    return ExamFailed(**common, failed_skills=[m.value for m in outcome.missing])


async def record_certificate(ctx: TrainingContext, actor: Principal, command: RecordCertificate) -> CertificateRecord:
    """A certificate on file, unverified until checked with its provider."""
    if command.provider not in ctx.reference.providers:
        raise invalid("#/provider", f"unknown provider {command.provider!r}")
    async with transaction(ctx.sessions) as session:
        enrolment = await load_enrolment(session, command.enrolment_id, actor)
        certificate = CertificateRecord(
            enrolment_id=enrolment.id, provider=command.provider, number=command.number, level=command.level.value,
            issued_on=command.issued_on, verification=CertificateStatus.UNVERIFIED.value,
        )  # fmt: skip
        session.add(certificate)
        await session.flush()
        await _verification_event(session, enrolment, certificate)
        audit.record(
            session, actor, "certificate.record", "certificate", certificate.id, {"provider": command.provider}
        )
    return certificate


async def verify_certificate(ctx: TrainingContext, actor: Principal, command: VerifyCertificate) -> CertificateRecord:
    """Verified with the provider, or rejected as not genuine (a repeat with the same status changes nothing)."""
    async with transaction(ctx.sessions) as session:
        certificate = await session.get(CertificateRecord, command.certificate_id, with_for_update=True)
        if certificate is None:
            raise not_found("certificate", command.certificate_id)
        enrolment = await load_enrolment(session, certificate.enrolment_id, actor)
        if certificate.verification != command.status.value:
            before, certificate.verification = certificate.verification, command.status.value
            certificate.verified_by, certificate.verified_at = actor.subject, datetime.now(UTC)
            session.add(certificate)
            await _verification_event(session, enrolment, certificate)
            changes = {"verification": [before, certificate.verification]}
            audit.record(session, actor, "certificate.verify", "certificate", certificate.id, changes)
    return certificate


async def _verification_event(session: Any, enrolment: EnrolmentRecord, certificate: CertificateRecord) -> None:
    event = CertificateVerificationChanged(
        candidate_id=enrolment.candidate_id, certificate_id=certificate.id, provider=certificate.provider,
        level=CefrLevel(certificate.level), status=CertificateStatus(certificate.verification),
    )  # fmt: skip
    await add_event(session, event, source=SOURCE, aggregate_type="certificate")
