"""Local stack launcher: PostgreSQL, Kafka, Temporal and the platform's processes as child processes."""
