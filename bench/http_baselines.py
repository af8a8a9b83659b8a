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


def asyncpg_app(dsn: str) -> FastAPI:
    """FastAPI over a raw asyncpg pool: one SELECT by primary key, one INSERT."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=5, max_size=10)
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

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


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["bare", "asyncpg"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", default="")
    args = parser.parse_args()
    app = bare_app() if args.kind == "bare" else asyncpg_app(args.dsn)
    # Served the way the services are (run_service): uvloop and httptools, one process.
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, loop="uvloop", http="httptools"
    )
