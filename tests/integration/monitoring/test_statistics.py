"""The statistics read models from real Kafka: every topic feeds them, a record that cannot be used goes to its
dead-letter topic, and a rebuild (empty read models, offsets back to the start) gives the same figures."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from contracts import applications as app_ev
from contracts import journey as journey_ev
from contracts import matching as matching_ev
from contracts import monitoring as mon_ev
from contracts import training as training_ev
from contracts import visa as visa_ev
from contracts.base import Event
from contracts.envelope import envelope_for, to_kafka
from contracts.examples import sample_event
from contracts.topics import MONITORING_STATISTICS_GROUP, SUBSCRIPTIONS, VISA, dead_letter_topic
from services.common.kafka import ensure_topics, idempotent_producer, read_all
from services.monitoring import reports
from services.monitoring.config import MonitoringSettings
from services.monitoring.consumers import statistics_consumer
from services.monitoring.indicators import Filters
from services.monitoring.queries import read_models
from services.monitoring.rebuild import rebuild
from services.monitoring.tables import AlertRecord, LedgerLineRecord
from tests.support.backbone import running, until

pytestmark = pytest.mark.integration

APPLIED = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
ARRIVED = date(2026, 11, 9)
AS_OF = date(2027, 6, 1)
TOPICS = next(s.topics for s in SUBSCRIPTIONS if s.group == MONITORING_STATISTICS_GROUP)


def journey_of(candidate: uuid.UUID, programme: str, sex: str, worker_paid: bool) -> list[Event]:
    """One apprentice's facts on all six topics, from the application to the training."""
    c, employer, exam = candidate, uuid.uuid4(), uuid.uuid4()
    ev = [
        sample_event(app_ev.ApplicationSubmitted, candidate_id=c, submitted_at=APPLIED, region="souss-massa",
                     occupation_codes=["29302"], programme_id=programme, eligible=True),
        sample_event(app_ev.StatisticalProfileRecorded, candidate_id=c, sex=sex, age_band="15-24",
                     education_isced="3", citizenship="MA", country_of_residence="MA", recorded_at=APPLIED),
        sample_event(app_ev.ApplicationPreselected, candidate_id=c, decided_at=APPLIED + timedelta(days=20),
                     occupation_code="29302"),
        sample_event(training_ev.Enrolled, candidate_id=c, starts_on=date(2026, 2, 16)),
        sample_event(training_ev.AttendanceRecorded, candidate_id=c, sessions_held=40, sessions_attended=36,
                     period_start=date(2026, 3, 1)),
        sample_event(training_ev.ExamRegistered, candidate_id=c, exam_id=exam, fee_amount="2300.00",
                     fee_currency="MAD", fee_payer=training_ev.CostPayer.PROGRAMME, sitting_on=date(2026, 6, 20)),
        sample_event(training_ev.ExamPassed, candidate_id=c, exam_id=exam, level=training_ev.CefrLevel.B1,
                     taken_on=date(2026, 6, 20)),
        sample_event(matching_ev.OfferAccepted, candidate_id=c, employer_id=employer),
        sample_event(matching_ev.ContractSigned, candidate_id=c, employer_id=employer, occupation_code="29302",
                     land="DE-BY", signed_on=date(2026, 7, 15), starts_on=date(2026, 12, 1),
                     monthly_pay_year1_cents=110000),
        sample_event(visa_ev.VisaGranted, candidate_id=c, employer_id=employer, valid_from=date(2026, 10, 1),
                     decided_on=date(2026, 9, 28)),
        sample_event(visa_ev.VisaCostRecorded, candidate_id=c, employer_id=employer, cost_line_id=uuid.uuid4(),
                     category="visa_fee", amount_cents=7500, currency="EUR",
                     payer="candidate" if worker_paid else "employer", incurred_on=date(2026, 9, 1)),
        sample_event(mon_ev.Departed, candidate_id=c, employer_id=employer, departed_on=ARRIVED),
        sample_event(mon_ev.ArrivalConfirmed, candidate_id=c, employer_id=employer, arrived_on=ARRIVED, land="DE-BY"),
        sample_event(mon_ev.ProbationPassed, candidate_id=c, employer_id=employer, passed_on=date(2027, 3, 31)),
        sample_event(journey_ev.StageChanged, candidate_id=c, from_stage="ARRIVED", to_stage="IN_TRAINING",
                     changed_at=datetime(2026, 12, 1, 8, tzinfo=UTC)),
        sample_event(journey_ev.JourneyResumed, candidate_id=c, stage="VISA", held_days=10.0),
    ]  # fmt: skip
    return ev


async def publish(bootstrap: str, events: list[Event], *, garbage_on: str | None = None) -> None:
    producer = idempotent_producer(bootstrap, client_id="monitoring-test")
    await producer.start()
    try:
        for event in events:
            record = to_kafka(envelope_for(event, source="/thamm/test"))
            await producer.send_and_wait(event.TOPIC, record.value, key=record.key, headers=record.headers)
        if garbage_on:
            await producer.send_and_wait(garbage_on, b"{not json", key=b"garbage", headers=[("ce_type", b"x")])
    finally:
        await producer.stop()


async def figures(app: Any, programme: str) -> dict[str, Any]:
    models = await read_models(app.state.ctx)
    where = Filters(programme_id=programme)
    return {name: reports.compute(models, app.state.ctx.reference, name, where, AS_OF) for name in reports.INDICATORS}


