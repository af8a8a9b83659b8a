"""Candidate profiles built by the matching consumer from real Kafka records: consent gates them, a revocation
removes them (and withdraws open shortlist entries), a waiting match request is ranked when the profile comes,
and a record that cannot be read goes to the dead-letter topic."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from contracts import applications as app_events
from contracts import training as training_events
from contracts.base import Event
from contracts.envelope import envelope_for, to_kafka
from contracts.topics import APPLICATIONS, TRAINING, dead_letter_topic
from deploy.local.settings import StackSettings
from services.common.consumer import EventConsumer
from services.common.kafka import ensure_topics, idempotent_producer, read_all
from services.common.tables import InboxRecord
from services.matching.config import MatchingSettings
from services.matching.consumers import profile_consumer
from services.matching.reference import reference_data
from services.matching.tables import ShortlistRecord
from tests.integration.matching.test_api import open_position, register, request_match, shortlist
from tests.support.backbone import running, until
from tests.support.helpers import auth

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
COURSE_START = date.today() - timedelta(days=200)
CERTIFIED_ON = date.today() - timedelta(days=10)


def consent(candidate: uuid.UUID, granted: bool, at: datetime = NOW) -> app_events.ConsentChanged:
    return app_events.ConsentChanged(
        candidate_id=candidate,
        purpose="sharing_employers",
        granted=granted,
        text_version="2026-01",
        language="fr",
        changed_at=at,
    )


def history(candidate: uuid.UUID, *, occupations: Sequence[str] = ("63302", "29302")) -> list[Event]:
    application = uuid.uuid4()
    return [
        app_events.ApplicationSubmitted(
            candidate_id=candidate,
            application_id=application,
            submitted_at=NOW,
            region="souss-massa",
            occupation_codes=list(occupations),
        ),
        app_events.ApplicationPreselected(
            candidate_id=candidate,
            application_id=application,
            decided_at=NOW,
            reason_code="ELIGIBLE",
            occupation_code="29302",
        ),
    ]


def training(candidate: uuid.UUID) -> list[Event]:
    """A course, a level assessed in class and the certificate (which fixes availability whatever else comes)."""
    return [
        training_events.Enrolled(
            candidate_id=candidate,
            cohort_id="C-1",
            enrolment_id=uuid.uuid4(),
            provider="goethe",
            starts_on=COURSE_START,
            target_level=training_events.CefrLevel.B1,
        ),
        training_events.LevelReached(
            candidate_id=candidate, cohort_id="C-1", level=training_events.CefrLevel.A2, reached_on=CERTIFIED_ON
        ),
        training_events.ExamPassed(
            candidate_id=candidate,
            cohort_id="C-1",
            exam_id=uuid.uuid4(),
            level=training_events.CefrLevel.B1,
            provider="goethe",
            taken_on=CERTIFIED_ON,
        ),
    ]


async def publish(bootstrap: str, events: Sequence[Event], *, garbage_key: str | None = None) -> list[str]:
    """Publish the events (and a record nobody can read, if asked); returns the events' ids."""
    producer = idempotent_producer(bootstrap, client_id="profile-test", linger_ms=0)
    await producer.start()
    ids = []
    try:
        for event in events:
            envelope = envelope_for(event, source="/thamm/test")
            record = to_kafka(envelope)
            await producer.send_and_wait(event.TOPIC, record.value, key=record.key, headers=record.headers)
            ids.append(envelope.id)
        if garbage_key:
            await producer.send_and_wait(
                APPLICATIONS, b"{not json", key=garbage_key.encode(), headers=[("ce_type", b"thamm.x.y.v1")]
            )
    finally:
        await producer.stop()
    return ids


