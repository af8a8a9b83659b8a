"""Follow-up during the Ausbildung: tasks, check-ins and risk, probation, termination, exams, what comes after."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.monitoring import (
    CheckinRecorded,
    EmployedAsSkilledWorker,
    ExamResultRecorded,
    JobSearchStarted,
    PlacementAtRisk,
    ProbationPassed,
    Returned,
    TrainingCompleted,
    TrainingTerminated,
)
from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.idempotency import concerns
from services.common.problems import invalid, not_found
from services.monitoring import domain
from services.monitoring.commands import (
    CompleteTask,
    CreateTask,
    RecordAfterTraining,
    RecordCheckin,
    RecordExam,
    RecordProbation,
    RecordTermination,
)
from services.monitoring.context import MonitoringContext, load_case, publish, today
from services.monitoring.domain import CaseStatus, RiskLevel, TaskStatus
from services.monitoring.tables import CheckinRecord, FollowUpCaseRecord, FollowUpTaskRecord


def add_task(
    session: AsyncSession, candidate_id: uuid.UUID, task: str, due_on: date, employer_id: uuid.UUID | None, source: str
) -> FollowUpTaskRecord:
    record = FollowUpTaskRecord(
        candidate_id=candidate_id, employer_id=employer_id, task=task, due_on=due_on, source=source
    )
    session.add(record)
    return record


async def create_task(ctx: MonitoringContext, actor: Principal, command: CreateTask) -> FollowUpTaskRecord:
    """A task from the journey (check-in, registration, permit, search, retake) or an officer."""
    async with transaction(ctx.sessions) as session:
        concerns(command.candidate_id)
        record = add_task(
            session, command.candidate_id, command.task, command.due_on, command.employer_id, command.source
        )
        await session.flush()
        audit.record(session, actor, "task.create", "task", record.id, {"task": command.task})
    return record


async def complete_task(ctx: MonitoringContext, actor: Principal, command: CompleteTask) -> FollowUpTaskRecord:
    """Mark a task done with an outcome code; a repeat with the same outcome answers the task unchanged."""
    async with transaction(ctx.sessions) as session:
        record = await session.get(FollowUpTaskRecord, command.task_id, with_for_update=True)
        if record is None:
            raise not_found("task", command.task_id)
        concerns(record.candidate_id)
        if record.status == TaskStatus.DONE and record.outcome_code == command.outcome_code:
            return record
        if record.status != TaskStatus.OPEN:
            raise domain.IllegalTransition(f"the task is {record.status}", current_status=record.status)
        record.status, record.done_on, record.done_by = TaskStatus.DONE, command.done_on, actor.subject
        record.outcome_code = command.outcome_code
        session.add(record)
        audit.record(session, actor, "task.complete", "task", record.id, {"outcome_code": command.outcome_code})
    return record


def _ids(case: FollowUpCaseRecord) -> dict[str, Any]:
    return {"candidate_id": case.candidate_id, "employer_id": case.employer_id}


def training_year(case: FollowUpCaseRecord, on: date) -> int:
    start = case.training_starts_on or case.arrived_on or on
    return min(max((on - start).days // 365 + 1, 1), 4)


async def record_checkin(
    ctx: MonitoringContext, actor: Principal, command: RecordCheckin
) -> tuple[CheckinRecord, RiskLevel]:
    """A check-in: the risk follows from the signals; medium or high publishes `placement_at_risk` and a task."""
    unknown = set(command.signals) - set(ctx.reference.risk.signals)
    if unknown:
        raise invalid(
            "#/signals", f"unknown signal(s) {sorted(unknown)}; one of {', '.join(ctx.reference.risk.signals)}"
        )
    risk = ctx.reference.risk.assess(list(command.signals), command.missed_school_days)
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.candidate_id, lock=True)
        domain.ensure_move("settle", case.status)
        _between_arrival_and_today(case, command.held_on, "#/held_on")
        checkin = CheckinRecord(
            candidate_id=case.candidate_id, held_on=command.held_on, training_year=training_year(case, command.held_on),
            risk_level=risk, signals=sorted(set(command.signals)), missed_school_days=command.missed_school_days,
            recorded_by=actor.subject,
        )  # fmt: skip
        session.add(checkin)
        case.risk_level = risk
        session.add(case)
        await publish(session, CheckinRecorded(
            **_ids(case), checkin_id=checkin.id, training_year=checkin.training_year, risk_level=risk,
            held_on=command.held_on, signals=checkin.signals,
        ))  # fmt: skip
        if risk is not RiskLevel.LOW:
            signal = checkin.signals[0] if len(checkin.signals) == 1 else "MULTIPLE_SIGNALS"
            if not checkin.signals:
                signal = "MISSED_SCHOOL_DAYS"
            await publish(session, PlacementAtRisk(**_ids(case), signal=signal, severity=risk))
            due = command.held_on + timedelta(days=3 if risk is RiskLevel.HIGH else 10)
            add_task(session, case.candidate_id, "risk_review", due, case.employer_id, "checkin")
        audit.record(session, actor, "follow_up.checkin", "follow_up", case.candidate_id, {"risk_level": risk})
    return checkin, risk


def _between_arrival_and_today(case: FollowUpCaseRecord, on: date, pointer: str) -> None:
    if case.arrived_on is None or on < case.arrived_on or on > today():
        raise invalid(pointer, f"between the arrival ({case.arrived_on}) and today")


async def record_probation(ctx: MonitoringContext, actor: Principal, command: RecordProbation) -> FollowUpCaseRecord:
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.candidate_id, lock=True)
        if case.probation_passed_on == command.passed_on:
            return case
        domain.ensure_move("training", case.status)
        _between_arrival_and_today(case, command.passed_on, "#/passed_on")
        case.probation_passed_on, case.status = command.passed_on, CaseStatus.IN_TRAINING
        session.add(case)
        await publish(session, ProbationPassed(candidate_id=case.candidate_id, employer_id=case.employer_id,
                                               passed_on=command.passed_on))  # fmt: skip
        audit.record(session, actor, "follow_up.probation", "follow_up", case.candidate_id, {})
    return case


async def record_termination(
    ctx: MonitoringContext, actor: Principal, command: RecordTermination
) -> FollowUpCaseRecord:
    """The contract ended early: the 6-month search starts (the journey's follow-up runs it and re-matches)."""
    if command.reason_code not in ctx.reference.termination_reasons:
        raise invalid("#/reason_code", f"one of {', '.join(ctx.reference.termination_reasons)}")
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.candidate_id, lock=True)
        if case.status == CaseStatus.SEARCHING and case.terminated_on == command.terminated_on:
            return case
        domain.ensure_move("terminate", case.status)
        _between_arrival_and_today(case, command.terminated_on, "#/terminated_on")
        during = case.probation_passed_on is None or command.terminated_on <= case.probation_passed_on
        case.status, case.terminated_on = CaseStatus.SEARCHING, command.terminated_on
        session.add(case)
        await publish(session, TrainingTerminated(
            candidate_id=case.candidate_id, employer_id=case.employer_id, terminated_on=command.terminated_on,
            initiated_by=command.initiated_by, trainee_at_fault=command.trainee_at_fault, during_probation=during,
            reason_code=command.reason_code,
        ))  # fmt: skip
        audit.record(session, actor, "follow_up.terminate", "follow_up", case.candidate_id,
                     {"reason_code": command.reason_code, "initiated_by": command.initiated_by})  # fmt: skip
    return case


