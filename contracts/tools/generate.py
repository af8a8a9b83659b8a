"""Generate the committed contract artefacts: one JSON Schema per event type and the AsyncAPI 3.0 document.

`python -m contracts.tools.generate` (or `make contracts`) writes them; `--check` only reports stale files.
Before writing, every change to a released type is checked for compatibility with its published schema
(contracts.tools.compat); types not yet released may change in place.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from contracts import topics
from contracts.base import Event
from contracts.catalog import ALL_EVENTS, is_released
from contracts.tools.compat import breaking_changes

CONTRACTS_DIR = Path(__file__).resolve().parents[1]
SCHEMAS_DIR = CONTRACTS_DIR / "schemas"
ASYNCAPI_FILE = CONTRACTS_DIR / "asyncapi.yaml"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Which service publishes on which topic (the AsyncAPI `send` operations).
PUBLISHERS = {
    topics.APPLICATIONS: "applications",
    topics.TRAINING: "training",
    topics.MATCHING: "matching",
    topics.VISA: "visa",
    topics.MONITORING: "monitoring",
    topics.JOURNEY: "journey",
    topics.WEBHOOKS: "webhooks",
}


def schema_of(cls: type[Event]) -> dict[str, Any]:
    """The JSON Schema (2020-12) of what producers emit for one event type."""
    schema = cls.model_json_schema(mode="serialization")
    schema = {
        "$schema": SCHEMA_DIALECT,
        "$id": f"https://thamm.example/schemas/{cls.TYPE}.json",
        **schema,
        "title": cls.TYPE,
        "description": (cls.__doc__ or "").strip(),
    }
    schema["x-topic"] = cls.TOPIC
    schema["x-key"] = cls.KEY_FIELD
    return schema


def _message_name(cls: type[Event]) -> str:
    return cls.TYPE.removeprefix("thamm.").replace(".", "_")


def _channel_id(topic: str) -> str:
    return topic.replace(".", "_").replace("-", "_")


def _headers_schema(cls: type[Event]) -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "required": [
            "ce_specversion",
            "ce_id",
            "ce_source",
            "ce_type",
            "ce_time",
            "ce_partitionkey",
            "content-type",
        ],
        "properties": {
            "ce_specversion": {"type": "string", "const": "1.0", "description": "CloudEvents version."},
            "ce_id": {**text, "format": "uuid", "description": "Event id; consumers deduplicate on it."},
            "ce_source": {**text, "description": "Publishing service, e.g. /thamm/applications."},
            "ce_type": {**text, "const": cls.TYPE},
            "ce_time": {**text, "format": "date-time", "description": "When it happened (RFC 3339, UTC)."},
            "ce_subject": {**text, "description": "Candidate id, where the event concerns a candidate."},
            "ce_partitionkey": {
                **text,
                "description": f"Same as the record key: the event's {cls.KEY_FIELD}.",
            },
            "ce_dataschema": {**text, "const": f"schemas/{cls.TYPE}.json"},
            "content-type": {**text, "const": "application/json"},
            "traceparent": {**text, "description": "W3C trace context of the request that caused the event."},
            "tracestate": {**text, "description": "W3C trace state, when present."},
        },
    }


def asyncapi_document() -> dict[str, Any]:
    """AsyncAPI 3.0: a channel per topic (dead-letter topics included), a message per event type."""
    by_topic: dict[str, list[type[Event]]] = {t: [] for t in topics.EVENT_TOPICS}
    for cls in ALL_EVENTS:
        by_topic[cls.TOPIC].append(cls)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    kafka_binding = {"bindingVersion": "0.5.0"}
    for topic, classes in by_topic.items():
        cid = _channel_id(topic)
        channels[cid] = {
            "address": topic,
            "description": f"Events published by the {PUBLISHERS[topic]} service.",
            "messages": {_message_name(c): {"$ref": f"#/components/messages/{_message_name(c)}"} for c in classes},
            "bindings": {
                "kafka": {
                    **kafka_binding,
                    "topic": topic,
                    "partitions": topics.PARTITIONS,
                    "replicas": 1,
                    "topicConfiguration": {"cleanup.policy": ["delete"]},
                }
            },
        }
        operations[f"publish_{cid}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": f"The {PUBLISHERS[topic]} service publishes through its outbox relay.",
            "messages": [{"$ref": f"#/channels/{cid}/messages/{_message_name(c)}"} for c in classes],
        }
        for cls in classes:
            messages[_message_name(cls)] = {
                "name": cls.TYPE,
                "title": cls.__name__,
                "summary": (cls.__doc__ or "").strip(),
                "contentType": "application/json",
                "headers": _headers_schema(cls),
                "payload": {
                    "schemaFormat": "application/schema+json;version=draft-07",
                    "schema": {"$ref": f"./schemas/{cls.TYPE}.json"},
                },
                "correlationId": {"location": "$message.header#/ce_id"},
                "bindings": {
                    "kafka": {
                        **kafka_binding,
                        "key": {
                            "type": "string",
                            "format": "uuid",
                            "description": f"The event's {cls.KEY_FIELD}.",
                        },
                    }
                },
            }
    for sub in topics.SUBSCRIPTIONS:
        for topic in sub.topics:
            cid = _channel_id(topic)
            operations[f"{_channel_id(sub.group)}_receives_{cid}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{cid}"},
                "bindings": {"kafka": {**kafka_binding, "groupId": {"type": "string", "const": sub.group}}},
            }
            dlq = topics.dead_letter_topic(topic, sub.group)
            dlq_id = _channel_id(dlq)
            channels[dlq_id] = {
                "address": dlq,
                "description": f"Messages of {topic} that consumer group {sub.group} could not process: the original "
                "key, value and headers plus dlq-* headers (origin, error, attempts).",
                "messages": {
                    m: {"$ref": f"#/components/messages/{m}"} for m in (_message_name(c) for c in by_topic[topic])
                },
                "bindings": {"kafka": {**kafka_binding, "topic": dlq, "partitions": topics.PARTITIONS, "replicas": 1}},
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "THAMM platform events",
            "version": "1.0.0",
            "description": "Integration events of the THAMM apprentice mobility platform: CloudEvents 1.0 "
            "in Kafka binary mode (ce_* headers, JSON body, W3C traceparent header).",
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "Single-node KRaft broker of the local stack.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def expected_files() -> dict[Path, str]:
    """Every generated file and the text it should have."""
    files = {SCHEMAS_DIR / f"{cls.TYPE}.json": _dump_json(schema_of(cls)) for cls in ALL_EVENTS}
    files[ASYNCAPI_FILE] = (
        "# Generated by `make contracts` from the models in contracts/; do not edit.\n"
        + yaml.safe_dump(asyncapi_document(), sort_keys=False, allow_unicode=True, width=110)
    )
    return files


def stale_files(expected: dict[Path, str] | None = None) -> list[Path]:
    """Generated files that are missing, differ, or are left over from a removed type."""
    expected = expected if expected is not None else expected_files()
    stale = [p for p, text in expected.items() if not p.exists() or p.read_text() != text]
    stale += [p for p in SCHEMAS_DIR.glob("*.json") if p not in expected]
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts.tools.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    args = parser.parse_args(argv)
    expected = expected_files()
    stale = stale_files(expected)
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(CONTRACTS_DIR.parent)}")
        return 1 if stale else 0
    problems = []
    for path, text in expected.items():
        if path.suffix == ".json" and path.exists() and is_released(path.stem):
            problems += [f"{path.name}: {p}" for p in breaking_changes(json.loads(path.read_text()), json.loads(text))]
    removed = [p for p in SCHEMAS_DIR.glob("*.json") if p not in expected and is_released(p.stem)]
    problems += [f"{p.name}: published type removed (keep it, or deprecate it beside its successor)" for p in removed]
    if problems:
        print("refusing to regenerate: breaking change(s) to published types; publish a new version (.v2) instead:")
        print("\n".join(f"  {p}" for p in problems))
        return 1
    SCHEMAS_DIR.mkdir(exist_ok=True)
    for path in stale:
        if path in expected:
            path.write_text(expected[path])
            print(f"wrote {path.relative_to(CONTRACTS_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
