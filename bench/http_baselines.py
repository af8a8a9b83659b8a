"""Baseline HTTP servers for the API benchmark, served exactly like the service (uvicorn, one process).

`python -m bench.http_baselines bare|asyncpg --port N --dsn DSN`
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI, Request

ROW = {
    "id": "00000000-0000-0000-0000-000000000000",
    "status": "submitted",
    "region": "casablanca-settat",
    "occupation_codes": ["29302"],
    "eligible": True,
}


def bare_app() -> FastAPI:
    """FastAPI with no database: the ceiling of the framework on this machine."""
    app = FastAPI()

    @app.get("/v1/applications/{application_id}")
    async def read(application_id: uuid.UUID) -> dict[str, Any]:
        return {**ROW, "id": str(application_id)}

    @app.post("/v1/applications", status_code=201)
    async def create(body: dict[str, Any]) -> dict[str, Any]:
        return {**ROW, "id": str(uuid.uuid4())}

    return app


def _pooled_app(dsn: str) -> FastAPI:
    """A FastAPI app holding a raw asyncpg pool (`app.state.pool`) for its lifetime."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=5, max_size=10)
        yield
        await app.state.pool.close()

    return FastAPI(lifespan=lifespan)


def asyncpg_app(dsn: str) -> FastAPI:
    """FastAPI over a raw asyncpg pool: one SELECT by primary key, one INSERT."""

    app = _pooled_app(dsn)

    @app.get("/v1/applications/{application_id}")
    async def read(application_id: uuid.UUID, request: Request) -> dict[str, Any]:
        row = await request.app.state.pool.fetchrow(
            "SELECT id, status, region, occupation_codes, eligible FROM application WHERE id = $1", application_id
        )
        return {**dict(row), "id": str(row["id"])}

    @app.post("/v1/applications", status_code=201)
    async def create(body: dict[str, Any], request: Request) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn, conn.transaction():
            candidate = uuid.uuid4()
            await conn.execute(
                "INSERT INTO bench_candidate (id, first_name, last_name, region) VALUES ($1, $2, $3, $4)",
                candidate,
                body["candidate"]["first_name"],
                body["candidate"]["last_name"],
                body["candidate"]["region"],
            )
            row = await conn.fetchrow(
                "INSERT INTO bench_application (id, candidate_id, status) VALUES ($1, $2, 'draft') "
                "RETURNING id, status",
                uuid.uuid4(),
                candidate,
            )
        return {"id": str(row["id"]), "status": row["status"]}

    return app


def same_work_app(dsn: str) -> FastAPI:
    """FastAPI over raw asyncpg doing the service's work for a POST, without its framework: the bearer token
    verified, the body validated by the service's own schema, the duplicate check, the ID number encrypted
    under a new wrapped data key, and the same rows (candidate, key, consents, application, audit, one outbox
    event per consent) in one transaction. The second ceiling: what the kit and the ORM cost on top."""
    import json
    from datetime import UTC, datetime

    from contracts.applications import ConsentChanged
    from contracts.envelope import envelope_for, source_of
    from services.applications.config import ApplicationsSettings
    from services.applications.schemas import ApplicationCreate
    from services.common.crypto import KeyWrapper, decode_key, encrypt_field, keyed_hash

    settings = ApplicationsSettings()
    verifier = settings.token_verifier()
    keys, hash_key = KeyWrapper(decode_key(settings.master_key)), decode_key(settings.hash_key)
    source = source_of("applications")

    app = _pooled_app(dsn)

    @app.post("/v1/applications", status_code=201)
    async def create(request: Request) -> dict[str, Any]:
        principal = await verifier.verify(request.headers["authorization"].partition(" ")[2])
        body = ApplicationCreate.model_validate_json(await request.body())
        c, cid, aid, now = body.candidate, uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)
        national_id = "".join(ch for ch in c.national_id_number.upper() if ch.isalnum())
        id_hash = keyed_hash(hash_key, "cnie", national_id)
        same = keyed_hash(hash_key, "name-dob", f"{c.first_name.casefold()}|{c.last_name.casefold()}|{c.date_of_birth}")
        dek, wrapped = keys.new_data_key(str(cid))
        async with request.app.state.pool.acquire() as conn, conn.transaction():
            await conn.fetch(
                "SELECT national_id_hash FROM candidate WHERE national_id_hash = $1 OR name_dob_hash = $2",
                id_hash,
                same,
            )
            await conn.execute(
                "INSERT INTO candidate (id, first_name, last_name, date_of_birth, city, phone, email, sex, birth_year,"
                " nationality, country_of_residence, region, education_level, diploma, languages, national_id_enc,"
                " national_id_masked, national_id_hash, name_dob_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
                " $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
                cid, c.first_name, c.last_name, c.date_of_birth, c.city, c.phone, c.email, c.sex.value,
                c.date_of_birth.year, c.nationality, c.country_of_residence, c.region, c.education_level.value,
                c.diploma, json.dumps([dict(lang) for lang in c.languages]),
                encrypt_field(dek, str(cid), "national_id", national_id), "******" + national_id[-2:], id_hash, same,
            )  # fmt: skip
            await conn.execute("INSERT INTO candidate_key (candidate_id, wrapped_key) VALUES ($1, $2)", cid, wrapped)
            for consent in body.consents:
                await conn.execute(
                    "INSERT INTO consent (id, candidate_id, purpose, granted, text_version, language, recorded_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    uuid.uuid4(), cid, consent.purpose.value, consent.granted, consent.text_version,
                    consent.language, now,
                )  # fmt: skip
                event = ConsentChanged(
                    candidate_id=cid, purpose=consent.purpose.value, granted=consent.granted,
                    text_version=consent.text_version, language=consent.language, changed_at=now,
                )  # fmt: skip
                envelope = envelope_for(event, source=source)
                await conn.execute(
                    "INSERT INTO outbox (event_id, topic, aggregate_type, aggregate_id, event_type, source, subject,"
                    " payload, headers, occurred_at) VALUES ($1, $2, 'candidate', $3, $4, $5, $6, $7, '{}', $8)",
                    uuid.UUID(envelope.id), event.TOPIC, envelope.partitionkey, envelope.type, envelope.source,
                    envelope.subject, json.dumps(envelope.json()), envelope.time,
                )  # fmt: skip
            await conn.execute(
                "INSERT INTO application (id, candidate_id, status, region, occupation_codes, programme_id,"
                " eligibility, review_flags) VALUES ($1, $2, 'draft', $3, $4, 'thamm-ausbildung', '[]', $5)",
                aid, cid, c.region, list(body.occupation_codes), [],
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO audit_event (id, occurred_at, actor_type, actor_id, action, resource_type, resource_id,"
                " outcome, changes) VALUES ($1, $2, 'person', $3, 'application.create', 'application', $4, 'success',"
                " $5)",
                uuid.uuid4(), now, principal.subject, str(aid), json.dumps({"candidate_id": str(cid)}),
            )  # fmt: skip
        return {"id": str(aid), "candidate_id": str(cid), "status": "draft"}

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["bare", "asyncpg", "same-work"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", default="")
    args = parser.parse_args()
    if args.kind == "bare":
        app = bare_app()
    else:
        app = asyncpg_app(args.dsn) if args.kind == "asyncpg" else same_work_app(args.dsn)
    # Served the way the services are (run_service): uvloop and httptools, one process.
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, loop="uvloop", http="httptools"
    )
