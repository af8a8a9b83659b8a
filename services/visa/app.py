"""create_app(settings) -> FastAPI for the visa-coordination service, built on the service kit."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.visa.config import VisaSettings
from services.visa.context import VisaContext
from services.visa.routes import router

DESCRIPTION = """
Visa coordination for the THAMM programme: from the signed training contract to the national D visa (§16a
AufenthG). One case per contract: the document checklist, the Federal Employment Agency's (BA) labour-market
approval (deemed given when the BA does not answer in time), the optional §81a accelerated procedure, the
appointment, lodging, the decision, and after a refusal a new application or an action at VG Berlin.

Every call needs a bearer token: case officers (GIZ visa staff) work the cases; the journey opens and cancels
them with a `service` token; operators read. Errors are RFC 9457 problem details. Every POST honours an
`Idempotency-Key` header. No personal data here: ids, dates and codes only.
"""

TAGS = [
    {"name": "cases", "description": "Open (the journey), read, list, cancel (compensation)."},
    {"name": "checklist", "description": "The visa documents: missing, provided, verified, rejected."},
    {"name": "approval", "description": "The BA's approval, the deemed approval, §81a agreement and pre-approval."},
    {"name": "consulate", "description": "Appointment, lodging, decision, new application, court action."},
    {"name": "costs", "description": "Fees and other costs with their payer (FR-01)."},
]


def create_app(settings: VisaSettings) -> FastAPI:
    return create_service_app(
        settings,
        [router],
        title="THAMM visa service",
        description=DESCRIPTION,
        context=lambda sessions: VisaContext.build(sessions, settings),
        openapi_tags=TAGS,
    )
