"""The journey benchmark's baselines (a module of their own: the sandbox re-imports it)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.journey import JourneyFact


@workflow.defn
class NoopWorkflow:
    """A workflow that does nothing."""

    @workflow.run
    async def run(self) -> None:
        return None


@workflow.defn
class WaitingWorkflow:
    """Started like a journey (signal-with-start, the same fact) and then only waits for facts: an open workflow
    at the SDK's own cost in a worker's cache, the floor under the journey's memory per open journey."""

    def __init__(self) -> None:
        self._facts = 0

    @workflow.signal
    def fact(self, fact: JourneyFact) -> None:
        self._facts += 1

    @workflow.query
    def facts(self) -> int:
        return self._facts

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self._facts < 0)  # never: open until terminated
