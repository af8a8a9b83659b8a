"""The journey's steps: each service call it makes, with its request and idempotency key, and the deadlines it
opens. The workflow decides when; the steps know how. No Temporal state of their own beyond what they are given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts import activities as api
    from contracts.journey import JourneyInput, JourneyStage
    from workflows import deadlines as dl
    from workflows.activities import JourneyActivities
    from workflows.steps import call, step_key

S = JourneyStage


@dataclass
class JourneySteps:
    """What the journey asks of services, for one candidate; `ids` is the journey's record of what it knows."""

    input: JourneyInput
    ids: dict[str, str | None]
    deadlines: dl.Deadlines

    @property
    def candidate_id(self) -> Any:
        return self.input.candidate_id

    # --- deadlines -------------------------------------------------------------------------------------

    def open_b1_deadline(self, start: datetime | None = None) -> None:
        """B1 within 9 months of the course's start: reminder at 6, escalation at 9, extensions up to 18."""
        p = self.input.parameters
        self.deadlines.open(
            dl.B1,
            start or workflow.now(),
            timedelta(days=p.b1_due_days),
            reminder_in=timedelta(days=p.b1_reminder_days),
            max_in=timedelta(days=p.b1_max_days),
            lapse_outcome=S.TRAINING_FAILED.value,
        )

    def open_matching_deadline(self) -> None:
        p = self.input.parameters
        self.deadlines.open(
            dl.MATCHING, workflow.now(), timedelta(days=p.matching_due_days), lapse_outcome=S.NOT_PLACED.value
        )

    # --- service calls ---------------------------------------------------------------------------------

    async def enrol(self, occupation: str, step: str) -> None:
        enrolment = await call(
            JourneyActivities.enrol_in_cohort,
            api.EnrolRequest(
                candidate_id=self.candidate_id,
                idempotency_key=step_key(step),
                occupation_code=occupation,
                region=self.input.region,
            ),
        )
        self.ids["enrolment_id"] = str(enrolment.enrolment_id)

    async def request_matching(self, round_: int) -> None:
        await call(
            JourneyActivities.request_matching,
            api.MatchRequest(
                candidate_id=self.candidate_id,
                idempotency_key=step_key(f"match-{round_}"),
                occupation_codes=self.input.occupation_codes,
                round=round_,
            ),
        )

    async def open_visa_case(self, contract_id: str, employer_id: str, contract: dict[str, Any]) -> None:
        await call(
            JourneyActivities.open_visa_case,
            api.OpenVisaCaseRequest(
                candidate_id=self.candidate_id,
                idempotency_key=step_key(f"visa-case-{contract_id}"),
                contract_id=contract_id,
                employer_id=employer_id,
                contract_version=int(contract.get("version") or 1),
                planned_entry_on=dl.day(contract.get("starts_on")),
                accelerated=bool(contract.get("accelerated_procedure")),
            ),
        )

    async def start_predeparture(self, contract: dict[str, Any]) -> None:
        """Monitoring starts orientation, insurance and travel; its tasks count back from the training's start."""
        await call(
            JourneyActivities.start_predeparture,
            api.PredepartureRequest(
                candidate_id=self.candidate_id,
                idempotency_key=step_key(f"predeparture:{self.ids['employer_id']}"),  # one per placement
                employer_id=self.ids["employer_id"],
                training_starts_on=dl.day(contract.get("starts_on")),
            ),
        )

    async def cancel_enrolment(self, enrolment: str, reason: str) -> None:
        await call(
            JourneyActivities.cancel_enrolment,
            api.CancelEnrolmentRequest(
                candidate_id=self.candidate_id,
                idempotency_key=step_key(f"cancel-enrolment-{enrolment}"),
                enrolment_id=enrolment,
                reason_code=reason,
            ),
        )

    async def cancel_visa_case(self, case: str, reason: str) -> None:
        request = api.CancelVisaCaseRequest(
            candidate_id=self.candidate_id,
            idempotency_key=step_key(f"cancel-visa-{case}"),
            visa_case_id=case,
            reason_code=reason,
        )
        await call(JourneyActivities.cancel_visa_case, request)

    async def release_position(self, position: str, employer: str, reason: str) -> None:
        await call(
            JourneyActivities.release_position,
            api.ReleasePositionRequest(
                candidate_id=self.candidate_id,
                idempotency_key=step_key(f"release-{position}"),
                position_id=position,
                employer_id=employer,
                reason_code=reason.upper().replace("-", "_")[:40],
            ),
        )
