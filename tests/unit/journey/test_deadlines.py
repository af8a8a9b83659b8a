"""Journey deadlines as data: reminders, escalations, lapses, extensions and holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflows.deadlines import B1, DeadlineError, Deadlines, Firing

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def b1() -> Deadlines:
    d = Deadlines(decision_window=30 * DAY)
    d.open(B1, T0, 274 * DAY, reminder_in=182 * DAY, max_in=548 * DAY, lapse_outcome="TRAINING_FAILED")
    return d


def test_reminder_then_escalation_then_escalation_again_never_an_outcome() -> None:
    d = b1()
    assert d.next_fire_at() == T0 + 182 * DAY
    assert [f for _, f in d.fire(T0 + 182 * DAY)] == [Firing.REMINDER]
    assert d.next_fire_at() == T0 + 274 * DAY
    assert [f for _, f in d.fire(T0 + 274 * DAY)] == [Firing.ESCALATION]
    assert d.escalated() and d.next_fire_at() == T0 + 304 * DAY
    assert [f for _, f in d.fire(T0 + 304 * DAY)] == [Firing.ESCALATION]  # a case officer decides, not the timer
    assert d.next_fire_at() == T0 + 334 * DAY


def test_journeys_recorded_before_people_decided_lapse_into_their_outcome() -> None:
    d = b1()
    d.fire(T0 + 274 * DAY)
    assert [f for _, f in d.fire(T0 + 304 * DAY, decide_on_lapse=True)] == [Firing.LAPSE]


def test_a_deadline_without_lapse_outcome_escalates_again() -> None:
    d = Deadlines(decision_window=10 * DAY)
    d.open("X", T0, 5 * DAY)
    d.fire(T0 + 5 * DAY)
    assert [f for _, f in d.fire(T0 + 15 * DAY)] == [Firing.ESCALATION]


def test_extension_clears_the_escalation_and_respects_the_maximum() -> None:
    d = b1()
    d.fire(T0 + 274 * DAY)
    extended = d.extend(B1, 90, T0 + 280 * DAY)
    assert extended.due_at == T0 + 370 * DAY and extended.escalated_at is None and extended.extensions == 1
    with pytest.raises(DeadlineError, match="may not go past"):
        d.check_extension(B1, 200, T0 + 300 * DAY)
    with pytest.raises(DeadlineError, match="no open deadline 'NOPE'"):
        d.check_extension("NOPE", 1, T0)


def test_a_hold_moves_every_time() -> None:
    d = b1()
    d.shift(10 * DAY)
    view = d.views()[0]
    assert view.due_at == T0 + 284 * DAY and view.reminder_at == T0 + 192 * DAY


def test_closing_removes_it() -> None:
    d = b1()
    assert d.close(B1) and not d.close(B1)
    assert d.next_fire_at() is None
