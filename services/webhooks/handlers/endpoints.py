"""Endpoints: register (the secret is shown once), change, enable or disable, rotate the secret (the old one
keeps signing for an overlap), send a test event, redeliver a delivery, replay everything since a time."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from services.common import audit
from services.common.auth import Principal
from services.common.db import transaction
from services.common.problems import invalid
from services.webhooks import domain
from services.webhooks.catalog import event_types
from services.webhooks.commands import ChangeEndpoint, Redeliver, RegisterEndpoint, Replay
from services.webhooks.context import WebhooksContext, load_delivery, load_endpoint
from services.webhooks.domain import DeliveryStatus, EndpointStatus
from services.webhooks.tables import DeliveryRecord, EndpointRecord


def _check_types(types: tuple[str, ...]) -> list[str]:
    known = event_types()
    for i, name in enumerate(types):
        if name not in known:
            raise invalid(f"#/event_types/{i}", f"unknown event type {name!r}; see GET /v1/event-types")
    return sorted(set(types))


async def register_endpoint(
    ctx: WebhooksContext, actor: Principal, command: RegisterEndpoint
) -> tuple[EndpointRecord, str]:
    """A new endpoint for the employer; returns it with its signing secret (shown this once)."""
    url = domain.check_url(command.url, local=ctx.local)
    async with transaction(ctx.sessions) as session:
        endpoint = EndpointRecord(
            employer_id=command.employer_id,
            url=url,
            description=command.description,
            event_types=_check_types(command.event_types),
            status=EndpointStatus.ENABLED,
            secret_enc=b"",
            created_by=actor.identity,
        )
        secret = domain.new_secret()
        endpoint.secret_enc = ctx.seal(endpoint.id, secret)
        session.add(endpoint)
        audit.record(session, actor, "endpoint.create", "endpoint", endpoint.id, {"event_types": endpoint.event_types})
    return endpoint, secret


async def change_endpoint(ctx: WebhooksContext, actor: Principal, command: ChangeEndpoint) -> EndpointRecord:
    """Change the URL, types or description; enabling clears the failure run, disabling stops deliveries."""
    async with transaction(ctx.sessions) as session:
        endpoint = await load_endpoint(session, command.endpoint_id, actor, lock=True)
        changed: list[str] = []
        if command.url is not None:
            endpoint.url, changed = domain.check_url(command.url, local=ctx.local), [*changed, "url"]
        if command.event_types is not None:
            endpoint.event_types, changed = _check_types(command.event_types), [*changed, "event_types"]
        if command.description is not None:
            endpoint.description, changed = command.description, [*changed, "description"]
        if command.enabled is not None:
            status = EndpointStatus.ENABLED if command.enabled else EndpointStatus.DISABLED
            if endpoint.status != status:
                endpoint.status, endpoint.failing_since = status, None
                endpoint.disabled_reason = None if command.enabled else "BY_EMPLOYER"
                changed.append("status")
        session.add(endpoint)
        audit.record(session, actor, "endpoint.update", "endpoint", endpoint.id, {"fields": changed})
    return endpoint


async def rotate_secret(ctx: WebhooksContext, actor: Principal, endpoint_id: uuid.UUID) -> tuple[EndpointRecord, str]:
    """A new secret; the current one keeps signing beside it for the overlap window (receivers switch)."""
    async with transaction(ctx.sessions) as session:
        endpoint = await load_endpoint(session, endpoint_id, actor, lock=True)
        secret = domain.new_secret()
        endpoint.previous_secret_enc = endpoint.secret_enc
        endpoint.previous_secret_until = datetime.now(UTC) + timedelta(seconds=ctx.settings.rotation_overlap_s)
        endpoint.secret_enc = ctx.seal(endpoint.id, secret)
        session.add(endpoint)
        until = endpoint.previous_secret_until.isoformat()
        audit.record(session, actor, "endpoint.rotate_secret", "endpoint", endpoint.id, {"old_secret_until": until})
    return endpoint, secret


async def send_test(ctx: WebhooksContext, actor: Principal, endpoint_id: uuid.UUID) -> DeliveryRecord:
    """Queue a `webhook.test` delivery to the endpoint (it must be enabled)."""
    async with transaction(ctx.sessions) as session:
        endpoint = await load_endpoint(session, endpoint_id, actor)
        if endpoint.status != EndpointStatus.ENABLED:
            raise domain.EndpointDisabledError("enable the endpoint before testing it", endpoint_status=endpoint.status)
        event_id, now = str(uuid.uuid4()), datetime.now(UTC)
        body = domain.payload(domain.TEST_EVENT, event_id, now, {"test": True, "endpoint_id": str(endpoint.id)})
        delivery = new_delivery(endpoint, domain.TEST_EVENT, event_id, now, json.dumps(body, separators=(",", ":")))
        session.add(delivery)
        audit.record(session, actor, "endpoint.test", "endpoint", endpoint.id, {"delivery_id": str(delivery.id)})
    return delivery


def new_delivery(
    endpoint: EndpointRecord, event_type: str, event_id: str, occurred_at: datetime, body: str
) -> DeliveryRecord:
    return DeliveryRecord(
        endpoint_id=endpoint.id,
        employer_id=endpoint.employer_id,
        event_id=event_id,
        event_type=event_type,
        msg_id=domain.message_id(event_id),
        body=body,
        occurred_at=occurred_at,
        status=DeliveryStatus.PENDING,
        next_attempt_at=datetime.now(UTC),
    )


async def redeliver(ctx: WebhooksContext, actor: Principal, command: Redeliver) -> DeliveryRecord:
    """Send one delivery once more now, with the same `webhook-id` (a pending one is left as it is)."""
    async with transaction(ctx.sessions) as session:
        delivery = await load_delivery(session, command.delivery_id, actor, lock=True)
        if delivery.status != DeliveryStatus.PENDING:
            delivery.status, delivery.manual = DeliveryStatus.PENDING, True
            delivery.next_attempt_at, delivery.leased_until = datetime.now(UTC), None
            session.add(delivery)
            audit.record(session, actor, "delivery.redeliver", "delivery", delivery.id, {})
    return delivery


async def replay(ctx: WebhooksContext, actor: Principal, command: Replay) -> int:
    """Send again every delivery of the endpoint created since a time (delivered ones too); returns how many."""
    async with transaction(ctx.sessions) as session:
        endpoint = await load_endpoint(session, command.endpoint_id, actor)
        result = await session.exec(
            sa.update(DeliveryRecord)
            .where(col(DeliveryRecord.endpoint_id) == endpoint.id)
            .where(col(DeliveryRecord.created_at) >= command.since)
            .where(col(DeliveryRecord.status) != DeliveryStatus.PENDING)
            .values(status=DeliveryStatus.PENDING, manual=True, next_attempt_at=sa.func.now(), leased_until=None)
        )
        count = int(result.rowcount or 0)
        audit.record(
            session,
            actor,
            "endpoint.replay",
            "endpoint",
            endpoint.id,
            {"since": command.since.isoformat(), "count": count},
        )
    return count
