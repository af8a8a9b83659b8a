"""Requests the journey sends to services through its activities, and their answers.

Each request is one HTTP call with a service token and an `Idempotency-Key` derived from the workflow id and
step; services not built yet implement these exact bodies. Ids and codes only, never personal data.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class ActivityRequest(BaseModel):
    """Common to every request: who it is about and the idempotency key of this step."""

    model_config = ConfigDict(frozen=True)

    candidate_id: UUID
    idempotency_key: str = Field(
        description="`<workflow id>:<step>`; the service answers a repeat with the first answer."
    )


class EnrolRequest(ActivityRequest):
    """training: `POST /v1/enrolments` - enrol a pre-selected candidate in the next language cohort.

    A repeat (same key, or the same candidate again) answers 2xx with the same enrolment."""

    occupation_code: str
    region: str
    target_level: str = "B1"


class CancelEnrolmentRequest(ActivityRequest):
    """training: `POST /v1/enrolments/{enrolment_id}/cancel` - compensation when the candidate leaves.

    `enrolment_id` goes in the path only; the body is `candidate_id` and `reason_code`."""

    enrolment_id: UUID
    reason_code: str


class CancelEnrolmentResponse(BaseModel):
    cancelled: bool = Field(description="False when it was already cancelled or ended (still a 2xx).")


class EnrolResponse(BaseModel):
    """The enrolment; without a cohort (and start) while the candidate waits for a free place."""

    enrolment_id: UUID
    status: str = Field(default="enrolled", description="`enrolled` or `waiting`.")
    cohort_id: str | None = None
    starts_on: date | None = None


class MatchRequest(ActivityRequest):
    """matching: `POST /v1/match-requests` - propose the candidate to employers for an occupation."""

    occupation_codes: list[str]
    round: int = Field(default=1, ge=1, description="1 for the first matching, higher after a re-route.")


class MatchResponse(BaseModel):
    match_request_id: UUID


class ReleasePositionRequest(ActivityRequest):
    """matching: `POST /v1/positions/{position_id}/release` - free the place; matching informs the employer.

    `position_id` goes in the path only; the body is `candidate_id`, `employer_id` and `reason_code`.
    A repeat (or a place already free) answers 2xx with released=False."""

    position_id: UUID
    employer_id: UUID
    reason_code: str


class ReleasePositionResponse(BaseModel):
    released: bool


class OpenVisaCaseRequest(ActivityRequest):
    """visa: `POST /v1/visa-cases` - open the visa case for a signed training contract.

    A repeat (same candidate and contract) answers 200 with the same case."""

    contract_id: UUID
    employer_id: UUID
    accelerated: bool = Field(default=False, description="Use the §81a accelerated procedure.")
    contract_version: int = Field(default=1, ge=1, description="The signed contract version.")
    planned_entry_on: date | None = Field(
        default=None, description="Planned entry (the training start): the passport must be valid 12 months after."
    )


class OpenVisaCaseResponse(BaseModel):
    visa_case_id: UUID
    consulate: str


class CancelVisaCaseRequest(ActivityRequest):
    """visa: `POST /v1/visa-cases/{visa_case_id}/cancel` - compensation when the offer or contract falls away
    after the case was opened. `visa_case_id` goes in the path only; a repeat answers 2xx with cancelled=False."""

    visa_case_id: UUID
    reason_code: str


class CancelVisaCaseResponse(BaseModel):
    cancelled: bool = Field(description="False when it was already cancelled or decided (still a 2xx).")


class LabourApprovalRequest(ActivityRequest):
    """visa: `POST /v1/visa-cases/{visa_case_id}/labour-approval/requests` - ask the BA (first time, or with a
    corrected contract). `visa_case_id` goes in the path only. A repeat for the same contract version answers 200
    with the same request."""

    visa_case_id: UUID
    contract_version: int = Field(ge=1)


class LabourApprovalResponse(BaseModel):
    attempt: int = Field(ge=1, description="Which request this is.")
    status: str = Field(description="`requested`, `granted`, `deemed` or `refused`.")


class DeemedApprovalRequest(ActivityRequest):
    """visa: `POST /v1/visa-cases/{visa_case_id}/labour-approval/deemed` - the BA's period ended without an
    answer. `visa_case_id` goes in the path only; an answered request is left as it is (200, deemed=False)."""

    visa_case_id: UUID
    attempt: int = Field(ge=1)


class DeemedApprovalResponse(BaseModel):
    deemed: bool = Field(description="False when the BA had answered, or the request was already deemed.")


class ContractCorrectionRequest(ActivityRequest):
    """matching: `POST /v1/contracts/{contract_id}/corrections` - the BA refused: the employer is asked for a
    corrected contract (a new version, acknowledged and signed again). `contract_id` goes in the path only; a
    repeat answers 200 with requested=False."""

    contract_id: UUID
    reason_code: str


class ContractCorrectionResponse(BaseModel):
    requested: bool = Field(description="False when a correction was already asked for (still a 2xx).")


class PredepartureRequest(ActivityRequest):
    """monitoring: `POST /v1/predeparture` - start orientation, insurance and travel tasks."""

    employer_id: UUID
    training_starts_on: date | None = None


class PredepartureResponse(BaseModel):
    predeparture_id: UUID


class FollowUpTaskRequest(ActivityRequest):
    """monitoring: `POST /v1/follow-up-tasks` - a task for the follow-up officer (check-in, registration, permit)."""

    task: str = Field(
        description="`checkin`, `address_registration`, `residence_permit`, `residence_permit_renewal`, "
        "`probation_review`, `replacement_search`, `final_exam_retake`."
    )
    due_on: date
    employer_id: UUID | None = None


class FollowUpTaskResponse(BaseModel):
    task_id: UUID


class JourneyEventRequest(BaseModel):
    """Publish a journey event (`thamm.journey`) with an id fixed by the workflow, so a retry is a duplicate."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    event_type: str
    data: dict[str, object]
