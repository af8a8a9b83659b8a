"""How the journey's workflows call activities: one place for timeouts, retries and deterministic ids."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.activities import JourneyEventRequest
    from contracts.base import Event
    from workflows.activities import JourneyActivities

#: Services may be down for a while: retry for as long as it takes, at most every 5 minutes.
SERVICE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=0,
    non_retryable_error_types=["RequestRefused"],
)


def step_key(step: str) -> str:
    """`<workflow id>:<step>`: the Idempotency-Key of one step (stable across activity retries and replays)."""
    return f"{workflow.info().workflow_id}:{step}"


async def call(method: Any, request: Any) -> Any:
    """Run one JourneyActivities method with the standard timeouts and retries."""
    return await workflow.execute_activity_method(
        method, request, start_to_close_timeout=timedelta(seconds=30), retry_policy=SERVICE_RETRY
    )


async def publish(event: Event, seq: int) -> None:
    """Publish a journey event whose id is fixed by the workflow run and a sequence number."""
    info = workflow.info()
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"thamm:{info.workflow_id}:{info.run_id}:{seq}"))
    request = JourneyEventRequest(event_id=event_id, event_type=event.TYPE, data=event.model_dump(mode="json"))
    await call(JourneyActivities.publish_journey_event, request)
