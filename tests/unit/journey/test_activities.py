"""JourneyActivities against a fake HTTP transport: URLs, bodies, idempotency keys, tokens and error classes."""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from contracts import activities as api
from workflows.activities import JourneyActivities
from workflows.config import JourneySettings

CANDIDATE = uuid.uuid4()
KEY_FILE = Path(tempfile.mkdtemp()) / "service-key.pem"
KEY_FILE.write_bytes(Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))


def make(handler: Any) -> tuple[JourneyActivities, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    settings = JourneySettings(
        service_signing_key_file=KEY_FILE,
        training_url="http://training",
        matching_url="http://matching",
        visa_url="http://visa",
        monitoring_url="http://monitoring",
    )
    http = httpx.AsyncClient(transport=httpx.MockTransport(record))
    return JourneyActivities(http, settings), seen


async def test_enrolment_request_carries_key_token_and_body() -> None:
    cohort = {"enrolment_id": str(uuid.uuid4()), "cohort_id": "C-9", "starts_on": "2026-03-01"}
    activities, seen = make(lambda r: httpx.Response(201, json=cohort))
    request = api.EnrolRequest(
        candidate_id=CANDIDATE,
        idempotency_key=f"journey-{CANDIDATE}:enrol-1",
        occupation_code="29302",
        region="oriental",
    )
    result = await ActivityEnvironment().run(activities.enrol_in_cohort, request)
    assert result.cohort_id == "C-9"
    sent = seen[0]
    assert (sent.method, str(sent.url)) == ("POST", "http://training/v1/enrolments")
    assert sent.headers["idempotency-key"] == f"journey-{CANDIDATE}:enrol-1"
    assert json.loads(sent.content) == {
        "candidate_id": str(CANDIDATE),
        "occupation_code": "29302",
        "region": "oriental",
        "target_level": "B1",
    }
    claims = jwt.decode(sent.headers["authorization"].removeprefix("Bearer "), options={"verify_signature": False})
    assert claims["roles"] == ["service"] and claims["aud"] == "thamm" and claims["exp"] - claims["iat"] == 300


async def test_cancelling_an_enrolment_puts_its_id_in_the_path_only() -> None:
    activities, seen = make(lambda r: httpx.Response(200, json={"cancelled": False}))
    enrolment = uuid.uuid4()
    request = api.CancelEnrolmentRequest(
        candidate_id=CANDIDATE, idempotency_key="k", enrolment_id=enrolment, reason_code="CANDIDATE_WITHDREW"
    )
    result = await ActivityEnvironment().run(activities.cancel_enrolment, request)
    assert result.cancelled is False, "already cancelled is an answer, not an error"
    assert str(seen[0].url) == f"http://training/v1/enrolments/{enrolment}/cancel"
    assert json.loads(seen[0].content) == {"candidate_id": str(CANDIDATE), "reason_code": "CANDIDATE_WITHDREW"}
    claims = jwt.decode(seen[0].headers["authorization"].removeprefix("Bearer "), options={"verify_signature": False})
    assert claims["iss"] == "thamm-services-dev", "service tokens come from the service issuer"


@pytest.mark.parametrize(
    ("method", "request_", "url", "answer"),
    [
        (
            "request_matching",
            api.MatchRequest(candidate_id=CANDIDATE, idempotency_key="k", occupation_codes=["29302"]),
            "http://matching/v1/match-requests",
            {"match_request_id": str(uuid.uuid4())},
        ),
        (
            "release_position",
            api.ReleasePositionRequest(
                candidate_id=CANDIDATE,
                idempotency_key="k",
                position_id=uuid.UUID(int=7),
                employer_id=uuid.uuid4(),
                reason_code="VISA_REFUSED",
            ),
            f"http://matching/v1/positions/{uuid.UUID(int=7)}/release",
            {"released": True},
        ),
        (
            "open_visa_case",
            api.OpenVisaCaseRequest(
                candidate_id=CANDIDATE, idempotency_key="k", contract_id=uuid.uuid4(), employer_id=uuid.uuid4()
            ),
            "http://visa/v1/visa-cases",
            {"visa_case_id": str(uuid.uuid4()), "consulate": "rabat"},
        ),
        (
            "start_predeparture",
            api.PredepartureRequest(candidate_id=CANDIDATE, idempotency_key="k", employer_id=uuid.uuid4()),
            "http://monitoring/v1/predeparture",
            {"predeparture_id": str(uuid.uuid4())},
        ),
        (
            "create_follow_up_task",
            api.FollowUpTaskRequest(candidate_id=CANDIDATE, idempotency_key="k", task="checkin", due_on="2027-01-01"),
            "http://monitoring/v1/follow-up-tasks",
            {"task_id": str(uuid.uuid4())},
        ),
    ],
)
async def test_each_activity_calls_its_service(method: str, request_: Any, url: str, answer: dict[str, Any]) -> None:
    activities, seen = make(lambda r: httpx.Response(200, json=answer))
    result = await ActivityEnvironment().run(getattr(activities, method), request_)
    assert str(seen[0].url) == url and seen[0].headers["idempotency-key"] == "k"
    assert result.model_dump(mode="json") == answer


@pytest.mark.parametrize(("status", "retryable"), [(409, False), (422, False), (404, False), (500, True), (503, True)])
async def test_refusals_are_final_and_failures_are_retried(status: int, retryable: bool) -> None:
    activities, _ = make(lambda r: httpx.Response(status, json={"title": "nope"}))
    request = api.MatchRequest(candidate_id=CANDIDATE, idempotency_key="k", occupation_codes=["29302"])
    with pytest.raises(ApplicationError) as failure:
        await ActivityEnvironment().run(activities.request_matching, request)
    assert failure.value.non_retryable is not retryable


async def test_an_unreachable_service_is_a_retryable_failure() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    activities, _ = make(refuse)
    request = api.MatchRequest(candidate_id=CANDIDATE, idempotency_key="k", occupation_codes=["29302"])
    with pytest.raises(ApplicationError) as failure:
        await ActivityEnvironment().run(activities.request_matching, request)
    assert failure.value.type == "ServiceUnavailable" and not failure.value.non_retryable


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_and_wait(self, topic: str, **kwargs: Any) -> None:
        self.sent.append({"topic": topic, **kwargs})


async def test_journey_events_go_to_kafka_with_the_workflows_event_id() -> None:
    from contracts.envelope import KafkaRecord, from_kafka

    producer = FakeProducer()
    settings = JourneySettings()
    activities = JourneyActivities(httpx.AsyncClient(), settings, producer)
    data = {
        "candidate_id": str(CANDIDATE),
        "workflow_id": f"journey-{CANDIDATE}",
        "from_stage": None,
        "to_stage": "SUBMITTED",
        "changed_at": "2026-05-01T10:00:00Z",
    }
    request = api.JourneyEventRequest(event_id="fixed-id", event_type="thamm.journey.stage_changed.v1", data=data)
    await ActivityEnvironment().run(activities.publish_journey_event, request)
    [sent] = producer.sent
    assert sent["topic"] == "thamm.journey" and sent["key"] == str(CANDIDATE).encode()
    envelope = from_kafka(KafkaRecord(sent["key"], sent["value"], sent["headers"]))
    assert envelope.id == "fixed-id" and envelope.source == "/thamm/journey" and envelope.subject == str(CANDIDATE)
    assert envelope.event().to_stage == "SUBMITTED"  # type: ignore[attr-defined]
