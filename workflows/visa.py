"""VisaProcessWorkflow: labour approval, optional §81a pre-approval, appointment, decision.

A refusal is this child's last fact (there is no remonstration since 1 July 2025): what follows it (a new
application, or an action at the Berlin administrative court) is a case officer's decision.
"""

from __future__ import annotations

from collections import deque

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.journey import JourneyFact, VisaInput, VisaOutcome


#: Deprecated `workflow.patched` id, kept so runs recorded with its marker replay: a refusal ends the process.
NO_REMONSTRATION = "no-remonstration"


@workflow.defn
class VisaProcessWorkflow:
    """Follows one visa case from its facts until a grant or a final refusal."""

    @workflow.init
    def __init__(self, visa: VisaInput) -> None:
        self._pending: deque[JourneyFact] = deque()
        self._steps: list[str] = []

    @workflow.signal
    def fact(self, fact: JourneyFact) -> None:
        self._pending.append(fact)

    @workflow.query
    def steps(self) -> list[str]:
        return list(self._steps)

    async def _next(self) -> JourneyFact:
        await workflow.wait_condition(lambda: bool(self._pending))
        fact = self._pending.popleft()
        self._steps.append(fact.event_type.split(".")[2])
        return fact

    @workflow.run
    async def run(self, visa: VisaInput) -> VisaOutcome:
        while True:
            fact = await self._next()
            name = fact.event_type.split(".")[2]
            if name == "labour_approval_refused":
                return VisaOutcome(granted=False, reason_code=str(fact.data.get("reason_code")), steps=self._steps)
            if name == "visa_granted":
                return VisaOutcome(granted=True, valid_until=str(fact.data.get("valid_until")), steps=self._steps)
            if name == "visa_refused":
                workflow.deprecate_patch(NO_REMONSTRATION)
                return VisaOutcome(granted=False, reason_code=str(fact.data.get("reason_code")), steps=self._steps)
