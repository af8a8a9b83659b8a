"""CloudEvents 1.0 envelope in Kafka binary mode: `ce_*` headers, JSON body, W3C traceparent header."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contracts.base import Event
from contracts.catalog import event_class

SPECVERSION = "1.0"
JSON = "application/json"

#: Attributes carried as `ce_<name>` headers, in the order they are written.
_CE_ATTRIBUTES = ("specversion", "id", "source", "type", "time", "subject", "partitionkey", "dataschema")
#: Trace context travels as its own headers, not as CloudEvents attributes.
_TRACE_HEADERS = ("traceparent", "tracestate")


class EnvelopeError(ValueError):
    """A Kafka record is not a valid CloudEvents 1.0 binary-mode event."""


@dataclass(frozen=True)
class KafkaRecord:
    """What goes on (or comes off) the wire: key, value and headers as aiokafka wants them."""

    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8")
        return None


@dataclass(frozen=True)
class Envelope:
    """One CloudEvent: attributes plus the JSON data bytes exactly as published."""

    id: str
    source: str
    type: str
    time: datetime
    partitionkey: str
    data: bytes
    subject: str | None = None
    dataschema: str | None = None
    datacontenttype: str = JSON
    specversion: str = SPECVERSION
    traceparent: str | None = None
    tracestate: str | None = None

    def json(self) -> dict[str, Any]:
        """The data parsed as JSON."""
        parsed = json.loads(self.data)
        if not isinstance(parsed, dict):
            raise EnvelopeError("event data must be a JSON object")
        return parsed

    def event(self) -> Event:
        """The catalog model for this event (raises UnknownEventType or pydantic.ValidationError)."""
        return event_class(self.type).model_validate_json(self.data)


def source_of(service: str) -> str:
    """CloudEvents source URI-reference of a publishing service."""
    return f"/thamm/{service}"


def dataschema_of(type_: str) -> str:
    """Where the JSON Schema of a type is published (relative to the contracts folder)."""
    return f"schemas/{type_}.json"


def envelope_for(
    event: Event,
    *,
    source: str,
    event_id: str | None = None,
    time: datetime | None = None,
    traceparent: str | None = None,
    tracestate: str | None = None,
) -> Envelope:
    """Wrap a catalog event in its envelope; the key and subject come from the event itself."""
    return Envelope(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=event.TYPE,
        time=(time or datetime.now(UTC)).astimezone(UTC),
        partitionkey=event.key(),
        subject=event.subject(),
        dataschema=dataschema_of(event.TYPE),
        data=event.model_dump_json().encode("utf-8"),
        traceparent=traceparent,
        tracestate=tracestate,
    )


def _format_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_kafka(envelope: Envelope) -> KafkaRecord:
    """Binary mode: value = data, `content-type` = datacontenttype, every attribute as `ce_<name>`."""
    attributes: dict[str, str | None] = {
        "specversion": envelope.specversion,
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "time": _format_time(envelope.time),
        "subject": envelope.subject,
        "partitionkey": envelope.partitionkey,
        "dataschema": envelope.dataschema,
    }
    headers = [(f"ce_{name}", value.encode()) for name in _CE_ATTRIBUTES if (value := attributes[name]) is not None]
    headers.append(("content-type", envelope.datacontenttype.encode()))
    for name in _TRACE_HEADERS:
        value = getattr(envelope, name)
        if value:
            headers.append((name, value.encode()))
    return KafkaRecord(key=envelope.partitionkey.encode(), value=envelope.data, headers=headers)


def from_kafka(record: KafkaRecord) -> Envelope:
    """Parse a binary-mode record; raises EnvelopeError naming what is wrong."""
    headers = {k.lower(): v for k, v in record.headers}
    content_type = headers.get("content-type", b"").decode(errors="replace")
    if content_type.lower().startswith("application/cloudevents"):
        raise EnvelopeError("structured-mode CloudEvents are not accepted; publish in binary mode")

    def attr(name: str, required: bool = True) -> str | None:
        raw = headers.get(f"ce_{name}")
        if raw is None:
            if required:
                raise EnvelopeError(f"missing header ce_{name}")
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise EnvelopeError(f"header ce_{name} is not UTF-8") from None

    if attr("specversion") != SPECVERSION:
        raise EnvelopeError(f"unsupported specversion {attr('specversion')!r}")
    if record.value is None:
        raise EnvelopeError("record has no data (tombstone)")
    raw_time = attr("time")
    try:
        time = datetime.fromisoformat(str(raw_time).replace("Z", "+00:00"))
    except ValueError:
        raise EnvelopeError(f"ce_time is not RFC 3339: {raw_time!r}") from None
    key = record.key.decode("utf-8", errors="replace") if record.key is not None else None
    trace = {name: (headers[name].decode() if name in headers else None) for name in _TRACE_HEADERS}
    return Envelope(
        id=str(attr("id")),
        source=str(attr("source")),
        type=str(attr("type")),
        time=time,
        partitionkey=attr("partitionkey", required=False) or key or "",
        subject=attr("subject", required=False),
        dataschema=attr("dataschema", required=False),
        datacontenttype=content_type or JSON,
        data=record.value,
        traceparent=trace["traceparent"],
        tracestate=trace["tracestate"],
    )
