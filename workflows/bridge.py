"""Event-to-workflow bridge: catalog events become signals to the candidate's journey.

`application_submitted` uses signal-with-start (id `journey-<candidate id>`, running run reused, closed id
never reused), so a redelivered event cannot start a second run; the workflow ignores a fact id it has seen.
"""

from __future__ import annotations

import logging
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from contracts.applications import ApplicationSubmitted
from contracts.base import Event
from contracts.envelope import Envelope
from contracts.journey import (
    TASK_QUEUE,
    JourneyFact,
    JourneyInput,
    JourneyParameters,
    JourneyStage,
    journey_workflow_id,
)
from contracts.topics import APPLICATIONS, JOURNEY_BRIDGE_GROUP, MATCHING, MONITORING, TRAINING, VISA
from services.common.consumer import EventConsumer, Handler, PermanentError, run_until_signalled
from services.common.metrics import serve_metrics
from services.common.telemetry import setup_telemetry
from workflows import search
from workflows.config import JourneySettings, connect_temporal
from workflows.journey import JOURNEY_FACTS, ApprenticeJourneyWorkflow

log = logging.getLogger("thamm.bridge")

TOPICS = (APPLICATIONS, TRAINING, MATCHING, VISA, MONITORING)


def to_fact(event: Event, envelope: Envelope) -> JourneyFact:
    return JourneyFact(
        event_id=envelope.id,
        event_type=envelope.type,
        occurred_at=envelope.time,
        data=event.model_dump(mode="json"),
    )


class JourneyBridge:
    """Turns facts into journey signals through one Temporal client."""

    def __init__(self, client: Client, parameters: JourneyParameters | None = None) -> None:
        self.client = client
        self.parameters = parameters or JourneyParameters()

    def handlers(self) -> dict[str, Handler]:
        table: dict[str, Handler] = dict.fromkeys(JOURNEY_FACTS, self.signal_fact)
        table[ApplicationSubmitted.TYPE] = self.start_journey
        return table

    async def start_journey(self, event: Event, envelope: Envelope, _session: Any = None) -> None:
        """Signal-with-start the candidate's journey."""
        assert isinstance(event, ApplicationSubmitted)
        journey = JourneyInput(
            candidate_id=event.candidate_id,
            application_id=event.application_id,
            region=event.region,
            occupation_codes=event.occupation_codes,
            parameters=self.parameters,
        )
        attributes = [
            SearchAttributePair(search.JOURNEY_STAGE, JourneyStage.SUBMITTED.value),
            SearchAttributePair(search.REGION, event.region),
        ]
        if event.occupation_codes:
            attributes.append(SearchAttributePair(search.OCCUPATION_CODE, event.occupation_codes[0]))
        try:
            await self.client.start_workflow(
                ApprenticeJourneyWorkflow.run,
                journey,
                id=journey_workflow_id(event.candidate_id),
                task_queue=TASK_QUEUE,
                start_signal="fact",
                start_signal_args=[to_fact(event, envelope)],
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=TypedSearchAttributes(attributes),
            )
        except WorkflowAlreadyStartedError:
            log.info("journey %s already ended; redelivered submission ignored", event.candidate_id)

    async def signal_fact(self, event: Event, envelope: Envelope, _session: Any = None) -> None:
        """Signal a fact to the running journey of the event's candidate."""
        candidate = event.subject()
        if candidate is None:
            return
        handle: WorkflowHandle[Any, Any] = self.client.get_workflow_handle(journey_workflow_id(candidate))
        try:
            await handle.signal("fact", to_fact(event, envelope))
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            if await self._journey_ended(handle):  # a late fact about a finished journey: nothing to do
                log.info("journey %s has ended; %s not delivered", handle.id, envelope.type)
                return
            raise PermanentError(f"no journey for candidate {candidate}") from exc

    @staticmethod
    async def _journey_ended(handle: WorkflowHandle[Any, Any]) -> bool:
        try:
            description = await handle.describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return description.status is not None and description.status != WorkflowExecutionStatus.RUNNING


async def main() -> None:
    settings = JourneySettings()
    setup_telemetry(settings)
    serve_metrics(settings.metrics_port, settings.http_host)
    client = await connect_temporal(settings)
    bridge = JourneyBridge(client, settings.parameters)
    consumer = EventConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group=JOURNEY_BRIDGE_GROUP,
        topics=TOPICS,
        handlers=bridge.handlers(),
        sessions=None,
        max_attempts=settings.consumer_max_attempts,
    )
    await run_until_signalled(consumer)


if __name__ == "__main__":
    from services.common.runner import run_async

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run_async(main())  # on uvloop, as every consumer
