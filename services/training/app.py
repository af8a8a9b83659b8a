"""create_app(settings) -> FastAPI for the training service, built on the service kit."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.training.config import TrainingSettings
from services.training.context import TrainingContext
from services.training.routes import router

DESCRIPTION = """
German language preparation for the THAMM programme: cohorts at language providers' sites, enrolment (with a
waiting list), attendance, exams per module, certificates.

Every call needs a bearer token: case officers plan cohorts and record exams; trainers (with a `provider`
claim) see and teach only their provider's cohorts; the journey enrols and cancels with a `service` token.
Errors are RFC 9457 problem details. Every POST honours an `Idempotency-Key` header.
"""

TAGS = [
    {"name": "cohorts", "description": "Courses at a provider's site: schedule, capacity, trainers, status."},
    {"name": "enrolments", "description": "Candidates in (or waiting for) a cohort; levels, dropout."},
    {"name": "attendance", "description": "Sessions and presence; rates per period."},
    {"name": "exams", "description": "Registrations with their fee, results per module, certificates."},
]


def create_app(settings: TrainingSettings) -> FastAPI:
    return create_service_app(
        settings,
        [router],
        title="THAMM training service",
        description=DESCRIPTION,
        context=lambda sessions: TrainingContext.build(sessions, settings),
        openapi_tags=TAGS,
    )
