"""Register a candidate with a draft application, and edit a draft."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.applications import ConsentChanged
from services.applications import domain
from services.applications.commands import (
    CandidateDetails,
    ChangeConsents,
    CreateApplication,
    GiveConsent,
    UpdateDraft,
)
from services.applications.context import SOURCE, AppContext, data_key, load_candidate, writable_application
from services.applications.domain import ApplicationStatus as Status
from services.applications.handlers.screening import publish_statistical_profile
from services.applications.tables import ApplicationRecord, CandidateKeyRecord, CandidateRecord, ConsentRecord
from services.common import audit
from services.common.auth import Principal
from services.common.crypto import encrypt_field, keyed_hash
from services.common.db import Rows, insert_rows, transaction
from services.common.idempotency import concerns
from services.common.outbox import event_rows
from services.common.problems import invalid

#: Candidate fields stored as given (ID numbers are encrypted separately).
PLAIN_FIELDS = (
    "first_name", "last_name", "first_name_ar", "last_name_ar", "date_of_birth", "city", "phone", "email",
    "passport_expiry", "sex", "nationality", "country_of_residence", "region", "education_level", "diploma",
)  # fmt: skip


DUPLICATE = "a candidate with this national ID number is already registered"


def check_reference(ctx: AppContext, region: str | None, occupations: tuple[str, ...] | None) -> None:
    """Region and occupations must be in reference data (the schema lists them too)."""
    if region is not None and region not in ctx.reference.regions:
        raise invalid("#/candidate/region", f"unknown region {region!r}; see reference data")
    for i, code in enumerate(occupations or ()):
        if code not in ctx.reference.occupations:
            raise invalid(f"#/occupation_codes/{i}", f"unknown occupation {code!r}; see reference data")


async def record_consents(session: AsyncSession, candidate_id: uuid.UUID, consents: tuple[GiveConsent, ...]) -> None:
    """Store each consent given or revoked and publish `consent_changed` (FR-09: revocation propagates)."""
    await insert_rows(session, *consent_rows(candidate_id, consents))


def consent_rows(candidate_id: uuid.UUID, consents: tuple[GiveConsent, ...]) -> tuple[Rows, Rows]:
    """The consent rows and their `consent_changed` events, for one `insert_rows` with the change's other rows
    (the rows are only read back by later queries, never as objects)."""
    now = datetime.now(UTC)
    rows = [
        {"id": uuid.uuid4(), "candidate_id": candidate_id, "recorded_at": now, **asdict(c), "purpose": c.purpose.value}
        for c in consents
    ]
    fields = ("purpose", "granted", "text_version", "language")
    events = [ConsentChanged(candidate_id=candidate_id, changed_at=now, **{f: row[f] for f in fields}) for row in rows]
    return Rows(_CONSENT, rows), event_rows(events, source=SOURCE, aggregate_type="candidate")


_CONSENT: sa.Table = ConsentRecord.__table__  # type: ignore[attr-defined]


def name_dob_hash(ctx: AppContext, first: str, last: str, born: object) -> str:
    return keyed_hash(ctx.hash_key, "name-dob", f"{first.casefold().strip()}|{last.casefold().strip()}|{born}")


async def _matches(session: AsyncSession, id_hash: str, same_name: str) -> list[str | None]:
    """ID-number hashes of candidates with the same CNIE or the same name and birth date."""
    rows = await session.exec(_MATCHES, params={"id_hash": id_hash, "same_name": same_name})
    return list(rows.all())


_MATCHES = select(CandidateRecord.national_id_hash).where(
    or_(
        col(CandidateRecord.national_id_hash) == sa.bindparam("id_hash"),
        col(CandidateRecord.name_dob_hash) == sa.bindparam("same_name"),
    )
)  # built once: the statement is the same for every registration, only its parameters change


def _new_candidate(
    ctx: AppContext, c: CandidateDetails, national_id: str, id_hash: str, same_name: str
) -> tuple[CandidateRecord, bytes]:
    """The candidate row with its ID numbers encrypted under a new data key; returns the wrapped key too."""
    candidate = CandidateRecord(
        **{name: getattr(c, name) for name in PLAIN_FIELDS},
        birth_year=c.date_of_birth.year,
        languages=list(c.languages),
        national_id_hash=id_hash,
        national_id_masked=domain.mask(national_id),
        name_dob_hash=same_name,
    )
    dek, wrapped = ctx.keys.new_data_key(str(candidate.id))
    candidate.national_id_enc = encrypt_field(dek, str(candidate.id), "national_id", national_id)
    if c.passport_number:
        passport = domain.normalise_document_number(c.passport_number)
        candidate.passport_enc = encrypt_field(dek, str(candidate.id), "passport", passport)
        candidate.passport_masked = domain.mask(passport)
    return candidate, wrapped


async def create_application(
    ctx: AppContext, actor: Principal, command: CreateApplication
) -> tuple[ApplicationRecord, CandidateRecord, dict[str, bool]]:
    """Register the candidate and open a draft application (a known CNIE is a DuplicateCandidate)."""
    c = command.candidate
    check_reference(ctx, c.region, command.occupation_codes)
    national_id = domain.normalise_document_number(c.national_id_number)
    id_hash = keyed_hash(ctx.hash_key, "cnie", national_id)
    same_name = name_dob_hash(ctx, c.first_name, c.last_name, c.date_of_birth)
    async with transaction(ctx.sessions) as session:
        matches = await _matches(session, id_hash, same_name)
        if id_hash in matches:
            raise domain.DuplicateCandidate(DUPLICATE)
        candidate, wrapped = _new_candidate(ctx, c, national_id, id_hash, same_name)
        concerns(candidate.id)
        candidate.created_at = datetime.now(UTC)
        flags = ["possible_duplicate_name_dob"] if matches else []
        application = ApplicationRecord(
            candidate_id=candidate.id, status=Status.DRAFT.value, region=c.region,
            occupation_codes=list(command.occupation_codes), review_flags=flags,
            created_at=candidate.created_at, updated_at=candidate.created_at,
        )  # fmt: skip
        changes = {"candidate_id": str(candidate.id), "review_flags": flags}
        trail = audit.entry(actor, "application.create", "application", application.id, changes)
        key = CandidateKeyRecord(candidate_id=candidate.id, wrapped_key=wrapped)
        # All the new rows in one statement: the answer is built from these objects, nothing reads them back.
        try:
            await insert_rows(
                session, candidate, key, *consent_rows(candidate.id, command.consents), application, trail
            )
        except IntegrityError as exc:
            if _same_cnie(exc):  # a concurrent registration of the same CNIE committed first
                raise domain.DuplicateCandidate(DUPLICATE) from None
            raise
    return application, candidate, {consent.purpose.value: consent.granted for consent in command.consents}


def _same_cnie(exc: IntegrityError) -> bool:
    """The candidate table's unique ID-number hash refused the row (not another table's constraint)."""
    cause = exc.orig.__cause__ if exc.orig is not None else None
    return getattr(cause, "sqlstate", None) == "23505" and getattr(cause, "table_name", None) == "candidate"


async def update_draft(ctx: AppContext, actor: Principal, command: UpdateDraft) -> ApplicationRecord:
    """Change a draft (anything past draft is NotADraft; an erased candidate is CandidateErased)."""
    check_reference(ctx, command.candidate_changes.get("region"), command.occupation_codes)
    async with transaction(ctx.sessions) as session:
        application = await writable_application(session, command.application_id)
        if application.status != Status.DRAFT:
            raise domain.NotADraft(f"the application is {application.status}", current_status=application.status)
        candidate = await load_candidate(session, application.candidate_id, writable=True)
        await _apply_candidate_changes(ctx, session, candidate, command.candidate_changes)
        application.region = command.candidate_changes.get("region", application.region)
        if command.occupation_codes:
            application.occupation_codes = list(command.occupation_codes)
        await record_consents(session, candidate.id, command.consents or ())
        session.add(application)
        audit.record(session, actor, "application.update", "application", application.id, {"fields": _fields(command)})
    return application


def _fields(command: UpdateDraft) -> list[str]:
    names = [f"candidate.{name}" for name in command.candidate_changes]
    names += [name for name in ("occupation_codes", "consents") if getattr(command, name) is not None]
    return sorted(names)


async def _apply_candidate_changes(
    ctx: AppContext, session: AsyncSession, candidate: CandidateRecord, changes: dict[str, Any]
) -> None:
    fields = dict(changes)
    passport = fields.pop("passport_number", None)
    for name, value in fields.items():
        setattr(candidate, name, list(value) if name == "languages" else value)
    if candidate.date_of_birth is not None:
        candidate.birth_year = candidate.date_of_birth.year
    if candidate.first_name and candidate.last_name:
        candidate.name_dob_hash = name_dob_hash(ctx, candidate.first_name, candidate.last_name, candidate.date_of_birth)
    if passport:
        normalised = domain.normalise_document_number(passport)
        dek = await data_key(ctx, session, candidate.id)
        candidate.passport_enc = encrypt_field(dek, str(candidate.id), "passport", normalised)
        candidate.passport_masked = domain.mask(normalised)
    session.add(candidate)


async def change_consents(ctx: AppContext, actor: Principal, command: ChangeConsents) -> dict[str, bool]:
    """Record consents given or revoked at any stage (not after erasure); returns the latest per purpose."""
    async with transaction(ctx.sessions) as session:
        application = await writable_application(session, command.application_id)
        await record_consents(session, application.candidate_id, command.consents)
        granted = any(c.purpose.value == "statistics" and c.granted for c in command.consents)
        if granted and application.submitted_at is not None:  # at submission it is published with the application
            await publish_statistical_profile(session, application.candidate_id, datetime.now(UTC))
        purposes = [c.purpose.value for c in command.consents]
        audit.record(session, actor, "consent.change", "application", application.id, {"purposes": purposes})
        return await latest_consents(session, application.candidate_id)


async def latest_consents(session: AsyncSession, candidate_id: uuid.UUID) -> dict[str, bool]:
    rows = await session.exec(
        select(ConsentRecord.purpose, ConsentRecord.granted)
        .where(col(ConsentRecord.candidate_id) == candidate_id)
        .order_by(col(ConsentRecord.recorded_at), col(ConsentRecord.id))
    )
    return {purpose: granted for purpose, granted in rows.all()}
