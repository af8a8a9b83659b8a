"""create_app(settings) -> FastAPI for the monitoring service, built on the service kit."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.monitoring.config import MonitoringSettings
from services.monitoring.context import MonitoringContext
from services.monitoring.handlers.grievances import grievance_deadlines
from services.monitoring.routes import router
from services.monitoring.statistics_routes import DashboardCookie, login, pages
from services.monitoring.statistics_routes import router as statistics

DESCRIPTION = """
Monitoring for the THAMM programme, in two halves. **Follow-up casework** from pre-departure to the end of
the Ausbildung and after: orientation, insurance and travel, arrival and the first weeks, check-ins with risk
signals, probation, early termination, exams, completion, job search and return; the fair-recruitment ledger
(every cost line with its payer, FR-01), document custody (FR-06) and grievances (FR-07). **Programme
statistics** from read models of every topic: the funnel, stage durations, language, retention, SDG 10.7.1
and the ICLS 2018 labour-migration tables, as JSON, CSV, an SDMX-style file and a dashboard (`/dashboard`).

Every call needs a bearer token: follow-up officers (`case_officer`) do the casework; the journey starts
pre-departure and asks for tasks with a `service` token; operators read; analysts read the statistics only,
which never carry an id and suppress any figure from fewer than 5 people. Errors are RFC 9457 problem
details. Every POST honours an `Idempotency-Key` header.
"""

TAGS = [
    {"name": "journey", "description": "The journey's calls: start pre-departure."},
    {"name": "tasks", "description": "Tasks for the follow-up officer (journey, risk, alerts, grievances)."},
    {"name": "follow-up", "description": "Pre-departure, arrival, check-ins, probation, termination, exams, after."},
    {"name": "ledger", "description": "Cost lines with payer, fair-recruitment alerts, custody, earnings."},
    {"name": "grievances", "description": "The apprentice's grievances (FR-07)."},
    {"name": "statistics", "description": "Indicators (JSON) and exports (CSV, SDMX-style); de-identified."},
]


def create_app(settings: MonitoringSettings) -> FastAPI:
    app = create_service_app(
        settings,
        [router, statistics, pages, login],
        title="THAMM monitoring service",
        description=DESCRIPTION,
        context=lambda sessions: MonitoringContext.build(sessions, settings),
        background=[grievance_deadlines],
        openapi_tags=TAGS,
    )
    app.add_middleware(DashboardCookie)
    return app
