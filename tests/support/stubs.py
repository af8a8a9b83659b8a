"""Stand-in activities for workflow tests and benchmarks: same names as JourneyActivities, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts import activities as api


@dataclass
class FakeServices:
    """Activities with the real names that record each call and answer plausibly."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    published: list[dict[str, Any]] = field(default_factory=list)
    refuse: dict[str, tuple[int, str]] = field(default_factory=dict)  # activity -> (status, problem type) once

    def _record(self, name: str, request: Any) -> None:
        """Record the call; a refusal set up for this activity answers as the service's 4xx would, once."""
        self.calls.append((name, request))
        if name in self.refuse:
            status, problem = self.refuse.pop(name)
            raise ApplicationError(
                f"refused: {status} {problem}", status, problem, type="RequestRefused", non_retryable=True
            )

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def activities(self) -> list[Any]:
        @activity.defn(name="enrol_in_cohort")
        async def enrol(request: api.EnrolRequest) -> api.EnrolResponse:
            self._record("enrol_in_cohort", request)
            return api.EnrolResponse(enrolment_id=uuid.uuid4(), cohort_id="C-2026-01", starts_on="2026-02-01")

        @activity.defn(name="cancel_enrolment")
        async def cancel(request: api.CancelEnrolmentRequest) -> api.CancelEnrolmentResponse:
            self._record("cancel_enrolment", request)
            return api.CancelEnrolmentResponse(cancelled=True)

        @activity.defn(name="request_matching")
        async def match(request: api.MatchRequest) -> api.MatchResponse:
            self._record("request_matching", request)
            return api.MatchResponse(match_request_id=uuid.uuid4())

        @activity.defn(name="release_position")
        async def release(request: api.ReleasePositionRequest) -> api.ReleasePositionResponse:
            self._record("release_position", request)
            return api.ReleasePositionResponse(released=True)

        @activity.defn(name="open_visa_case")
        async def open_visa(request: api.OpenVisaCaseRequest) -> api.OpenVisaCaseResponse:
            self._record("open_visa_case", request)
            return api.OpenVisaCaseResponse(visa_case_id=uuid.uuid4(), consulate="rabat")

        @activity.defn(name="cancel_visa_case")
        async def cancel_visa(request: api.CancelVisaCaseRequest) -> api.CancelVisaCaseResponse:
            self._record("cancel_visa_case", request)
            return api.CancelVisaCaseResponse(cancelled=True)

        @activity.defn(name="request_labour_approval")
        async def approval(request: api.LabourApprovalRequest) -> api.LabourApprovalResponse:
            self._record("request_labour_approval", request)
            return api.LabourApprovalResponse(attempt=request.contract_version, status="requested")

        @activity.defn(name="record_deemed_approval")
        async def deemed(request: api.DeemedApprovalRequest) -> api.DeemedApprovalResponse:
            self._record("record_deemed_approval", request)
            return api.DeemedApprovalResponse(deemed=True)

        @activity.defn(name="request_contract_correction")
        async def correction(request: api.ContractCorrectionRequest) -> api.ContractCorrectionResponse:
            self._record("request_contract_correction", request)
            return api.ContractCorrectionResponse(requested=True)

        @activity.defn(name="start_predeparture")
        async def predeparture(request: api.PredepartureRequest) -> api.PredepartureResponse:
            self._record("start_predeparture", request)
            return api.PredepartureResponse(predeparture_id=uuid.uuid4())

        @activity.defn(name="create_follow_up_task")
        async def task(request: api.FollowUpTaskRequest) -> api.FollowUpTaskResponse:
            self._record("create_follow_up_task", request)
            return api.FollowUpTaskResponse(task_id=uuid.uuid4())

        @activity.defn(name="publish_journey_event")
        async def publish(request: api.JourneyEventRequest) -> None:
            self._record("publish_journey_event", request)
            self.published.append({"id": request.event_id, "type": request.event_type, **request.data})

        return [
            enrol, cancel, match, release, open_visa, cancel_visa, approval, deemed, correction, predeparture, task,
            publish,
        ]  # fmt: skip

    def stages(self) -> list[str]:
        return [p["to_stage"] for p in self.published if p["type"] == "thamm.journey.stage_changed.v1"]

    def refusals(self) -> list[str]:
        return [
            p["reason_code"]
            for p in self.published
            if p["type"] == "thamm.journey.deadline_escalated.v1" and p["deadline"] == "REQUEST_REFUSED"
        ]

    def escalations(self) -> list[tuple[str, str]]:
        return [
            (p["deadline"], p["level"]) for p in self.published if p["type"] == "thamm.journey.deadline_escalated.v1"
        ]
