"""create_app(settings) -> FastAPI for the matching service, built on the service kit."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.matching.config import MatchingSettings
from services.matching.context import MatchingContext
from services.matching.routes import router

DESCRIPTION = """
Employer matching for the THAMM programme: training companies and their sites, apprenticeship positions,
pseudonymous candidate profiles, an explainable ranking that a case officer decides on, shortlists,
interviews, offers and training contracts checked against the fair-recruitment rules.

Every call needs a bearer token: a JWT, or for an employer's systems an API key (`thamm_ek_...`) that acts
as the `employer` role of its employer only. Employers reach only their own records (anything else is a
404); case officers see everything; the journey requests matching and releases places with a `service`
token. Errors are RFC 9457 problem details. Every POST honours an `Idempotency-Key` header.
"""

TAGS = [
    {"name": "employers", "description": "Training companies: sites, chamber, contacts, cooperation agreement."},
    {"name": "api keys", "description": "Keys for employers' systems: shown once, stored as hashes, revocable."},
    {"name": "positions", "description": "Apprenticeship places: occupation, site, start, pay; release."},
    {"name": "profiles", "description": "Pseudonymous candidates, only with consent to share with employers."},
    {"name": "ranking", "description": "Match requests, the explained ranking and the officer's decisions."},
    {"name": "shortlist", "description": "Candidates on an employer's shortlist (no identity before acceptance)."},
    {"name": "interviews", "description": "Video or on-site interviews and their outcome."},
    {"name": "offers", "description": "Offers with an expiry; the candidate's answer."},
    {"name": "contracts", "description": "Training contracts: checks, versions, acknowledgement, signature."},
]


def create_app(settings: MatchingSettings) -> FastAPI:
    return create_service_app(
        settings,
        [router],
        title="THAMM matching service",
        description=DESCRIPTION,
        context=lambda sessions: MatchingContext.build(sessions, settings),
        openapi_tags=TAGS,
    )
