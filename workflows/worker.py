"""`python -m workflows.worker`: runs the journey workflows and activities on the `journey` task queue."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

import httpx
from temporalio.worker import Worker

from contracts.journey import TASK_QUEUE
from services.common.kafka import idempotent_producer
from services.common.telemetry import setup_telemetry
from workflows.activities import JourneyActivities
from workflows.config import JourneySettings, connect_temporal
from workflows.follow_up import FollowUpWorkflow
from workflows.journey import ApprenticeJourneyWorkflow
from workflows.visa import VisaProcessWorkflow

WORKFLOWS: list[Any] = [ApprenticeJourneyWorkflow, VisaProcessWorkflow, FollowUpWorkflow]


def build_worker(client: Any, activities: JourneyActivities, task_queue: str = TASK_QUEUE, **kwargs: Any) -> Worker:
    """The journey worker: every workflow type and every activity of JourneyActivities."""
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
            async with build_worker(client, activities):
                logging.getLogger("thamm.worker").info("journey worker polling %s", TASK_QUEUE)
                await stop.wait()
    finally:
        await producer.stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(main())
