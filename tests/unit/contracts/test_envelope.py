"""CloudEvents binary-mode envelope, checked against the independent `cloudevents` SDK."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event, to_binary_event
from cloudevents.core.v1.event import CloudEvent

from contracts.catalog import ALL_EVENTS
from contracts.envelope import EnvelopeError, KafkaRecord, envelope_for, from_kafka, source_of, to_kafka
from contracts.examples import sample_event

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=lambda c: c.TYPE)
def test_every_event_round_trips_and_the_sdk_reads_the_same_attributes(cls: type) -> None:
    event = sample_event(cls)
    envelope = envelope_for(event, source=source_of("test"), traceparent=TRACEPARENT)
    record = to_kafka(envelope)

    assert from_kafka(record) == envelope
    assert envelope.event() == event
    assert record.key == event.key().encode()

    parsed = from_binary_event(KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value))
    assert parsed.get_id() == envelope.id
    assert parsed.get_type() == cls.TYPE
    assert parsed.get_source() == "/thamm/test"
    assert parsed.get_specversion() == "1.0"
    assert parsed.get_subject() == event.subject()
    assert parsed.get_time() == envelope.time
    assert parsed.get_datacontenttype() == "application/json"
    assert parsed.get_extension("partitionkey") == event.key()
    assert parsed.get_data() == json.loads(event.model_dump_json())


def test_a_record_written_by_the_sdk_is_read_by_ours() -> None:
    cls = ALL_EVENTS[0]
    event = sample_event(cls)
    sdk_event = CloudEvent(
        attributes={
            "id": "e-1",
            "source": "/elsewhere",
            "type": cls.TYPE,
            "specversion": "1.0",
            "time": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "subject": event.subject(),
            "datacontenttype": "application/json",
            "partitionkey": event.key(),
        },
        data=json.loads(event.model_dump_json()),
    )
    message = to_binary_event(sdk_event)
    envelope = from_kafka(
        KafkaRecord(
            key=message.key if isinstance(message.key, bytes) else (message.key or "").encode(),
            value=message.value,
            headers=list(message.headers.items()),
        )
    )
    assert envelope.id == "e-1" and envelope.partitionkey == event.key()
    assert envelope.event() == event


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            [("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"t"), ("ce_time", b"2026-01-01T00:00:00Z")],
            "ce_specversion",
        ),
        (
            [
                ("ce_specversion", b"0.3"),
                ("ce_id", b"1"),
                ("ce_source", b"/s"),
                ("ce_type", b"t"),
                ("ce_time", b"2026-01-01T00:00:00Z"),
            ],
            "specversion",
        ),
        (
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", b"1"),
                ("ce_source", b"/s"),
                ("ce_type", b"t"),
                ("ce_time", b"yesterday"),
            ],
            "RFC 3339",
        ),
        ([("content-type", b"application/cloudevents+json")], "structured"),
    ],
)
def test_malformed_records_are_refused_with_a_reason(headers: list[tuple[str, bytes]], message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        from_kafka(KafkaRecord(key=b"k", value=b"{}", headers=headers))
