"""ApprenticeJourneyWorkflow: one per candidate, from submission to the end of the Ausbildung (no I/O).

Facts arrive as signals from the bridge and move the stage; the workflow asks services for the next step
through activities, keeps the deadlines, and hands the visa and the training years to child workflows.
Case officers act through updates whose validators refuse bad requests before anything is recorded.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from contracts.applications import (
        ApplicationPreselected,
        ApplicationRejected,
        ApplicationSubmitted,
        ApplicationWithdrawn,
    )
    from contracts.base import Event
    from contracts.journey import (
        OFFICER_ENDINGS,
        TERMINAL_STAGES,
        DeadlineEscalated,
        DeadlineExtended,
        EndJourney,
        ExtendDeadline,
        FollowUpInput,
        FollowUpOutcome,
        HoldJourney,
        JourneyEndedByOfficer,
        JourneyFact,
        JourneyHeld,
        JourneyInput,
        JourneyRerouted,
        JourneyResult,
        JourneyResumed,
        JourneyStage,
        JourneyView,
        RerouteJourney,
        ResumeJourney,
        StageChanged,
        StageEntry,
        VisaInput,
        VisaOutcome,
        WithdrawJourney,
        follow_up_workflow_id,
        visa_workflow_id,
    )
    from contracts.matching import ContractCancelled, ContractSigned, OfferAccepted, OfferDeclined, OfferWithdrawn
    from contracts.monitoring import (
        AddressRegistered,
        ArrivalConfirmed,
        CheckinRecorded,
        EmployedAsSkilledWorker,
        JobSearchStarted,
        PlacementAtRisk,
        PredepartureCompleted,
        ProbationPassed,
        ResidencePermitApplied,
        ResidencePermitIssued,
        Returned,
        TrainingCompleted,
        TrainingStarted,
        TrainingTerminated,
    )
    from contracts.training import (
        AttendanceBelowThreshold,
        Enrolled,
        ExamFailed,
        ExamPassed,
        LevelReached,
        TrainingDroppedOut,
    )
    from contracts.visa import VisaCaseOpened
    from workflows import deadlines as dl
    from workflows import search
    from workflows.follow_up import FollowUpWorkflow
    from workflows.journey_steps import JourneySteps
    from workflows.steps import (
        JOB_SEARCH_PATCH,
        PEOPLE_DECIDE_PATCH,
        VISA_CORRECTIONS_PATCH,
        Refused,
        parse_fact,
        publish,
    )
    from workflows.visa import FACT_CLASSES as VISA_PROCESS_CLASSES
    from workflows.visa import FACTS as VISA_PROCESS_FACTS
    from workflows.visa import VisaProcessWorkflow

S = JourneyStage
#: An officer's accepted action, run by the main loop in order with the facts.
Command = Callable[[], Awaitable[Any]]

#: Facts forwarded to the running visa child (a corrected contract too, see VISA_CORRECTIONS_PATCH).
VISA_FACTS = VISA_PROCESS_FACTS - {"contract_signed"}
#: Stages after the contract and before arrival: a place that falls away here is undone at once.
BEFORE_ARRIVAL = (S.CONTRACT_SIGNED, S.VISA, S.PRE_DEPARTURE)
#: CEFR levels, lowest first.
LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"]
#: Stages in journey order (terminal ones are not in it).
ORDER = [
    S.SUBMITTED,
    S.PRESELECTED,
    S.LANGUAGE_TRAINING,
    S.MATCHING,
    S.CONTRACT_SIGNED,
    S.VISA,
    S.PRE_DEPARTURE,
    S.ARRIVED,
    S.IN_TRAINING,
    S.COMPLETED,
]

#: `workflow.patched` id of the enrolment compensation (journeys recorded before it do not cancel).
CANCEL_ENROLMENT_PATCH = "cancel-enrolment-on-withdrawal"


#: Facts the journey hands to the follow-up child while the apprentice is in Germany.
FOLLOW_UP_CLASSES: tuple[type[Event], ...] = (
    AddressRegistered,
    ResidencePermitApplied,
    ResidencePermitIssued,
    ProbationPassed,
    TrainingTerminated,
    TrainingCompleted,
    CheckinRecorded,
    PlacementAtRisk,
    TrainingStarted,
)
#: Their names, and a new contract after a re-matching (the follow-up's search ends with it).
FOLLOW_UP_FACTS = frozenset(cls.TYPE.split(".")[2] for cls in FOLLOW_UP_CLASSES) | {"contract_signed"}


@workflow.defn
class ApprenticeJourneyWorkflow:
    """The apprentice's journey; the only orchestrator of the platform."""

    @workflow.init
    def __init__(self, journey: JourneyInput) -> None:
        p = journey.parameters
        self._input = journey
        self._stage = S.SUBMITTED
        self._history: list[StageEntry] = []
        self._seen: set[str] = set()
        self._pending: deque[JourneyFact] = deque()
        self._deferred: list[JourneyFact] = []
        self._commands: deque[Command] = deque()
        self._deadlines = dl.Deadlines(decision_window=timedelta(days=p.decision_window_days))
        self._on_hold_since: Any = None
        self._replan = False  # set when deadlines change outside the main loop: wait again with new timers
        self._seq = 0
        self._ids: dict[str, str | None] = {
            "enrolment_id": None,
            "cohort_id": None,
            "employer_id": None,
            "position_id": None,
            "consulate": None,
            "visa_valid_until": None,
            "visa_case_id": None,
        }
        self._round = 1
        self._visa: VisaOutcome | None = None
        self._follow_up: FollowUpOutcome | None = None
        self._children: dict[str, Any] = {}
        self._people_decide = False  # set in run(): False only for journeys recorded before the patch
        self._awaiting_officer = False  # a refused step waits for a case officer
        self._escalated = False  # the `Escalated` search attribute as last set
        self._certified = False  # the language certificate the visa needs (exam_passed)
        self._contract: dict[str, Any] = {}  # start, probation months and end of the signed contract
        self._visa_waits_for: tuple[str, str] | None = None  # (contract, employer) signed before the certificate
        self._steps = JourneySteps(journey, self._ids, self._deadlines)  # the service calls and deadlines
        self._job_search = False  # after completion: following the 12-month job search
        self._after_completion: str | None = None

    # --- signals, queries --------------------------------------------------------------------------

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

    @workflow.query
    def open_deadlines(self) -> list[Any]:
        """Deadlines still open (paused while on hold)."""
        return self._deadlines.views()

    @workflow.query
    def view(self) -> JourneyView:
        """Stage, hold, history, deadlines and the ids the journey knows."""
        return JourneyView(
            candidate_id=self._input.candidate_id,
            stage=self._stage,
            on_hold=self._on_hold_since is not None,
            history=list(self._history),
            deadlines=self._deadlines.views(),
            cohort_id=self._ids["cohort_id"],
            employer_id=self._ids["employer_id"],
            position_id=self._ids["position_id"],
            consulate=self._ids["consulate"],
            matching_round=self._round,
        )

    # --- case officers' actions: updates whose validators refuse bad requests before the history ------

    def _officer_event(self, cls: Any, request: Any, **fields: Any) -> Any:
        """The event that tells monitoring what a case officer did (who, why, when, in which stage)."""
        return cls(
            candidate_id=self._input.candidate_id,
            workflow_id=workflow.info().workflow_id,
            officer=request.officer,
            reason_code=request.reason_code.value,
            acted_at=workflow.now(),
            stage=self._stage.value,
            **fields,
        )

    async def _announce(self, event: Any) -> None:
        """Publish an officer's action in order with the journey's other events (journeys recorded before
        officer events existed publish nothing)."""
        if self._people_decide:
            await self._run_in_main_loop(lambda: self._publish(event))

    def _refuse_if_ended(self) -> None:
        if self._stage in TERMINAL_STAGES:
            raise ValueError(f"the journey has ended ({self._stage.value})")

    async def _run_in_main_loop(self, step: Command) -> None:
        """Let the main loop run an action's steps (activities in order with the facts), then return; a
        service's refusal fails the update with its reason, for the officer who asked."""
        done: list[Refused | None] = []

        async def run() -> None:
            try:
                await step()
                done.append(None)
            except Refused as refusal:
                done.append(refusal)

        self._commands.append(run)
        await workflow.wait_condition(lambda: bool(done))
        if done[0] is not None:
            raise ApplicationError(str(done[0]), done[0].reason_code, type="RequestRefused")

    @workflow.update
    async def extend_deadline(self, request: ExtendDeadline) -> JourneyView:
        """Give more time on an open deadline (clears a pending escalation)."""
        extended = self._deadlines.extend(request.deadline, request.extend_by_days, workflow.now())
        self._officer_acted()
        self._replan = True
        await self._announce(
            self._officer_event(
                DeadlineExtended,
                request,
                deadline=request.deadline,
                extended_by_days=request.extend_by_days,
                due_at=extended.due_at,
            )
        )
        return self.view()

    @extend_deadline.validator
    def _validate_extend(self, request: ExtendDeadline) -> None:
        self._refuse_if_ended()
        self._deadlines.check_extension(request.deadline, request.extend_by_days, workflow.now())

    @workflow.update
    async def withdraw(self, request: WithdrawJourney) -> JourneyView:
        """End the journey as WITHDRAWN; a held position is released first."""

        async def run() -> None:
            self._officer_acted()
            await self._compensate_enrolment()
            await self._compensate_position(request.reason_code.value)
            self._deadlines.close_all()
            if self._people_decide:
                await self._publish(self._officer_event(JourneyEndedByOfficer, request, outcome=S.WITHDRAWN.value))
            await self._enter(S.WITHDRAWN, f"officer_withdrew:{request.reason_code.value}:{request.officer}")

        await self._run_in_main_loop(run)
        return self.view()

    @withdraw.validator
    def _validate_withdraw(self, request: WithdrawJourney) -> None:
        self._refuse_if_ended()

    @workflow.update
    async def end_journey(self, request: EndJourney) -> JourneyView:
        """A case officer ends the journey with an outcome (TRAINING_FAILED, NOT_PLACED, DROPPED_OUT): the
        decision a lapsed deadline only escalates. Held places and enrolments are released first."""

        async def run() -> None:
            self._officer_acted()
            if self._ids.get("visa_case_id") and workflow.patched(VISA_CORRECTIONS_PATCH):
                await self._compensate_visa("JOURNEY_ENDED")
            await self._compensate_enrolment("JOURNEY_ENDED")
            await self._compensate_position(request.reason_code.value)
            self._deadlines.close_all()
            await self._publish(self._officer_event(JourneyEndedByOfficer, request, outcome=request.outcome.value))
            cause = f"officer_ended:{request.reason_code.value}:{request.officer}"
            await self._enter(request.outcome, cause)

        await self._run_in_main_loop(run)
        return self.view()

    @end_journey.validator
    def _validate_end_journey(self, request: EndJourney) -> None:
        self._refuse_if_ended()
        if request.outcome not in OFFICER_ENDINGS:
            raise ValueError(f"an officer ends a journey as one of {', '.join(s.value for s in OFFICER_ENDINGS)}")

    @workflow.update
    async def hold(self, request: HoldJourney) -> JourneyView:
        """Pause every deadline."""
        self._on_hold_since, self._replan = workflow.now(), True
        await self._announce(self._officer_event(JourneyHeld, request))
        return self.view()

    @hold.validator
    def _validate_hold(self, request: HoldJourney) -> None:
        self._refuse_if_ended()
        if self._on_hold_since is not None:
            raise ValueError("the journey is already on hold")

    @workflow.update
    async def resume(self, request: ResumeJourney) -> JourneyView:
        """Resume; open deadlines move by the time spent on hold."""
        held = workflow.now() - self._on_hold_since
        self._deadlines.shift(held)
        self._on_hold_since, self._replan = None, True
        await self._announce(self._officer_event(JourneyResumed, request, held_days=held.total_seconds() / 86400))
        return self.view()

    @resume.validator
    def _validate_resume(self, request: ResumeJourney) -> None:
        self._refuse_if_ended()
        if self._on_hold_since is None:
            raise ValueError("the journey is not on hold")

    @workflow.update
    async def reroute(self, request: RerouteJourney) -> JourneyView:
        """Another matching round, or back to language training, after a failed match; from the visa stage (a
        refused visa, a case that ended) another matching round, once the visa case and the place are undone."""

        async def run() -> None:
            self._officer_acted()
            if self._stage == S.VISA:
                await self._compensate_visa("JOURNEY_REROUTED")
                await self._compensate_position(request.reason_code.value)
                self._deadlines.close(dl.CONTRACT_TO_VISA)
            self._deadlines.close(dl.MATCHING)
            self._round += 1
            if self._people_decide:
                event = self._officer_event(
                    JourneyRerouted, request, target=request.target.value, matching_round=self._round
                )
                await self._publish(event)
            if request.target == S.MATCHING:
                await self._start_matching(f"rerouted:{request.reason_code.value}:{request.officer}")
            else:
                self._steps.open_b1_deadline()
                await self._enter(S.LANGUAGE_TRAINING, f"rerouted:{request.reason_code.value}:{request.officer}")
                await self._steps.enrol(self._input.occupation_codes[0], f"enrol-{self._round}")

        await self._run_in_main_loop(run)
        return self.view()

    @reroute.validator
    def _validate_reroute(self, request: RerouteJourney) -> None:
        self._refuse_if_ended()
        if self._stage == S.VISA and self._people_decide:
            if request.target != S.MATCHING:
                raise ValueError("from the visa stage a journey is re-routed to MATCHING (a new place)")
            return
        if self._stage != S.MATCHING:
            raise ValueError(f"re-routing is for a journey in MATCHING or VISA, not {self._stage.value}")
        if request.target not in (S.MATCHING, S.LANGUAGE_TRAINING):
            raise ValueError("re-route to MATCHING or LANGUAGE_TRAINING")

    # --- main loop ---------------------------------------------------------------------------------

    @workflow.run
    async def run(self, journey: JourneyInput) -> JourneyResult:
        self._people_decide = workflow.patched(PEOPLE_DECIDE_PATCH)
        workflow.upsert_search_attributes(
            [search.REGION.value_set(journey.region)]
            + ([search.OCCUPATION_CODE.value_set(journey.occupation_codes[0])] if journey.occupation_codes else [])
        )
        await self._enter(S.SUBMITTED, "application_submitted")
        while self._stage not in TERMINAL_STAGES or self._commands or self._job_search:
            try:
                await self._step()
            except Refused as refusal:  # a service said no: a case officer decides, the journey goes on
                await self._escalate_refusal(refusal)
            self._sync_escalated()
        if self._people_decide:
            self._stop_children()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return JourneyResult(
            candidate_id=journey.candidate_id,
            outcome=self._stage,
            history=self._history,
            after_completion=self._after_completion,
        )

    async def _step(self) -> None:
        """One turn of the main loop: a fact, an officer's action, a child's outcome, or waiting."""
        if self._pending:  # facts received before an action are applied before it
            await self._apply(self._pending.popleft())
        elif self._commands:
            await self._commands.popleft()()
        elif self._visa is not None:
            await self._on_visa_outcome(self._visa)
        elif self._follow_up is not None:
            outcome, self._follow_up = self._follow_up, None
            await self._enter(outcome.outcome, f"follow_up:{outcome.reason}")
            if outcome.outcome == S.COMPLETED:
                self._follow_job_search(outcome)
        else:
            await self._wait()

    def _follow_job_search(self, outcome: FollowUpOutcome) -> None:
        """After completion: up to 12 months to find skilled work (§16a permit extension); the journey records
        how it ends (employed, returned) and escalates once if nothing was reported by then."""
        days = self._input.parameters.job_search_days
        if not self._people_decide or days <= 0 or not workflow.patched(JOB_SEARCH_PATCH):
            return
        start = dl.day_start(outcome.completed_on) or workflow.now()
        self._deadlines.open(dl.JOB_SEARCH, start, timedelta(days=days))
        self._job_search = True

    async def _on_job_search_started(self, event: JobSearchStarted) -> bool:
        return True  # recorded by monitoring; the 12 months count from the completion

    async def _on_employed_as_skilled_worker(self, event: EmployedAsSkilledWorker) -> bool:
        self._end_job_search("EMPLOYED_AS_SKILLED_WORKER")
        return True

    async def _on_returned(self, event: Returned) -> bool:
        if self._job_search:
            self._end_job_search("RETURNED")
        return True

    def _end_job_search(self, how: str) -> None:
        if self._job_search:
            self._deadlines.close(dl.JOB_SEARCH)
            self._job_search, self._after_completion = False, how

    def _stop_children(self) -> None:
        """A journey that ends while a child still runs (an officer ended it) cancels the child."""
        for handle in self._children.values():
            if not handle.done():
                handle.cancel()

    def _sync_escalated(self) -> None:
        """`Escalated=true` while a lapsed deadline or a refused step waits for a case officer."""
        escalated = self._deadlines.escalated() or self._awaiting_officer
        if self._people_decide and escalated != self._escalated and self._stage not in TERMINAL_STAGES:
            self._escalated = escalated
            workflow.upsert_search_attributes([search.ESCALATED.value_set("true" if escalated else "false")])

    def _officer_acted(self) -> None:
        """Any case officer's action answers a refused step's escalation."""
        self._awaiting_officer = False

    async def _escalate_refusal(self, refusal: Refused) -> None:
        """Tell case officers (`deadline_escalated`, deadline `REQUEST_REFUSED`) what a service refused."""
        workflow.logger.warning("escalated: %s", refusal)
        self._awaiting_officer = True
        await self._escalate("REQUEST_REFUSED", workflow.now(), "escalation", refusal.reason_code)

    async def _escalate(self, code: str, due_at: datetime, level: str, reason_code: str | None = None) -> None:
        """Publish `deadline_escalated` for case officers: a deadline's reminder or escalation, or a refusal."""
        event = DeadlineEscalated(
            candidate_id=self._input.candidate_id,
            workflow_id=workflow.info().workflow_id,
            deadline=code,
            stage=self._stage.value,
            due_at=due_at,
            level=level,
            reason_code=reason_code,
        )
        await self._publish(event)

    async def _wait(self) -> None:
        fire_at = None if self._on_hold_since is not None else self._deadlines.next_fire_at()
        timeout = max(fire_at - workflow.now(), timedelta(seconds=1)) if fire_at else None
        self._replan = False
        try:
            await workflow.wait_condition(
                lambda: bool(
                    self._pending
                    or self._commands
                    or self._visa
                    or self._follow_up
                    or self._replan
                    or (self._stage in TERMINAL_STAGES and not self._job_search)
                ),
                timeout=timeout,
            )
        except TimeoutError:
            if self._on_hold_since is None:
                await self._fire_deadlines()

    async def _enter(self, stage: JourneyStage, cause: str | None) -> None:
        if self._history and stage == self._stage:
            return
        before = self._stage if self._history else None
        self._stage = stage
        self._history.append(StageEntry(stage=stage, entered_at=workflow.now(), cause=cause))
        self._pending.extendleft(reversed(self._deferred))  # facts that were waiting for a later stage
        self._deferred.clear()
        workflow.upsert_search_attributes([search.JOURNEY_STAGE.value_set(stage.value)])
        await self._publish(
            StageChanged(
                candidate_id=self._input.candidate_id,
                workflow_id=workflow.info().workflow_id,
                from_stage=before.value if before else None,
                to_stage=stage.value,
                changed_at=workflow.now(),
            )
        )

    async def _publish(self, event: Any) -> None:
        self._seq += 1
        await publish(event, self._seq)

    # --- facts -------------------------------------------------------------------------------------

    async def _apply(self, fact: JourneyFact) -> None:
        """Apply a fact; one that comes before its stage (topics are not ordered between services) waits."""
        if not await self._applied(fact) and (self._stage not in TERMINAL_STAGES or self._job_search):
            self._deferred.append(fact)

    async def _applied(self, fact: JourneyFact) -> bool:
        name = fact.event_type.split(".")[2]
        if self._stage == S.VISA and name in VISA_FACTS:
            await self._forward("visa", VisaProcessWorkflow.fact, fact)
            return True
        if self._stage == S.VISA and name == "contract_signed" and workflow.patched(VISA_CORRECTIONS_PATCH):
            await self._forward("visa", VisaProcessWorkflow.fact, fact)  # a corrected contract for the BA
            return True
        if self._stage in (S.ARRIVED, S.IN_TRAINING) and name in FOLLOW_UP_FACTS:
            await self._forward("follow_up", FollowUpWorkflow.fact, fact)
            if name in ("training_started", "probation_passed"):  # the first day at the company, or probation
                await self._enter(S.IN_TRAINING, name)
            return True
        event = parse_fact(fact)  # the contract model of exactly this type and version (a `.v2` is not a `.v1`)
        handler = HANDLERS.get(type(event)) if event is not None else None
        if handler is None:  # a child's fact that came before the child, or one the journey leaves alone
            return not (
                (name in VISA_FACTS and self._before(S.VISA)) or (name in FOLLOW_UP_FACTS and self._before(S.ARRIVED))
            )
        return bool(await handler(self, event))

    def _before(self, stage: JourneyStage) -> bool:
        """True while the journey has not reached the given stage yet."""
        return ORDER.index(self._stage) < ORDER.index(stage) if self._stage in ORDER else False

    async def _on_application_preselected(self, event: ApplicationPreselected) -> bool:
        if self._stage == S.SUBMITTED:
            await self._enter(S.PRESELECTED, "application_preselected")
            await self._steps.enrol(str(event.occupation_code or self._input.occupation_codes[0]), "enrol-1")
        return True

    async def _on_application_rejected(self, event: ApplicationRejected) -> bool:
        await self._enter(S.REJECTED, "application_rejected")
        return True

    async def _on_application_withdrawn(self, event: ApplicationWithdrawn) -> bool:
        if self._stage in BEFORE_ARRIVAL and self._ids.get("visa_case_id") and workflow.patched(VISA_CORRECTIONS_PATCH):
            await self._compensate_visa("CANDIDATE_WITHDREW")
        await self._compensate_enrolment()
        await self._compensate_position("CANDIDATE_WITHDREW")
        self._deadlines.close_all()
        await self._enter(S.WITHDRAWN, "application_withdrawn")
        return True

    async def _on_enrolled(self, event: Enrolled) -> bool:
        if self._before(S.PRESELECTED):
            return False
        self._ids["cohort_id"] = str(event.cohort_id)
        self._ids["enrolment_id"] = str(event.enrolment_id or self._ids["enrolment_id"])
        workflow.upsert_search_attributes([search.COHORT_ID.value_set(str(event.cohort_id))])
        if self._stage != S.PRESELECTED:  # a re-enrolment after a re-route: the B1 deadline is already open
            return True
        course_start = dl.day_start(event.starts_on) if self._people_decide else None
        self._steps.open_b1_deadline(course_start)  # counted from the course's start, not from when the fact arrived
        await self._enter(S.LANGUAGE_TRAINING, "enrolled")
        return True

    async def _on_exam_passed(self, event: ExamPassed) -> bool:
        if self._before(S.LANGUAGE_TRAINING):
            return False
        if not self._people_decide:  # journeys recorded before matching could start on a class assessment
            if str(event.level) in ("B1", "B2", "C1", "C2") and self._stage == S.LANGUAGE_TRAINING:
                self._deadlines.close(dl.B1)
                await self._start_matching("exam_passed")
            return True
        # training publishes exam_passed only when the mission's requirement is met: this is the certificate
        self._certified = True
        self._deadlines.close(dl.B1)
        if self._stage == S.LANGUAGE_TRAINING:
            await self._start_matching("exam_passed")
        elif self._visa_waits_for is not None:  # a contract signed before the certificate: the visa case now
            contract_id, employer_id = self._visa_waits_for
            self._visa_waits_for = None
            await self._steps.open_visa_case(contract_id, employer_id, self._contract)
        return True

    async def _on_level_reached(self, event: LevelReached) -> bool:
        """A class assessment at the programme's threshold starts matching before the certificate."""
        threshold = self._input.parameters.matching_from_level
        if not self._people_decide or threshold is None or self._stage != S.LANGUAGE_TRAINING:
            return True
        level = str(event.level)
        if level in LEVELS and LEVELS.index(level) >= LEVELS.index(threshold):
            await self._start_matching("level_reached")  # the B1 deadline stays open until the certificate
        return True

    async def _start_matching(self, cause: str) -> None:
        self._steps.open_matching_deadline()
        await self._enter(S.MATCHING, cause)
        await self._steps.request_matching(self._round)

    async def _on_training_dropped_out(self, event: TrainingDroppedOut) -> bool:
        if self._before(S.PRESELECTED):
            return False
        if self._stage in (S.PRESELECTED, S.LANGUAGE_TRAINING):
            self._deadlines.close(dl.B1)
            await self._enter(S.TRAINING_FAILED, "training_dropped_out")
        return True

    async def _on_offer_accepted(self, event: OfferAccepted) -> bool:
        self._ids["employer_id"], self._ids["position_id"] = str(event.employer_id), str(event.position_id)
        workflow.upsert_search_attributes([search.EMPLOYER_ID.value_set(str(event.employer_id))])
        return True

    async def _on_offer_withdrawn(self, event: OfferWithdrawn) -> bool:
        if self._before(S.MATCHING):
            return False
        if self._people_decide and self._stage in BEFORE_ARRIVAL:  # the visa case is open: undo it first
            self._ids["employer_id"], self._ids["position_id"] = str(event.employer_id), str(event.position_id)
            await self._undo_before_arrival("OFFER_WITHDRAWN")
            return True
        if self._stage not in (S.MATCHING, S.CONTRACT_SIGNED):
            return True
        self._ids["employer_id"], self._ids["position_id"] = str(event.employer_id), str(event.position_id)
        await self._compensate_position("OFFER_WITHDRAWN")
        self._deadlines.close(dl.CONTRACT_TO_VISA)
        self._round += 1
        await self._start_matching("offer_withdrawn")
        return True

    async def _on_contract_cancelled(self, event: ContractCancelled) -> bool:
        """A signed contract cancelled before arrival: undo the visa case and look for a new place at once
        (matching has given the place back already; a later release is a harmless repeat)."""
        if self._before(S.CONTRACT_SIGNED):
            return False
        if self._stage in BEFORE_ARRIVAL and str(event.position_id) == str(self._ids.get("position_id")):
            await self._undo_before_arrival("CONTRACT_CANCELLED")
        return True

    async def _on_training_terminated(self, event: TrainingTerminated) -> bool:
        """A termination before arrival is handled at once (after arrival the follow-up has it)."""
        arrival_waiting = any(f.event_type.endswith(".arrival_confirmed.v1") for f in self._deferred)
        if self._people_decide and self._stage in BEFORE_ARRIVAL and not arrival_waiting and self._visa is None:
            await self._undo_before_arrival("TERMINATED_BEFORE_ARRIVAL")
            return True
        return not self._before(S.ARRIVED)  # after an arrival still being recorded: it waits for it

    async def _undo_before_arrival(self, reason: str) -> None:
        """The place fell away after the contract: stop the visa process and cancel its case, release the
        position, and look for a new place (the next matching round)."""
        await self._compensate_visa(reason)
        await self._compensate_position(reason)
        self._deadlines.close(dl.CONTRACT_TO_VISA)
        self._round += 1
        await self._start_matching(reason.lower())

    async def _on_contract_signed(self, event: ContractSigned) -> bool:
        if self._before(S.MATCHING):
            return False
        if self._stage != S.MATCHING:
            return True
        p = self._input.parameters
        self._ids["employer_id"], self._ids["position_id"] = str(event.employer_id), str(event.position_id)
        workflow.upsert_search_attributes(
            [
                search.EMPLOYER_ID.value_set(str(event.employer_id)),
                search.OCCUPATION_CODE.value_set(str(event.occupation_code)),
            ]
        )
        self._deadlines.close(dl.MATCHING)
        self._deadlines.open(dl.CONTRACT_TO_VISA, workflow.now(), timedelta(days=p.contract_to_visa_due_days))
        keys = ("starts_on", "probation_months", "ends_on", "version", "accelerated_procedure")
        self._contract = {k: getattr(event, k, None) for k in keys}
        await self._enter(S.CONTRACT_SIGNED, "contract_signed")
        if self._people_decide and not self._certified:  # matching started on a class assessment
            self._visa_waits_for = (str(event.contract_id), str(event.employer_id))
            return True
        await self._steps.open_visa_case(str(event.contract_id), str(event.employer_id), self._contract)
        return True

    async def _on_visa_case_opened(self, event: VisaCaseOpened) -> bool:
        if self._before(S.CONTRACT_SIGNED):
            return False
        if self._stage != S.CONTRACT_SIGNED:
            return True
        self._ids["consulate"] = str(event.consulate)
        self._ids["visa_case_id"] = str(event.visa_case_id)
        workflow.upsert_search_attributes([search.CONSULATE.value_set(str(event.consulate))])
        await self._enter(S.VISA, "visa_case_opened")
        visa = VisaInput(
            candidate_id=self._input.candidate_id,
            visa_case_id=event.visa_case_id,
            consulate=str(event.consulate),
            accelerated=bool(event.accelerated),
            contract_id=event.contract_id,
            contract_version=int(self._contract.get("version") or 1),
            employer_id=self._ids["employer_id"],
            parameters=self._input.parameters,
        )
        await self._start_child("visa", VisaProcessWorkflow.run, visa, visa_workflow_id(self._input.candidate_id))
        return True

    async def _start_child(self, kind: str, run: Any, arg: Any, child_id: str) -> None:
        """Start a child (returns once it runs, so facts can be forwarded) and collect its result later."""
        handle = await workflow.start_child_workflow(
            run, arg, id=child_id, parent_close_policy=ParentClosePolicy.TERMINATE
        )
        self._children[kind] = handle

        async def follow() -> None:
            try:
                result = await handle
            except asyncio.CancelledError:  # the journey ended (an officer's decision) and stopped the child
                return
            except ChildWorkflowError as exc:  # a broken child must not leave the journey waiting forever
                if self._children.get(kind) is not handle:  # the journey stopped it (a place fell away)
                    return
                workflow.logger.error("child %s failed: %s", child_id, exc)
                result = (
                    VisaOutcome(granted=False, reason_code="VISA_PROCESS_FAILED")
                    if kind == "visa"
                    else FollowUpOutcome(outcome=S.DROPPED_OUT, reason="FOLLOW_UP_FAILED")
                )
            if kind == "visa":
                self._visa = result
            else:
                self._follow_up = result

        asyncio.create_task(follow())  # noqa: RUF006 - the workflow keeps running until the child reports

    async def _on_visa_outcome(self, outcome: VisaOutcome) -> None:
        self._visa = None
        self._deadlines.close(dl.CONTRACT_TO_VISA)
        if outcome.granted:
            self._ids["visa_valid_until"] = outcome.valid_until
            await self._enter(S.PRE_DEPARTURE, "visa_granted")
            await self._steps.start_predeparture(self._contract)
        elif self._people_decide and workflow.patched(VISA_CORRECTIONS_PATCH):
            # the case was cancelled in the visa service (or its process failed): a case officer decides
            # (re-route to the next matching round, or end the journey); the place is still held until then
            self._awaiting_officer = True
            await self._escalate("VISA_PROCESS_ENDED", workflow.now(), "escalation", outcome.reason_code)
        else:
            await self._compensate_position(f"VISA_REFUSED_{outcome.reason_code}"[:40])
            await self._enter(S.VISA_REFUSED, f"visa_refused:{outcome.reason_code}")

    async def _on_arrival_confirmed(self, event: ArrivalConfirmed) -> bool:
        if self._before(S.PRE_DEPARTURE):
            return False
        if self._stage != S.PRE_DEPARTURE:
            return True
        await self._enter(S.ARRIVED, "arrival_confirmed")
        valid = self._ids["visa_valid_until"]
        follow = FollowUpInput(
            candidate_id=self._input.candidate_id,
            employer_id=self._ids["employer_id"],
            arrived_on=event.arrived_on,
            visa_valid_until=date.fromisoformat(valid) if valid and valid != "None" else None,
            parameters=self._input.parameters,
            occupation_codes=self._input.occupation_codes,
            matching_round=self._round,
            contract_starts_on=dl.day(self._contract.get("starts_on")) if self._people_decide else None,
            probation_months=self._contract.get("probation_months") if self._people_decide else None,
            training_ends_on=dl.day(self._contract.get("ends_on")) if self._people_decide else None,
        )
        await self._start_child(
            "follow_up", FollowUpWorkflow.run, follow, follow_up_workflow_id(self._input.candidate_id)
        )
        return True

    async def _forward(self, kind: str, signal: Any, fact: JourneyFact) -> None:
        """Hand a fact to the running child; a child that has already finished has no use for it."""
        handle = self._children.get(kind)
        if handle is None:
            workflow.logger.warning("no %s child for %s", kind, fact.event_type)
            return
        try:
            await handle.signal(signal, fact)
        except Exception as exc:  # the child completed in the meantime
            workflow.logger.warning("could not forward %s to %s: %s", fact.event_type, kind, exc)

    async def _compensate_enrolment(self, reason: str = "CANDIDATE_WITHDREW") -> None:
        """Cancel the language enrolment of a candidate who leaves before the course is over."""
        enrolment = self._ids.get("enrolment_id")
        if not enrolment or self._stage not in (S.PRESELECTED, S.LANGUAGE_TRAINING):
            return
        if not workflow.patched(CANCEL_ENROLMENT_PATCH):  # journeys recorded before this compensation existed
            return
        await self._compensating(self._steps.cancel_enrolment(enrolment, reason))
        self._ids["enrolment_id"] = None

    async def _compensate_visa(self, reason: str) -> None:
        """Stop the visa process and cancel its case (a place that fell away, a withdrawal, an officer's end)."""
        visa = self._children.pop("visa", None)
        if visa is not None and not visa.done():
            visa.cancel()
        self._visa = None
        case = self._ids.get("visa_case_id")
        if case:
            await self._compensating(self._steps.cancel_visa_case(case, reason))
            self._ids["visa_case_id"] = None

    async def _compensate_position(self, reason: str) -> None:
        """Release the position the candidate holds, if any; matching informs the employer."""
        position, employer = self._ids["position_id"], self._ids["employer_id"]
        if not position or not employer or self._stage in (S.ARRIVED, S.IN_TRAINING):
            return
        await self._compensating(self._steps.release_position(position, employer, reason))
        self._ids["position_id"] = None

    async def _compensating(self, step: Any) -> None:
        """A compensation a service refuses is escalated; what the journey was doing goes on (a withdrawal
        still ends it): undoing is best effort, and a case officer sees what was not undone."""
        try:
            await step
        except Refused as refusal:
            await self._escalate_refusal(refusal)

    # --- deadlines ---------------------------------------------------------------------------------

    async def _fire_deadlines(self) -> None:
        for deadline, firing in self._deadlines.fire(workflow.now(), decide_on_lapse=not self._people_decide):
            if firing is dl.Firing.LAPSE and deadline.lapse_outcome:
                self._deadlines.close(deadline.code)
                await self._compensate_position(f"DEADLINE_{deadline.code}"[:40])
                await self._enter(JourneyStage(deadline.lapse_outcome), f"deadline_lapsed:{deadline.code}")
                return
            await self._escalate(deadline.code, deadline.due_at, firing.value)
            if deadline.code == dl.JOB_SEARCH and firing is dl.Firing.ESCALATION:
                self._end_job_search("NOT_REPORTED")  # a record, not a decision: officers were told once


