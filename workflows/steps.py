"""How the journey's workflows call activities: one place for timeouts, retries and deterministic ids."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import TypeAdapter, ValidationError

    from contracts.activities import JourneyEventRequest
    from contracts.base import Event
    from contracts.catalog import CATALOG
    from contracts.journey import JourneyFact
    from workflows.activities import JourneyActivities

#: Services may be down for a while: retry for as long as it takes, at most every 5 minutes.
SERVICE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=0,
    non_retryable_error_types=["RequestRefused"],
)


#: `workflow.patched` id: a service's refusal (4xx) escalates to a case officer instead of failing the journey.
REFUSAL_PATCH = "refused-request-escalates"


#: `workflow.patched` id: a lapsed deadline escalates again and only a case officer ends a journey
#: (`end_journey`); journeys and follow-ups recorded before it keep their automatic outcomes on replay.
PEOPLE_DECIDE_PATCH = "people-decide-endings"


#: `workflow.patched` id: a contract signed again during the visa stage (a BA refusal's correction) goes to the
#: visa child; a visa process that ends without a visa escalates instead of ending the journey; a withdrawal or
#: an officer's end during the visa stage cancels the visa case.
VISA_CORRECTIONS_PATCH = "visa-contract-corrections"


#: `workflow.patched` id: after COMPLETED the journey follows the 12-month job search (employed as a skilled
#: worker, returned, or nothing reported by the end: escalated once and recorded as NOT_REPORTED).
JOB_SEARCH_PATCH = "job-search-after-completion"


#: `workflow.patched` id: journey events are published by a local activity (the same id and payload; a retry
#: is still a duplicate the consumers drop).
LOCAL_PUBLISH_PATCH = "publish-as-local-activity"


#: `workflow.patched` id: check-ins are front-loaded (monthly in the first months after arrival, then at the
#: programme's interval), as dropout concentrates in the first year.
FRONT_LOADED_CHECKINS_PATCH = "front-loaded-checkins"


class Refused(Exception):
    """A service refused a step (400, 404, 409 or 422): a case officer decides what happens next."""

    def __init__(self, activity: str, status: int | None, problem: str) -> None:
        super().__init__(f"{activity} refused: {status} {problem}")
        self.activity, self.status, self.problem = activity, status, problem

    @property
    def reason_code(self) -> str:
        """`<activity>:<status>:<problem slug>`, e.g. `release_position:404:not-found`."""
        return f"{self.activity}:{self.status}:{self.problem.rsplit('/', 1)[-1]}"[:120]


def step_key(step: str) -> str:
    """`<workflow id>:<step>`: the Idempotency-Key of one step (stable across activity retries and replays)."""
    return f"{workflow.info().workflow_id}:{step}"


async def call(method: Any, request: Any) -> Any:
    """Run one JourneyActivities method with the standard timeouts and retries; a refusal raises Refused."""
    try:
        return await workflow.execute_activity_method(
            method, request, start_to_close_timeout=timedelta(seconds=30), retry_policy=SERVICE_RETRY
        )
    except ActivityError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type == "RequestRefused" and workflow.patched(REFUSAL_PATCH):
            details = list(cause.details or ())
            status = int(details[0]) if details and isinstance(details[0], int) else None
            problem = str(details[1]) if len(details) > 1 else "about:blank"
            raise Refused(method.__name__, status, problem) from err
        raise


async def publish(event: Event, seq: int) -> None:
    """Publish a journey event whose id is fixed by the workflow run and a sequence number."""
    info = workflow.info()
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"thamm:{info.workflow_id}:{info.run_id}:{seq}"))
    request = JourneyEventRequest(event_id=event_id, event_type=event.TYPE, data=event.model_dump(mode="json"))
    if not workflow.patched(LOCAL_PUBLISH_PATCH):  # runs recorded before: a regular activity
        await call(JourneyActivities.publish_journey_event, request)
        return
    # a local activity: the worker publishes at once, without a round trip through the server's task queue
    await workflow.execute_local_activity_method(
        JourneyActivities.publish_journey_event,
        request,
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=SERVICE_RETRY,
    )


def parse_fact(fact: JourneyFact) -> Event | None:
    """The fact as its contract model; None for a type the catalog does not know (a newer `.v2`, say).

    The bridge only signals facts that validated; a fact recorded before a field was added (a workflow history
    replayed) is built as it was, without validation, rather than failing the replay."""
    cls = CATALOG.get(fact.event_type)
    if cls is None:
        return None
    try:
        return cls.model_validate(fact.data)
    except ValidationError:  # each field it has, validated on its own (ids as UUIDs, dates as dates)
        values: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            if name not in fact.data:  # absent then: its default, else None (handlers read it as "not given")
                values[name] = None if info.is_required() else info.get_default(call_default_factory=True)
                continue
            try:
                values[name] = TypeAdapter(info.annotation or Any).validate_python(fact.data[name])
            except ValidationError:
                values[name] = fact.data[name]
        return cls.model_construct(None, **values)
