"""The journey benchmark's baseline: workflows with the same Temporal shape as a journey driven to IN_TRAINING,
and no logic. Measured from a journey's history (tests/workflows): signal-with-start and nine more signals;
thirteen activities (nine event publications, four service calls) and fifteen search-attribute upserts; a
timer; two children, each signalled once: the visa child (one activity, two upserts) and the follow-up (three
activities, one upsert, a timer). The same harness drives both (bench/journey.py)."""

from __future__ import annotations

import contextlib
from collections import deque
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from contracts.activities import JourneyEventRequest
    from contracts.journey import JourneyFact, JourneyInput

STAGE = SearchAttributeKey.for_keyword("JourneyStage")
#: Per fact received (the start signal first): (search-attribute upserts, publications, service calls).
PLAN = [(2, 1, 0), (1, 1, 1), (2, 1, 0), (1, 1, 1), (1, 0, 0), (2, 1, 1), (2, 1, 0), (2, 1, 1), (1, 1, 0), (1, 1, 0)]
CHILD_AT = {5: "visa", 7: "follow"}  # fact index -> child started (signalled at the next fact)


@activity.defn(name="noop_service")
async def noop_service(step: str) -> str:
    return step


def _publish(candidate: str, stage: str, seq: int) -> JourneyEventRequest:
    data = {"candidate_id": candidate, "to_stage": stage}
    return JourneyEventRequest(event_id=f"{candidate}:{seq}", event_type="thamm.journey.stage_changed.v1", data=data)


async def _activity(name: str, arg: Any) -> None:
    await workflow.execute_activity(name, arg, start_to_close_timeout=timedelta(seconds=30))


@workflow.defn
class SkeletonChild:
    """A child with a child's shape: upserts, activities, one signal, optionally a timer."""

    def __init__(self) -> None:
        self._signalled = False

    @workflow.signal
    def fact(self, fact: JourneyFact) -> None:
        self._signalled = True

    @workflow.run
    async def run(self, kind: str) -> str:
        upserts, activities = (2, 1) if kind == "visa" else (1, 3)
        for _ in range(upserts):
            workflow.upsert_search_attributes([STAGE.value_set(kind)])
        for i in range(activities - 1):
            await _activity("noop_service", f"{kind}-{i}")
        timeout = None if kind == "visa" else timedelta(days=30)
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self._signalled, timeout=timeout)
        await _activity("noop_service", f"{kind}-last")
        if kind == "follow":  # the follow-up keeps running in a journey
            await workflow.wait_condition(lambda: False)
        return kind


@workflow.defn
class SkeletonJourneyWorkflow:
    """A journey's shape without its logic; publishes IN_TRAINING (as the journey does) after the last fact."""

    def __init__(self) -> None:
        self._facts: deque[JourneyFact] = deque()

    @workflow.signal
    def fact(self, fact: JourneyFact) -> None:
        self._facts.append(fact)

    @workflow.run
    async def run(self, journey: JourneyInput) -> None:
        candidate, seq = str(journey.candidate_id), 0
        children: dict[str, Any] = {}
        for index, (upserts, publications, calls) in enumerate(PLAN):
            timeout = timedelta(days=270) if index == 2 else None  # the journey's one re-armed deadline timer
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: bool(self._facts), timeout=timeout)
            fact = self._facts.popleft()
            for _ in range(upserts):
                workflow.upsert_search_attributes([STAGE.value_set(f"S{index}")])
            for kind, handle in list(children.items()):
                await handle.signal(SkeletonChild.fact, fact)
                children.pop(kind)
            for _ in range(calls):
                await _activity("noop_service", f"step-{index}")
            if index in CHILD_AT:
                kind = CHILD_AT[index]
                children[kind] = await workflow.start_child_workflow(
                    SkeletonChild.run,
                    kind,
                    id=f"{kind}-{candidate}",
                    parent_close_policy=workflow.ParentClosePolicy.TERMINATE,
                )
            for _ in range(publications):
                seq += 1
                last = index == len(PLAN) - 1
                await _activity(
                    "publish_journey_event", _publish(candidate, "IN_TRAINING" if last else f"S{index}", seq)
                )
        await workflow.wait_condition(lambda: False)  # stays open, as a journey in training does
