"""Use cases of an application's life: create and edit a draft, submit, decide, withdraw."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.applications import (
    ApplicationSubmitted,
)
from services.applications import domain
from services.applications.context import SOURCE, AppContext, data_key, load_application, load_candidate
from services.applications.domain import ApplicationStatus as Status
from services.applications.schemas import (
    ApplicationCreate,
    ApplicationUpdate,
    CandidateIn,
    ConsentIn,
)
from services.applications.tables import (
    ApplicationRecord,
    CandidateKeyRecord,
    CandidateRecord,
    ConsentRecord,
)
from services.common import audit
from services.common.auth import Principal
from services.common.crypto import encrypt_field, keyed_hash
from services.common.db import transaction
from services.common.outbox import add_event
from services.common.problems import Problem


def invalid(pointer: str, detail: str) -> Problem:
    return Problem(
        422, "validation-error", "Request validation failed", detail, errors=[{"pointer": pointer, "detail": detail}]
    )


def _check_reference(ctx: AppContext, region: str | None, occupations: list[str] | None) -> None:
    if region is not None and region not in ctx.reference.regions:
        raise invalid("#/candidate/region", f"unknown region {region!r}; see reference data")
    for i, code in enumerate(occupations or []):
        if code not in ctx.reference.occupations:
            raise invalid(f"#/occupation_codes/{i}", f"unknown occupation {code!r}; see reference data")


def transition(record: ApplicationRecord, target: Status) -> None:
    try:
        record.status = domain.transition(Status(record.status), target).value
    except domain.IllegalTransition as exc:
        raise Problem(
            409,
            "illegal-transition",
            "Illegal status change",
            str(exc),
            current_status=exc.current.value,
            requested_status=exc.target.value,
        ) from None


def _consents(candidate_id: uuid.UUID, consents: list[ConsentIn], now: datetime) -> list[ConsentRecord]:
    return [
        ConsentRecord(
            candidate_id=candidate_id,
            purpose=c.purpose.value,
            granted=c.granted,
            text_version=c.text_version,
            language=c.language,
            recorded_at=now,
        )
        for c in consents
    ]


async def _latest_consents(session: AsyncSession, candidate_id: uuid.UUID) -> dict[str, bool]:
    rows = (
        await session.exec(
            select(ConsentRecord)
            .where(ConsentRecord.candidate_id == candidate_id)
            .order_by(col(ConsentRecord.recorded_at), col(ConsentRecord.id))
        )
    ).all()
    return {row.purpose: row.granted for row in rows}


def _name_dob_hash(ctx: AppContext, first: str, last: str, born: object) -> str:
    return keyed_hash(ctx.hash_key, "name-dob", f"{first.casefold().strip()}|{last.casefold().strip()}|{born}")


async def create_application(
    ctx: AppContext, actor: Principal, command: ApplicationCreate
) -> tuple[ApplicationRecord, CandidateRecord, dict[str, bool]]:
    """Register the candidate and open a draft application (duplicate ID number: 409)."""
    c: CandidateIn = command.candidate
    _check_reference(ctx, c.region, list(command.occupation_codes))
    now = datetime.now(UTC)
    national_id = domain.normalise_document_number(c.national_id_number)
    id_hash = keyed_hash(ctx.hash_key, "cnie", national_id)
    async with transaction(ctx.sessions) as session:
        name_hash = _name_dob_hash(ctx, c.first_name, c.last_name, c.date_of_birth)
        matches = (
            await session.exec(
                select(CandidateRecord.national_id_hash).where(
                    or_(
                        col(CandidateRecord.national_id_hash) == id_hash,
                        col(CandidateRecord.name_dob_hash) == name_hash,
                    )
                )
            )
        ).all()
        if id_hash in matches:
            raise Problem(
                409,
                "duplicate-candidate",
                "Duplicate candidate",
                "a candidate with this national ID number is already registered",
            )
        same_person = bool(matches)
        candidate = CandidateRecord(
            first_name=c.first_name,
            last_name=c.last_name,
            first_name_ar=c.first_name_ar,
            last_name_ar=c.last_name_ar,
            date_of_birth=c.date_of_birth,
            sex=c.sex.value,
            birth_year=c.date_of_birth.year,
            nationality=c.nationality,
            country_of_residence=c.country_of_residence,
            region=c.region,
            city=c.city,
            phone=c.phone,
            email=str(c.email) if c.email else None,
            education_level=c.education_level.value,
            diploma=c.diploma,
            languages=[skill.model_dump(mode="json") for skill in c.languages],
            passport_expiry=c.passport_expiry,
            national_id_hash=id_hash,
            national_id_masked=domain.mask(national_id),
            name_dob_hash=name_hash,
        )
        key = ctx.keys.new_wrapped_key(str(candidate.id))
        dek = ctx.keys.unwrap(key, str(candidate.id))
        candidate.national_id_enc = encrypt_field(dek, str(candidate.id), "national_id", national_id)
        if c.passport_number:
            passport = domain.normalise_document_number(c.passport_number)
            candidate.passport_enc = encrypt_field(dek, str(candidate.id), "passport", passport)
            candidate.passport_masked = domain.mask(passport)
        session.add(candidate)
        await session.flush()  # the candidate row first: the rows below reference it
        session.add(CandidateKeyRecord(candidate_id=candidate.id, wrapped_key=key))
        session.add_all(_consents(candidate.id, command.consents, now))
        application = ApplicationRecord(
            candidate_id=candidate.id,
            status=Status.DRAFT.value,
            region=c.region,
            occupation_codes=list(command.occupation_codes),
            review_flags=["possible_duplicate_name_dob"] if same_person else [],
        )
        session.add(application)
        audit.record(
            session,
            actor,
            "application.create",
            "application",
            application.id,
            {"candidate_id": str(candidate.id), "review_flags": application.review_flags},
        )
    return application, candidate, {consent.purpose.value: consent.granted for consent in command.consents}


async def update_draft(
    ctx: AppContext, actor: Principal, application_id: uuid.UUID, command: ApplicationUpdate
) -> ApplicationRecord:
    """Change a draft; anything past draft is a 409."""
    changes = command.model_dump(exclude_unset=True)
    _check_reference(ctx, (command.candidate.region if command.candidate else None), command.occupation_codes)
    async with transaction(ctx.sessions) as session:
        application = await load_application(session, application_id, lock=True)
        if application.status != Status.DRAFT:
            raise Problem(
                409,
                "not-a-draft",
                "Only drafts can be edited",
                f"the application is {application.status}",
                current_status=application.status,
            )
        candidate = await load_candidate(session, application.candidate_id)
        if command.candidate:
            await _apply_candidate_changes(ctx, session, candidate, command)
            if command.candidate.region:
                application.region = command.candidate.region
        if command.occupation_codes:
            application.occupation_codes = list(command.occupation_codes)
        if command.consents:
            session.add_all(_consents(candidate.id, command.consents, datetime.now(UTC)))
        session.add(application)
        audit.record(
            session,
            actor,
            "application.update",
            "application",
            application.id,
            {"fields": sorted(_field_names(changes))},
        )
    return application


def _field_names(changes: dict[str, object], prefix: str = "") -> list[str]:
    names: list[str] = []
    for key, value in changes.items():
        names += _field_names(value, f"{prefix}{key}.") if isinstance(value, dict) else [f"{prefix}{key}"]
    return names


async def _apply_candidate_changes(
    ctx: AppContext, session: AsyncSession, candidate: CandidateRecord, command: ApplicationUpdate
) -> None:
    assert command.candidate is not None
    fields = command.candidate.model_dump(exclude_unset=True, mode="json")
    passport = fields.pop("passport_number", None)
    for name, value in fields.items():
        setattr(candidate, name, value if name != "date_of_birth" else command.candidate.date_of_birth)
    if command.candidate.date_of_birth:
        candidate.birth_year = command.candidate.date_of_birth.year
    if candidate.first_name and candidate.last_name:
        candidate.name_dob_hash = _name_dob_hash(
            ctx, candidate.first_name, candidate.last_name, candidate.date_of_birth
        )
    if passport:
        normalised = domain.normalise_document_number(passport)
        dek = await data_key(ctx, session, candidate.id)
        candidate.passport_enc = encrypt_field(dek, str(candidate.id), "passport", normalised)
        candidate.passport_masked = domain.mask(normalised)
    session.add(candidate)


async def submit_application(ctx: AppContext, actor: Principal, application_id: uuid.UUID) -> ApplicationRecord:
    """Submit a draft: evaluate eligibility with the rules in force and publish application_submitted."""
    now = datetime.now(UTC)
    async with transaction(ctx.sessions) as session:
        application = await load_application(session, application_id, lock=True)
        transition(application, Status.SUBMITTED)
        candidate = await load_candidate(session, application.candidate_id)
        consents = await _latest_consents(session, candidate.id)
        assert candidate.date_of_birth is not None
        rules = domain.rules_in_force(ctx.reference.eligibility, now.date())
        facts = domain.CandidateFacts(
            date_of_birth=candidate.date_of_birth,
            nationality=candidate.nationality,
            country_of_residence=candidate.country_of_residence,
            diploma=candidate.diploma,
            occupation_codes=tuple(application.occupation_codes),
            consents_given=frozenset(p for p, granted in consents.items() if granted),
        )
        results = domain.evaluate(rules, facts, now.date())
        application.rules_version = rules.version
        application.eligibility = [{"rule": r.rule, "passed": r.passed, "reason": r.reason} for r in results]
        application.eligible = domain.is_eligible(results)
        application.submitted_at = now
        session.add(application)
        await add_event(
            session,
            ApplicationSubmitted(
                candidate_id=candidate.id,
                application_id=application.id,
                submitted_at=now,
                region=application.region,
                occupation_codes=list(application.occupation_codes),
                programme_id=application.programme_id,
            ),
            source=SOURCE,
            aggregate_type="application",
            occurred_at=now,
        )
        audit.record(
            session,
            actor,
            "application.submit",
            "application",
            application.id,
            {
                "status": [Status.DRAFT.value, application.status],
                "eligible": application.eligible,
                "rules_version": rules.version,
            },
        )
    return application
