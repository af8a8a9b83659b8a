"""Journey deadlines as plain data: open, close, extend, pause; which reminders and escalations are due.

No Temporal here: the workflows keep a Deadlines object in their state and ask it when to wake up next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from contracts.journey import DeadlineView

B1 = "B1_WITHIN_9_MONTHS"
MATCHING = "MATCHING_WITHIN_3_MONTHS"
CONTRACT_TO_VISA = "CONTRACT_TO_VISA_4_MONTHS"
ADDRESS_REGISTRATION = "ADDRESS_REGISTRATION_14_DAYS"
RESIDENCE_PERMIT = "RESIDENCE_PERMIT_BEFORE_VISA_EXPIRY"
PERMIT_RENEWAL = "RESIDENCE_PERMIT_RENEWAL"
FINAL_EXAM_RETAKE = "FINAL_EXAM_RETAKE_WITHIN_1_YEAR"
PROBATION_END = "PROBATION_END"
REPLACEMENT_SEARCH = "REPLACEMENT_WITHIN_6_MONTHS"
JOB_SEARCH = "JOB_SEARCH_WITHIN_12_MONTHS"


def day_start(value: object) -> datetime | None:
    """Midnight (UTC) of a date given as a date or ISO text: deadlines count from the date in the fact."""
    from datetime import UTC

    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        parsed = date.fromisoformat(str(value))
    except ValueError:
        return None
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)


def day(value: object) -> date | None:
    """The date of a fact's date field (None when absent or not a date)."""
    start = day_start(value) if value is not None else None
    return start.date() if start is not None else None


def add_months(start: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    import calendar

    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


class Firing(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"
    LAPSE = "lapse"  # the decision window passed with no decision


@dataclass
class Deadline:
    code: str
    due_at: datetime
    reminder_at: datetime | None = None
    max_due_at: datetime | None = None
    lapse_outcome: str | None = None
    reminded: bool = False
    escalated_at: datetime | None = None
    decision_due_at: datetime | None = None
    extensions: int = 0

    def view(self) -> DeadlineView:
        return DeadlineView(
            code=self.code,
            due_at=self.due_at,
            reminder_at=self.reminder_at,
            escalated_at=self.escalated_at,
            decision_due_at=self.decision_due_at,
            extensions=self.extensions,
            lapse_outcome=self.lapse_outcome,
            max_due_at=self.max_due_at,
            reminded=self.reminded,
        )

    @classmethod
    def from_view(cls, view: DeadlineView) -> Deadline:
        """The deadline back from its view (carried across continue-as-new)."""
        return cls(**view.model_dump())


class DeadlineError(ValueError):
    """A requested change to a deadline is not allowed."""


@dataclass
class Deadlines:
    """The open deadlines of one workflow."""

    decision_window: timedelta
    items: dict[str, Deadline] = field(default_factory=dict)

    def open(
        self,
        code: str,
        now: datetime,
        due_in: timedelta,
        *,
        reminder_in: timedelta | None = None,
        max_in: timedelta | None = None,
        lapse_outcome: str | None = None,
    ) -> Deadline:
        deadline = Deadline(
            code=code,
            due_at=now + due_in,
            reminder_at=now + reminder_in if reminder_in else None,
            max_due_at=now + max_in if max_in else None,
            lapse_outcome=lapse_outcome,
        )
        self.items[code] = deadline
        return deadline

    def close(self, code: str) -> bool:
        return self.items.pop(code, None) is not None

    def check_extension(self, code: str, days: int, now: datetime) -> datetime:
        """The new due date of an extension, or DeadlineError saying why not."""
        deadline = self.items.get(code)
        if deadline is None:
            open_codes = ", ".join(self.items) or "none"
            raise DeadlineError(f"no open deadline {code!r} (open: {open_codes})")
        new_due = max(deadline.due_at, now) + timedelta(days=days)
        if deadline.max_due_at is not None and new_due > deadline.max_due_at:
            raise DeadlineError(f"{code} may not go past {deadline.max_due_at.date().isoformat()}")
        return new_due

    def extend(self, code: str, days: int, now: datetime) -> Deadline:
        new_due = self.check_extension(code, days, now)
        deadline = self.items[code]
        deadline.due_at, deadline.escalated_at, deadline.decision_due_at = new_due, None, None
        deadline.extensions += 1
        return deadline

    def shift(self, delta: timedelta) -> None:
        """Move every open deadline (after a hold)."""
        for d in self.items.values():
            d.due_at += delta
            d.reminder_at = d.reminder_at + delta if d.reminder_at else None
            d.decision_due_at = d.decision_due_at + delta if d.decision_due_at else None
            d.max_due_at = d.max_due_at + delta if d.max_due_at else None

    def next_fire_at(self) -> datetime | None:
        times: list[datetime] = []
        for d in self.items.values():
            if d.reminder_at and not d.reminded:
                times.append(d.reminder_at)
            times.append(d.decision_due_at if d.escalated_at and d.decision_due_at else d.due_at)
        return min(times) if times else None

    def fire(self, now: datetime, *, decide_on_lapse: bool = False) -> list[tuple[Deadline, Firing]]:
        """Advance every deadline whose time has come; returns what fired, in due order. A lapsed decision
        window escalates again (`decide_on_lapse` keeps the old automatic outcome for recorded journeys)."""
        fired: list[tuple[Deadline, Firing]] = []
        for d in sorted(self.items.values(), key=lambda x: x.due_at):
            if d.reminder_at and not d.reminded and d.reminder_at <= now and d.escalated_at is None:
                d.reminded = True
                fired.append((d, Firing.REMINDER))
            if d.escalated_at is None and d.due_at <= now:
                d.escalated_at, d.decision_due_at = now, now + self.decision_window
                fired.append((d, Firing.ESCALATION))
            elif d.escalated_at is not None and d.decision_due_at and d.decision_due_at <= now:
                if d.lapse_outcome and decide_on_lapse:  # journeys recorded before people decided all endings
                    fired.append((d, Firing.LAPSE))
                else:  # a timer never decides: escalate again, for a case officer
                    d.escalated_at, d.decision_due_at = now, now + self.decision_window
                    fired.append((d, Firing.ESCALATION))
        return fired

    def escalated(self) -> bool:
        """Whether any open deadline is escalated and waits for a case officer."""
        return any(d.escalated_at is not None for d in self.items.values())

    def close_all(self) -> None:
        self.items.clear()

    def views(self) -> list[DeadlineView]:
        return [d.view() for d in sorted(self.items.values(), key=lambda x: x.due_at)]
