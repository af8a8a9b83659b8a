"""JourneyActivities: every call the journey makes to a service, as idempotent HTTP requests.

Each request carries a short-lived service token and an `Idempotency-Key` (`<workflow id>:<step>`), so a
retried activity gets the service's first answer. Journey events go straight to `thamm.journey` with an id
fixed by the workflow, so a retried publish is a duplicate the consumers drop.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts import activities as api
from contracts.envelope import Envelope, source_of, to_kafka
from contracts.topics import JOURNEY
from services.common.auth import issue_token
from workflows.config import JourneySettings

R = TypeVar("R", bound=BaseModel)


class JourneyActivities:
    """Activities as methods on one object holding the HTTP client, settings and a Kafka producer."""

    def __init__(self, http: httpx.AsyncClient, settings: JourneySettings, producer: Any = None) -> None:
        self.http = http
        self.settings = settings
        self.producer = producer
        self._token: tuple[str, float] | None = None
        self._key = settings.service_signing_key_file.read_bytes() if settings.service_signing_key_file else None

    def _bearer(self) -> dict[str, str]:
        if self._key is None:
            return {}
        if self._token is None or self._token[1] - time.time() < 30:
            ttl = self.settings.service_token_ttl_s
            token = issue_token(
                self._key,
                subject="journey-worker",
                roles=["service"],
                issuer=self.settings.auth_issuer,
                audience=self.settings.auth_audience,
                ttl_s=ttl,
            )
            self._token = (token, time.time() + ttl)
        return {"Authorization": f"Bearer {self._token[0]}"}

    async def _post(self, url: str, request: api.ActivityRequest, response_model: type[R]) -> R:
        body = request.model_dump(mode="json", exclude={"idempotency_key"})
        headers = {**self._bearer(), "Idempotency-Key": request.idempotency_key}
        try:
            response = await self.http.post(url, json=body, headers=headers, timeout=httpx.Timeout(15.0, connect=5.0))
        except httpx.TransportError as exc:  # service away: retried by Temporal's retry policy
            raise ApplicationError(f"{url} unreachable: {exc}", type="ServiceUnavailable") from exc
        if response.status_code in (400, 404, 409, 422):
            raise ApplicationError(
                f"{url} refused the request: {response.status_code} {response.text[:500]}",
                type="RequestRefused",
                non_retryable=True,
            )
        if response.status_code >= 300:
            raise ApplicationError(f"{url} answered {response.status_code}", type="ServiceError")
        return response_model.model_validate(response.json())

    @activity.defn
    async def enrol_in_cohort(self, request: api.EnrolRequest) -> api.EnrolResponse:
        """Ask the training service to enrol the candidate in the next language cohort."""
        return await self._post(f"{self.settings.training_url}/v1/enrolments", request, api.EnrolResponse)

    @activity.defn
    async def request_matching(self, request: api.MatchRequest) -> api.MatchResponse:
        """Ask the matching service to propose the candidate to employers."""
        return await self._post(f"{self.settings.matching_url}/v1/match-requests", request, api.MatchResponse)

    @activity.defn
    async def release_position(self, request: api.ReleasePositionRequest) -> api.ReleasePositionResponse:
        """Compensation: free the position; matching publishes it and informs the employer."""
        url = f"{self.settings.matching_url}/v1/positions/{request.position_id}/release"
        return await self._post(url, request, api.ReleasePositionResponse)

    @activity.defn
    async def open_visa_case(self, request: api.OpenVisaCaseRequest) -> api.OpenVisaCaseResponse:
        """Ask the visa service to open the case for the signed contract."""
        return await self._post(f"{self.settings.visa_url}/v1/visa-cases", request, api.OpenVisaCaseResponse)

    @activity.defn
    async def start_predeparture(self, request: api.PredepartureRequest) -> api.PredepartureResponse:
        """Ask the monitoring service to start pre-departure tasks."""
        return await self._post(f"{self.settings.monitoring_url}/v1/predeparture", request, api.PredepartureResponse)

    @activity.defn
    async def create_follow_up_task(self, request: api.FollowUpTaskRequest) -> api.FollowUpTaskResponse:
        """Ask the monitoring service for a follow-up task (check-in, registration, permit, search)."""
        return await self._post(f"{self.settings.monitoring_url}/v1/follow-up-tasks", request, api.FollowUpTaskResponse)

    @activity.defn
    async def publish_journey_event(self, request: api.JourneyEventRequest) -> None:
        """Publish stage_changed or deadline_escalated on thamm.journey (acks=all, idempotent producer)."""
        from contracts.catalog import event_class

        event = event_class(request.event_type).model_validate(request.data)
        envelope = Envelope(
            id=request.event_id,
            source=source_of("journey"),
            type=event.TYPE,
            time=activity.info().current_attempt_scheduled_time,
            partitionkey=event.key(),
            subject=event.subject(),
            dataschema=f"schemas/{event.TYPE}.json",
            data=event.model_dump_json().encode(),
        )
        record = to_kafka(envelope)
        await self.producer.send_and_wait(JOURNEY, value=record.value, key=record.key, headers=record.headers)

    def all(self) -> list[Any]:
        return [
            self.enrol_in_cohort,
            self.request_matching,
            self.release_position,
            self.open_visa_case,
            self.start_predeparture,
            self.create_follow_up_task,
            self.publish_journey_event,
        ]
