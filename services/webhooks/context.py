"""What every use case of the webhooks service needs: sessions, settings, the key that encrypts signing
secrets, employer API keys (replicated from matching) and the loaders that apply an employer's scope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.base import Event
from contracts.envelope import source_of
from services.common.apikeys import key_principal, parse_api_key, reachable
from services.common.auth import Principal
from services.common.crypto import decode_key, decrypt_field, encrypt_field
from services.common.db import SessionFactory
from services.common.outbox import add_event
from services.common.problems import not_found
from services.webhooks.config import WebhooksSettings
from services.webhooks.tables import ApiKeyReplicaRecord, DeliveryRecord, EndpointRecord

SOURCE = source_of("webhooks")


@dataclass(frozen=True)
class WebhooksContext:
    sessions: SessionFactory
    settings: WebhooksSettings
    key: bytes

    @classmethod
    def build(cls, sessions: SessionFactory, settings: WebhooksSettings) -> WebhooksContext:
        return cls(sessions=sessions, settings=settings, key=decode_key(settings.secret_key))

    @property
    def local(self) -> bool:
        return self.settings.environment == "local"

    def seal(self, endpoint_id: uuid.UUID, secret: str) -> bytes:
        return encrypt_field(self.key, str(endpoint_id), "signing_secret", secret)

    def unseal(self, endpoint_id: uuid.UUID, blob: bytes) -> str:
        return decrypt_field(self.key, str(endpoint_id), "signing_secret", blob)

    async def verify_api_key(self, key: str) -> Principal | None:
        """An employer's API key made by matching (its hash arrived as `api_key_created`)."""
        parsed = parse_api_key(key)
        if parsed is None:
            return None
        key_id, digest = parsed
        async with self.sessions() as session:
            row = await session.get(ApiKeyReplicaRecord, key_id)
        if row is None or row.revoked:
            return None
        return key_principal(key_id, row.employer_id, row.secret_sha256, digest)


async def publish(session: AsyncSession, event: Event) -> None:
    await add_event(session, event, source=SOURCE, aggregate_type="endpoint")


async def load_endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, actor: Principal | None, *, lock: bool = False
) -> EndpointRecord:
    endpoint = await session.get(EndpointRecord, endpoint_id, with_for_update=lock)
    if endpoint is None or not reachable(actor, endpoint.employer_id):
        raise not_found("endpoint", endpoint_id)
    return endpoint


async def load_delivery(
    session: AsyncSession, delivery_id: uuid.UUID, actor: Principal | None, *, lock: bool = False
) -> DeliveryRecord:
    delivery = await session.get(DeliveryRecord, delivery_id, with_for_update=lock)
    if delivery is None or not reachable(actor, delivery.employer_id):
        raise not_found("delivery", delivery_id)
    return delivery
