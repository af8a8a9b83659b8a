"""The demo's language-training stage, as a case officer and a trainer drive it over the training API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any, TypeVar

import httpx

MODULES = ("reading", "listening", "writing", "speaking")
T = TypeVar("T")


async def poll(look: Callable[[], Awaitable[T | None]], what: str, timeout_s: float = 60) -> T:
    """What `look` finds (anything but None), asked every 0.3 s; a TimeoutError naming `what` after timeout_s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        found = await look()
        if found is not None:
            return found
        await asyncio.sleep(0.3)
    raise TimeoutError(f"{what} within {timeout_s:.0f}s")


def _ok(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code >= 300:
        raise RuntimeError(f"{what} failed: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body


async def plan_cohort(officer: httpx.AsyncClient, site: str = "goethe-casablanca") -> dict[str, Any]:
    """A B1 cohort of 26 weeks starting in two weeks at a provider's site in the candidate's region."""
    starts = date.today() + timedelta(days=14)
    body = {"site": site, "starts_on": str(starts), "weeks": 26, "hours_per_week": 25, "total_hours": 600,
            "capacity": 20, "target_level": "B1", "trainers": ["demo-trainer"]}  # fmt: skip
    return _ok(await officer.post("/v1/cohorts", json=body), "planning a cohort")


async def wait_for_enrolment(officer: httpx.AsyncClient, candidate_id: str, timeout_s: float = 60) -> dict[str, Any]:
    """The candidate's enrolment, once the journey has asked for it."""

    async def look() -> dict[str, Any] | None:
        page = _ok(await officer.get("/v1/enrolments", params={"candidate_id": candidate_id}), "listing enrolments")
        return dict(page["items"][0]) if page["items"] else None

    return await poll(look, f"no enrolment for candidate {candidate_id}", timeout_s)


async def attend(trainer: httpx.AsyncClient, cohort_id: str, enrolment_id: str, days: int = 3) -> dict[str, Any]:
    """A few sessions with the candidate present; returns the attendance over the period."""
    starts = date.today() + timedelta(days=14)
    for day in range(days):
        body = {"held_on": str(starts + timedelta(days=day)), "hours": 5,
                "attendance": [{"enrolment_id": enrolment_id, "present": True}]}  # fmt: skip
        _ok(await trainer.post(f"/v1/cohorts/{cohort_id}/sessions", json=body), "recording a session")
    params = {"period_end": str(starts + timedelta(days=days - 1))}
    return _ok(await trainer.get(f"/v1/enrolments/{enrolment_id}/attendance", params=params), "reading attendance")


async def sit_exam(officer: httpx.AsyncClient, enrolment_id: str, on: date, *failed: str) -> dict[str, Any]:
    """Register a Goethe B1 sitting (paid by the programme) and record its four module results."""
    body = {"enrolment_id": enrolment_id, "provider": "goethe", "level": "B1", "sitting_on": str(on),
            "fee_amount": "2300.00", "fee_currency": "MAD", "fee_payer": "programme"}  # fmt: skip
    exam = _ok(await officer.post("/v1/exams", json=body), "registering an exam")
    results = {m: {"score": 40 if m in failed else 75, "max_score": 100, "passed": m not in failed} for m in MODULES}
    return _ok(await officer.post(f"/v1/exams/{exam['id']}/results", json=results), "recording exam results")
