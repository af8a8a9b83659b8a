"""JourneyActivities: every call the journey makes to a service, as idempotent HTTP requests.

Each request carries a short-lived service token and an `Idempotency-Key` (`<workflow id>:<step>`), so a
retried activity gets the service's first answer. Journey events go straight to `thamm.journey` with an id
fixed by the workflow, so a retried publish is a duplicate the consumers drop.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts import activities as api
from contracts.envelope import Envelope, source_of, to_kafka
from contracts.topics import JOURNEY
from services.common.auth import ServiceTokens
from workflows.config import JourneySettings

R = TypeVar("R", bound=BaseModel)


class JourneyActivities:
    """Activities as methods on one object holding the HTTP client, settings and a Kafka producer."""

    def __init__(self, http: httpx.AsyncClient, settings: JourneySettings, producer: Any = None) -> None:
        self.http = http
        self.settings = settings
        self.producer = producer
        key = settings.service_signing_key_file
        self._tokens = (
            ServiceTokens(
                key.read_bytes(),
                issuer=settings.auth_service_issuer,
                audience=settings.auth_audience,
                subject="journey-worker",
                ttl_s=settings.service_token_ttl_s,
            )
            if key
            else None
        )

    def _bearer(self) -> dict[str, str]:
        return self._tokens.header() if self._tokens is not None else {}

    async def _post(
        self, url: str, request: api.ActivityRequest, response_model: type[R], in_path: frozenset[str] = frozenset()
    ) -> R:
        body = request.model_dump(mode="json", exclude={"idempotency_key", *in_path})
        headers = {**self._bearer(), "Idempotency-Key": request.idempotency_key}
        try:
            response = await self.http.post(url, json=body, headers=headers, timeout=httpx.Timeout(15.0, connect=5.0))
        except httpx.TransportError as exc:  # service away: retried by Temporal's retry policy
            raise ApplicationError(f"{url} unreachable: {exc}", type="ServiceUnavailable") from exc
        if response.status_code in (400, 404, 409, 422):
            problem = _problem_type(response)
            raise ApplicationError(
                f"{url} refused the request: {response.status_code} {problem}",
                response.status_code,
                problem,
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
    async def cancel_enrolment(self, request: api.CancelEnrolmentRequest) -> api.CancelEnrolmentResponse:
        """Compensation: cancel the candidate's language enrolment (already cancelled is still a 2xx)."""
        url = f"{self.settings.training_url}/v1/enrolments/{request.enrolment_id}/cancel"
        return await self._post(url, request, api.CancelEnrolmentResponse, frozenset({"enrolment_id"}))

    @activity.defn
    async def request_matching(self, request: api.MatchRequest) -> api.MatchResponse:
        """Ask the matching service to propose the candidate to employers."""
        return await self._post(f"{self.settings.matching_url}/v1/match-requests", request, api.MatchResponse)

    @activity.defn
    async def release_position(self, request: api.ReleasePositionRequest) -> api.ReleasePositionResponse:
        """Compensation: free the position; matching publishes it and informs the employer."""
        url = f"{self.settings.matching_url}/v1/positions/{request.position_id}/release"
        return await self._post(url, request, api.ReleasePositionResponse, frozenset({"position_id"}))

    @activity.defn
    async def open_visa_case(self, request: api.OpenVisaCaseRequest) -> api.OpenVisaCaseResponse:
        """Ask the visa service to open the case for the signed contract."""
        return await self._post(f"{self.settings.visa_url}/v1/visa-cases", request, api.OpenVisaCaseResponse)

    @activity.defn
    async def cancel_visa_case(self, request: api.CancelVisaCaseRequest) -> api.CancelVisaCaseResponse:
        """Compensation: cancel the visa case of an offer or contract that fell away before arrival."""
        url = f"{self.settings.visa_url}/v1/visa-cases/{request.visa_case_id}/cancel"
        return await self._post(url, request, api.CancelVisaCaseResponse, frozenset({"visa_case_id"}))

    @activity.defn
    async def request_labour_approval(self, request: api.LabourApprovalRequest) -> api.LabourApprovalResponse:
        """Ask the visa service to request the BA's approval (first time, or with a corrected contract)."""
        url = f"{self.settings.visa_url}/v1/visa-cases/{request.visa_case_id}/labour-approval/requests"
        return await self._post(url, request, api.LabourApprovalResponse, frozenset({"visa_case_id"}))

    @activity.defn
    async def record_deemed_approval(self, request: api.DeemedApprovalRequest) -> api.DeemedApprovalResponse:
        """The BA's period ended without an answer: the visa service records the deemed approval."""
        url = f"{self.settings.visa_url}/v1/visa-cases/{request.visa_case_id}/labour-approval/deemed"
        return await self._post(url, request, api.DeemedApprovalResponse, frozenset({"visa_case_id"}))

    @activity.defn
    async def request_contract_correction(
        self, request: api.ContractCorrectionRequest
    ) -> api.ContractCorrectionResponse:
        """The BA refused: matching asks the employer for a corrected contract."""
        url = f"{self.settings.matching_url}/v1/contracts/{request.contract_id}/corrections"
        return await self._post(url, request, api.ContractCorrectionResponse, frozenset({"contract_id"}))

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
            self.cancel_enrolment,
            self.request_matching,
            self.release_position,
            self.open_visa_case,
            self.cancel_visa_case,
            self.request_labour_approval,
            self.record_deemed_approval,
            self.request_contract_correction,
            self.start_predeparture,
            self.create_follow_up_task,
            self.publish_journey_event,
        ]


def _problem_type(response: httpx.Response) -> str:
    """The RFC 9457 `type` of a refusal (never its detail, which may name things Temporal should not store)."""
    try:
        body = response.json()
    except ValueError:
        return "about:blank"
    value = body.get("type") if isinstance(body, dict) else None
    return str(value)[:200] if value else "about:blank"
