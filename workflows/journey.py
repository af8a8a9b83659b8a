"""ApprenticeJourneyWorkflow: one per candidate, from submission to the end of the Ausbildung (no I/O)."""

from __future__ import annotations

from collections import deque
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from contracts.journey import TERMINAL_STAGES, JourneyFact, JourneyInput, JourneyStage
    from workflows import search

#: Which fact moves the journey to which stage (facts not listed are recorded but move nothing).
STAGE_BY_EVENT: dict[str, JourneyStage] = {
    "thamm.applications.application_submitted.v1": JourneyStage.SUBMITTED,
    "thamm.applications.application_preselected.v1": JourneyStage.PRESELECTED,
    "thamm.applications.application_rejected.v1": JourneyStage.REJECTED,
    "thamm.applications.application_withdrawn.v1": JourneyStage.WITHDRAWN,
    "thamm.training.enrolled.v1": JourneyStage.LANGUAGE_TRAINING,
    "thamm.training.exam_passed.v1": JourneyStage.MATCHING,
    "thamm.training.training_dropped_out.v1": JourneyStage.TRAINING_FAILED,
    "thamm.matching.contract_signed.v1": JourneyStage.CONTRACT_SIGNED,
    "thamm.visa.visa_case_opened.v1": JourneyStage.VISA,
    "thamm.visa.visa_granted.v1": JourneyStage.PRE_DEPARTURE,
    "thamm.monitoring.arrival_confirmed.v1": JourneyStage.ARRIVED,
    "thamm.monitoring.probation_passed.v1": JourneyStage.IN_TRAINING,
    "thamm.monitoring.training_completed.v1": JourneyStage.COMPLETED,
}


class StageEntry(BaseModel):
    """One stage the journey entered, with the workflow time it entered it and the fact that moved it."""

    stage: JourneyStage
    entered_at: datetime
    event_id: str | None = None


class JourneyResult(BaseModel):
    """How a journey ended."""

    candidate_id: str
    outcome: JourneyStage
    history: list[StageEntry]


@workflow.defn
class ApprenticeJourneyWorkflow:
    """Advances a candidate's stage on each fact from the bridge until a terminal stage."""

    @workflow.init
    def __init__(self, journey: JourneyInput) -> None:
        self._input = journey
        self._stage = JourneyStage.SUBMITTED
        self._history: list[StageEntry] = []
        self._seen: set[str] = set()
        self._pending: deque[JourneyFact] = deque()

    @workflow.run
    async def run(self, journey: JourneyInput) -> JourneyResult:
        self._enter(JourneyStage.SUBMITTED, None)
        while self._stage not in TERMINAL_STAGES:
            await workflow.wait_condition(lambda: bool(self._pending))
            fact = self._pending.popleft()
            target = STAGE_BY_EVENT.get(fact.event_type)
            if target is not None and target != self._stage:
                self._enter(target, fact.event_id)
        return JourneyResult(candidate_id=str(journey.candidate_id), outcome=self._stage, history=self._history)

    def _enter(self, stage: JourneyStage, event_id: str | None) -> None:
        self._stage = stage
        self._history.append(StageEntry(stage=stage, entered_at=workflow.now(), event_id=event_id))
        workflow.upsert_search_attributes([search.JOURNEY_STAGE.value_set(stage.value)])

    @workflow.signal
    def fact(self, fact: JourneyFact) -> None:
        """A catalog event about this candidate; a redelivered one (same event id) is ignored."""
        if fact.event_id in self._seen:
            return
        self._seen.add(fact.event_id)
        self._pending.append(fact)

    @workflow.query
    def stage(self) -> JourneyStage:
        """The current stage."""
        return self._stage

    @workflow.query
    def history(self) -> list[StageEntry]:
        """Every stage entered, oldest first."""
        return list(self._history)
