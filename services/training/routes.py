"""HTTP routes of the training API: thin (parse, call a use case, answer). A trainer sees and acts on the
cohorts of their own provider only; anything else is a 404 for them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status

from contracts.activities import CancelEnrolmentResponse, EnrolResponse
from contracts.training import CohortStatus, LanguageModule
from services.common.app import service_context, service_router
from services.common.auth import Principal, Role, require
from services.common.fields import IsoDate
from services.common.idempotency import IDEMPOTENCY_DOC
from services.training import commands as cmd
from services.training import domain, queries
from services.training.context import TrainingContext
from services.training.domain import EnrolmentStatus
from services.training.handlers import attendance, cohorts, enrolments, exams
from services.training.schemas import (
    AttendancePublic,
    CertificateCreate,
    CertificatePublic,
    CertificateVerification,
    CohortCreate,
    CohortPage,
    CohortPublic,
    CohortStatusChange,
    CohortUpdate,
    DropoutCreate,
    EnrolmentCancel,
    EnrolmentCreate,
    EnrolmentPage,
    EnrolmentPublic,
    EnrolmentRecordBook,
    ExamCreate,
    ExamPublic,
    ExamResultsCreate,
    InterculturalCreate,
    LevelCreate,
    ProviderCode,
    RegionCode,
    SessionCreate,
    SessionPublic,
)

R = Role
router = service_router()


Ctx = Annotated[TrainingContext, Depends(service_context)]
Officer = Annotated[Principal, Depends(require(R.CASE_OFFICER))]
Teaching = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.TRAINER))]
Reader = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.TRAINER, R.OPERATOR))]
Journey = Annotated[Principal, Depends(require(R.SERVICE, R.CASE_OFFICER))]
EnrolmentReader = Annotated[Principal, Depends(require(R.CASE_OFFICER, R.TRAINER, R.OPERATOR, R.SERVICE))]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]


def _cohort(record: Any) -> CohortPublic:
    return CohortPublic.model_validate(record, from_attributes=True)


def _enrolment(record: Any) -> EnrolmentPublic:
    return EnrolmentPublic.model_validate(record, from_attributes=True)


COHORT_LINKS = {
    name: {"operationId": name, "parameters": {"cohort_id": "$response.body#/id"}}
    for name in ("read_cohort", "update_cohort", "change_cohort_status", "record_session")
}
ENROLMENT_LINKS = {
    name: {"operationId": name, "parameters": {"enrolment_id": "$response.body#/enrolment_id"}}
    for name in ("read_enrolment", "cancel_enrolment", "read_attendance", "record_dropout", "record_level")
}


@router.post(
    "/cohorts", status_code=201, response_model=CohortPublic, tags=["cohorts"], openapi_extra=IDEMPOTENCY_DOC,
    summary="Plan a cohort; waiting candidates fill its places",
    responses={201: {"description": "The planned cohort", "links": COHORT_LINKS}},
)  # fmt: skip
async def plan_cohort(body: CohortCreate, ctx: Ctx, actor: Officer) -> CohortPublic:
    command = cmd.PlanCohort(**{**body.model_dump(), "trainers": tuple(body.trainers)})
    return _cohort(await cohorts.plan_cohort(ctx, actor, command))


@router.get(
    "/cohorts", response_model=CohortPage, tags=["cohorts"], summary="List cohorts (trainers: their provider's)"
)
async def list_cohorts(
    ctx: Ctx,
    actor: Reader,
    status_: Annotated[CohortStatus | None, Query(alias="status")] = None,
    provider: ProviderCode | None = None,
    region: RegionCode | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> CohortPage:
    where = queries.CohortFilter(status=status_.value if status_ else None, provider=provider, region=region)
    items, next_cursor = await queries.list_cohorts(ctx, actor, where, limit, cursor)
    return CohortPage(items=[_cohort(c) for c in items], next_cursor=next_cursor)


@router.get("/cohorts/{cohort_id}", response_model=CohortPublic, tags=["cohorts"], summary="Read a cohort")
async def read_cohort(cohort_id: str, ctx: Ctx, actor: Reader) -> CohortPublic:
    return _cohort(await queries.get_cohort(ctx, actor, cohort_id))


@router.patch(
    "/cohorts/{cohort_id}", response_model=CohortPublic, tags=["cohorts"], summary="Change capacity, trainers, end"
)
async def update_cohort(cohort_id: str, body: CohortUpdate, ctx: Ctx, actor: Officer) -> CohortPublic:
    trainers = tuple(body.trainers) if body.trainers is not None else None
    command = cmd.ChangeCohort(cohort_id, capacity=body.capacity, trainers=trainers, weeks=body.weeks)
    return _cohort(await cohorts.change_cohort(ctx, actor, command))


@router.post(
    "/cohorts/{cohort_id}/status", response_model=CohortPublic, tags=["cohorts"], openapi_extra=IDEMPOTENCY_DOC,
    summary="Start, end or cancel a cohort (cancelling puts its candidates back on the waiting list)",
)  # fmt: skip
async def change_cohort_status(cohort_id: str, body: CohortStatusChange, ctx: Ctx, actor: Officer) -> CohortPublic:
    return _cohort(await cohorts.move_cohort(ctx, actor, cmd.MoveCohort(cohort_id, CohortStatus(body.status))))


@router.post(
    "/cohorts/{cohort_id}/sessions", status_code=201, response_model=SessionPublic, tags=["attendance"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Record a session and who was present (200: an existing session updated)",
    responses={200: {"description": "The session existed: the listed candidates' presence was updated"}},
)  # fmt: skip
async def record_session(
    cohort_id: str, body: SessionCreate, ctx: Ctx, actor: Teaching, response: Response
) -> SessionPublic:
    presence = tuple(cmd.Presence(p.enrolment_id, p.present) for p in body.attendance)
    command = cmd.RecordSession(cohort_id, body.held_on, body.starts_at, body.hours, presence)
    record, created = await attendance.record_session(ctx, actor, command)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return SessionPublic.model_validate(record, from_attributes=True)


@router.post(
    "/enrolments", status_code=201, response_model=EnrolResponse, tags=["enrolments"], openapi_extra=IDEMPOTENCY_DOC,
    summary="Enrol a pre-selected candidate (the journey's call); a repeat answers 200 with the same enrolment",
    responses={200: {"description": "Already enrolled or waiting: the same enrolment"},
               201: {"description": "Enrolled, or on the waiting list", "links": ENROLMENT_LINKS}},
)  # fmt: skip
async def enrol_candidate(body: EnrolmentCreate, ctx: Ctx, actor: Journey, response: Response) -> EnrolResponse:
    command = cmd.EnrolCandidate(**body.model_dump())
    record, created = await enrolments.enrol_candidate(ctx, actor, command)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/v1/enrolments/{record.id}"
    cohort = await queries.get_cohort(ctx, actor, record.cohort_id) if record.cohort_id else None
    return EnrolResponse(
        enrolment_id=record.id, status=record.status, cohort_id=record.cohort_id,
        starts_on=cohort.starts_on if cohort else None,
    )  # fmt: skip


@router.get("/enrolments", response_model=EnrolmentPage, tags=["enrolments"], summary="List enrolments")
async def list_enrolments(
    ctx: Ctx,
    actor: EnrolmentReader,
    cohort_id: Annotated[str | None, Query(pattern=r"^C-[A-Z0-9-]{3,60}$")] = None,
    status_: Annotated[EnrolmentStatus | None, Query(alias="status")] = None,
    candidate_id: uuid.UUID | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> EnrolmentPage:
    where = queries.EnrolmentFilter(cohort_id, status_.value if status_ else None, candidate_id)
    items, next_cursor = await queries.list_enrolments(ctx, actor, where, limit, cursor)
    return EnrolmentPage(items=[_enrolment(e) for e in items], next_cursor=next_cursor)


@router.get(
    "/enrolments/{enrolment_id}", response_model=EnrolmentPublic, tags=["enrolments"], summary="Read an enrolment"
)
async def read_enrolment(enrolment_id: uuid.UUID, ctx: Ctx, actor: EnrolmentReader) -> EnrolmentPublic:
    return _enrolment(await queries.get_enrolment(ctx, actor, enrolment_id))


@router.post(
    "/enrolments/{enrolment_id}/cancel", response_model=CancelEnrolmentResponse, tags=["enrolments"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Cancel (compensation); a repeat answers 200 with cancelled=false",
)  # fmt: skip
async def cancel_enrolment(
    enrolment_id: uuid.UUID, body: EnrolmentCancel, ctx: Ctx, actor: Journey
) -> CancelEnrolmentResponse:
    current = await queries.get_enrolment(ctx, actor, enrolment_id)
    if body.candidate_id is not None and body.candidate_id != current.candidate_id:
        raise domain.WrongCandidate(f"enrolment {enrolment_id} is not candidate {body.candidate_id}'s")
    _, cancelled = await enrolments.cancel_enrolment(ctx, actor, cmd.CancelEnrolment(enrolment_id, body.reason_code))
    return CancelEnrolmentResponse(cancelled=cancelled)


@router.get(
    "/enrolments/{enrolment_id}/attendance", response_model=AttendancePublic, tags=["attendance"],
    summary="Attendance over a period (default: the programme's period up to today)",
)  # fmt: skip
async def read_attendance(
    enrolment_id: uuid.UUID,
    ctx: Ctx,
    _: Teaching,
    period_end: IsoDate | None = None,
    days: Annotated[int | None, Query(ge=1, le=366, description="Length of the period (default: programme's)")] = None,
) -> AttendancePublic:
    from datetime import UTC, datetime

    end = period_end or datetime.now(UTC).date()
    start = end - timedelta(days=(days or ctx.reference.attendance_period_days) - 1)
    held, attended = await queries.attendance(ctx, _, enrolment_id, start, end)
    threshold = ctx.reference.attendance_threshold
    low = domain.below_threshold(attended, held, threshold)
    return AttendancePublic(
        enrolment_id=enrolment_id, period_start=start, period_end=end, sessions_held=held, sessions_attended=attended,
        attendance_rate=domain.attendance_rate(attended, held), below_threshold=low, threshold=threshold,
    )  # fmt: skip


@router.post(
    "/enrolments/{enrolment_id}/level-assessments", response_model=EnrolmentPublic, tags=["enrolments"],
    openapi_extra=IDEMPOTENCY_DOC, summary="A CEFR level reached in class (not certified)",
)  # fmt: skip
async def record_level(enrolment_id: uuid.UUID, body: LevelCreate, ctx: Ctx, actor: Teaching) -> EnrolmentPublic:
    command = cmd.RecordLevel(enrolment_id, body.level, body.reached_on)
    return _enrolment(await enrolments.record_level(ctx, actor, command))


@router.post(
    "/enrolments/{enrolment_id}/dropout", response_model=EnrolmentPublic, tags=["enrolments"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Record that the candidate left the course, with a reason code",
)  # fmt: skip
async def record_dropout(enrolment_id: uuid.UUID, body: DropoutCreate, ctx: Ctx, actor: Officer) -> EnrolmentPublic:
    command = cmd.RecordDropout(enrolment_id, body.dropped_on, body.reason_code)
    return _enrolment(await enrolments.record_dropout(ctx, actor, command))


@router.post(
    "/enrolments/{enrolment_id}/intercultural-module", response_model=EnrolmentPublic, tags=["enrolments"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Record the intercultural module as completed",
)  # fmt: skip
async def record_intercultural(
    enrolment_id: uuid.UUID, body: InterculturalCreate, ctx: Ctx, actor: Teaching
) -> EnrolmentPublic:
    command = cmd.RecordInterculturalModule(enrolment_id, body.completed_on)
    return _enrolment(await enrolments.record_intercultural(ctx, actor, command))


@router.get(
    "/enrolments/{enrolment_id}/exams", response_model=EnrolmentRecordBook, tags=["exams"],
    summary="The enrolment's exams and certificates",
)  # fmt: skip
async def read_exams(enrolment_id: uuid.UUID, ctx: Ctx, actor: Teaching) -> EnrolmentRecordBook:
    found, certificates = await queries.exams_and_certificates(ctx, actor, enrolment_id)
    return EnrolmentRecordBook(
        exams=[ExamPublic.model_validate(e, from_attributes=True) for e in found],
        certificates=[CertificatePublic.model_validate(c, from_attributes=True) for c in certificates],
    )


@router.post(
    "/exams", status_code=201, response_model=ExamPublic, tags=["exams"], openapi_extra=IDEMPOTENCY_DOC,
    summary="Register a candidate for an exam sitting (fee paid by the programme or the employer)",
    responses={201: {"description": "The registration", "links": {"record_exam_results": {
        "operationId": "record_exam_results", "parameters": {"exam_id": "$response.body#/id"}}}}},
)  # fmt: skip
async def register_exam(body: ExamCreate, ctx: Ctx, actor: Officer) -> ExamPublic:
    command = cmd.RegisterExam(**body.model_dump())
    return ExamPublic.model_validate(await exams.register_exam(ctx, actor, command), from_attributes=True)


@router.post(
    "/exams/{exam_id}/results", response_model=ExamPublic, tags=["exams"], openapi_extra=IDEMPOTENCY_DOC,
    summary="Record the four module results of a sitting (publishes exam_passed or exam_failed)",
)  # fmt: skip
async def record_exam_results(exam_id: uuid.UUID, body: ExamResultsCreate, ctx: Ctx, actor: Teaching) -> ExamPublic:
    results = tuple(
        cmd.ModuleScore(LanguageModule(name), **getattr(body, name).model_dump()) for name in LanguageModule
    )
    record = await exams.record_results(ctx, actor, cmd.RecordExamResults(exam_id, results))
    return ExamPublic.model_validate(record, from_attributes=True)


@router.post(
    "/certificates", status_code=201, response_model=CertificatePublic, tags=["exams"], openapi_extra=IDEMPOTENCY_DOC,
    summary="Record a certificate (unverified until checked with its provider)",
    responses={201: {"description": "The certificate", "links": {"verify_certificate": {
        "operationId": "verify_certificate", "parameters": {"certificate_id": "$response.body#/id"}}}}},
)  # fmt: skip
async def record_certificate(body: CertificateCreate, ctx: Ctx, actor: Officer) -> CertificatePublic:
    record = await exams.record_certificate(ctx, actor, cmd.RecordCertificate(**body.model_dump()))
    return CertificatePublic.model_validate(record, from_attributes=True)


@router.post(
    "/certificates/{certificate_id}/verification", response_model=CertificatePublic, tags=["exams"],
    openapi_extra=IDEMPOTENCY_DOC, summary="Verified with the provider, or rejected as not genuine",
)  # fmt: skip
async def verify_certificate(
    certificate_id: uuid.UUID, body: CertificateVerification, ctx: Ctx, actor: Officer
) -> CertificatePublic:
    record = await exams.verify_certificate(ctx, actor, cmd.VerifyCertificate(certificate_id, body.status))
    return CertificatePublic.model_validate(record, from_attributes=True)
