"""Outbox, relay, Kafka, inbox consumer and dead letters against real PostgreSQL and Kafka, under faults."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer, TopicPartition
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

from contracts.base import Event
from contracts.catalog import ALL_EVENTS, CATALOG
from contracts.envelope import Envelope, KafkaRecord, from_kafka
from contracts.examples import sample_event
from contracts.monitoring import CheckinRecorded
from contracts.topics import dead_letter_topic
from deploy.local.stack import Stack
from services.common.consumer import EventConsumer
from services.common.dlq import list_dead_letters, replay
from services.common.kafka import read_all
from services.common.relay import OutboxRelay
from tests.support.backbone import Backbone, record_effect, running, until

pytestmark = pytest.mark.integration


def checkin(candidate: uuid.UUID, year: int = 1) -> CheckinRecorded:
    return CheckinRecorded(candidate_id=candidate, checkin_id=uuid.uuid4(), training_year=year, risk_level="low")


def ids_on(records: list[Any]) -> list[str]:
    return [dict(r.headers)["ce_id"].decode() for r in records]


async def test_every_event_type_round_trips_through_kafka(backbone: Backbone) -> None:
    topic = await backbone.topic("roundtrip")
    events = [sample_event(cls) for cls in ALL_EVENTS]
    ids = await backbone.write(events, topic)
    async with running(OutboxRelay(backbone.settings)):
        await until(lambda: _count(backbone, topic, len(ids)), what="all events on the topic")
    records = await read_all(backbone.settings.kafka_bootstrap_servers, topic)
    by_id = {dict(r.headers)["ce_id"].decode(): r for r in records}
    for event_id, event in zip(ids, events, strict=True):
        record = by_id[event_id]
        ours = from_kafka(KafkaRecord(record.key, record.value, list(record.headers)))
        sdk = from_binary_event(KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value))
        assert ours.event() == event
        assert record.key == event.key().encode()
        assert (sdk.get_id(), sdk.get_type(), sdk.get_source(), sdk.get_subject(), sdk.get_time()) == (
            ours.id,
            event.TYPE,
            "/thamm/test",
            event.subject(),
            ours.time,
        )
        assert sdk.get_extension("partitionkey") == event.key()
        assert sdk.get_data() == json.loads(event.model_dump_json())


async def _count(backbone: Backbone, topic: str, n: int) -> bool:
    return len(await read_all(backbone.settings.kafka_bootstrap_servers, topic, idle_ms=300)) >= n


class CrashAfterSend(OutboxRelay):
    """Dies after the broker acknowledged the batch but before the rows are marked published."""

    async def mark_published(self, conn: asyncpg.Connection, positions: list[int]) -> None:
        raise RuntimeError("relay killed between send and mark")


async def test_relay_killed_between_send_and_mark_delivers_and_the_effect_applies_once(
    backbone: Backbone,
) -> None:
    group = "g-relay-crash"
    topic = await backbone.topic("relaycrash", group)
    [event_id] = await backbone.write([checkin(uuid.uuid4())], topic)

    with pytest.raises(RuntimeError, match="killed between send and mark"):
        await CrashAfterSend(backbone.settings).run()
    assert ids_on(await read_all(backbone.settings.kafka_bootstrap_servers, topic)) == [event_id]

    consumer = backbone.consumer(topic, group)
    async with running(OutboxRelay(backbone.settings), consumer):
        await until(lambda: _count(backbone, topic, 2), what="the republished copy")
        await until(lambda: _stat(consumer, "duplicates", 1), what="the duplicate to reach the consumer")
    assert ids_on(await read_all(backbone.settings.kafka_bootstrap_servers, topic)) == [event_id, event_id]
    assert [r["event_id"] for r in await backbone.effects(group)] == [event_id]


async def _stat(part: EventConsumer | OutboxRelay, name: str, value: int) -> bool:
    return bool(getattr(part.stats, name) >= value)


class CrashBeforeOffsetCommit(EventConsumer):
    """Dies after its database transaction committed but before the Kafka offset commit."""

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        raise RuntimeError("consumer killed between database commit and offset commit")


async def test_consumer_killed_before_offset_commit_has_its_redelivery_absorbed(backbone: Backbone) -> None:
    group = "g-consumer-crash"
    topic = await backbone.topic("consumercrash", group)
    [event_id] = await backbone.write([checkin(uuid.uuid4())], topic)
    async with running(OutboxRelay(backbone.settings)):
        await until(lambda: _count(backbone, topic, 1), what="the event on the topic")

    with pytest.raises(RuntimeError, match="killed between database commit"):
        await backbone.consumer(topic, group, cls=CrashBeforeOffsetCommit).run()
    assert [r["event_id"] for r in await backbone.effects(group)] == [event_id]

    second = backbone.consumer(topic, group)
    async with running(second):
        await until(lambda: _stat(second, "duplicates", 1), what="the redelivery")
    assert second.stats.processed == 0
    assert [r["event_id"] for r in await backbone.effects(group)] == [event_id]


async def test_a_light_cycle_over_several_partitions_commits_once(backbone: Backbone) -> None:
    """A few records spread over partitions (a light load) are one transaction, not one per partition."""
    group = "g-light-cycle"
    topic = await backbone.topic("lightcycle", group)
    ids = await backbone.write([checkin(uuid.uuid4()) for _ in range(12)], topic)
    async with running(OutboxRelay(backbone.settings)):
        await until(lambda: _count(backbone, topic, 12), what="the events on the topic")
    commits: list[object] = []
    engine = backbone.sessions.kw["bind"].sync_engine

    def committed(connection: object) -> None:
        commits.append(connection)

    sa.event.listen(engine, "commit", committed)
    try:
        consumer = backbone.consumer(topic, group)
        async with running(consumer):
            await until(lambda: _stat(consumer, "processed", 12), what="the twelve effects")
    finally:
        sa.event.remove(engine, "commit", committed)
    assert sorted(r["event_id"] for r in await backbone.effects(group)) == sorted(ids)
    conn = await asyncpg.connect(backbone.settings.asyncpg_dsn)
    try:
        partitions = await conn.fetchval("SELECT count(DISTINCT partition) FROM inbox WHERE consumer_group = $1", group)
    finally:
        await conn.close()
    assert partitions > 2 and len(commits) < partitions  # one transaction per partition would be `partitions`


async def test_after_a_short_batch_the_relay_lingers_so_rows_committed_meanwhile_go_out_together(
    backbone: Backbone,
) -> None:
    """The first row after an idle spell goes out at once; rows committed while the relay lingers after it
    travel as one batch (one read, one produce request, one update), not one batch each."""
    topic = await backbone.topic("linger")
    relay = OutboxRelay(backbone.settings.model_copy(update={"relay_linger_s": 1.0}))
    async with running(relay):
        await until(lambda: _outbox_drained(backbone), what="the rows other tests left, published")
        await asyncio.sleep(1.5)  # the linger after that batch is over: the relay is idle, looking every 20 ms
        published, batches = relay.stats.published, relay.stats.batches
        first = await backbone.write([checkin(uuid.uuid4())], topic)
        await until(lambda: _stat(relay, "published", published + 1), timeout_s=5, what="the first row, at once")
        rest = []
        for _ in range(5):  # five commits 50 ms apart: more than the idle relay's 20 ms between looks
            rest += await backbone.write([checkin(uuid.uuid4())], topic)
            await asyncio.sleep(0.05)
        await until(lambda: _stat(relay, "published", published + 6), what="the five rows")
        assert relay.stats.batches - batches == 2  # without the linger, one batch per commit
    assert sorted(ids_on(await read_all(backbone.settings.kafka_bootstrap_servers, topic))) == sorted(first + rest)


async def _outbox_drained(backbone: Backbone) -> bool:
    conn = await asyncpg.connect(backbone.settings.asyncpg_dsn)
    try:
        return bool(await conn.fetchval("SELECT count(*) = 0 FROM outbox WHERE published_at IS NULL"))
    finally:
        await conn.close()


async def test_poison_messages_are_dead_lettered_the_consumer_goes_on_and_replay_works(
    backbone: Backbone,
) -> None:
    group = "g-poison"
    topic = await backbone.topic("poison", group)
    broken_key = uuid.uuid4()
    healthy = record_effect(group)
    fixed = asyncio.Event()

    async def flaky(event: Event, envelope: Envelope, session: Any) -> None:
        if event.key() == str(broken_key) and not fixed.is_set():
            raise ConnectionError("downstream unavailable")
        await healthy(event, envelope, session)

    [bad_id, good_id] = await backbone.write([checkin(broken_key), checkin(uuid.uuid4())], topic)
    producer = AIOKafkaProducer(bootstrap_servers=backbone.settings.kafka_bootstrap_servers)
    await producer.start()
    await producer.send_and_wait(
        topic,
        key=b"k",
        value=b'{"candidate_id": "not-a-uuid"}',
        headers=[
            ("ce_specversion", b"1.0"),
            ("ce_id", b"malformed-1"),
            ("ce_source", b"/x"),
            ("ce_type", CheckinRecorded.TYPE.encode()),
            ("ce_time", b"2026-01-01T00:00:00Z"),
        ],
    )
    await producer.stop()

    consumer = backbone.consumer(topic, group, handlers=dict.fromkeys(CATALOG, flaky), max_attempts=3)
    async with running(OutboxRelay(backbone.settings), consumer):
        await until(lambda: _stat(consumer, "dead_lettered", 2), what="two dead letters")
        await until(lambda: _effects_include(backbone, group, good_id), what="the healthy event")

    letters = {
        d.event_id: d
        for d in await list_dead_letters(backbone.settings.kafka_bootstrap_servers, dead_letter_topic(topic, group))
    }
    assert set(letters) == {bad_id, "malformed-1"}
    transient, malformed = letters[bad_id], letters["malformed-1"]
    assert (transient.error_class, transient.attempts) == ("builtins.ConnectionError", 3)
    assert transient.origin.startswith(f"{topic}/") and transient.headers["dlq-consumer-group"] == group
    assert transient.headers["ce_type"] == CheckinRecorded.TYPE and transient.key == str(broken_key)
    assert malformed.attempts == 1 and "ValidationError" in malformed.error_class

    fixed.set()
    assert (
        await replay(backbone.settings.kafka_bootstrap_servers, dead_letter_topic(topic, group), event_ids={bad_id})
        == 1
    )
    after = backbone.consumer(topic, group, handlers=dict.fromkeys(CATALOG, flaky))
    async with running(after):
        await until(lambda: _effects_include(backbone, group, bad_id), what="the replayed event")
    assert sorted(r["event_id"] for r in await backbone.effects(group)) == sorted([good_id, bad_id])


async def _effects_include(backbone: Backbone, group: str, event_id: str) -> bool:
    return event_id in {r["event_id"] for r in await backbone.effects(group)}


async def test_per_key_order_holds_with_concurrent_writers(backbone: Backbone) -> None:
    group = "g-order"
    topic = await backbone.topic("order", group)
    keys = [uuid.uuid4() for _ in range(50)]
    written: dict[str, list[str]] = defaultdict(list)

    async def writer(key: uuid.UUID) -> None:
        for _ in range(20):
            written[str(key)] += await backbone.write([checkin(key)], topic)

    consumer = backbone.consumer(topic, group)
    async with running(OutboxRelay(backbone.settings), consumer):
        await asyncio.gather(*(writer(k) for k in keys))
        rows = await backbone.wait_for_effects(group, 1000)
    assert len(rows) == 1000
    applied: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        applied[row["key"]].append(row["event_id"])
    assert applied == written


async def test_no_event_is_lost_when_the_broker_restarts_mid_stream(backbone: Backbone, infra: Stack) -> None:
    group = "g-restart"
    topic = await backbone.topic("restart", group)
    written: list[str] = []

    async def writer() -> None:
        for _ in range(60):
            written.extend(await backbone.write([checkin(uuid.uuid4()) for _ in range(10)], topic))
            await asyncio.sleep(0.1)

    consumer = backbone.consumer(topic, group)
    async with running(OutboxRelay(backbone.settings), consumer):
        writing = asyncio.create_task(writer())
        await until(lambda: _some_effects(backbone, group), what="the first effects")
        await asyncio.to_thread(infra.down, ["kafka"], echo=False)
        await asyncio.sleep(2)
        await infra.up(["kafka"], echo=False)
        await writing
        rows = await backbone.wait_for_effects(group, len(written), timeout_s=120)
    assert len(written) == 600
    assert sorted(r["event_id"] for r in rows) == sorted(written)


async def _some_effects(backbone: Backbone, group: str) -> bool:
    return len(await backbone.effects(group)) > 50


async def test_operator_cli_lists_shows_and_replays_each_dead_letter_once(
    backbone: Backbone, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.common import dlq

    group = "g-cli"
    topic = await backbone.topic("cli", group)
    dead = dead_letter_topic(topic, group)
    producer = AIOKafkaProducer(bootstrap_servers=backbone.settings.kafka_bootstrap_servers)
    await producer.start()
    await producer.send_and_wait(
        dead,
        key=b"k1",
        value=b"{}",
        headers=[
            ("ce_id", b"dead-1"),
            ("ce_type", CheckinRecorded.TYPE.encode()),
            ("dlq-origin-topic", topic.encode()),
            ("dlq-origin-partition", b"0"),
            ("dlq-origin-offset", b"5"),
            ("dlq-consumer-group", group.encode()),
            ("dlq-error-class", b"builtins.ValueError"),
            ("dlq-error-message", b"bad value"),
            ("dlq-attempts", b"1"),
            ("dlq-failed-at", b"2026-11-29T10:00:00+00:00"),
        ],
    )
    await producer.stop()
    bootstrap = ["--bootstrap", backbone.settings.kafka_bootstrap_servers]

    assert await asyncio.to_thread(dlq.main, [*bootstrap, "list", "--topic", dead]) == 3
    listing = capsys.readouterr().out
    assert "1 dead letter(s)" in listing and "id=dead-1" in listing and "builtins.ValueError: bad value" in listing
    [letter] = await list_dead_letters(backbone.settings.kafka_bootstrap_servers, dead)
    assert await asyncio.to_thread(dlq.main, [*bootstrap, "show", dead, str(letter.partition), str(letter.offset)]) == 0
    assert '"dlq-origin-offset": "5"' in capsys.readouterr().out
    assert await asyncio.to_thread(dlq.main, [*bootstrap, "replay", dead, "--all"]) == 0
    assert "replayed 1 dead letter(s)" in capsys.readouterr().out
    assert await asyncio.to_thread(dlq.main, [*bootstrap, "replay", dead, "--all"]) == 0
    assert "replayed 0 dead letter(s)" in capsys.readouterr().out
    replayed = await read_all(backbone.settings.kafka_bootstrap_servers, topic)
    assert len(replayed) == 1 and dict(replayed[0].headers)["ce_id"] == b"dead-1"
    assert not any(k.startswith("dlq-error") for k, _ in replayed[0].headers)


async def test_inbox_rows_older_than_any_redelivery_are_purged_in_batches(backbone: Backbone) -> None:
    from services.common.inbox import purge

    group = f"g-purge-{uuid.uuid4().hex[:6]}"
    conn = await asyncpg.connect(backbone.settings.asyncpg_dsn)
    try:
        rows = [(group, f"old-{i}", "t", "topic", 0, i) for i in range(7)] + [(group, "new", "t", "topic", 0, 9)]
        await conn.executemany(
            'INSERT INTO inbox (consumer_group, event_id, event_type, topic, partition, "offset") '
            "VALUES ($1, $2, $3, $4, $5, $6)",
            rows,
        )
        await conn.execute(
            "UPDATE inbox SET received_at = now() - interval '10 days' WHERE consumer_group = $1 AND event_id <> 'new'",
            group,
        )
        assert await purge(backbone.sessions, group, older_than_s=8 * 86400, batch=3) == 7  # three batches
        left = await conn.fetch("SELECT event_id FROM inbox WHERE consumer_group = $1", group)
        assert [r["event_id"] for r in left] == ["new"]
    finally:
        await conn.close()


async def test_the_relay_purges_published_rows_past_retention(backbone: Backbone) -> None:
    topic = await backbone.topic("purge")
    [event_id] = await backbone.write([checkin(uuid.uuid4())], topic)
    settings = backbone.settings.model_copy(update={"outbox_retention_hours": 0.0001})
    relay = OutboxRelay(settings)
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        await relay.producer.start()
        while await relay.publish_batch(conn):
            pass
        await relay.producer.stop()
        await asyncio.sleep(0.5)
        assert await relay.purge(conn, batch=1) >= 1  # in batches, until none is left
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE event_id = $1", uuid.UUID(event_id)) == 0
    finally:
        await conn.close()


async def test_rows_written_without_the_unit_of_work_get_their_defaults_and_events_keep_their_order(
    backbone: Backbone,
) -> None:
    """`insert_rows` (one statement for several tables) and `add_events` (one INSERT for several events) as a
    hot path uses them: database defaults filled in, every row there, the events in the order given."""
    from services.common import audit
    from services.common.db import insert_rows, transaction
    from services.common.outbox import add_events
    from services.common.tables import InboxRecord

    group, key = f"g-rows-{uuid.uuid4().hex[:6]}", uuid.uuid4()
    first = audit.entry(None, "thing.create", "thing", key, {"fields": ["a"]})
    second = audit.entry(None, "thing.update", "thing", key)
    claimed = InboxRecord(consumer_group=group, event_id="e-1", event_type="t", topic="t", partition=0, offset=1)
    events = [CheckinRecorded(candidate_id=key, checkin_id=uuid.uuid4(), training_year=1, risk_level=r) for r in
              ("low", "medium", "high")]  # fmt: skip
    async with transaction(backbone.sessions) as session:
        await insert_rows(session, first, claimed, second)
        await add_events(session, events, source="/thamm/test", aggregate_type="test")
    conn = await asyncpg.connect(backbone.settings.asyncpg_dsn)
    try:
        trail = await conn.fetch(
            "SELECT action, changes::text FROM audit_event WHERE resource_id = $1 ORDER BY action", str(key)
        )
        assert [(r["action"], json.loads(r["changes"])) for r in trail] == [
            ("thing.create", {"fields": ["a"]}), ("thing.update", {}),
        ]  # fmt: skip
        assert await conn.fetchval("SELECT received_at IS NOT NULL FROM inbox WHERE consumer_group = $1", group)
        rows = await conn.fetch(
            "DELETE FROM outbox WHERE aggregate_id = $1 RETURNING position, payload::text", str(key)
        )  # taken out again: no relay of this test's database should publish them to the real topic
        risks = [json.loads(r["payload"])["risk_level"] for r in sorted(rows, key=lambda r: r["position"])]
        assert risks == ["low", "medium", "high"]
    finally:
        await conn.close()
