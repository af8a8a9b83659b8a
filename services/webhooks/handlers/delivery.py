"""The sending side of the dispatcher: claim due deliveries (one per endpoint at a time, under a lease), sign
them with the Standard Webhooks library, POST them, record the attempt and schedule the next one.

A crash between sending and recording leaves the lease to expire: the delivery is sent again with the same
`webhook-id` (at least once). A slow or dead endpoint holds one slot only, so other endpoints go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from prometheus_client import Counter, Gauge, Histogram
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.webhooks import EndpointDisabled
from services.webhooks import domain
from services.webhooks.context import WebhooksContext, publish
from services.webhooks.domain import DeliveryStatus, EndpointStatus
from services.webhooks.tables import AttemptRecord, DeliveryRecord, EndpointRecord

log = logging.getLogger("thamm.webhooks")

ATTEMPTS = Counter("thamm_webhook_attempts", "Delivery attempts by endpoint and outcome.", ["endpoint", "outcome"])
LATENCY = Histogram(
    "thamm_webhook_delivery_seconds",
    "From the event's time to its successful delivery.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 36000),
)
QUEUE = Gauge("thamm_webhook_queue_depth", "Deliveries waiting (pending), due now or later.")


@dataclass(frozen=True)
class Claimed:
    delivery: DeliveryRecord
    url: str
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    excerpt: str | None
    duration_ms: float


class Dispatcher:
    """Runs until stop(): claims what is due and delivers it, one endpoint's deliveries in order by one worker.

    A worker takes a few of its endpoint's oldest due deliveries at a time (as many as fit in the lease even
    if each one times out), and the attempts are recorded in small batches, one transaction each."""

    def __init__(self, ctx: WebhooksContext, client: httpx.AsyncClient | None = None) -> None:
        self.ctx, self.settings = ctx, ctx.settings
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()  # a worker finished: its endpoint may have more due
        self._busy: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._client = client
        self._outcomes: asyncio.Queue[tuple[uuid.UUID, Outcome]] = asyncio.Queue()
        per_attempt = self.settings.connect_timeout_s + self.settings.read_timeout_s
        self.per_endpoint = max(1, min(10, int(self.settings.lease_s // per_attempt)))
        self._gauge_at = 0.0

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        timeout = httpx.Timeout(self.settings.read_timeout_s, connect=self.settings.connect_timeout_s)
        limits = httpx.Limits(max_connections=self.settings.max_in_flight)
        client = self._client or httpx.AsyncClient(timeout=timeout, limits=limits, follow_redirects=False)
        recorder = asyncio.create_task(self._record_batches())
        try:
            while not self._stop.is_set():
                free = self.settings.max_in_flight - len(self._busy)
                for batch in await self._claim_safely(free) if free > 0 else []:
                    endpoint_id = batch[0].delivery.endpoint_id
                    task = asyncio.create_task(self._work(client, batch))
                    self._busy[endpoint_id] = task
                    task.add_done_callback(self._done(endpoint_id))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.poll_interval_s)
                self._wake.clear()
            await asyncio.gather(*self._busy.values(), return_exceptions=True)
        finally:
            await self._outcomes.put((uuid.UUID(int=0), Outcome(None, None, None, 0.0)))  # flush and end
            await recorder
            if self._client is None:
                await client.aclose()

    async def _claim_safely(self, limit: int) -> list[list[Claimed]]:
        """A database that is away for a moment costs a round, not the dispatcher."""
        try:
            return await self.claim(limit)
        except Exception:
            log.exception("claiming deliveries failed; trying again")
            return []

    def _done(self, endpoint_id: uuid.UUID) -> Callable[[asyncio.Task[None]], None]:
        def free(_: asyncio.Task[None]) -> None:
            self._busy.pop(endpoint_id, None)
            self._wake.set()

        return free

    async def _work(self, client: httpx.AsyncClient, batch: list[Claimed]) -> None:
        for claimed in batch:
            try:
                await self._outcomes.put((claimed.delivery.id, await self.send(client, claimed)))
            except Exception:  # the lease expires and the delivery is tried again
                log.exception("delivery %s could not be completed", claimed.delivery.id)

    async def _record_batches(self) -> None:
        """Record outcomes as they come, up to 200 per transaction; the zero id ends the loop after a flush."""
        ending = False
        while not ending:
            items = [await self._outcomes.get()]
            while not self._outcomes.empty() and len(items) < 200:
                items.append(self._outcomes.get_nowait())
            ending = any(i.int == 0 for i, _ in items)
            batch = [(i, o) for i, o in items if i.int != 0]
            try:
                if batch:
                    await self.record_many(batch)
            except Exception:  # the leases expire and these deliveries are tried again
                log.exception("recording %d attempts failed", len(batch))

    async def claim(self, limit: int) -> list[list[Claimed]]:
        """For up to `limit` endpoints not in flight, their oldest due deliveries (a few each), leased."""
        now = datetime.now(UTC)
        rank = sa.func.row_number().over(
            partition_by=col(DeliveryRecord.endpoint_id),
            order_by=(col(DeliveryRecord.occurred_at), col(DeliveryRecord.id)),
        )
        due = (
            select(DeliveryRecord.id, DeliveryRecord.endpoint_id, rank.label("rank"))
            .join(EndpointRecord, col(EndpointRecord.id) == col(DeliveryRecord.endpoint_id))
            .where(col(DeliveryRecord.status) == DeliveryStatus.PENDING)
            .where(col(DeliveryRecord.next_attempt_at) <= now)
            .where(sa.or_(col(DeliveryRecord.leased_until).is_(None), col(DeliveryRecord.leased_until) < now))
            .where(col(EndpointRecord.status) == EndpointStatus.ENABLED)
            .where(col(DeliveryRecord.endpoint_id).not_in(list(self._busy)))
            .subquery()
        )
        chosen = (
            select(due.c.id)
            .where(due.c.rank <= self.per_endpoint)
            .order_by(due.c.endpoint_id, due.c.rank)
            .limit(limit * self.per_endpoint)
        )
        async with self.ctx.sessions() as session, session.begin():
            ids = list((await session.exec(chosen)).all())
            await self._refresh_gauge(session)
            if not ids:
                return []
            rows = await session.exec(
                select(DeliveryRecord, EndpointRecord)
                .join(EndpointRecord, col(EndpointRecord.id) == col(DeliveryRecord.endpoint_id))
                .where(col(DeliveryRecord.id).in_(ids))
                .where(col(DeliveryRecord.status) == DeliveryStatus.PENDING)
                .order_by(col(DeliveryRecord.endpoint_id), col(DeliveryRecord.occurred_at), col(DeliveryRecord.id))
                .with_for_update(of=DeliveryRecord, skip_locked=True)
            )
            batches: dict[uuid.UUID, list[Claimed]] = {}
            for delivery, endpoint in rows.all():
                if endpoint.id not in batches and len(batches) == limit:
                    continue  # no slot for another endpoint: its deliveries stay unleased for the next round
                delivery.leased_until = now + timedelta(seconds=self.settings.lease_s)
                session.add(delivery)
                batches.setdefault(endpoint.id, []).append(
                    Claimed(delivery, endpoint.url, self._secrets(endpoint, now))
                )
        return list(batches.values())

    async def _refresh_gauge(self, session: AsyncSession) -> None:
        if time.monotonic() - self._gauge_at > 2:
            QUEUE.set(await _pending(session))
            self._gauge_at = time.monotonic()

    def _secrets(self, endpoint: EndpointRecord, now: datetime) -> tuple[str, ...]:
        current = self.ctx.unseal(endpoint.id, endpoint.secret_enc)
        until = endpoint.previous_secret_until
        if endpoint.previous_secret_enc and until and until > now:
            return current, self.ctx.unseal(endpoint.id, endpoint.previous_secret_enc)
        return (current,)

    async def send(self, client: httpx.AsyncClient, claimed: Claimed) -> Outcome:
        """One signed POST; the answer's status and the first bytes of its body, or the error."""
        d = claimed.delivery
        started = time.perf_counter()
        refused = await self._refused(claimed.url)
        if refused:
            return Outcome(None, refused, None, 0.0)
        timestamp = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": "THAMM-Webhooks/1",
            "webhook-id": d.msg_id,
            "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": domain.sign(claimed.secrets, d.msg_id, timestamp, d.body),
        }
        try:
            async with client.stream("POST", claimed.url, content=d.body.encode(), headers=headers) as response:
                excerpt = await _excerpt(response, self.settings.response_excerpt_bytes)
                code = response.status_code
        except httpx.TimeoutException:
            return Outcome(None, "timeout", None, (time.perf_counter() - started) * 1000)
        except httpx.HTTPError as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}"[:300], None, (time.perf_counter() - started) * 1000)
        return Outcome(code, None, excerpt, (time.perf_counter() - started) * 1000)

    async def _refused(self, url: str) -> str | None:
        """In production, refuse a host that resolves to a private, loopback or link-local address (SSRF)."""
        if self.ctx.local:
            return None
        parts = urlsplit(url)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443)
        except OSError as exc:
            return f"unresolvable host: {exc}"[:300]
        bad = domain.refused_addresses(str(info[4][0]) for info in infos)
        return f"refused: {parts.hostname} resolves to a non-public address" if bad else None

    async def record_many(self, outcomes: list[tuple[uuid.UUID, Outcome]]) -> None:
        """The attempts, each delivery's new state and its endpoint's health, in one transaction."""
        now = datetime.now(UTC)
        async with self.ctx.sessions() as session, session.begin():
            for delivery_id, outcome in outcomes:
                delivery = await session.get(DeliveryRecord, delivery_id, with_for_update=True)
                endpoint = (
                    await session.get(EndpointRecord, delivery.endpoint_id, with_for_update=True) if delivery else None
                )
                if delivery is None or endpoint is None:
                    continue
                await self._apply(session, delivery, endpoint, outcome, now)

    async def _apply(
        self, session: AsyncSession, delivery: DeliveryRecord, endpoint: EndpointRecord, outcome: Outcome, now: datetime
    ) -> None:
        session.add(
            AttemptRecord(
                delivery_id=delivery.id,
                attempted_at=now,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
                response_excerpt=outcome.excerpt,
            )
        )
        delivery.attempts += 1
        delivery.leased_until, delivery.last_status_code, delivery.last_error = None, outcome.status_code, outcome.error
        code = outcome.status_code
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at, delivery.manual = DeliveryStatus.DELIVERED, now, False
            endpoint.failing_since = None
            ATTEMPTS.labels(str(endpoint.id), "delivered").inc()
            LATENCY.observe(max(0.0, (now - delivery.occurred_at).total_seconds()))
        else:
            ATTEMPTS.labels(str(endpoint.id), "failed" if code is None or code != 410 else "gone").inc()
            await self._failed(session, delivery, endpoint, code, now)
        session.add_all([delivery, endpoint])

    async def _failed(
        self, session: AsyncSession, delivery: DeliveryRecord, endpoint: EndpointRecord, code: int | None, now: datetime
    ) -> None:
        endpoint.failing_since = endpoint.failing_since or now
        delay = None if delivery.manual else domain.next_attempt_in(delivery.attempts, self.settings.retry_schedule_s)
        if delay is None or code == 410:
            delivery.status, delivery.manual = DeliveryStatus.FAILED, False
        else:
            delivery.next_attempt_at = now + delay
        failing_too_long = (now - endpoint.failing_since).total_seconds() > self.settings.disable_after_s
        if endpoint.status == EndpointStatus.ENABLED and (code == 410 or failing_too_long):
            reason = "GONE" if code == 410 else "FAILING"
            endpoint.status, endpoint.disabled_reason = EndpointStatus.DISABLED, reason
            event = EndpointDisabled(
                employer_id=endpoint.employer_id,
                endpoint_id=endpoint.id,
                reason_code=reason,
                failing_since=endpoint.failing_since,
            )
            await publish(session, event)


async def _excerpt(response: httpx.Response, limit: int) -> str | None:
    """The first `limit` bytes of the answer (the rest is not read)."""
    taken = bytearray()
    async for chunk in response.aiter_bytes():
        taken.extend(chunk[: limit - len(taken)])
        if len(taken) >= limit:
            break
    return taken.decode(errors="replace") if taken else None


async def _pending(session: object) -> int:
    statement = (
        sa.select(sa.func.count())
        .select_from(DeliveryRecord)
        .where(col(DeliveryRecord.status) == DeliveryStatus.PENDING)
    )
    return int((await (await session.connection()).execute(statement)).scalar_one())  # type: ignore[attr-defined]
