"""The dispatcher against real Kafka, PostgreSQL and receivers on 127.0.0.1: signed deliveries the reference
library verifies, retries until an endpoint comes back, 410 disables, a slow endpoint does not hold up a
fast one, and a dispatcher killed mid-delivery loses nothing when it restarts."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from contracts import matching as matching_events
from contracts.base import Event
from contracts.envelope import envelope_for, to_kafka
from contracts.topics import SUBSCRIPTIONS, WEBHOOKS_DISPATCHER_GROUP, dead_letter_topic
from deploy.local.settings import REPO_ROOT
from services.common.kafka import ensure_topics, idempotent_producer
from services.webhooks.config import WebhooksSettings
from services.webhooks.consumers import fanout_consumer
from services.webhooks.handlers.delivery import Dispatcher
from tests.integration.webhooks.conftest import LocalReceiver
from tests.integration.webhooks.test_api import employer
from tests.support.backbone import running, until

pytestmark = pytest.mark.integration


async def endpoint_for(app: Any, employer_id: uuid.UUID, url: str, types: list[str]) -> dict[str, Any]:
    async with employer(app, employer_id) as client:
        created = await client.post(
            "/v1/endpoints", json={"employer_id": str(employer_id), "url": url, "event_types": types}
        )
    assert created.status_code == 201, created.text
    return dict(created.json())


def offer(employer_id: uuid.UUID) -> matching_events.OfferMade:
    return matching_events.OfferMade(
        candidate_id=uuid.uuid4(),
        employer_id=employer_id,
        position_id=uuid.uuid4(),
        shortlist_id=uuid.uuid4(),
        offer_id=uuid.uuid4(),
        expires_on=datetime.now(UTC).date(),
    )


async def publish(settings: WebhooksSettings, *events: Event) -> None:
    producer = idempotent_producer(settings.kafka_bootstrap_servers, client_id="webhooks-test", linger_ms=0)
    await producer.start()
    try:
        for event in events:
            record = to_kafka(envelope_for(event, source="/thamm/matching"))
            await producer.send_and_wait(event.TOPIC, record.value, key=record.key, headers=record.headers)
    finally:
        await producer.stop()


async def dead_letter_topics(settings: WebhooksSettings) -> None:
    topics = next(s.topics for s in SUBSCRIPTIONS if s.group == WEBHOOKS_DISPATCHER_GROUP)
    names = [dead_letter_topic(t, settings.dispatcher_group) for t in topics]
    await ensure_topics(settings.kafka_bootstrap_servers, names, partitions=1)


async def deliveries(app: Any, employer_id: uuid.UUID, endpoint_id: str) -> list[dict[str, Any]]:
    async with employer(app, employer_id) as client:
        return list((await client.get(f"/v1/endpoints/{endpoint_id}/deliveries")).json()["items"])


def verified(receiver: LocalReceiver, secret: str) -> list[dict[str, Any]]:
    return [Webhook(secret).verify(r.body, r.headers) for r in receiver.received]


async def test_events_reach_subscribed_endpoints_signed_and_pseudonymous(
    app: Any, settings: WebhooksSettings, receivers: Callable[..., LocalReceiver]
) -> None:
    await dead_letter_topics(settings)
    me, other = uuid.uuid4(), uuid.uuid4()
    receiver, elsewhere = receivers(), receivers()
    mine = await endpoint_for(app, me, receiver.url, ["thamm.matching.offer_made.v1"])
    await endpoint_for(app, other, elsewhere.url, ["thamm.matching.offer_made.v1"])
    made = offer(me)
    signed = matching_events.ContractSigned(
        **{k: getattr(made, k) for k in ("candidate_id", "employer_id", "position_id", "shortlist_id")},
        contract_id=uuid.uuid4(),
        version=1,
        occupation_code="29302",
        starts_on=datetime(2027, 8, 1).date(),
        ends_on=datetime(2030, 7, 31).date(),
        duration_months=36,
        probation_months=4,
        weekly_hours=39,
        land="DE-BY",
        signed_on=datetime.now(UTC).date(),
        contract_sha256="0" * 64,
        monthly_pay_year1_cents=110000,
    )
    await publish(settings, made, signed)  # contract_signed: not subscribed by this endpoint
    async with running(fanout_consumer(app.state.ctx), Dispatcher(app.state.ctx)):
        await until(lambda: _count(receiver, 1), what="the delivery")
        log = await deliveries(app, me, mine["id"])
    assert len(receiver.received) == 1 and elsewhere.received == []
    body = verified(receiver, mine["secret"])[0]
    assert body["type"] == "thamm.matching.offer_made.v1" and body["data"]["offer_id"] == str(made.offer_id)
    assert "candidate_id" not in body["data"] and body["data"]["shortlist_id"] == str(made.shortlist_id)
    assert receiver.received[0].headers["webhook-id"] == log[0]["msg_id"]
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(receiver.received[0].body, receiver.received[0].headers)
    assert log[0]["status"] == "delivered" and log[0]["attempts"] == 1


async def _count(receiver: LocalReceiver, n: int) -> bool:
    return len(receiver.received) >= n


async def test_a_down_endpoint_gets_every_delivery_when_it_comes_back_with_the_same_webhook_id(
    app: Any, settings: WebhooksSettings, receivers: Callable[..., LocalReceiver]
) -> None:
    me = uuid.uuid4()
    receiver = receivers(lambda n: (503, 0.0) if n < 2 else (200, 0.0))  # down twice, then up
    endpoint = await endpoint_for(app, me, receiver.url, ["webhook.test"])
    async with employer(app, me) as client:
        sent = (await client.post(f"/v1/endpoints/{endpoint['id']}/test")).json()
    async with running(Dispatcher(app.state.ctx)):
        await until(lambda: _count(receiver, 3), what="the third attempt")
        await asyncio.sleep(0.3)
    async with employer(app, me) as client:
        detail = (await client.get(f"/v1/deliveries/{sent['id']}")).json()
    assert {r.headers["webhook-id"] for r in receiver.received} == {sent["msg_id"]}
    assert [a["status_code"] for a in detail["attempt_log"]] == [503, 503, 200]
    assert detail["status"] == "delivered" and detail["attempt_log"][0]["response_excerpt"].startswith("thanks")
    assert len(detail["attempt_log"][0]["response_excerpt"]) == settings.response_excerpt_bytes  # cut, not all


async def test_an_endpoint_that_never_answers_well_fails_the_delivery_after_the_schedule(
    app: Any, settings: WebhooksSettings, receivers: Callable[..., LocalReceiver]
) -> None:
    me = uuid.uuid4()
    receiver = receivers(lambda n: (500, 0.0))
    endpoint = await endpoint_for(app, me, receiver.url, ["webhook.test"])
    async with employer(app, me) as client:
        sent = (await client.post(f"/v1/endpoints/{endpoint['id']}/test")).json()
    async with running(Dispatcher(app.state.ctx)):
        await until(lambda: _count(receiver, len(settings.retry_schedule_s)), what="every scheduled attempt")
        await asyncio.sleep(0.5)
        async with employer(app, me) as client:
            failed = (await client.get(f"/v1/deliveries/{sent['id']}")).json()
            assert failed["status"] == "failed" and failed["attempts"] == len(settings.retry_schedule_s)
            again = await client.post(f"/v1/deliveries/{sent['id']}/redeliver")  # one more, by hand
            assert again.status_code == 202
        await until(lambda: _count(receiver, len(settings.retry_schedule_s) + 1), what="the redelivery")
        await asyncio.sleep(0.3)
    async with employer(app, me) as client:
        after = (await client.get(f"/v1/deliveries/{sent['id']}")).json()
        still = (await client.get(f"/v1/endpoints/{endpoint['id']}")).json()
    assert after["status"] == "failed" and after["attempts"] == len(settings.retry_schedule_s) + 1
    assert still["status"] == "enabled" and still["failing_since"] is not None


async def test_410_gone_disables_the_endpoint_and_tells_the_employer(
    app: Any, settings: WebhooksSettings, receivers: Callable[..., LocalReceiver]
) -> None:
    me = uuid.uuid4()
    receiver = receivers(lambda n: (410, 0.0))
    endpoint = await endpoint_for(app, me, receiver.url, ["webhook.test"])
    async with employer(app, me) as client:
        await client.post(f"/v1/endpoints/{endpoint['id']}/test")
    async with running(Dispatcher(app.state.ctx)):
        await until(lambda: _count(receiver, 1), what="the attempt")
        await asyncio.sleep(0.3)
    async with employer(app, me) as client:
        gone = (await client.get(f"/v1/endpoints/{endpoint['id']}")).json()
    assert gone["status"] == "disabled" and gone["disabled_reason"] == "GONE" and len(receiver.received) == 1
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        rows = await conn.fetch("SELECT payload FROM outbox WHERE event_type = 'thamm.webhooks.endpoint_disabled.v1'")
    finally:
        await conn.close()
    assert any(json.loads(r["payload"])["endpoint_id"] == endpoint["id"] for r in rows)


async def test_a_slow_endpoint_does_not_hold_up_another(
    app: Any, settings: WebhooksSettings, receivers: Callable[..., LocalReceiver]
) -> None:
    slow_employer, fast_employer = uuid.uuid4(), uuid.uuid4()
    slow, fast = receivers(lambda n: (200, 3.0)), receivers()
    slow_endpoint = await endpoint_for(app, slow_employer, slow.url, ["webhook.test"])
    fast_endpoint = await endpoint_for(app, fast_employer, fast.url, ["webhook.test"])
    async with employer(app, slow_employer) as client:
        for _ in range(2):
            await client.post(f"/v1/endpoints/{slow_endpoint['id']}/test")
    async with running(Dispatcher(app.state.ctx)):
        await until(lambda: _count(slow, 1), what="the slow endpoint's first request")
        async with employer(app, fast_employer) as client:
            for _ in range(3):
                await client.post(f"/v1/endpoints/{fast_endpoint['id']}/test")
        await until(lambda: _count(fast, 3), what="the fast endpoint's deliveries")
        slow_seen_meanwhile = len(slow.received)
        await until(lambda: _count(slow, 2), what="the slow endpoint's second request")
    assert slow_seen_meanwhile == 1  # the fast endpoint's three arrived while the slow one answered its first
    assert fast.received[-1].at < slow.received[1].at


async def test_a_dispatcher_killed_mid_delivery_loses_nothing_and_keeps_the_webhook_id(
    app: Any, settings: WebhooksSettings, receivers: Callable[..., LocalReceiver]
) -> None:
    me = uuid.uuid4()
    receiver = receivers(lambda n: (200, 2.0 if n == 0 else 0.0))  # the first answer comes after the kill
    endpoint = await endpoint_for(app, me, receiver.url, ["webhook.test"])
    async with employer(app, me) as client:
        sent = (await client.post(f"/v1/endpoints/{endpoint['id']}/test")).json()
    env = {
        **os.environ,
        "WEBHOOKS_DATABASE_URL": settings.database_url,
        "WEBHOOKS_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "WEBHOOKS_SECRET_KEY": settings.secret_key,
        "WEBHOOKS_DISPATCHER_GROUP": settings.dispatcher_group,
        "WEBHOOKS_LEASE_S": "2",
        "WEBHOOKS_POLL_INTERVAL_S": "0.1",
    }
    await dead_letter_topics(settings)
    command = [sys.executable, "-m", "services.webhooks", "consume"]
    quiet = {"env": env, "cwd": REPO_ROOT, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    first = await asyncio.create_subprocess_exec(*command, **quiet)  # type: ignore[arg-type]
    try:
        await until(lambda: _count(receiver, 1), what="the first attempt")
        first.send_signal(signal.SIGKILL)  # mid-delivery: the answer never gets recorded
        await first.wait()
        second = await asyncio.create_subprocess_exec(*command, **quiet)  # type: ignore[arg-type]
        try:
            await until(lambda: _count(receiver, 2), what="the delivery after the restart")

            async def recorded() -> bool:
                async with employer(app, me) as client:
                    return (await client.get(f"/v1/deliveries/{sent['id']}")).json()["status"] == "delivered"

            await until(recorded, what="the recorded delivery")
        finally:
            second.terminate()
            await asyncio.wait_for(second.wait(), 20)
    finally:
        if first.returncode is None:
            first.kill()
    assert [r.headers["webhook-id"] for r in receiver.received] == [sent["msg_id"]] * 2  # at least once, one id


async def test_the_api_key_events_from_matching_reach_the_replica(app: Any, settings: WebhooksSettings) -> None:
    from services.common.apikeys import new_api_key

    me, key_id = uuid.uuid4(), uuid.uuid4()
    key, digest = new_api_key(key_id)
    await dead_letter_topics(settings)
    await publish(settings, matching_events.ApiKeyCreated(employer_id=me, key_id=key_id, secret_sha256=digest))
    machine = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://webhooks", headers={"Authorization": f"Bearer {key}"}
    )
    async with machine, running(fanout_consumer(app.state.ctx)):

        async def status() -> int:
            return (await machine.get("/v1/endpoints")).status_code

        async def accepted() -> bool:
            return await status() == 200

        async def refused() -> bool:
            return await status() == 401

        await until(accepted, what="the key to be accepted")
        await publish(settings, matching_events.ApiKeyRevoked(employer_id=me, key_id=key_id))
        await until(refused, what="the revocation")


async def test_in_production_a_host_that_resolves_to_a_private_address_is_refused_at_delivery(
    app: Any, settings: WebhooksSettings, receivers: Callable[..., LocalReceiver]
) -> None:
    from services.webhooks.context import WebhooksContext

    me = uuid.uuid4()
    receiver = receivers()
    endpoint = await endpoint_for(app, me, receiver.url, ["webhook.test"])  # accepted in local mode
    async with employer(app, me) as client:
        sent = (await client.post(f"/v1/endpoints/{endpoint['id']}/test")).json()
    production = WebhooksSettings(
        **{**settings.model_dump(), "environment": "production", "auth_issuer": "thamm", "auth_audience": "thamm"}
    )
    ctx = WebhooksContext.build(app.state.sessions, production)
    async with running(Dispatcher(ctx)):

        async def attempted() -> bool:
            async with employer(app, me) as client:
                return bool((await client.get(f"/v1/deliveries/{sent['id']}")).json()["attempt_log"])

        await until(attempted, what="the refused attempt")
    async with employer(app, me) as client:
        attempt = (await client.get(f"/v1/deliveries/{sent['id']}")).json()["attempt_log"][0]
    assert attempt["status_code"] is None and attempt["error"].startswith("refused: 127.0.0.1")
    assert receiver.received == []  # nothing was sent to the private address


async def test_an_endpoint_failing_for_longer_than_the_period_is_disabled_and_the_employer_told(
    app: Any, settings: WebhooksSettings, receivers: Callable[..., LocalReceiver]
) -> None:
    from services.webhooks.context import WebhooksContext

    me = uuid.uuid4()
    receiver = receivers(lambda n: (503, 0.0))
    endpoint = await endpoint_for(app, me, receiver.url, ["webhook.test"])
    async with employer(app, me) as client:
        await client.post(f"/v1/endpoints/{endpoint['id']}/test")
    impatient = WebhooksSettings(
        **{**settings.model_dump(), "disable_after_s": 0.5, "retry_schedule_s": (0, 0.4, 0.4, 0.4)}
    )
    async with running(Dispatcher(WebhooksContext.build(app.state.sessions, impatient))):

        async def disabled() -> bool:
            async with employer(app, me) as client:
                return (await client.get(f"/v1/endpoints/{endpoint['id']}")).json()["status"] == "disabled"

        await until(disabled, what="the endpoint to be disabled")
    async with employer(app, me) as client:
        state = (await client.get(f"/v1/endpoints/{endpoint['id']}")).json()
    assert state["disabled_reason"] == "FAILING" and state["failing_since"] is not None
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        reasons = [
            json.loads(r["payload"])["reason_code"]
            for r in await conn.fetch("SELECT payload FROM outbox WHERE aggregate_id = $1", str(me))
        ]
    finally:
        await conn.close()
    assert reasons == ["FAILING"]
