"""The journey worker's memory per open journey, with the worker in a process of its own as it is deployed, and
the same for a workflow that only waits (the SDK's own cost per open workflow, the floor under the journey's).

Measured inside the benchmark's own process, the figure also counted the client that starts the journeys (its
connection, the handles it keeps, the results it reads back); here the client is the benchmark and the worker
is this module run as a child, on asyncio and with Python's own collector settings as `workflows.worker` runs:

    python -m bench.worker_process <temporal address> <task queue> <max cached workflows>

It prints `ready` once polling; each `rss` line on its standard input answers with its resident bytes after a
full collection; `stop` (or the end of its input) stops it.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import uuid
from typing import Any

import psutil

from deploy.local.settings import REPO_ROOT, StackSettings


async def _serve(address: str, queue: str, cached: int) -> None:
    from temporalio.client import Client
    from temporalio.worker import Worker

    from bench.journey import quiet_runtime
    from bench.noop import WaitingWorkflow
    from tests.support.stubs import FakeServices
    from workflows.converter import data_converter
    from workflows.worker import WORKFLOWS, workflow_runner

    client = await Client.connect(address, data_converter=data_converter, runtime=quiet_runtime())
    async with Worker(client, task_queue=queue, workflows=[*WORKFLOWS, WaitingWorkflow],
                      activities=FakeServices().activities(), max_cached_workflows=cached,
                      max_concurrent_workflow_tasks=100, workflow_runner=workflow_runner()):  # fmt: skip
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "rss":
            gc.collect()
            print(psutil.Process().memory_info().rss, flush=True)


async def kib_per_open_journey(
    stack: StackSettings, n: int, *, waiting: bool = False, wave: int = 200, warm_up: int = 300
) -> float:
    """KiB of the worker's resident memory per journey, with n journeys open in its cache (started in waves: the
    dev server refuses thousands of signal-with-starts at once). A warm-up opens and closes `warm_up` first, so
    imports, the sandbox's modules and the caches that do not grow with journeys are in the baseline. With
    `waiting`, the same for bench.noop.WaitingWorkflow, started the same way, in a worker process of its own."""
    from temporalio.client import Client

    from bench.journey import _fact, _start, quiet_runtime
    from bench.noop import WaitingWorkflow
    from workflows.converter import data_converter
    from workflows.journey import ApprenticeJourneyWorkflow

    client = await Client.connect(stack.temporal_address, data_converter=data_converter, runtime=quiet_runtime())
    queue = f"bench-memory-{uuid.uuid4().hex[:6]}"

    async def start(candidate: uuid.UUID) -> Any:
        if not waiting:
            return await _start(client, queue, candidate)
        return await client.start_workflow(
            WaitingWorkflow.run, id=f"waiting-{candidate}", task_queue=queue, start_signal="fact",
            start_signal_args=[_fact("applications.application_submitted", candidate)],
        )  # fmt: skip

    query = WaitingWorkflow.facts if waiting else ApprenticeJourneyWorkflow.stage
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.worker_process", stack.temporal_address, queue, str(n + 500),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=REPO_ROOT,
    )  # fmt: skip
    assert worker.stdin is not None and worker.stdout is not None
    stdin, stdout = worker.stdin, worker.stdout

    async def rss() -> int:
        stdin.write(b"rss\n")
        await stdin.drain()
        return int(await stdout.readline())

    async def open_many(count: int) -> list[Any]:
        handles: list[Any] = []
        for first in range(0, count, wave):
            batch = await asyncio.gather(*(start(uuid.uuid4()) for _ in range(min(wave, count - first))))
            await asyncio.gather(*(h.query(query) for h in batch))  # cached, its first task run
            handles.extend(batch)
        return handles

    async def close(handles: list[Any]) -> None:
        for first in range(0, len(handles), wave):
            await asyncio.gather(*(h.terminate("benchmark") for h in handles[first : first + wave]))

    try:
        if (await asyncio.wait_for(stdout.readline(), 60)).strip() != b"ready":
            raise RuntimeError("the benchmark's journey worker did not start")
        await close(await open_many(warm_up))
        before = await rss()
        handles = await open_many(n)
        after = await rss()
        await close(handles)
    finally:
        stdin.write(b"stop\n")
        stdin.close()
        try:
            await asyncio.wait_for(worker.wait(), 30)
        except TimeoutError:
            worker.kill()
            await worker.wait()
    return float(after - before) / 1024 / n


if __name__ == "__main__":
    address, queue, cached = sys.argv[1:4]
    asyncio.run(_serve(address, queue, int(cached)))
