"""Case officer actions on a journey, as workflow updates whose validators refuse bad requests early.

A mixin of ApprenticeJourneyWorkflow: validators run before anything is written to the history, so a
refused action leaves no trace; accepted ones that need activities run them in the main loop, in order
with the facts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.journey import (
        OFFICER_ENDINGS,
        TERMINAL_STAGES,
        DeadlineExtended,
        EndJourney,
        ExtendDeadline,
        HoldJourney,
        JourneyEndedByOfficer,
        JourneyHeld,
        JourneyRerouted,
        JourneyResumed,
        JourneyStage,
        JourneyView,
        RerouteJourney,
        ResumeJourney,
        WithdrawJourney,
    )
    from workflows import deadlines as dl
    from workflows.steps import VISA_CORRECTIONS_PATCH, Refused

S = JourneyStage
Command = Callable[[], Awaitable[Any]]


class OfficerActions:
    """Updates and validators; the journey provides the state and steps they use."""

    _stage: JourneyStage
    _deadlines: dl.Deadlines
    _commands: deque[Command]
    _on_hold_since: Any
    _replan: bool
    _round: int
    _input: Any
    _ids: dict[str, str | None]

    def view(self) -> JourneyView:
        raise NotImplementedError

    def _officer_acted(self) -> None:
        raise NotImplementedError

    _people_decide: bool

    async def _publish(self, event: Any) -> None:
        raise NotImplementedError

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

    async def _compensate_position(self, reason: str) -> None:
        raise NotImplementedError

    async def _compensate_visa(self, reason: str) -> None:
        raise NotImplementedError

    async def _compensate_enrolment(self, reason: str = "CANDIDATE_WITHDREW") -> None:
        raise NotImplementedError

    async def _enter(self, stage: JourneyStage, cause: str | None) -> None:
        raise NotImplementedError

    async def _start_matching(self, cause: str) -> None:
        raise NotImplementedError

    def _open_b1_deadline(self) -> None:
        raise NotImplementedError

    async def _enrol(self, occupation: str, step: str) -> None:
        raise NotImplementedError

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
        """Another matching round, or back to language training, after a failed match."""

        async def run() -> None:
            self._officer_acted()
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
                self._open_b1_deadline()
                await self._enter(S.LANGUAGE_TRAINING, f"rerouted:{request.reason_code.value}:{request.officer}")
                await self._enrol(self._input.occupation_codes[0], f"enrol-{self._round}")

        await self._run_in_main_loop(run)
        return self.view()

    @reroute.validator
    def _validate_reroute(self, request: RerouteJourney) -> None:
        self._refuse_if_ended()
        if self._stage != S.MATCHING:
            raise ValueError(f"re-routing is for a journey in MATCHING, not {self._stage.value}")
        if request.target not in (S.MATCHING, S.LANGUAGE_TRAINING):
            raise ValueError("re-route to MATCHING or LANGUAGE_TRAINING")
