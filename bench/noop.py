"""The baseline workflow of the journey benchmark (its own module: the sandbox re-imports it)."""

from __future__ import annotations

from temporalio import workflow


@workflow.defn
class NoopWorkflow:
    """A workflow that does nothing."""

    @workflow.run
    async def run(self) -> None:
        return None