async def record_exam(ctx: MonitoringContext, actor: Principal, command: RecordExam) -> FollowUpCaseRecord:
    """An interim or final chamber exam; a final exam's result is also `training_completed` (passed or not)."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.candidate_id, lock=True)
        column = f"{command.exam}_exam"
        if getattr(case, f"{column}_on") == command.taken_on and getattr(case, f"{column}_passed") == command.passed:
            return case
        domain.ensure_move("training", case.status)
        _between_arrival_and_today(case, command.taken_on, "#/taken_on")
        setattr(case, f"{column}_on", command.taken_on)
        setattr(case, f"{column}_passed", command.passed)
        await publish(session, ExamResultRecorded(**_ids(case), exam=command.exam, taken_on=command.taken_on,
                                                  passed=command.passed))  # fmt: skip
        if command.exam == "final":
            await publish(session, TrainingCompleted(**_ids(case), completed_on=command.taken_on,
                                                     final_exam_passed=command.passed))  # fmt: skip
            if command.passed:
                case.status, case.completed_on = CaseStatus.COMPLETED, command.taken_on
        session.add(case)
        audit.record(session, actor, "follow_up.exam", "follow_up", case.candidate_id,
                     {"exam": command.exam, "passed": command.passed})  # fmt: skip
    return case


async def record_after_training(
    ctx: MonitoringContext, actor: Principal, command: RecordAfterTraining
) -> FollowUpCaseRecord:
    """After the training (or at any time for a return): job search, skilled employment, return."""
    async with transaction(ctx.sessions) as session:
        case = await load_case(session, command.candidate_id, lock=True)
        ids = _ids(case)
        event: Any
        if command.outcome == "returned":
            if command.reason_code not in ctx.reference.return_reasons:
                raise invalid("#/reason_code", f"one of {', '.join(ctx.reference.return_reasons)}")
            if case.returned_on == command.on:
                return case
            domain.ensure_move("return", case.status)
            case.status, case.returned_on = CaseStatus.RETURNED, command.on
            event = Returned(**ids, returned_on=command.on, reason_code=command.reason_code)
        elif command.outcome == "job_search":
            if case.job_search_started_on == command.on:
                return case
            domain.ensure_move("after", case.status)
            case.status, case.job_search_started_on = CaseStatus.JOB_SEARCH, command.on
            event = JobSearchStarted(**ids, started_on=command.on)
        else:
            if case.employed_on == command.on:
                return case
            domain.ensure_move("after", case.status)
            case.status, case.employed_on = CaseStatus.EMPLOYED, command.on
            event = EmployedAsSkilledWorker(**ids, employed_on=command.on, same_employer=bool(command.same_employer))
        if command.on > today() or (case.arrived_on and command.on < case.arrived_on):
            raise invalid("#/on", f"between the arrival ({case.arrived_on}) and today")
        session.add(case)
        await publish(session, event)
        audit.record(session, actor, f"follow_up.{command.outcome}", "follow_up", case.candidate_id, {})
    return case
