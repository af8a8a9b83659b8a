"""create_app(settings) -> FastAPI for the applications service, built on the service kit."""

from __future__ import annotations

from fastapi import FastAPI

from services.applications.config import ApplicationsSettings
from services.applications.context import AppContext
from services.applications.handlers.personal_data import blob_deletion_job
from services.applications.routes import documents_router, router
from services.applications.storage import DocumentStorage
from services.common.app import create_service_app

DESCRIPTION = """
Candidates, applications, documents, eligibility and pre-selection for the THAMM programme.

Every call needs a bearer token (`Authorization: Bearer <JWT>`) with a role: case officers register,
screen and decide; operators, analysts and services read a de-identified view (no names, contact details
or ID numbers). ID numbers are masked even for case officers; they may reveal them
(`?reveal=national_id_number`), and each such read is audited. Errors are RFC 9457 problem details.
Every POST honours an `Idempotency-Key` header.
"""

TAGS = [
    {"name": "applications", "description": "Register, edit, submit and decide on applications."},
    {"name": "documents", "description": "Scans on file and the pre-selection checklist."},
    {"name": "candidates", "description": "The candidate's rights over their personal data (erasure)."},
]


def create_app(settings: ApplicationsSettings, storage: DocumentStorage | None = None) -> FastAPI:
    """The applications API with its database engine bound to the app's lifetime."""
    return create_service_app(
        settings,
        [router, documents_router(settings)],
        title="THAMM applications service",
        description=DESCRIPTION,
        context=lambda sessions: AppContext.build(sessions, settings, storage),
        background=[blob_deletion_job],
        openapi_tags=TAGS,
    )
