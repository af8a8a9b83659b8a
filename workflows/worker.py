"""`python -m workflows.worker`: runs the journey workflows and activities on the `journey` task queue."""

from __future__ import annotations

import asyncio
import logging
import signal

from temporalio.worker import Worker

from contracts.journey import TASK_QUEUE
from services.common.telemetry import setup_telemetry
from workflows.config import JourneySettings, connect_temporal
from workflows.journey import ApprenticeJourneyWorkflow

WORKFLOWS = [ApprenticeJourneyWorkflow]


async def main() -> None:
    settings = JourneySettings()
    setup_telemetry(settings)
    client = await connect_temporal(settings)
    worker = Worker(client, task_queue=TASK_QUEUE, workflows=WORKFLOWS, activities=[])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        logging.getLogger("thamm.worker").info("journey worker polling %s", TASK_QUEUE)
        await stop.wait()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(main())
