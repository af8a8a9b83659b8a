"""Stand-in activities for workflow tests and benchmarks: same names as JourneyActivities, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity

from contracts import activities as api


@dataclass
class FakeServices:
    """Activities with the real names that record each call and answer plausibly."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    published: list[dict[str, Any]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def activities(self) -> list[Any]:
        @activity.defn(name="enrol_in_cohort")
        async def enrol(request: api.EnrolRequest) -> api.EnrolResponse:
            self.calls.append(("enrol_in_cohort", request))
            return api.EnrolResponse(enrolment_id=uuid.uuid4(), cohort_id="C-2026-01", starts_on="2026-02-01")

        @activity.defn(name="cancel_enrolment")
        async def cancel(request: api.CancelEnrolmentRequest) -> api.CancelEnrolmentResponse:
            self.calls.append(("cancel_enrolment", request))
            return api.CancelEnrolmentResponse(cancelled=True)

        @activity.defn(name="request_matching")
        async def match(request: api.MatchRequest) -> api.MatchResponse:
            self.calls.append(("request_matching", request))
            return api.MatchResponse(match_request_id=uuid.uuid4())

        @activity.defn(name="release_position")
        async def release(request: api.ReleasePositionRequest) -> api.ReleasePositionResponse:
            self.calls.append(("release_position", request))
            return api.ReleasePositionResponse(released=True)

        @activity.defn(name="open_visa_case")
        async def open_visa(request: api.OpenVisaCaseRequest) -> api.OpenVisaCaseResponse:
            self.calls.append(("open_visa_case", request))
            return api.OpenVisaCaseResponse(visa_case_id=uuid.uuid4(), consulate="rabat")

        @activity.defn(name="start_predeparture")
        async def predeparture(request: api.PredepartureRequest) -> api.PredepartureResponse:
            self.calls.append(("start_predeparture", request))
            return api.PredepartureResponse(predeparture_id=uuid.uuid4())

        @activity.defn(name="create_follow_up_task")
        async def task(request: api.FollowUpTaskRequest) -> api.FollowUpTaskResponse:
            self.calls.append(("create_follow_up_task", request))
            return api.FollowUpTaskResponse(task_id=uuid.uuid4())

        @activity.defn(name="publish_journey_event")
        async def publish(request: api.JourneyEventRequest) -> None:
            self.calls.append(("publish_journey_event", request))
            self.published.append({"id": request.event_id, "type": request.event_type, **request.data})

        return [enrol, cancel, match, release, open_visa, predeparture, task, publish]

    def stages(self) -> list[str]:
        return [p["to_stage"] for p in self.published if p["type"] == "thamm.journey.stage_changed.v1"]

    def escalations(self) -> list[tuple[str, str]]:
        return [
            (p["deadline"], p["level"]) for p in self.published if p["type"] == "thamm.journey.deadline_escalated.v1"
        ]
