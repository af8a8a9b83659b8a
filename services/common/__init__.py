"""Plumbing every service shares: database, outbox, inbox, Kafka, consumer loop, auth, problems, telemetry."""
