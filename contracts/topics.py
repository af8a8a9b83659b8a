"""Topic names, record keys and consumer groups: one place for every name on the wire."""

from __future__ import annotations

from dataclasses import dataclass

APPLICATIONS = "thamm.applications"
TRAINING = "thamm.training"
MATCHING = "thamm.matching"
VISA = "thamm.visa"
MONITORING = "thamm.monitoring"
JOURNEY = "thamm.journey"
WEBHOOKS = "thamm.webhooks"

#: One topic per publishing service, keyed by candidate id (employer-only events by employer id).
EVENT_TOPICS: tuple[str, ...] = (APPLICATIONS, TRAINING, MATCHING, VISA, MONITORING, JOURNEY, WEBHOOKS)

#: Partitions per event topic on the local single-node broker.
PARTITIONS = 6

#: Consumer group of the event-to-workflow bridge.
JOURNEY_BRIDGE_GROUP = "journey-bridge"

#: Consumer group of the matching service's candidate profiles.
MATCHING_PROFILES_GROUP = "matching-profiles"

#: Consumer group of the applications service's contact disclosures to employers.
APPLICATIONS_DISCLOSURES_GROUP = "applications-disclosures"

#: Consumer group of the monitoring service's read models (statistics, the cost ledger); it reads every topic.
MONITORING_STATISTICS_GROUP = "monitoring-statistics"

#: Consumer group of the webhook dispatcher (deliveries to employers' endpoints).
WEBHOOKS_DISPATCHER_GROUP = "webhooks-dispatcher"


@dataclass(frozen=True)
class Subscription:
    """A consumer group reading some topics; each (topic, group) pair has its own dead-letter topic."""

    group: str
    topics: tuple[str, ...]

    def dead_letter_topics(self) -> tuple[str, ...]:
        return tuple(dead_letter_topic(topic, self.group) for topic in self.topics)


#: Every consumer group the platform runs, with what it reads.
SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription(JOURNEY_BRIDGE_GROUP, (APPLICATIONS, TRAINING, MATCHING, VISA, MONITORING)),
    Subscription(MATCHING_PROFILES_GROUP, (APPLICATIONS, TRAINING)),
    Subscription(APPLICATIONS_DISCLOSURES_GROUP, (MATCHING,)),
    Subscription(WEBHOOKS_DISPATCHER_GROUP, (MATCHING, VISA, MONITORING, JOURNEY)),
    Subscription(MONITORING_STATISTICS_GROUP, (APPLICATIONS, TRAINING, MATCHING, VISA, MONITORING, JOURNEY)),
)


def dead_letter_topic(topic: str, group: str) -> str:
    """`<topic>.dlq.<consumer-group>`: where a message that group could not process ends up."""
    return f"{topic}.dlq.{group}"


def all_topics() -> tuple[str, ...]:
    """Event topics and every dead-letter topic, in a stable order (created explicitly; no auto-create)."""
    dlqs = [dlq for sub in SUBSCRIPTIONS for dlq in sub.dead_letter_topics()]
    return (*EVENT_TOPICS, *dlqs)
