"""create_app(settings) -> FastAPI for the applications service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from services.applications.config import ApplicationsSettings
from services.applications.context import AppContext
from services.applications.routes import router
from services.applications.storage import DocumentStorage
from services.common.db import create_engine, session_factory
from services.common.idempotency import IdempotencyMiddleware
from services.common.problems import install_problem_handlers
from services.common.telemetry import setup_telemetry

DESCRIPTION = """
Candidates, applications, documents, eligibility and pre-selection for the THAMM programme.

Every call needs a bearer token (`Authorization: Bearer <JWT>`) with a role: case officers register,
screen and decide; operators, analysts and services read. ID numbers are masked in every answer; a case
officer may reveal them (`?reveal=national_id_number`), and each such read is audited. Errors are RFC 9457
problem details. Every POST honours an `Idempotency-Key` header.
"""


def create_app(settings: ApplicationsSettings, storage: DocumentStorage | None = None) -> FastAPI:
    """The applications API with its database engine bound to the app's lifetime."""
    verifier = settings.token_verifier()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.sessions = session_factory(engine)
        app.state.ctx = AppContext.build(app.state.sessions, settings, storage)
        yield
        await engine.dispose()

    setup_telemetry(settings)
    app = FastAPI(title="THAMM applications service", version="1.0.0", lifespan=lifespan, description=DESCRIPTION)
    app.state.settings = settings
    app.state.token_verifier = verifier
    install_problem_handlers(app)
    app.include_router(router)
    app.add_middleware(IdempotencyMiddleware)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz")
    return app
