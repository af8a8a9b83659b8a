"""VisaProcessWorkflow: labour approval, optional §81a pre-approval, appointment, decision, remonstration."""

from __future__ import annotations

from collections import deque
from datetime import timedelta
from uuid import UUID

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.journey import JourneyFact


class VisaInput(BaseModel):
    candidate_id: UUID
    visa_case_id: UUID
    consulate: str
    accelerated: bool = False
    remonstration_days: int = Field(default=60, ge=1, description="How long a remonstration may take.")


class VisaOutcome(BaseModel):
    granted: bool
    valid_until: str | None = None
    reason_code: str | None = None
    steps: list[str] = Field(default_factory=list, description="Steps seen, in order (no personal data).")


def visa_workflow_id(candidate_id: UUID | str) -> str:
    return f"visa-{candidate_id}"


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
        remonstrating = False
        while True:
            fact = await self._next(timedelta(days=visa.remonstration_days) if remonstrating else None)
            if fact is None:  # the remonstration brought no new decision in time
                return VisaOutcome(granted=False, reason_code="REMONSTRATION_TIMED_OUT", steps=self._steps)
            name = fact.event_type.split(".")[2]
            if name == "labour_approval_refused":
                return VisaOutcome(granted=False, reason_code=str(fact.data.get("reason_code")), steps=self._steps)
            if name == "visa_granted":
                return VisaOutcome(granted=True, valid_until=str(fact.data.get("valid_until")), steps=self._steps)
            if name == "visa_refused":
                if fact.data.get("remonstration_possible") and not remonstrating:
                    remonstrating = True  # wait for the consulate's answer to the remonstration
                    continue
                return VisaOutcome(granted=False, reason_code=str(fact.data.get("reason_code")), steps=self._steps)
