"""create_app(settings) -> FastAPI for the webhooks service, built on the service kit."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.webhooks.config import WebhooksSettings
from services.webhooks.context import WebhooksContext
from services.webhooks.routes import router

DESCRIPTION = """
Webhooks for employers: register an HTTPS endpoint, choose event types, and receive each event that concerns
your company as a signed POST ([Standard Webhooks](https://www.standardwebhooks.com): `webhook-id`,
`webhook-timestamp`, `webhook-signature`). Failed deliveries are retried on a schedule (immediately, 5 s,
5 min, 30 min, 2 h, 5 h, 10 h, 10 h), then kept for redelivery; every attempt is in the delivery log.

Call it with an employer token or an employer API key (made on the matching API); an employer reaches only
its own endpoints and deliveries. Errors are RFC 9457 problem details; every POST honours `Idempotency-Key`.
"""

TAGS = [
    {"name": "event types", "description": "What an endpoint can subscribe to, with example bodies."},
    {"name": "endpoints", "description": "Endpoints, their event types, secrets (rotation) and a test event."},
    {"name": "deliveries", "description": "The delivery log; redeliver one, replay since a time."},
]


def create_app(settings: WebhooksSettings) -> FastAPI:
    return create_service_app(
        settings,
        [router],
        title="THAMM webhooks service",
        description=DESCRIPTION,
        context=lambda sessions: WebhooksContext.build(sessions, settings),
        openapi_tags=TAGS,
    )
