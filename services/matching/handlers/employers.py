"""Register and change employers; employer API keys (create, list, revoke)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select

from contracts.matching import ApiKeyCreated, ApiKeyRevoked, EmployerRegistered
from services.common import audit
from services.common.apikeys import new_api_key
from services.common.auth import Principal
from services.common.db import transaction
from services.common.problems import invalid, not_found
from services.matching.commands import ChangeEmployer, CreateApiKey, RegisterEmployer, RevokeApiKey
from services.matching.context import MatchingContext, load_employer, publish
from services.matching.tables import ApiKeyRecord, EmployerRecord


async def register_employer(ctx: MatchingContext, actor: Principal, command: RegisterEmployer) -> EmployerRecord:
    """A training company that signed the cooperation agreement (`employer_registered`)."""
    async with transaction(ctx.sessions) as session:
        employer = EmployerRecord(
            name=command.name,
            nace_code=command.nace_code,
            sites=list(command.sites),
            contacts=list(command.contacts),
            agreement=command.agreement,
            intercultural_training=command.intercultural_training,
        )
        session.add(employer)
        main = command.sites[0]
        event = EmployerRegistered(employer_id=employer.id, land=main["land"], chamber=main["chamber"]["kind"])
        await publish(session, event, "employer")
        audit.record(session, actor, "employer.create", "employer", employer.id, {"sites": len(command.sites)})
    return employer


async def change_employer(ctx: MatchingContext, actor: Principal, command: ChangeEmployer) -> EmployerRecord:
    async with transaction(ctx.sessions) as session:
        employer = await load_employer(session, command.employer_id, actor, lock=True)
        changed: list[str] = []
        if command.contacts is not None:
            employer.contacts, changed = list(command.contacts), [*changed, "contacts"]
        if command.agreement is not None:
            employer.agreement, changed = command.agreement, [*changed, "agreement"]
        if command.intercultural_training is not None:
            employer.intercultural_training, changed = (
                command.intercultural_training,
                [*changed, "intercultural_training"],
            )
        if command.add_sites:
            known = {s["code"] for s in employer.sites}
            for i, site in enumerate(command.add_sites):
                if site["code"] in known:
                    raise invalid(f"#/add_sites/{i}/code", f"the employer already has a site {site['code']!r}")
                known.add(site["code"])
            employer.sites, changed = [*employer.sites, *command.add_sites], [*changed, "sites"]
        session.add(employer)
        audit.record(session, actor, "employer.update", "employer", employer.id, {"fields": changed})
    return employer


async def create_api_key(ctx: MatchingContext, actor: Principal, command: CreateApiKey) -> tuple[ApiKeyRecord, str]:
    """A new key for the employer; returns the record and the key, which is never stored nor shown again."""
    async with transaction(ctx.sessions) as session:
        await load_employer(session, command.employer_id, actor)
        record = ApiKeyRecord(
            employer_id=command.employer_id, name=command.name, prefix="", secret_sha256="", created_by=actor.identity
        )
        key, digest = new_api_key(record.id)
        record.prefix, record.secret_sha256 = key[:17], digest
        session.add(record)
        event = ApiKeyCreated(employer_id=command.employer_id, key_id=record.id, secret_sha256=digest)
        await publish(session, event, "api_key")
        audit.record(session, actor, "api_key.create", "api_key", record.id, {"employer_id": str(command.employer_id)})
    return record, key


async def list_api_keys(ctx: MatchingContext, actor: Principal, employer_id: object) -> list[ApiKeyRecord]:
    async with ctx.sessions() as session:
        await load_employer(session, employer_id, actor)  # type: ignore[arg-type]
        rows = await session.exec(
            select(ApiKeyRecord)
            .where(col(ApiKeyRecord.employer_id) == employer_id)
            .order_by(col(ApiKeyRecord.created_at), col(ApiKeyRecord.id))
        )
        return list(rows.all())


async def revoke_api_key(ctx: MatchingContext, actor: Principal, command: RevokeApiKey) -> ApiKeyRecord:
    """Revoke a key at once; revoking a revoked key changes nothing (still a success)."""
    async with transaction(ctx.sessions) as session:
        await load_employer(session, command.employer_id, actor)
        key = await session.get(ApiKeyRecord, command.key_id, with_for_update=True)
        if key is None or key.employer_id != command.employer_id:
            raise not_found("API key", command.key_id)
        if key.revoked_at is None:
            key.revoked_at = datetime.now(UTC)
            session.add(key)
            await publish(session, ApiKeyRevoked(employer_id=key.employer_id, key_id=key.id), "api_key")
            audit.record(session, actor, "api_key.revoke", "api_key", key.id, {})
    return key
