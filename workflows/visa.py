"""VisaProcessWorkflow: labour-market approval (with the deemed approval), the optional §81a procedure,
appointment, lodging and the decision, for one visa case.

The visa service keeps the case and computes every date an authority must keep from its reference data; the
facts carry those dates and this workflow keeps the timers:

- a BA request not answered by its `deemed_on` day is deemed approved (the workflow asks the visa service to
  record it: a durable timer, not a cron);
- a BA refusal asks matching for a corrected contract while attempts are left; the re-signed version is
  resubmitted; no attempts left, or no corrected contract in time, escalates to a case officer;
- §81a: no appointment by the pre-approval's `appointment_due_on`, or no decision by `decision_due_on`,
  escalates;
- a refused visa escalates at once (there is no remonstration since 1 July 2025): a new application or an
  action at VG Berlin within one month is a person's decision; a lapsed month escalates again.

It never decides an outcome: it returns when the visa is granted or the case is cancelled, and the journey
stops it when an officer ends the journey or the place falls away.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts import activities as api
    from contracts.journey import DeadlineEscalated, JourneyFact, JourneyStage, VisaInput, VisaOutcome
    from contracts.matching import ContractSigned
    from contracts.visa import (
        AcceleratedProcedureAgreed,
        AppointmentBooked,
        CourtActionFiled,
        LabourApprovalDeemed,
        LabourApprovalGranted,
        LabourApprovalRefused,
        LabourApprovalRequested,
        PreapprovalIssued,
        ReapplicationLodged,
        VisaCaseCancelled,
        VisaGranted,
        VisaLodged,
        VisaRefused,
    )
    from workflows import deadlines as dl
    from workflows import search
    from workflows.activities import JourneyActivities
    from workflows.steps import Refused, call, parse_fact, publish, step_key

#: Deadline codes of the visa process (published in `deadline_escalated`).
DEEMED = "LABOUR_APPROVAL_DEEMED"
CORRECTION = "CORRECTED_CONTRACT"
APPOINTMENT = "APPOINTMENT_WITHIN_3_WEEKS_81A"
DECISION = "VISA_DECISION"
COURT_ACTION = "COURT_ACTION_WITHIN_1_MONTH"

#: Fact classes this workflow handles; the journey forwards them while it is in its VISA stage.
FACT_CLASSES: tuple[type[Any], ...] = (
    AcceleratedProcedureAgreed,
    LabourApprovalRequested,
    LabourApprovalGranted,
    LabourApprovalDeemed,
    LabourApprovalRefused,
    ContractSigned,
    PreapprovalIssued,
    AppointmentBooked,
    VisaLodged,
    ReapplicationLodged,
    VisaRefused,
    CourtActionFiled,
    VisaGranted,
    VisaCaseCancelled,
)
#: Their event names (`thamm.<service>.<name>.v1`), as the journey's routing uses them.
FACTS = frozenset(cls.TYPE.split(".")[2] for cls in FACT_CLASSES)


@workflow.defn
class VisaProcessWorkflow:
    """Follows one visa case until the visa is granted or the case is cancelled."""

    @workflow.init
    def __init__(self, visa: VisaInput) -> None:
        self._visa = visa
        self._pending: deque[JourneyFact] = deque()
        self._steps: list[str] = []
        self._deadlines = dl.Deadlines(decision_window=timedelta(days=visa.parameters.decision_window_days))
        self._version = visa.contract_version
        self._attempt = 0  # the BA request last made
        self._approved = False
        self._outcome: VisaOutcome | None = None
        self._seq = 0
        self._escalated = False  # the `Escalated` search attribute as last set
        self._awaiting_officer = False  # a refusal (BA, visa, a service) waits for a case officer's next step

    @workflow.signal
    def fact(self, fact: JourneyFact) -> None:
        self._pending.append(fact)

    @workflow.query
    def steps(self) -> list[str]:
        return list(self._steps)

    @workflow.query
    def open_deadlines(self) -> list[Any]:
        return self._deadlines.views()

    @workflow.run
    async def run(self, visa: VisaInput) -> VisaOutcome:
        workflow.upsert_search_attributes([search.VISA_STEP.value_set("opened")])
        if not visa.accelerated:  # §81a: the ABH asks the BA once the procedure is agreed
            await self._guarded(self._request_approval(self._version))
        while self._outcome is None:
            fire_at = self._deadlines.next_fire_at()
            timeout = max(fire_at - workflow.now(), timedelta(seconds=1)) if fire_at else None
            try:
                await workflow.wait_condition(lambda: bool(self._pending), timeout=timeout)
            except TimeoutError:
                await self._fire()
                continue
            await self._guarded(self._apply(self._pending.popleft()))
            self._sync_escalated()
        return self._outcome

    # --- facts ----------------------------------------------------------------------------------------

    async def _apply(self, fact: JourneyFact) -> None:
        event: Any = parse_fact(fact)
        handler = self._handlers().get(type(event)) if event is not None else None
        if handler is None or (not isinstance(event, ContractSigned) and event.visa_case_id != self._visa.visa_case_id):
            return  # not a visa-process fact, or another case's (an earlier, cancelled case of the candidate)
        name = fact.event_type.split(".")[2]
        self._steps.append(name)
        self._awaiting_officer = False  # the case moved on: whatever waited was answered
        if not isinstance(event, ContractSigned):
            workflow.upsert_search_attributes([search.VISA_STEP.value_set(name)])
        await handler(event)

    def _handlers(self) -> dict[type[Any], Callable[[Any], Awaitable[None]]]:
        """Typed dispatch: each fact class to its handler (the journey forwards exactly these)."""
        return {
            AcceleratedProcedureAgreed: self._on_agreed,
            LabourApprovalRequested: self._on_approval_requested,
            LabourApprovalGranted: self._on_approved,
            LabourApprovalDeemed: self._on_approved,
            LabourApprovalRefused: self._on_approval_refused,
            ContractSigned: self._on_contract_signed,
            PreapprovalIssued: self._on_preapproval,
            AppointmentBooked: self._on_appointment_booked,
            VisaLodged: self._on_lodged,
            ReapplicationLodged: self._on_lodged,
            VisaRefused: self._on_refused,
            CourtActionFiled: self._on_court_action,
            VisaGranted: self._on_granted,
            VisaCaseCancelled: self._on_cancelled,
        }

    async def _on_agreed(self, event: AcceleratedProcedureAgreed) -> None:
        if self._attempt == 0:
            await self._request_approval(self._version)

    async def _on_approval_requested(self, event: LabourApprovalRequested) -> None:
        self._attempt = max(self._attempt, event.attempt)
        self._open_at(DEEMED, event.deemed_on)

    async def _on_approved(self, event: LabourApprovalGranted | LabourApprovalDeemed) -> None:
        self._approved = True
        self._deadlines.close(DEEMED)

    async def _on_approval_refused(self, event: LabourApprovalRefused) -> None:
        self._deadlines.close(DEEMED)
        if event.attempts_left <= 0 or self._visa.contract_id is None:
            await self._escalate("LABOUR_APPROVAL_REFUSED", workflow.now(), reason_code=event.reason_code)
            return
        await call(
            JourneyActivities.request_contract_correction,
            api.ContractCorrectionRequest(
                candidate_id=self._visa.candidate_id,
                idempotency_key=step_key(f"correction-{event.attempt}"),
                contract_id=self._visa.contract_id,
                reason_code=event.reason_code[:60],
            ),
        )
        p = self._visa.parameters
        self._deadlines.open(CORRECTION, workflow.now(), timedelta(days=p.contract_correction_days))

    async def _on_contract_signed(self, event: ContractSigned) -> None:
        """A corrected contract was signed (a new version of the case's contract): resubmit it to the BA."""
        if event.contract_id != self._visa.contract_id or event.version <= self._version:
            return
        self._version = event.version
        if self._deadlines.close(CORRECTION) or not self._approved:
            await self._request_approval(self._version)

    async def _on_preapproval(self, event: PreapprovalIssued) -> None:
        self._open_at(APPOINTMENT, event.appointment_due_on)

    async def _on_appointment_booked(self, event: AppointmentBooked) -> None:
        self._deadlines.close(APPOINTMENT)

    async def _on_lodged(self, event: VisaLodged | ReapplicationLodged) -> None:
        self._deadlines.close(COURT_ACTION)
        self._open_at(DECISION, event.decision_due_on)

    async def _on_refused(self, event: VisaRefused) -> None:
        self._deadlines.close(DECISION)
        self._open_at(COURT_ACTION, event.court_action_until)
        await self._escalate("VISA_REFUSED", workflow.now(), reason_code=event.reason_code)

    async def _on_court_action(self, event: CourtActionFiled) -> None:
        self._deadlines.close(COURT_ACTION)  # the court decides; an officer enters its outcome

    async def _on_granted(self, event: VisaGranted) -> None:
        self._deadlines.close_all()
        self._outcome = VisaOutcome(granted=True, valid_until=event.valid_until.isoformat(), steps=self._steps)

    async def _on_cancelled(self, event: VisaCaseCancelled) -> None:
        self._deadlines.close_all()
        self._outcome = VisaOutcome(granted=False, cancelled=True, reason_code=event.reason_code, steps=self._steps)

    async def _request_approval(self, version: int) -> None:
        await call(
            JourneyActivities.request_labour_approval,
            api.LabourApprovalRequest(
                candidate_id=self._visa.candidate_id,
                idempotency_key=step_key(f"labour-approval-v{version}"),
                visa_case_id=self._visa.visa_case_id,
                contract_version=version,
            ),
        )

    # --- deadlines ------------------------------------------------------------------------------------

    def _open_at(self, code: str, due: object) -> None:
        """A deadline on the day a fact names (midnight UTC at its end), counted from the fact, not from now."""
        start = dl.day_start(due) if due is not None else None
        if start is None:
            return
        now = workflow.now()
        self._deadlines.open(code, now, max(start + timedelta(days=1) - now, timedelta(seconds=1)))

    async def _fire(self) -> None:
        for deadline, firing in self._deadlines.fire(workflow.now()):
            if deadline.code == DEEMED and firing is dl.Firing.ESCALATION:
                self._deadlines.close(DEEMED)
                await self._guarded(self._record_deemed())
            elif firing is not dl.Firing.REMINDER:
                await self._escalate(deadline.code, deadline.due_at)
        self._sync_escalated()

    async def _record_deemed(self) -> None:
        await call(
            JourneyActivities.record_deemed_approval,
            api.DeemedApprovalRequest(
                candidate_id=self._visa.candidate_id,
                idempotency_key=step_key(f"deemed-{self._attempt}"),
                visa_case_id=self._visa.visa_case_id,
                attempt=self._attempt,
            ),
        )

    # --- escalation -----------------------------------------------------------------------------------

    async def _guarded(self, step: Any) -> None:
        """Run a step; a service's refusal escalates (`REQUEST_REFUSED`) and the process goes on."""
        try:
            await step
        except Refused as refusal:
            workflow.logger.warning("escalated: %s", refusal)
            await self._escalate("REQUEST_REFUSED", workflow.now(), reason_code=refusal.reason_code)

    async def _escalate(self, code: str, due_at: datetime, reason_code: str | None = None) -> None:
        """Publish `deadline_escalated` for a case officer; the visa child never decides an outcome."""
        self._seq += 1
        event = DeadlineEscalated(
            candidate_id=self._visa.candidate_id,
            workflow_id=workflow.info().workflow_id,
            deadline=code,
            stage=JourneyStage.VISA.value,
            due_at=due_at,
            level="escalation",
            reason_code=reason_code[:120] if reason_code else None,
        )
        await publish(event, self._seq)
        if code not in (DEEMED, CORRECTION, APPOINTMENT, DECISION, COURT_ACTION):
            self._awaiting_officer = True
        self._sync_escalated()

    def _sync_escalated(self) -> None:
        """`Escalated=true` on this workflow while a lapsed deadline or a refusal waits for a case officer."""
        escalated = self._deadlines.escalated() or self._awaiting_officer
        if escalated != self._escalated:
            self._escalated = escalated
            workflow.upsert_search_attributes([search.ESCALATED.value_set("true" if escalated else "false")])
