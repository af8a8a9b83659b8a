"""FollowUpWorkflow: arrival tasks, probation, periodic check-ins over the training years, early termination.

One run per training year (continue-as-new), so the history stays small over 3 years. An early termination
that is not the trainee's fault opens the 6-month search (§16a(4) AufenthG): a new contract continues the
training with the new employer; no contract in time ends it as DROPPED_OUT.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Coroutine
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.activities import FollowUpTaskRequest, MatchRequest
    from contracts.journey import (
        DeadlineEscalated,
        DeadlineView,
        FollowUpInput,
        FollowUpOutcome,
        JourneyFact,
        JourneyStage,
    )
    from workflows import deadlines as dl
    from workflows.activities import JourneyActivities
    from workflows.steps import FRONT_LOADED_CHECKINS_PATCH, PEOPLE_DECIDE_PATCH, Refused, call, publish, step_key


@workflow.defn
class FollowUpWorkflow:
    """Tasks and timers from arrival to the end of the Ausbildung."""

    @workflow.init
    def __init__(self, follow: FollowUpInput) -> None:
        p = follow.parameters
        self._input = follow
        self._pending: deque[JourneyFact] = deque()
        self._seen = set(follow.seen)
        self._seen_order = list(follow.seen)  # oldest first: the newest are carried across continue-as-new
        self._employer = follow.employer_id
        self._searching = follow.searching
        self._deadlines = dl.Deadlines(decision_window=timedelta(days=p.decision_window_days))
        self._deadlines.items = {view.code: dl.Deadline.from_view(view) for view in follow.deadlines}
        self._seq = 0
        self._outcome: FollowUpOutcome | None = None
        self._people_decide = False  # set in run(): False only for runs recorded before the patch
        self._front_loaded = False  # likewise: monthly check-ins first
        self._completion_escalated_at: datetime | None = None

    @workflow.signal
    def fact(self, fact: JourneyFact) -> None:
        if fact.event_id not in self._seen:
            self._seen.add(fact.event_id)
            self._seen_order.append(fact.event_id)
            self._pending.append(fact)

    @workflow.query
    def open_deadlines(self) -> list[DeadlineView]:
        return self._deadlines.views()

    @workflow.run
    async def run(self, follow: FollowUpInput) -> FollowUpOutcome:
        self._people_decide = workflow.patched(PEOPLE_DECIDE_PATCH)
        self._front_loaded = workflow.patched(FRONT_LOADED_CHECKINS_PATCH)
        p, now = follow.parameters, workflow.now()
        started = follow.started_at or now
        next_checkin = follow.next_checkin_at or now + self._checkin_interval(now)
        if follow.run == 1:
            await self._guarded(self._arrival_tasks(follow, now))
        year_end = now + timedelta(days=365)
        while self._outcome is None:
            wake = min(t for t in (self._deadlines.next_fire_at(), next_checkin, year_end) if t is not None)
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: bool(self._pending), timeout=max(wake - workflow.now(), timedelta(seconds=1))
                )
            while self._pending and self._outcome is None:
                await self._guarded(self._apply(self._pending.popleft()))
            now = workflow.now()
            await self._fire(now)
            if self._outcome is None and now >= next_checkin:
                await self._guarded(self._task("checkin", now.date() + timedelta(days=7), f"checkin-{now.date()}"))
                next_checkin = now + self._checkin_interval(now)
            if self._outcome is None and self._completion_overdue(now, started):
                await self._no_completion_report(now, p.decision_window_days)
            if self._outcome is None and now >= year_end:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    follow.model_copy(
                        update={
                            "run": follow.run + 1,
                            "started_at": started,
                            "deadlines": self._deadlines.views(),
                            "next_checkin_at": next_checkin,
                            "searching": self._searching,
                            "employer_id": self._employer,
                            "seen": self._seen_order[-200:],
                            "matching_round": self._input.matching_round,
                        }
                    )
                )
        return self._outcome

    def _checkin_interval(self, now: datetime) -> timedelta:
        """Monthly in the first months after arrival (front-loaded), then the programme's interval."""
        p = self._input.parameters
        if self._front_loaded:
            arrived = dl.day_start(self._input.arrived_on) or now
            if now - arrived < timedelta(days=round(p.checkin_monthly_until_month * 30.44)):
                return timedelta(days=p.checkin_monthly_days)
        return timedelta(days=p.checkin_interval_days)

    def _completion_overdue(self, now: datetime, started: datetime) -> bool:
        """A year after the training's end (as contracted, else the programme's length) with no completion."""
        p, ends = self._input.parameters, self._input.training_ends_on
        if self._people_decide and ends is not None:
            end = dl.day_start(ends)
            return end is not None and now >= end + timedelta(days=365)
        return now - started >= timedelta(days=p.training_days + 365)

    async def _no_completion_report(self, now: datetime, window_days: int) -> None:
        """No completion reported a year after the training's planned end: a case officer is asked (again
        after each decision window); runs recorded before people decided ended as DROPPED_OUT."""
        if not self._people_decide:
            self._outcome = FollowUpOutcome(
                outcome=JourneyStage.DROPPED_OUT, reason="NO_COMPLETION_REPORTED", employer_id=self._employer
            )
            return
        last = self._completion_escalated_at
        if last is None or now - last >= timedelta(days=window_days):
            self._completion_escalated_at = now
            await self._escalate("COMPLETION_NOT_REPORTED", now)

    async def _escalate(
        self, code: str, due_at: datetime, level: str = "escalation", reason_code: str | None = None
    ) -> None:
        """Publish `deadline_escalated` for case officers (a deadline, a refusal, a review)."""
        self._seq += 1
        event = DeadlineEscalated(
            candidate_id=self._input.candidate_id,
            workflow_id=workflow.info().workflow_id,
            deadline=code,
            stage=JourneyStage.IN_TRAINING.value,
            due_at=due_at,
            level=level,
            reason_code=reason_code,
        )
        await publish(event, self._seq)

    async def _guarded(self, step: Coroutine[Any, Any, None]) -> None:
        """Run a step; a service's refusal escalates to a case officer (`REQUEST_REFUSED`) and the run goes on."""
        try:
            await step
        except Refused as refusal:
            workflow.logger.warning("escalated: %s", refusal)
            await self._escalate("REQUEST_REFUSED", workflow.now(), reason_code=refusal.reason_code)

    async def _arrival_tasks(self, follow: FollowUpInput, now: datetime) -> None:
        p = follow.parameters
        arrived = (dl.day_start(follow.arrived_on) or now) if self._people_decide else now
        self._deadlines.open(dl.ADDRESS_REGISTRATION, arrived, timedelta(days=p.address_registration_days))
        await self._task(
            "address_registration",
            follow.arrived_on + timedelta(days=p.address_registration_days),
            "address-registration",
        )
        if follow.visa_valid_until:
            permit_due = datetime.combine(follow.visa_valid_until, datetime.min.time(), now.tzinfo)
            permit_due -= timedelta(days=p.residence_permit_margin_days)
            self._deadlines.open(dl.RESIDENCE_PERMIT, now, max(permit_due - now, timedelta(days=1)))
            await self._task("residence_permit", permit_due.date(), "residence-permit")
        self._open_probation(now)

    def _open_probation(self, now: datetime) -> None:
        """Probation ends the contract's probation months after the contract's start (not after arrival)."""
        follow, p = self._input, self._input.parameters
        start = dl.day_start(follow.contract_starts_on) if follow.contract_starts_on else None
        if self._people_decide and start is not None and follow.probation_months:
            end = dl.add_months(start, follow.probation_months)
            self._deadlines.open(dl.PROBATION_END, now, max(end - now, timedelta(seconds=1)))
        else:
            self._deadlines.open(dl.PROBATION_END, now, timedelta(days=p.probation_days))

    async def _task(self, task: str, due_on: date, step: str) -> None:
        await call(
            JourneyActivities.create_follow_up_task,
            FollowUpTaskRequest(
                candidate_id=self._input.candidate_id,
                idempotency_key=step_key(f"{self._input.run}:{step}"),
                task=task,
                due_on=due_on,
                employer_id=UUID(self._employer) if self._employer else None,
            ),
        )

    async def _apply(self, fact: JourneyFact) -> None:
        name, data, now = fact.event_type.split(".")[2], fact.data, workflow.now()
        p = self._input.parameters
        if name == "address_registered":
            self._deadlines.close(dl.ADDRESS_REGISTRATION)
        elif name == "residence_permit_applied" and self._people_decide:
            self._deadlines.close(dl.RESIDENCE_PERMIT)  # applied before the visa expired: the deadline is met
        elif name == "residence_permit_issued":
            self._deadlines.close(dl.RESIDENCE_PERMIT)
            valid_until = dl.day_start(data.get("valid_until")) if self._people_decide else None
            if valid_until is not None:  # a renewal reminder before the permit runs out
                renew_by = valid_until - timedelta(days=p.permit_renewal_margin_days)
                self._deadlines.open(dl.PERMIT_RENEWAL, now, max(renew_by - now, timedelta(seconds=1)))
                await self._task("residence_permit_renewal", renew_by.date(), f"permit-renewal-{fact.event_id}")
        elif name == "probation_passed":
            self._deadlines.close(dl.PROBATION_END)
        elif name == "training_completed" and self._people_decide and not data.get("final_exam_passed"):
            # a failed final exam is not a completion: the training extends to the next retake, at most a
            # year (§21(3) BBiG); the retake's pass completes it, a lapsed year escalates
            if dl.FINAL_EXAM_RETAKE not in self._deadlines.items:
                self._deadlines.open(dl.FINAL_EXAM_RETAKE, now, timedelta(days=p.final_exam_retake_days))
                due = (now + timedelta(days=p.final_exam_retake_days)).date()
                await self._task("final_exam_retake", due, f"retake-{fact.event_id}")
        elif name == "training_completed":
            self._deadlines.close(dl.FINAL_EXAM_RETAKE)
            self._outcome = FollowUpOutcome(
                outcome=JourneyStage.COMPLETED,
                reason="FINAL_EXAM_PASSED" if data.get("final_exam_passed") else "COMPLETED_WITHOUT_FINAL_EXAM",
                employer_id=self._employer,
                completed_on=dl.day(data.get("completed_on")),
            )
        elif name == "training_terminated":
            if data.get("trainee_at_fault"):
                if not self._people_decide:  # runs recorded before people decided every ending
                    self._outcome = FollowUpOutcome(
                        outcome=JourneyStage.DROPPED_OUT,
                        reason="TERMINATED_TRAINEE_AT_FAULT",
                        employer_id=self._employer,
                    )
                    return
                await self._escalate("TERMINATION_REVIEW", now)  # the search starts; an officer may end it
            self._searching = True
            self._input = self._input.model_copy(update={"matching_round": self._input.matching_round + 1})
            self._deadlines.close(dl.PROBATION_END)
            # the six months count from the contract's last day, not from when the fact arrived
            ended = (dl.day_start(data.get("terminated_on")) or now) if self._people_decide else now
            self._deadlines.open(
                dl.REPLACEMENT_SEARCH,
                ended,
                timedelta(days=p.search_period_days),
                lapse_outcome=JourneyStage.DROPPED_OUT.value,
            )
            await self._task(
                "replacement_search", (ended + timedelta(days=p.search_period_days)).date(), f"search-{fact.event_id}"
            )
            await call(
                JourneyActivities.request_matching,
                MatchRequest(
                    candidate_id=self._input.candidate_id,
                    idempotency_key=step_key(f"rematch-{fact.event_id}"),
                    occupation_codes=self._input.occupation_codes,
                    round=self._input.matching_round,
                ),
            )
        elif name == "contract_signed" and self._searching:
            self._searching = False
            self._employer = str(data.get("employer_id"))
            self._deadlines.close(dl.REPLACEMENT_SEARCH)
            if self._people_decide:  # the new contract's own start, probation and end
                contract = {
                    "contract_starts_on": dl.day(data.get("starts_on")),
                    "probation_months": data.get("probation_months"),
                    "training_ends_on": dl.day(data.get("ends_on")),
                }
                self._input = self._input.model_copy(update=contract)
            self._open_probation(now)

    async def _fire(self, now: datetime) -> None:
        for deadline, firing in self._deadlines.fire(now, decide_on_lapse=not self._people_decide):
            lapsed_search = deadline.code == dl.REPLACEMENT_SEARCH and firing is dl.Firing.ESCALATION
            if firing is dl.Firing.LAPSE or (lapsed_search and not self._people_decide):
                # no new training place within the search period: the residence purpose ends
                self._outcome = FollowUpOutcome(
                    outcome=JourneyStage.DROPPED_OUT, reason="NO_NEW_PLACE_IN_TIME", employer_id=self._employer
                )
                return
            await self._escalate(deadline.code, deadline.due_at, level=firing.value)