def officer(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://matching", headers=auth())


async def test_profiles_follow_consent_and_the_candidates_facts(
    app: Any, settings: MatchingSettings, stack_settings: StackSettings
) -> None:
    group = f"matching-profiles-{uuid.uuid4().hex[:6]}"
    await ensure_topics(
        settings.kafka_bootstrap_servers, [dead_letter_topic(t, group) for t in (APPLICATIONS, TRAINING)], partitions=1
    )
    consumer = profile_consumer(settings, app.state.ctx)
    consumer.group = group
    employer = await register(app)
    position = await open_position(app, employer)
    consenting, silent, revoking = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    waiting = await request_match(app, str(consenting))  # the journey asked before the profile existed
    assert waiting.status_code == 201 and waiting.json()["status"] == "awaiting_profile"

    await publish(
        settings.kafka_bootstrap_servers,
        [
            consent(consenting, True),
            *history(consenting),
            *training(consenting),
            *history(silent),
            consent(revoking, True),
            *history(revoking),
        ],
        garbage_key=str(silent),
    )

    async def matchable() -> bool:
        async with officer(app) as http:
            first = (await http.get(f"/v1/profiles/{consenting}")).json()
            second = await http.get(f"/v1/profiles/{revoking}")
        return second.status_code == 200 and first.get("level") == "B1"

    async with running(consumer):
        await until(matchable, what="both consenting profiles")
        entry = await shortlist(app, str(revoking), position["id"])
        await publish(settings.kafka_bootstrap_servers, [consent(revoking, False, NOW + timedelta(seconds=1))])

        async def revoked() -> bool:
            async with officer(app) as http:
                return (await http.get(f"/v1/profiles/{revoking}")).status_code == 404

        await until(revoked, what="the revocation")

    async with officer(app) as http:
        profile = (await http.get(f"/v1/profiles/{consenting}")).json()
        assert (await http.get(f"/v1/profiles/{silent}")).status_code == 404  # never consented: never a profile
        ranked = (await http.get(f"/v1/match-requests/{waiting.json()['id']}")).json()
    ref = reference_data()
    assert profile["occupation_codes"] == ["29302", "63302"]  # the pre-selected occupation first
    assert profile["level"] == "B1" and profile["region"] == "souss-massa"
    # A real journey on a running stack may react to these events too (and enrol the candidate elsewhere):
    # the certificate fixes availability whatever enrolment comes later.
    assert profile["available_from"] == str(CERTIFIED_ON + timedelta(days=ref.availability_lead_days))
    assert "name" not in profile and "email" not in profile
    assert ranked["status"] == "ranked" and ranked["suggestions"][0]["position_id"] == position["id"]
    async with app.state.sessions() as session:
        withdrawn = await session.get(ShortlistRecord, uuid.UUID(entry))
    assert withdrawn is not None and withdrawn.status == "withdrawn"

    dead = [
        r
        for r in await read_all(settings.kafka_bootstrap_servers, dead_letter_topic(APPLICATIONS, group))
        if r.key == str(silent).encode()
    ]
    assert len(dead) == 1 and dict(dead[0].headers)["dlq-consumer-group"] == group.encode()
    assert consumer.stats.dead_lettered >= 1


async def test_an_erasure_deletes_the_profile(app: Any, settings: MatchingSettings) -> None:
    group = f"matching-profiles-{uuid.uuid4().hex[:6]}"
    await ensure_topics(
        settings.kafka_bootstrap_servers, [dead_letter_topic(t, group) for t in (APPLICATIONS, TRAINING)], partitions=1
    )
    consumer: EventConsumer = profile_consumer(settings, app.state.ctx)
    consumer.group = group
    candidate = uuid.uuid4()
    await publish(settings.kafka_bootstrap_servers, [consent(candidate, True), *history(candidate)])
    async with running(consumer):

        async def status() -> int:
            async with officer(app) as http:
                return (await http.get(f"/v1/profiles/{candidate}")).status_code

        async def present() -> bool:
            return await status() == 200

        async def gone() -> bool:
            return await status() == 404

        await until(present, what="the profile")
        await publish(
            settings.kafka_bootstrap_servers, [app_events.CandidateErased(candidate_id=candidate, erased_at=NOW)]
        )
        await until(gone, what="the erasure")
        late = await publish(settings.kafka_bootstrap_servers, history(candidate))  # after the erasure

        async def applied() -> bool:
            async with app.state.sessions() as session:
                seen = await session.exec(
                    select(sa.func.count())
                    .select_from(InboxRecord)
                    .where(col(InboxRecord.consumer_group) == group)
                    .where(col(InboxRecord.event_id).in_(late))
                )
                return int(seen.one()) == len(late)

        await until(applied, what="the late events")
    async with app.state.sessions() as session:
        from services.matching.tables import ProfileRecord

        tombstone = await session.get(ProfileRecord, candidate)
    assert tombstone is not None and tombstone.erased_at is not None  # kept empty, so nothing refills it
    assert tombstone.occupation_codes == [] and tombstone.region is None and not tombstone.matchable
