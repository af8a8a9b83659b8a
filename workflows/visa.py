"""VisaProcessWorkflow: labour approval, optional §81a pre-approval, appointment, decision.

Remonstration against a visa refusal was abolished on 1 July 2025: a refusal is this child's last fact,
and what follows it (a new application, or an action at the Berlin administrative court) is a case
officer's decision. Journeys recorded while it existed replay their remonstration wait (`NO_REMONSTRATION`).
"""

from __future__ import annotations

from collections import deque
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.journey import JourneyFact, VisaInput, VisaOutcome


#: `workflow.patched` id: a refusal ends the visa process at once (runs recorded before it waited for a
#: remonstration's answer, for at most LEGACY_REMONSTRATION_WAIT; only their replay takes that path).
NO_REMONSTRATION = "no-remonstration"
LEGACY_REMONSTRATION_WAIT = timedelta(days=60)


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

    async def _next(self, wait: timedelta | None = None) -> JourneyFact | None:
        try:
            await workflow.wait_condition(lambda: bool(self._pending), timeout=wait)
        except TimeoutError:
            return None
        fact = self._pending.popleft()
        self._steps.append(fact.event_type.split(".")[2])
        return fact

    @workflow.run
    async def run(self, visa: VisaInput) -> VisaOutcome:
        remonstrating = False  # replay of runs recorded before NO_REMONSTRATION only
        while True:
            fact = await self._next(LEGACY_REMONSTRATION_WAIT if remonstrating else None)
            if fact is None:
                return VisaOutcome(granted=False, reason_code="REMONSTRATION_TIMED_OUT", steps=self._steps)
            name = fact.event_type.split(".")[2]
            if name == "labour_approval_refused":
                return VisaOutcome(granted=False, reason_code=str(fact.data.get("reason_code")), steps=self._steps)
            if name == "visa_granted":
                return VisaOutcome(granted=True, valid_until=str(fact.data.get("valid_until")), steps=self._steps)
            if name == "visa_refused":
                legacy = not workflow.patched(NO_REMONSTRATION)
                if legacy and fact.data.get("remonstration_possible") and not remonstrating:
                    remonstrating = True
                    continue
                return VisaOutcome(granted=False, reason_code=str(fact.data.get("reason_code")), steps=self._steps)
