"""create_app(settings) -> FastAPI for the applications service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from services.applications.config import ApplicationsSettings
from services.applications.routes import router
from services.common.db import create_engine, session_factory
from services.common.problems import install_problem_handlers
from services.common.telemetry import setup_telemetry


def create_app(settings: ApplicationsSettings) -> FastAPI:
    """The applications API with its database engine bound to the app's lifetime."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.sessions = session_factory(engine)
        yield
        await engine.dispose()

    setup_telemetry(settings)
    app = FastAPI(
        title="THAMM applications service",
        version="1.0.0",
        lifespan=lifespan,
        description="Candidates, applications, documents, eligibility and pre-selection.",
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz")
    return app