#: Typed dispatch: each fact class the journey handles itself, to its handler (the event's version is part of
#: its class: a `.v2` type is another class and is not handled as `.v1`).
HANDLERS: dict[type[Event], Callable[[ApprenticeJourneyWorkflow, Any], Awaitable[bool]]] = {
    ApplicationPreselected: ApprenticeJourneyWorkflow._on_application_preselected,
    ApplicationRejected: ApprenticeJourneyWorkflow._on_application_rejected,
    ApplicationWithdrawn: ApprenticeJourneyWorkflow._on_application_withdrawn,
    Enrolled: ApprenticeJourneyWorkflow._on_enrolled,
    ExamPassed: ApprenticeJourneyWorkflow._on_exam_passed,
    LevelReached: ApprenticeJourneyWorkflow._on_level_reached,
    TrainingDroppedOut: ApprenticeJourneyWorkflow._on_training_dropped_out,
    OfferAccepted: ApprenticeJourneyWorkflow._on_offer_accepted,
    OfferWithdrawn: ApprenticeJourneyWorkflow._on_offer_withdrawn,
    ContractSigned: ApprenticeJourneyWorkflow._on_contract_signed,
    ContractCancelled: ApprenticeJourneyWorkflow._on_contract_cancelled,
    VisaCaseOpened: ApprenticeJourneyWorkflow._on_visa_case_opened,
    ArrivalConfirmed: ApprenticeJourneyWorkflow._on_arrival_confirmed,
    TrainingTerminated: ApprenticeJourneyWorkflow._on_training_terminated,
    JobSearchStarted: ApprenticeJourneyWorkflow._on_job_search_started,
    EmployedAsSkilledWorker: ApprenticeJourneyWorkflow._on_employed_as_skilled_worker,
    Returned: ApprenticeJourneyWorkflow._on_returned,
}
#: Facts the journey subscribes to and deliberately leaves alone (recorded by their services; the start signal).
IGNORED: tuple[type[Event], ...] = (
    ApplicationSubmitted,
    ExamFailed,
    AttendanceBelowThreshold,
    OfferDeclined,
    PredepartureCompleted,
)
#: Every catalog event type the journey listens to (the bridge subscribes to exactly these).
JOURNEY_FACTS = frozenset(cls.TYPE for cls in (*HANDLERS, *VISA_PROCESS_CLASSES, *FOLLOW_UP_CLASSES, *IGNORED))