async def test_every_topic_feeds_the_read_models_and_a_rebuild_gives_the_same_figures(
    app: Any, settings: MonitoringSettings
) -> None:
    group = f"monitoring-statistics-{uuid.uuid4().hex[:6]}"
    await ensure_topics(settings.kafka_bootstrap_servers, [dead_letter_topic(t, group) for t in TOPICS], partitions=1)
    programme = f"call-{uuid.uuid4().hex[:8]}"
    people = [uuid.uuid4() for _ in range(6)]
    events = [e for i, c in enumerate(people) for e in journey_of(c, programme, "F" if i < 5 else "M", i < 5)]
    no_rate = sample_event(visa_ev.VisaCostRecorded, candidate_id=people[0], cost_line_id=uuid.uuid4(),
                           currency="XAF", payer="employer")  # fmt: skip
    await publish(settings.kafka_bootstrap_servers, [*events, no_rate], garbage_on=VISA)
    consumer = statistics_consumer(settings, app.state.ctx.sessions, group)

    async def complete() -> bool:
        result = await figures(app, programme)
        stages = {r["stage"]: r["count"]["value"] for r in result["funnel"]["figures"]}
        sdg = result["sdg-10-7-1"]["figures"]["programme"]["workers_with_costs"]["value"]
        return bool(stages["in_training"] == 6 and stages["b1_reached"] == 6 and sdg == 5)

    async with running(consumer):
        await until(complete, timeout_s=90, what="six apprentices' facts from six topics")
        before = await figures(app, programme)

    funnel = {r["stage"]: r for r in before["funnel"]["figures"]}
    assert [
        funnel[s]["count"]["value"] for s in ("applicants", "preselected", "contract", "visa_granted", "arrived")
    ] == [6] * 5
    durations = {r["stage"]: r for r in before["durations"]["figures"]}
    assert durations["visa"]["median_days"]["value"] == 75 - 10  # 2026-07-15 to 09-28, ten days on hold
    assert before["language"]["figures"]["attendance_rate"]["value"] == 0.9
    sdg = before["sdg-10-7-1"]["figures"]
    assert sdg["programme"]["mean"]["value"] == round(5 * (7500 / 110000) / 6, 4)
    assert sdg["programme"]["mean_without_zero_cost"]["value"] == round(7500 / 110000, 4)
    assert before["retention"]["figures"]["curve"][0]["share"]["value"] == 1.0
    icls = {(r["measure"], r["dimension"], r["category"]): r for r in before["icls"]["figures"]}
    assert icls[("FLOW_FOR_WORK", "sex", "F")]["value"] == 5 and icls[("FLOW_FOR_WORK", "sex", "M")]["suppressed"]
    assert icls[("FLOW_FOR_WORK", "education_isced", "3")]["value"] == 6

    async with app.state.ctx.sessions() as session:
        lines = (
            await session.exec(
                sa.select(sa.func.count())
                .select_from(LedgerLineRecord)
                .where(col(LedgerLineRecord.candidate_id).in_(people))
            )
        ).one()[0]
        alerts = (
            await session.exec(
                sa.select(sa.func.count()).select_from(AlertRecord).where(col(AlertRecord.candidate_id).in_(people))
            )
        ).one()[0]
    assert lines == 12 and alerts == 5  # exam fees and visa fees; the five worker-paid visa fees are alerts

    dead = [r for t in (VISA,) for r in await read_all(settings.kafka_bootstrap_servers, dead_letter_topic(t, group))]
    reasons = sorted(dict(r.headers)["dlq-error-class"].decode().rsplit(".", 1)[-1] for r in dead)
    assert reasons == ["EnvelopeError", "PermanentError"]  # the unreadable record, the line without a rate

    await rebuild(settings, group)  # the read models emptied, the offsets back at the start
    assert (await figures(app, programme))["funnel"]["people"]["suppressed"] is True
    async with running(statistics_consumer(settings, app.state.ctx.sessions, group)):
        await until(complete, timeout_s=120, what="the rebuild")
        after = await figures(app, programme)
    assert after == before
    async with app.state.ctx.sessions() as session:
        again = (
            await session.exec(
                sa.select(sa.func.count()).select_from(AlertRecord).where(col(AlertRecord.candidate_id).in_(people))
            )
        ).one()[0]
    assert again == 5, "a replayed line raises no second alert"


async def test_a_revoked_statistics_consent_turns_the_values_into_not_stated(
    app: Any, settings: MonitoringSettings
) -> None:
    group = f"monitoring-statistics-{uuid.uuid4().hex[:6]}"
    await ensure_topics(settings.kafka_bootstrap_servers, [dead_letter_topic(t, group) for t in TOPICS], partitions=1)
    programme = f"call-{uuid.uuid4().hex[:8]}"
    people = [uuid.uuid4() for _ in range(5)]
    events = [e for c in people for e in journey_of(c, programme, "F", False)]
    revoked = sample_event(app_ev.ConsentChanged, candidate_id=people[0], purpose="statistics", granted=False,
                           changed_at=APPLIED + timedelta(days=40))  # fmt: skip
    await publish(settings.kafka_bootstrap_servers, [*events, revoked])

    async def counted() -> bool:
        result = await figures(app, programme)
        rows = {(r["measure"], r["dimension"], r["category"]): r for r in result["icls"]["figures"]}
        total = rows.get(("FLOW_FOR_WORK", "total", "_T"), {}).get("value")
        stated = rows.get(("FLOW_FOR_WORK", "sex", "not stated"))
        return total == 5 and stated is not None

    async with running(statistics_consumer(settings, app.state.ctx.sessions, group)):
        await until(counted, timeout_s=90, what="the revocation")
    rows = {
        (r["measure"], r["dimension"], r["category"]): r for r in (await figures(app, programme))["icls"]["figures"]
    }
    assert rows[("FLOW_FOR_WORK", "sex", "not stated")]["suppressed"] is True  # one person: never shown
    assert rows[("FLOW_FOR_WORK", "sex", "F")]["suppressed"] is True  # four left: suppressed too
