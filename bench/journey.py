"""Journeys driven to IN_TRAINING per second on the dev server, against a skeleton of the same Temporal shape
driven by the same harness; history events per second; worker and server CPU; worker memory per open journey."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psutil
from temporalio.client import Client
from temporalio.worker import Worker

from bench.noop import NoopWorkflow
from bench.stack import cpu_seconds, stack_processes
from bench.worker_process import kib_per_open_journey
from contracts.catalog import CATALOG
from contracts.journey import JourneyFact, JourneyInput, JourneyStage, journey_workflow_id
from deploy.local.settings import StackSettings
from tests.support.stubs import FakeServices
from workflows.converter import data_converter
from workflows.journey import ApprenticeJourneyWorkflow
from workflows.worker import WORKFLOWS, workflow_runner


@dataclass
class JourneyFigures:
    journeys: int
    journeys_per_s: float
    skeleton_per_s: float
    history_events_per_journey: int
    rss_per_1000_open_mib: float
    worker_cpu_s: float
    server_cpu_s: float
    skeleton_worker_cpu_s: float
    skeleton_server_cpu_s: float
    noop_per_s: float
    kib_per_open_waiting: float = 0.0  # a workflow that only waits, in a worker of its own: the SDK's floor


def _fact(type_: str, candidate: uuid.UUID, **data: Any) -> JourneyFact:
    body: dict[str, Any] = {"candidate_id": str(candidate), **data}
    cls = CATALOG[f"thamm.{type_}.v1"]
    return JourneyFact(event_id=str(uuid.uuid4()), event_type=cls.TYPE, occurred_at=datetime.now(UTC), data=body)


def facts_to_in_training(candidate: uuid.UUID) -> list[JourneyFact]:
    """The facts that take a journey from submission to IN_TRAINING, as services would publish them."""
    employer, position, contract, case = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    app_id = str(uuid.uuid4())
    return [
        _fact(
            "applications.application_preselected",
            candidate,
            application_id=app_id,
            occupation_code="29302",
            reason_code="MEETS_CRITERIA",
            decided_at="2026-01-10T00:00:00Z",
        ),
        _fact(
            "training.enrolled",
            candidate,
            cohort_id="C-1",
            enrolment_id=str(uuid.uuid4()),
            provider="goethe",
            starts_on="2026-02-01",
            target_level="B1",
        ),
        _fact("training.exam_passed", candidate, cohort_id="C-1", level="B1"),
        _fact("matching.offer_accepted", candidate, employer_id=employer, position_id=position),
        _fact(
            "matching.contract_signed",
            candidate,
            employer_id=employer,
            position_id=position,
            contract_id=contract,
            occupation_code="29302",
        ),
        _fact(
            "visa.visa_case_opened",
            candidate,
            visa_case_id=case,
            contract_id=contract,
            consulate="rabat",
            accelerated=False,
            opened_on="2026-06-01",
        ),
        _fact("visa.visa_granted", candidate, visa_case_id=case, valid_from="2026-07-01", valid_until="2027-06-30"),
        _fact("monitoring.arrival_confirmed", candidate, arrived_on="2026-08-20", land="DE-BY"),
        _fact("monitoring.probation_passed", candidate, employer_id=employer, passed_on="2026-12-20"),
    ]


async def _start(client: Client, queue: str, candidate: uuid.UUID, run: Any = None) -> Any:
    return await client.start_workflow(
        run or ApprenticeJourneyWorkflow.run,
        JourneyInput(
            candidate_id=candidate, application_id=uuid.uuid4(), region="souss-massa", occupation_codes=["29302"]
        ),
        id=journey_workflow_id(candidate),
        task_queue=queue,
        start_signal="fact",
        start_signal_args=[_fact("applications.application_submitted", candidate)],
    )


class _Seen:
    """Candidates whose IN_TRAINING stage event was published, read incrementally (the harness must not cost
    the worker's process more as events accumulate)."""

    def __init__(self) -> None:
        self.read, self.candidates = 0, set[str]()

    def update(self, services: FakeServices) -> set[str]:
        published = services.published
        for p in published[self.read :]:
            if p.get("to_stage") == JourneyStage.IN_TRAINING.value:
                self.candidates.add(str(p["candidate_id"]))
        self.read = len(published)
        return self.candidates


_SEEN: dict[int, _Seen] = {}


def _in_training(services: FakeServices) -> set[str]:
    return _SEEN.setdefault(id(services), _Seen()).update(services)


async def drive(
    client: Client, queue: str, services: FakeServices, n: int, concurrency: int = 50, run: Any = None
) -> float:
    """Seconds to take n journeys (or skeletons) from submission to IN_TRAINING (told by their stage event)."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            candidate = uuid.uuid4()
            handle = await _start(client, queue, candidate, run)
            for fact in facts_to_in_training(candidate):
                await handle.signal("fact", fact)
            while str(candidate) not in _in_training(services):
                await asyncio.sleep(0.05)
            for wid in (handle.id, f"visa-{candidate}", f"follow-{candidate}", f"follow-up-{candidate}"):
                with contextlib.suppress(Exception):
                    await client.get_workflow_handle(wid).terminate("benchmark")

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return time.perf_counter() - started


async def noop(client: Client, queue: str, n: int, concurrency: int = 50) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await client.execute_workflow(NoopWorkflow.run, id=f"noop-{uuid.uuid4()}", task_queue=queue)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return time.perf_counter() - started


def quiet_runtime() -> Any:
    """A Temporal runtime whose core logs only errors: its warnings (e.g. evicted-task notices under load)
    would otherwise interleave with the printed figures."""
    from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
        )
    )


async def _history_events(client: Client, queue: str, services: FakeServices) -> int:
    """Events in the histories of one journey driven to IN_TRAINING (the journey and its two children)."""
    candidate = uuid.uuid4()
    handle = await _start(client, queue, candidate)
    for fact in facts_to_in_training(candidate):
        await handle.signal(ApprenticeJourneyWorkflow.fact, fact)
    while str(candidate) not in _in_training(services):
        await asyncio.sleep(0.05)
    total = 0
    for wid in (handle.id, f"visa-{candidate}", f"follow-up-{candidate}"):
        total += len((await client.get_workflow_handle(wid).fetch_history()).events)
        with contextlib.suppress(Exception):
            await client.get_workflow_handle(wid).terminate("benchmark")
    return total


async def run(stack: StackSettings, journeys: int = 120, open_n: int = 1000) -> JourneyFigures:
    from bench.skeleton import SkeletonChild, SkeletonJourneyWorkflow, noop_service

    client = await Client.connect(stack.temporal_address, data_converter=data_converter, runtime=quiet_runtime())
    queue = f"bench-{uuid.uuid4().hex[:6]}"
    services = FakeServices()
    # The worker runs in this process; the stack's processes are its children, so they are not counted with it.
    server, worker = stack_processes(stack).get("temporal"), psutil.Process()
    async with Worker(
        client,
        task_queue=queue,
        workflows=[*WORKFLOWS, NoopWorkflow, SkeletonJourneyWorkflow, SkeletonChild],
        activities=[*services.activities(), noop_service],
        max_cached_workflows=open_n + 200,
        max_concurrent_workflow_tasks=100,
        workflow_runner=workflow_runner(),
    ):
        await noop(client, queue, 20)  # warm-up
        noop_s = await noop(client, queue, journeys)
        await drive(client, queue, services, 20, run=SkeletonJourneyWorkflow.run)  # warm-up
        cpu = (cpu_seconds(worker), cpu_seconds(server, children=True))
        skeleton_s = await drive(client, queue, services, journeys, run=SkeletonJourneyWorkflow.run)
        skeleton_cpu = (cpu_seconds(worker) - cpu[0], cpu_seconds(server, children=True) - cpu[1])
        await drive(client, queue, services, 20)  # warm-up
        cpu = (cpu_seconds(worker), cpu_seconds(server, children=True))
        journey_s = await drive(client, queue, services, journeys)
        journey_cpu = (cpu_seconds(worker) - cpu[0], cpu_seconds(server, children=True) - cpu[1])
        events = await _history_events(client, queue, services)
    memory = await kib_per_open_journey(stack, open_n) * 1000 / 1024  # MiB per 1,000, its own process
    floor = await kib_per_open_journey(stack, open_n // 2, waiting=True, warm_up=100)
    return JourneyFigures(
        journeys=journeys,
        journeys_per_s=journeys / journey_s,
        skeleton_per_s=journeys / skeleton_s,
        history_events_per_journey=events,
        rss_per_1000_open_mib=memory,
        worker_cpu_s=journey_cpu[0],
        server_cpu_s=journey_cpu[1],
        skeleton_worker_cpu_s=skeleton_cpu[0],
        skeleton_server_cpu_s=skeleton_cpu[1],
        noop_per_s=journeys / noop_s,
        kib_per_open_waiting=floor,
    )
