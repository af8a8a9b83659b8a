"""`python -m workflows.worker`: runs the journey workflows and activities on the `journey` task queue."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

import httpx
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from contracts.journey import TASK_QUEUE
from services.common.kafka import idempotent_producer
from services.common.telemetry import setup_telemetry
from workflows.activities import JourneyActivities
from workflows.config import JourneySettings, connect_temporal
from workflows.follow_up import FollowUpWorkflow
from workflows.journey import ApprenticeJourneyWorkflow
from workflows.visa import VisaProcessWorkflow

WORKFLOWS: list[Any] = [ApprenticeJourneyWorkflow, VisaProcessWorkflow, FollowUpWorkflow]
#: Modules the sandbox shares with the worker instead of importing them again for every workflow run: the
#: workflows' own code and the contracts are deterministic and keep no state at module level. Without this,
#: each open journey holds its own copy of them (about twice the memory per journey).
PASSTHROUGH = ("workflows", "contracts", "pydantic", "pydantic_core", "annotated_types")


def workflow_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))


def build_worker(client: Any, activities: JourneyActivities, task_queue: str = TASK_QUEUE, **kwargs: Any) -> Worker:
    """The journey worker: every workflow type and every activity of JourneyActivities."""
    kwargs.setdefault("workflow_runner", workflow_runner())
    return Worker(client, task_queue=task_queue, workflows=WORKFLOWS, activities=activities.all(), **kwargs)


async def main() -> None:
    settings = JourneySettings()
    setup_telemetry(settings)
    client = await connect_temporal(settings)
    producer = idempotent_producer(settings.kafka_bootstrap_servers, client_id="journey-worker", linger_ms=0)
    await producer.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with httpx.AsyncClient(follow_redirects=False) as http:
            activities = JourneyActivities(http, settings, producer)
            async with build_worker(
                client,
                activities,
                max_cached_workflows=settings.worker_cached_workflows,
                max_concurrent_workflow_tasks=settings.worker_workflow_tasks,
                max_concurrent_activities=settings.worker_activities,
                max_concurrent_local_activities=settings.worker_activities,
            ):
                logging.getLogger("thamm.worker").info("journey worker polling %s", TASK_QUEUE)
                await stop.wait()
    finally:
        await producer.stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(main())
