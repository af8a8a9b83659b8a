"""The read models from every topic: one de-identified row per person, exam sittings, the ledger's lines.

Dates come from the facts (the date inside the event; the envelope's time where an event has none). Applying
the same topics to an empty database gives the same rows: each handler sets values from its event alone, or
folds them in an order-independent way (earliest date, keyed sums). The inbox keeps a redelivery out.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts import applications as app_ev
from contracts import journey as journey_ev
from contracts import matching as matching_ev
from contracts import monitoring as mon_ev
from contracts import training as training_ev
from contracts import visa as visa_ev
from contracts.base import Event
from contracts.envelope import Envelope
from services.common.consumer import PermanentError
from services.monitoring.domain import CaseStatus, Payer, decimal_to_cents, payer_of
from services.monitoring.handlers.ledger import raise_alert, store_line
from services.monitoring.reference import ReferenceData
from services.monitoring.tables import ExamStatsRecord, FollowUpCaseRecord, PersonStatsRecord

STATISTICAL_FIELDS = ("sex", "age_band", "education_isced", "citizenship", "country_of_residence", "country_of_birth")
LEFT_STAGES = frozenset({"REJECTED", "WITHDRAWN", "TRAINING_FAILED", "NOT_PLACED", "VISA_REFUSED", "DROPPED_OUT"})
_exam = ExamStatsRecord.__table__  # type: ignore[attr-defined]
_person = PersonStatsRecord.__table__  # type: ignore[attr-defined]
_LINES = uuid.UUID("8b1f4f5e-7c53-4d0e-9d51-7f2b2e6c0a11")  # namespace of line ids derived from event ids


def _earliest(current: date | None, new: date | None) -> date | None:
    return min(d for d in (current, new) if d is not None) if (current or new) else None


class StatisticsProjection:
    """Event handlers that keep the read models; each runs in the consumer's transaction for the message."""

    def __init__(self, reference: ReferenceData) -> None:
        self.ref = reference

    def handlers(self) -> dict[str, Any]:
        person: dict[type[Event], Any] = {
            app_ev.ApplicationSubmitted: self.submitted,
            app_ev.ApplicationPreselected: self.preselected,
            app_ev.ApplicationRejected: lambda p, e, env: self._left(p, e.decided_at.date(), "REJECTED"),
            app_ev.ApplicationWithdrawn: lambda p, e, env: self._left(p, e.withdrawn_at.date(), "WITHDRAWN"),
            app_ev.StatisticalProfileRecorded: self.profile,
            app_ev.ConsentChanged: self.consent,
            training_ev.Enrolled: self.enrolled,
            training_ev.AttendanceRecorded: self.attendance,
            training_ev.TrainingDroppedOut: lambda p, e, env: self._left(p, e.dropped_on, "LANGUAGE_TRAINING"),
            matching_ev.OfferAccepted: lambda p, e, env: setattr(
                p, "matched_on", _earliest(p.matched_on, env.time.date())
            ),
            matching_ev.ContractSigned: self.contract,
            visa_ev.VisaGranted: lambda p, e, env: setattr(
                p, "visa_on", _earliest(p.visa_on, e.decided_on or e.valid_from)
            ),
            mon_ev.Departed: lambda p, e, env: setattr(p, "departed_on", e.departed_on),
            mon_ev.ArrivalConfirmed: self.arrived,
            mon_ev.ProbationPassed: lambda p, e, env: setattr(p, "probation_passed_on", e.passed_on),
            mon_ev.TrainingStarted: lambda p, e, env: setattr(
                p, "in_training_on", _earliest(p.in_training_on, e.started_on)
            ),
            mon_ev.TrainingTerminated: self.terminated,
            mon_ev.TrainingCompleted: self.completed,
            mon_ev.EmployedAsSkilledWorker: lambda p, e, env: setattr(p, "employed_on", e.employed_on),
            mon_ev.Returned: lambda p, e, env: setattr(p, "returned_on", e.returned_on),
            mon_ev.FirstMonthEarningsRecorded: self.earnings,
            journey_ev.StageChanged: self.stage,
            journey_ev.JourneyResumed: self.resumed,
        }
        table: dict[str, Any] = {cls.TYPE: self._on_person(handler) for cls, handler in person.items()}
        table[training_ev.ExamPassed.TYPE] = self.exam
        table[training_ev.ExamFailed.TYPE] = self.exam
        table[training_ev.ExamRegistered.TYPE] = self.exam_fee
        table[visa_ev.VisaCostRecorded.TYPE] = self.visa_cost
        table[mon_ev.CostRecorded.TYPE] = self.cost
        table[matching_ev.ContractSigned.TYPE] = self._chain(table[matching_ev.ContractSigned.TYPE], self.replacement)
        return table

    @staticmethod
    def _chain(*steps: Any) -> Any:
        async def apply(event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
            for step in steps:
                await step(event, envelope, session)

        return apply

    def _on_person(self, handler: Any) -> Any:
        async def apply(event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
            assert session is not None
            candidate_id = getattr(event, "candidate_id")  # noqa: B009
            # the row first (two topics' partitions may bring the same person's first facts at once), then lock it
            blank = {"candidate_id": candidate_id, "terminations": [], "held_days": {}, "periods": {},
                     "replacements": 0, "attendance_held": 0, "attendance_attended": 0}  # fmt: skip
            await session.exec(insert(_person).values(**blank).on_conflict_do_nothing())
            person = await session.get(PersonStatsRecord, candidate_id, with_for_update=True, populate_existing=True)
            assert person is not None
            handler(person, event, envelope)
            session.add(person)

        return apply

    # --- the person's facts ------------------------------------------------------------------------------------

    def submitted(self, p: PersonStatsRecord, e: app_ev.ApplicationSubmitted, env: Envelope) -> None:
        p.programme_id, p.region, p.applied_on, p.eligible = e.programme_id, e.region, e.submitted_at.date(), e.eligible
        p.occupation = p.occupation or (e.occupation_codes[0] if e.occupation_codes else None)

    def preselected(self, p: PersonStatsRecord, e: app_ev.ApplicationPreselected, env: Envelope) -> None:
        p.preselected_on = e.decided_at.date()
        p.occupation = p.occupation if p.contract_on else e.occupation_code

    def profile(self, p: PersonStatsRecord, e: app_ev.StatisticalProfileRecorded, env: Envelope) -> None:
        for name in STATISTICAL_FIELDS:
            setattr(p, name, getattr(e, name))

    def consent(self, p: PersonStatsRecord, e: app_ev.ConsentChanged, env: Envelope) -> None:
        if e.purpose == "statistics" and not e.granted:  # revoked: counted as "not stated" from now on
            for name in STATISTICAL_FIELDS:
                setattr(p, name, None)

    def enrolled(self, p: PersonStatsRecord, e: training_ev.Enrolled, env: Envelope) -> None:
        p.cohort_id, p.enrolled_on = str(e.cohort_id), _earliest(p.enrolled_on, e.starts_on)

    def attendance(self, p: PersonStatsRecord, e: training_ev.AttendanceRecorded, env: Envelope) -> None:
        periods = dict(p.periods)  # keyed by period: a corrected period replaces the earlier figures
        periods[f"{e.enrolment_id}:{e.period_start}"] = [e.sessions_held, e.sessions_attended]
        p.periods = periods
        p.attendance_held = sum(v[0] for v in periods.values())
        p.attendance_attended = sum(v[1] for v in periods.values())

    def contract(self, p: PersonStatsRecord, e: matching_ev.ContractSigned, env: Envelope) -> None:
        if p.terminations and p.arrived_on:
            p.replacements += 1
        p.contract_on = _earliest(p.contract_on, e.signed_on)
        p.employer_id, p.land, p.occupation = e.employer_id, e.land, e.occupation_code
        p.training_starts_on, p.monthly_pay_cents = e.starts_on, e.monthly_pay_year1_cents

    def arrived(self, p: PersonStatsRecord, e: mon_ev.ArrivalConfirmed, env: Envelope) -> None:
        p.arrived_on, p.land = e.arrived_on, e.land
        p.departed_on = p.departed_on or e.arrived_on

    def terminated(self, p: PersonStatsRecord, e: mon_ev.TrainingTerminated, env: Envelope) -> None:
        entry = {"on": e.terminated_on.isoformat(), "initiated_by": e.initiated_by, "reason_code": e.reason_code,
                 "during_probation": e.during_probation, "at_fault": e.trainee_at_fault}  # fmt: skip
        p.terminations = sorted([*p.terminations, entry], key=lambda t: t["on"])

    def completed(self, p: PersonStatsRecord, e: mon_ev.TrainingCompleted, env: Envelope) -> None:
        if e.final_exam_passed:
            p.completed_on = e.completed_on

    def earnings(self, p: PersonStatsRecord, e: mon_ev.FirstMonthEarningsRecorded, env: Envelope) -> None:
        p.first_month_eur_cents = self.ref.rates.eur_cents(e.gross_cents, e.currency)

    def stage(self, p: PersonStatsRecord, e: journey_ev.StageChanged, env: Envelope) -> None:
        if e.to_stage == "IN_TRAINING":
            p.in_training_on = _earliest(p.in_training_on, e.changed_at.date())
        elif e.to_stage in LEFT_STAGES and p.left_on is None:
            p.left_on, p.left_stage = e.changed_at.date(), e.from_stage

    def resumed(self, p: PersonStatsRecord, e: journey_ev.JourneyResumed, env: Envelope) -> None:
        p.held_days = {**p.held_days, e.stage: round(p.held_days.get(e.stage, 0.0) + e.held_days, 3)}

    @staticmethod
    def _left(p: PersonStatsRecord, on: date, stage: str) -> None:
        if p.left_on is None:
            p.left_on, p.left_stage = on, stage

    # --- exams and the ledger ----------------------------------------------------------------------------------

    async def exam(self, event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
        assert session is not None
        e: Any = event
        passed = isinstance(e, training_ev.ExamPassed)
        modules = {r.module.value: r.passed for r in e.module_results}
        row = {"exam_id": e.exam_id, "candidate_id": e.candidate_id, "level": e.level.value, "taken_on": e.taken_on,
               "passed": passed, "modules": modules}  # fmt: skip
        await session.exec(insert(_exam).values(**row).on_conflict_do_update(index_elements=["exam_id"], set_=row))
        if passed and e.level.value in ("B1", "B2", "C1", "C2"):
            await self._on_person(lambda p, ev, env: setattr(p, "b1_on", _earliest(p.b1_on, ev.taken_on)))(
                event, envelope, session
            )

    async def _line(self, session: AsyncSession | None, line: dict[str, Any]) -> None:
        assert session is not None
        if line["currency"] not in self.ref.rates.to_eur:  # no booking rate: a dead letter, replayed once one is added
            raise PermanentError(f"no booking rate for {line['currency']}")
        try:
            payer = payer_of(str(line["payer"]))
        except ValueError:  # a payer the ledger does not know: a dead letter for an officer to look at
            raise PermanentError(f"unknown payer {line['payer']!r}") from None
        await store_line(session, self.ref, {**line, "payer": payer.value})
        if line["reimburses"] is None and payer is Payer.WORKER:  # once per line (unique)
            await raise_alert(session, line["candidate_id"], "FR-01", line["incurred_on"], cost_id=line["id"])

    async def exam_fee(self, event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
        e: Any = event
        await self._line(session, {
            "id": uuid.uuid5(_LINES, envelope.id), "candidate_id": e.candidate_id, "source": "training",
            "category": "exam_fee", "amount_cents": decimal_to_cents(e.fee_amount), "currency": e.fee_currency,
            "incurred_on": e.sitting_on, "payee": e.provider, "payer": e.fee_payer.value, "reimburses": None,
        })  # fmt: skip

    async def visa_cost(self, event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
        e: Any = event
        await self._line(session, {
            "id": e.cost_line_id, "candidate_id": e.candidate_id, "source": "visa", "category": e.category,
            "amount_cents": e.amount_cents, "currency": e.currency, "incurred_on": e.incurred_on, "payee": None,
            "payer": e.payer, "reimburses": None,
        })  # fmt: skip

    async def cost(self, event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
        e: Any = event
        await self._line(session, {
            "id": e.cost_id, "candidate_id": e.candidate_id, "source": "monitoring", "category": e.category,
            "amount_cents": e.amount_cents, "currency": e.currency,
            "incurred_on": e.incurred_on or envelope.time.date(), "payee": e.payee, "payer": e.payer,
            "reimburses": e.reimburses,
        })  # fmt: skip

    async def replacement(self, event: Event, envelope: Envelope, session: AsyncSession | None) -> None:
        """Casework: a new contract during the search period continues the follow-up with the new employer."""
        assert session is not None
        e: Any = event
        case = await session.get(FollowUpCaseRecord, e.candidate_id, with_for_update=True)
        if (
            case is not None
            and case.status == CaseStatus.SEARCHING
            and e.signed_on >= (case.terminated_on or e.signed_on)
        ):
            case.status, case.employer_id, case.training_starts_on = CaseStatus.IN_TRAINING, e.employer_id, e.starts_on
            session.add(case)
